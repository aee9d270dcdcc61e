"""The EPCIS 2.0 XML binding's elements read as JSON-LD members (:mod:`.xml` parses the document and calls this;
docs/EPCIS.md "XML documents" says what becomes what). Pure Python."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element

from ..chain.errors import FieldProblem
from ..chain.pointer import pointer as json_pointer
from .hash import canonical_value, cbv_terms

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_WRAPPERS = ("extension", "baseExtension")
_SCALARS = ("eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "parentID", "action", "transformationID")
_VOCABULARY = {"bizStep": "bizStep", "disposition": "disposition"}
_EPC_LISTS = ("epcList", "inputEPCList", "outputEPCList", "childEPCs")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_PAIR_LISTS = {
    "bizTransactionList": ("bizTransaction", "bizTransactionType"),
    "sourceList": ("source", "sourceOrDestinationType"),
    "destinationList": ("destination", "sourceOrDestinationType"),
}
_NUMBERS = frozenset({"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "quantity"})
_REPORT_VOCABULARY = {"type": "measurementType", "exception": "exception", "component": "component"}
_VOCABULARY_PREFIXES = (("cbv:", "https://ref.gs1.org/cbv/"), ("gs1:", "https://gs1.org/voc/"))


def split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        iri, _, local = tag[1:].partition("}")
        return iri, local
    return "", tag


class Reader:
    """Reads events element by element, collecting the prefixes it names members with, each member's XML line
    (by JSON Pointer) and every problem."""

    def __init__(self, lines: Mapping[Element, int], declared: list[tuple[str, str]]) -> None:
        self.element_lines = lines
        self.declared = declared
        self.prefixes: dict[str, str] = {}  # namespace IRI → prefix
        self.lines: dict[str, int] = {}
        self.problems: list[FieldProblem] = []

    # --- names -------------------------------------------------------------------------------------------
    def name(self, tag: str) -> str:
        """A member name: the local name of an EPCIS element, ``prefix:local`` of an element in a namespace."""
        iri, local = split(tag)
        if not iri:
            return local
        if iri not in self.prefixes:
            taken = set(self.prefixes.values())
            wanted = [p for p, i in self.declared if i == iri and p] or ["ns"]
            prefix = next((p for p in wanted if p not in taken), None)
            n = 1
            while prefix is None or prefix in taken:
                prefix, n = f"{wanted[0]}{n}", n + 1
            self.prefixes[iri] = prefix
        return f"{self.prefixes[iri]}:{local}"

    def context(self) -> list[Any]:
        inline = {prefix: iri for iri, prefix in self.prefixes.items()}
        return [EPCIS_CONTEXT, inline] if inline else [EPCIS_CONTEXT]

    def refuse(self, where: str, element: Element | None, detail: str) -> None:
        line = self.element_lines.get(element) if element is not None else None
        self.problems.append(FieldProblem(where, f"line {line}: {detail}" if line else detail))

    def note(self, where: str, element: Element) -> None:
        if element in self.element_lines:
            self.lines[where] = self.element_lines[element]

    # --- values ------------------------------------------------------------------------------------------
    @staticmethod
    def text(element: Element) -> str:
        return (element.text or "").strip()

    @staticmethod
    def term(value: str, vocabulary: str) -> str:
        """A CBV or GS1 vocabulary value as JSON-LD writes it: its bare term when it is one of the vocabulary's."""
        uri = canonical_value(value) if value.startswith("urn:epcglobal:cbv:") else value
        for prefix, iri in _VOCABULARY_PREFIXES:
            if uri.startswith(prefix):
                uri = iri + uri[len(prefix) :]
        bare = {v: k for k, v in cbv_terms().get(vocabulary, {}).items()}
        return bare.get(uri, value)

    def number(self, value: str, where: str, element: Element) -> Any:
        try:
            number = float(value)
        except ValueError:
            self.refuse(where, element, f"{value!r} is not a number")
            return value
        if not math.isfinite(number):
            self.refuse(where, element, f"{value!r} is not a finite number")
            return value
        return int(value) if value.lstrip("+-").isdigit() else number

    def boolean(self, value: str, where: str, element: Element) -> Any:
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        self.refuse(where, element, f"{value!r} is not a boolean (true or false)")
        return value

    # --- structure ---------------------------------------------------------------------------------------
    @staticmethod
    def children(element: Element) -> list[Element]:
        """The element's children, ``extension``/``baseExtension`` wrappers dissolved into them."""
        out: list[Element] = []
        for child in element:
            if child.tag in _WRAPPERS:
                out.extend(Reader.children(child))
            else:
                out.append(child)
        return out

    def add(self, target: dict[str, Any], name: str, value: Any, *, repeatable: bool = True) -> None:
        if name in target and repeatable:
            current = target[name]
            target[name] = [*current, value] if isinstance(current, list) else [current, value]
        else:
            target[name] = value

    def extension(self, element: Element, where: str) -> Any:
        """A user extension element: its text, or an object of its attributes and children."""
        self.note(where, element)
        members: dict[str, Any] = {}
        for key, value in element.attrib.items():
            members[self.name(key)] = value
        for child in self.children(element):
            name = self.name(child.tag)
            self.add(members, name, self.extension(child, json_pointer([name], where)))
        text = self.text(element)
        if not members:
            return text
        if text:
            members["#text"] = text
        return members

    def members(self, element: Element, where: str, known: Any, target: dict[str, Any]) -> None:
        """The standard members ``known`` (name → reader) and any user extension of ``element`` into ``target``."""
        for child in self.children(element):
            iri, local = split(child.tag)
            if iri:
                name = self.name(child.tag)
                self.add(target, name, self.extension(child, json_pointer([name], where)))
            elif local in known:
                at = json_pointer([local], where)
                self.note(at, child)
                known[local](child, at, target)
            else:
                self.refuse(json_pointer([local], where), child, f"<{local}> is not an EPCIS 2.0 element here")

    def attributes(self, element: Element, where: str, target: dict[str, Any]) -> None:
        for key, value in element.attrib.items():
            name = self.name(key)
            at = json_pointer([name], where)
            if name in _NUMBERS:
                target[name] = self.number(value, at, element)
            elif name == "booleanValue":
                target[name] = self.boolean(value, at, element)
            elif name in _REPORT_VOCABULARY:
                target[name] = self.term(value, _REPORT_VOCABULARY[name])
            else:
                target[name] = value
        for child in self.children(element):  # extension elements inside sensorMetadata or sensorReport
            name = self.name(child.tag)
            self.add(target, name, self.extension(child, json_pointer([name], where)))

    def event(self, element: Element, where: str) -> dict[str, Any]:
        self.note(where, element)
        event: dict[str, Any] = {"type": split(element.tag)[1]}
        self.members(element, where, self.event_readers(), event)
        return event

    def event_readers(self) -> dict[str, Any]:
        def scalar(child: Element, at: str, target: dict[str, Any]) -> None:
            target[child.tag] = self.text(child)

        def vocabulary(child: Element, at: str, target: dict[str, Any]) -> None:
            target[child.tag] = self.term(self.text(child), _VOCABULARY[child.tag])

        def certification(child: Element, at: str, target: dict[str, Any]) -> None:
            self.add(target, "certificationInfo", self.text(child))

        def epcs(child: Element, at: str, target: dict[str, Any]) -> None:
            items = []
            for n, epc in enumerate(self.children(child)):
                if epc.tag != "epc":
                    self.refuse(f"{at}/{n}", epc, f"<{epc.tag}> is not an EPC (<epc>)")
                items.append(self.text(epc))
            target[child.tag] = items

        def quantities(child: Element, at: str, target: dict[str, Any]) -> None:
            items = []
            for n, element in enumerate(self.children(child)):
                item: dict[str, Any] = {}
                self.note(f"{at}/{n}", element)
                if element.tag != "quantityElement":
                    self.refuse(f"{at}/{n}", element, f"<{element.tag}> is not a <quantityElement>")
                self.members(element, f"{at}/{n}", self.quantity_readers(), item)
                items.append(item)
            target[child.tag] = items

        def pairs(child: Element, at: str, target: dict[str, Any]) -> None:
            value_name, vocabulary_name = _PAIR_LISTS[child.tag]
            items = []
            for n, entry in enumerate(self.children(child)):
                self.note(f"{at}/{n}", entry)
                if entry.tag != value_name:
                    self.refuse(f"{at}/{n}", entry, f"<{entry.tag}> is not a <{value_name}>")
                item: dict[str, Any] = {}
                if "type" in entry.attrib:
                    item["type"] = self.term(entry.attrib["type"], vocabulary_name)
                item[value_name] = self.text(entry)
                items.append(item)
            target[child.tag] = items

        def location(child: Element, at: str, target: dict[str, Any]) -> None:
            place: dict[str, Any] = {}
            self.members(child, at, {"id": scalar}, place)
            target[child.tag] = place

        def persistent(child: Element, at: str, target: dict[str, Any]) -> None:
            found: dict[str, Any] = {}

            def one(element: Element, at_: str, target_: dict[str, Any]) -> None:
                target_.setdefault(element.tag, []).append(self.term(self.text(element), "disposition"))

            self.members(child, at, {"set": one, "unset": one}, found)
            target["persistentDisposition"] = found

        def sensors(child: Element, at: str, target: dict[str, Any]) -> None:
            items = []
            for n, element in enumerate(self.children(child)):
                self.note(f"{at}/{n}", element)
                if element.tag != "sensorElement":
                    self.refuse(f"{at}/{n}", element, f"<{element.tag}> is not a <sensorElement>")
                item: dict[str, Any] = {}
                self.members(element, f"{at}/{n}", self.sensor_readers(), item)
                items.append(item)
            target["sensorElementList"] = items

        def ilmd(child: Element, at: str, target: dict[str, Any]) -> None:
            found: dict[str, Any] = {}
            self.members(child, at, {}, found)
            target["ilmd"] = found

        def error(child: Element, at: str, target: dict[str, Any]) -> None:
            found: dict[str, Any] = {}

            def reason(element: Element, at_: str, target_: dict[str, Any]) -> None:
                target_["reason"] = self.term(self.text(element), "errorReason")

            def corrective(element: Element, at_: str, target_: dict[str, Any]) -> None:
                target_["correctiveEventIDs"] = [self.text(e) for e in self.children(element)]

            self.members(
                child, at, {"declarationTime": scalar, "reason": reason, "correctiveEventIDs": corrective}, found
            )
            target["errorDeclaration"] = found

        readers: dict[str, Any] = dict.fromkeys(_SCALARS, scalar)
        readers |= dict.fromkeys(_VOCABULARY, vocabulary)
        readers |= dict.fromkeys(_EPC_LISTS, epcs) | dict.fromkeys(_QUANTITY_LISTS, quantities)
        readers |= dict.fromkeys(_PAIR_LISTS, pairs) | {"readPoint": location, "bizLocation": location}
        readers |= {"certificationInfo": certification, "persistentDisposition": persistent}
        readers |= {"sensorElementList": sensors, "ilmd": ilmd, "errorDeclaration": error}
        return readers

    def quantity_readers(self) -> dict[str, Any]:
        def text(child: Element, at: str, target: dict[str, Any]) -> None:
            target[child.tag] = self.text(child)

        def quantity(child: Element, at: str, target: dict[str, Any]) -> None:
            target["quantity"] = self.number(self.text(child), at, child)

        return {"epcClass": text, "uom": text, "quantity": quantity}

    def sensor_readers(self) -> dict[str, Any]:
        def metadata(child: Element, at: str, target: dict[str, Any]) -> None:
            found: dict[str, Any] = {}
            self.attributes(child, at, found)
            target["sensorMetadata"] = found

        def report(child: Element, at: str, target: dict[str, Any]) -> None:
            found: dict[str, Any] = {}
            reports = target.setdefault("sensorReport", [])
            self.attributes(child, f"{at}/{len(reports)}", found)
            reports.append(found)

        return {"sensorMetadata": metadata, "sensorReport": report}
