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
DTD, elements nested over 64 deep, a root other than the two documents, an element EPCIS does not have where a
standard member stands, a number or boolean that is not one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser

from ..chain.errors import FieldProblem, MalformedError
from .xml_reader import Reader, split

EPCIS_NAMESPACES = ("urn:epcglobal:epcis:xsd:2", "urn:epcglobal:epcis:xsd:1")
QUERY_NAMESPACES = ("urn:epcglobal:epcis-query:xsd:2", "urn:epcglobal:epcis-query:xsd:1")
MAX_DEPTH = 64  # elements deep (EPCIS itself nests 7: document, body, list, event, sensor list, element, report)
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")


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
        self.depth = 0
        self.parser.StartNamespaceDeclHandler = lambda prefix, iri: self.declared.append((prefix or "", iri))

    def _start(self, tag: str, attr_list: Any) -> Element:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            line = self.parser.CurrentLineNumber
            raise MalformedError(FieldProblem("", f"line {line}: elements nested over {MAX_DEPTH} deep"))
        element: Element = super()._start(tag, attr_list)  # type: ignore[misc]
        self.lines[element] = self.parser.CurrentLineNumber
        return element

    def _end(self, tag: str) -> Element:
        self.depth -= 1
        element: Element = super()._end(tag)  # type: ignore[misc]
        return element


def looks_like_xml(data: bytes) -> bool:
    """Whether a document is XML rather than JSON (by its first character that is not white space or a BOM)."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<")


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


def _events(reader: Reader, parent: Element | None, where: str) -> list[dict[str, Any]]:
    if parent is None:
        reader.refuse(where, None, "no <EventList>")
        return []
    events = []
    for n, element in enumerate(Reader.children(parent)):
        kind = split(element.tag)[1]
        at = f"{where}/{n}"
        if element.tag not in EVENT_TYPES:
            reader.refuse(at + "/type", element, f"<{kind}> is not an EPCIS event: one of {', '.join(EVENT_TYPES)}")
            continue
        events.append(reader.event(element, at))
    return events


def _child(element: Element, local: str) -> Element | None:
    return next((c for c in Reader.children(element) if split(c.tag)[1] == local), None)


def read_xml_event(data: bytes) -> XmlDocument:
    """One event (``POST /events``) as JSON-LD with its ``@context``: an XML event element (``<ObjectEvent>`` …)
    or an ``EPCISDocument`` of exactly one event."""
    root, parser = _parse(data)
    reader = Reader(parser.lines, parser.declared)
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
    reader = Reader(parser.lines, parser.declared)
    iri, kind = split(root.tag)
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
                query[name] = Reader.text(found)
        where = "/epcisBody/queryResults/resultsBody/eventList"
        results_body = _child(results, "resultsBody") if results is not None else None
        events_at = _child(results_body, "EventList") if results_body is not None else None
        query["resultsBody"] = {"eventList": _events(reader, events_at, where)}
        document["epcisBody"] = {"queryResults": query}
    if reader.problems:
        raise MalformedError(reader.problems)
    return XmlDocument({"@context": reader.context(), **document}, reader.lines)
