"""EPCIS 2.0 XML documents (``EPCISDocument``, ``EPCISQueryDocument``) read into the JSON-LD form the rest of
``trace.epcis`` works on: the CBV 2.0 hash (:mod:`.hash`), capture (:mod:`.capture`) and the export. Pure Python.

The XML is parsed by defusedxml with DTDs forbidden: no entity is ever expanded, no external resource read (no
XXE, no "billion laughs"). The XML binding's shape becomes JSON-LD's (EPCIS 2.0 §9 and its JSON schema):

- the ``extension`` and ``baseExtension`` wrappers (of EPCIS 1.x, kept by the 2.0 XSD) are dropped: their
  children are the parent's members;
- ``epcList``/``inputEPCList``/``outputEPCList``/``childEPCs`` of ``epc`` become arrays of strings, the quantity
  lists' ``quantityElement`` objects, ``bizTransactionList``/``sourceList``/``destinationList`` arrays of
  ``{"type": …, "bizTransaction"|"source"|"destination": …}``, ``sensorElement``'s ``sensorMetadata`` and
  ``sensorReport`` attributes members (numbers and booleans typed as the schema has them), ``errorDeclaration``'s
  ``correctiveEventIDs`` an array;
- CBV vocabulary values (``urn:epcglobal:cbv:bizstep:shipping``, ``cbv:BizStep-shipping``, the web URI,
  ``gs1:Temperature``) become the bare terms JSON-LD writes (``shipping``, ``Temperature``), as GS1's JSON schema
  requires; unknown ones stay as written;
- an element or attribute in another namespace (a user extension) is the member ``<prefix>:<local>``, its
  prefix declared in the document's ``@context`` with the namespace the XML gave it (the XML's own prefix, or
  ``ns``/``ext1``… when it has none or another namespace took it); its value the text, or an object of its
  attributes and children (``#text`` for text beside them), a repeated name an array.

The ``EPCISHeader`` (its master data) is not read. Refused (``MalformedError``, each problem with the JSON
Pointer the element would have in the JSON-LD form and its XML line): not well-formed XML (line and column), a
DTD, a root other than the two documents, an element EPCIS does not have where a standard member stands, a
number or boolean that is not one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser

from ..chain.errors import FieldProblem, MalformedError
from ..chain.pointer import pointer as json_pointer
from .hash import canonical_value, cbv_terms

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EPCIS_NAMESPACES = ("urn:epcglobal:epcis:xsd:2", "urn:epcglobal:epcis:xsd:1")
QUERY_NAMESPACES = ("urn:epcglobal:epcis-query:xsd:2", "urn:epcglobal:epcis-query:xsd:1")
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
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


@dataclass
class XmlDocument:
    """An EPCIS XML document read as JSON-LD, with the XML line of each member (by JSON Pointer)."""

    document: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, where: str) -> int | None:
        """The XML line of the element at JSON Pointer ``where`` (or of the nearest enclosing one)."""
        while where:
            if where in self.lines:
                return self.lines[where]
            where = where.rpartition("/")[0]
        return self.lines.get("")

    def located(self, exc: MalformedError) -> MalformedError:
        """The same problems, each saying at which XML line its element stands."""
        problems = []
        for p in exc.problems:
            line = self.line_of(p.pointer)
            problems.append(FieldProblem(p.pointer, f"{p.detail} (XML line {line})" if line else p.detail))
        return MalformedError(problems)


class _Parser(DefusedXMLParser):
    """defusedxml's parser (DTDs, entities and external references forbidden), noting each element's line and
    every namespace declaration."""

    def __init__(self) -> None:
        super().__init__(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self.lines: dict[Element, int] = {}
        self.declared: list[tuple[str, str]] = []
        self.parser.StartNamespaceDeclHandler = lambda prefix, iri: self.declared.append((prefix or "", iri))

    def _start(self, tag: str, attr_list: Any) -> Element:
        element: Element = super()._start(tag, attr_list)  # type: ignore[misc]
        self.lines[element] = self.parser.CurrentLineNumber
        return element


def looks_like_xml(data: bytes) -> bool:
    """Whether a document is XML rather than JSON (by its first character that is not white space or a BOM)."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<")


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        iri, _, local = tag[1:].partition("}")
        return iri, local
    return "", tag


class _Reader:
    def __init__(self, lines: Mapping[Element, int], declared: list[tuple[str, str]]) -> None:
        self.element_lines = lines
        self.declared = declared
        self.prefixes: dict[str, str] = {}  # namespace IRI → prefix
        self.lines: dict[str, int] = {}
        self.problems: list[FieldProblem] = []

    # --- names -------------------------------------------------------------------------------------------
    def name(self, tag: str) -> str:
        """A member name: the local name of an EPCIS element, ``prefix:local`` of an element in a namespace."""
        iri, local = _split(tag)
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
                out.extend(_Reader.children(child))
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
            iri, local = _split(child.tag)
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
        event: dict[str, Any] = {"type": _split(element.tag)[1]}
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


def _parse(data: bytes) -> tuple[Element, _Parser]:
    parser = _Parser()
    try:
        parser.feed(data)
        root: Element = parser.close()
    except ParseError as exc:
        raise MalformedError(FieldProblem("", f"not well-formed XML: {exc}")) from None
    except DTDForbidden:
        raise MalformedError(
            FieldProblem(
                "", "refused XML: a document type declaration (<!DOCTYPE …>) is not accepted (no DTDs, no entities)"
            )
        ) from None
    except DefusedXmlException as exc:
        raise MalformedError(
            FieldProblem("", f"refused XML: {type(exc).__name__} (no entities, no external references)")
        ) from None
    return root, parser


def _events(reader: _Reader, parent: Element | None, where: str) -> list[dict[str, Any]]:
    if parent is None:
        reader.refuse(where, None, "no <EventList>")
        return []
    events = []
    for n, element in enumerate(_Reader.children(parent)):
        kind = _split(element.tag)[1]
        at = f"{where}/{n}"
        if element.tag not in EVENT_TYPES:
            reader.refuse(at + "/type", element, f"<{kind}> is not an EPCIS event: one of {', '.join(EVENT_TYPES)}")
            continue
        events.append(reader.event(element, at))
    return events


def _child(element: Element, local: str) -> Element | None:
    return next((c for c in _Reader.children(element) if _split(c.tag)[1] == local), None)


def read_xml_event(data: bytes) -> XmlDocument:
    """One event (``POST /events``) as JSON-LD with its ``@context``: an XML event element (``<ObjectEvent>`` …)
    or an ``EPCISDocument`` of exactly one event."""
    root, parser = _parse(data)
    reader = _Reader(parser.lines, parser.declared)
    if root.tag in EVENT_TYPES:
        event = reader.event(root, "")
    else:
        whole = read_xml(data, (root, parser))
        events = whole.document["epcisBody"].get("eventList", [])
        if len(events) != 1:
            raise MalformedError(FieldProblem("", f"one event is captured here, not {len(events)}"))
        prefix = "/epcisBody/eventList/0"
        lines = {k.removeprefix(prefix): v for k, v in whole.lines.items() if k.startswith(prefix)}
        return XmlDocument({"@context": whole.document["@context"], **events[0]}, lines)
    if reader.problems:
        raise MalformedError(reader.problems)
    return XmlDocument({"@context": reader.context(), **event}, reader.lines)


def read_xml(data: bytes, parsed: tuple[Element, _Parser] | None = None) -> XmlDocument:
    """An EPCIS 2.0 XML ``EPCISDocument`` or ``EPCISQueryDocument`` as the equivalent JSON-LD document."""
    root, parser = parsed or _parse(data)
    reader = _Reader(parser.lines, parser.declared)
    iri, kind = _split(root.tag)
    if not (
        (kind == "EPCISDocument" and iri in EPCIS_NAMESPACES)
        or (kind == "EPCISQueryDocument" and iri in QUERY_NAMESPACES)
    ):
        raise MalformedError(
            FieldProblem(
                "/type",
                f"line {parser.lines.get(root)}: the root element is {root.tag!r}, not an EPCISDocument "
                f"({EPCIS_NAMESPACES[0]}) or EPCISQueryDocument ({QUERY_NAMESPACES[0]})",
            )
        )
    body = _child(root, "EPCISBody")
    document: dict[str, Any] = {"type": kind, "schemaVersion": root.get("schemaVersion", "2.0")}
    if root.get("creationDate") is not None:
        document["creationDate"] = root.get("creationDate")
    reader.lines[""] = parser.lines.get(root, 1)
    if kind == "EPCISDocument":
        events = _events(reader, _child(body, "EventList") if body is not None else None, "/epcisBody/eventList")
        document["epcisBody"] = {"eventList": events}
    else:
        results = _child(body, "QueryResults") if body is not None else None
        query: dict[str, Any] = {}
        for name in ("subscriptionID", "queryName"):
            found = _child(results, name) if results is not None else None
            if found is not None:
                query[name] = _Reader.text(found)
        where = "/epcisBody/queryResults/resultsBody/eventList"
        results_body = _child(results, "resultsBody") if results is not None else None
        events_at = _child(results_body, "EventList") if results_body is not None else None
        query["resultsBody"] = {"eventList": _events(reader, events_at, where)}
        document["epcisBody"] = {"queryResults": query}
    if reader.problems:
        raise MalformedError(reader.problems)
    return XmlDocument({"@context": reader.context(), **document}, reader.lines)
