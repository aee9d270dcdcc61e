"""The CBV 2.0 event hash (CBV 2.0 §8.9, "event ID"): ``ni:///sha-256;<hex>?ver=CBV2.0`` of an EPCIS 2.0 event.
Pure Python.

The hash is SHA-256 over a *pre-hash string*: ``eventType=<type>``, then the event's standard fields in the fixed
order of :data:`ORDER` as ``name=value`` (lists' items sorted, nested fields after their parent's name), then
everything else (user extensions, ``ilmd``, the source, destination and business-transaction lists) sorted, with
values canonicalised: timestamps of the ordered fields in UTC to the millisecond, CBV terms and old CBV URNs as
GS1 web URIs, numbers without leading ``+``, leading or trailing zeros, GS1 keys (EPC URIs, Digital Link URIs on
any domain) as constrained canonical Digital Link URIs (:mod:`.epc`), and namespace prefixes of the document's
``@context`` written out (``{https://ns.example.com/epcis/}myField``). ``recordTime``, ``eventID``,
``errorDeclaration`` and JSON-LD's ``type`` are not part of it.

The reference is GS1's ``epcis-event-hash-generator`` (R. Tröger, S. Schmittner); this module reproduces its
pre-hash strings byte for byte on the reference vectors (``tests/vectors/epcis/``) and on generated events
(``tests/epcis/test_hash_properties.py`` runs it as an oracle). Where the reference depends on the order in
which a JSON object's members were written (the members of a ``sourceList``/``destinationList``/
``bizTransactionList`` entry), this module takes the standard's order (``type`` first, then the value), which is
what the reference gives for documents written the usual way; docs/EPCIS.md lists this.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from ..chain.errors import Error
from .epc import canonical

# (name, order of its children or None); a node's children are its members, a list's items are repeated nodes
Order = Sequence[tuple[str, "Order | None"]]
_QUANTITY: Order = (("epcClass", None), ("quantity", None), ("uom", None))
_SENSOR_METADATA: Order = tuple(
    (name, None)
    for name in (
        "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules",
    )
)  # fmt: skip
_SENSOR_REPORT: Order = tuple(
    (name, None)
    for name in (
        "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time",
        "microorganism", "chemicalSubstance", "value", "component", "stringValue", "booleanValue",
        "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
        "coordinateReferenceSystem",
    )
)  # fmt: skip
ORDER: Order = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", (("epc", None),)),
    ("inputEPCList", (("epc", None),)),
    ("childEPCs", (("epc", None),)),
    ("quantityList", (("quantityElement", _QUANTITY),)),
    ("childQuantityList", (("quantityElement", _QUANTITY),)),
    ("inputQuantityList", (("quantityElement", _QUANTITY),)),
    ("outputEPCList", (("epc", None),)),
    ("outputQuantityList", (("quantityElement", _QUANTITY),)),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    # bizTransactionList, sourceList and destinationList come with the remaining fields, as in the reference
    (
        "sensorElementList",
        (("sensorElement", (("sensorMetadata", _SENSOR_METADATA), ("sensorReport", _SENSOR_REPORT))),),
    ),
)
_NOT_HASHED = ("recordTime", "eventID", "type", "errorDeclaration")
_PAIR_LISTS = {"sourceList": "source", "destinationList": "destination", "bizTransactionList": "bizTransaction"}
_CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)


class EventHashError(Error):
    """A document or event the hash cannot be computed over (named in the message)."""


# A node: (name, text, children). Lists (not tuples) for children, so that nodes sort the way the reference's do.
Node = tuple[Any, str, list[Any]]


@cache
def cbv_terms() -> Mapping[str, Mapping[str, str]]:
    """The CBV 2.0 vocabularies by field (``bizStep``, ``disposition``, …): bare term → web URI."""
    data = json.loads(resources.files(__package__).joinpath("cbv-terms.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if isinstance(v, dict)}


# --- canonical values --------------------------------------------------------------------------------------


def _number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    if math.isnan(value) or math.isinf(value):
        return text
    return str(int(value)) if int(value) == value else str(value)


def canonical_value(text: str) -> str:
    """A value as the pre-hash string writes it: CBV URNs as web URIs, numbers plain, GS1 keys canonical."""
    for urn, web in _CBV_URNS:
        text = text.replace(urn, web)
    text = _number(text)
    return canonical(text) or text


def canonical_time(text: str) -> str:
    """A timestamp in UTC to the millisecond (``2020-03-04T10:00:30.000Z``); a non-timestamp unchanged."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    moment = moment.astimezone(UTC)
    micro = round(moment.microsecond, -3)
    moment = moment.replace(microsecond=0) + timedelta(microseconds=micro)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


# --- the document's namespaces and bare CBV terms ----------------------------------------------------------


def namespaces(context: object) -> dict[str, str]:
    """Prefix → IRI from the inline objects of a JSON-LD ``@context`` (the standard context's own prefixes are
    not applied, as in the reference: ``cbvmda:lotNumber`` stays as written unless the document declares it)."""
    table: dict[str, str] = {}
    for item in context if isinstance(context, list) else []:
        if isinstance(item, str):
            table[item] = item
        elif isinstance(item, dict):
            table.update({k: str(v) for k, v in item.items()})
    return table


def _expanded_terms(events: Sequence[Mapping[str, Any]]) -> set[str]:
    """The CBV and GS1 vocabulary IRIs the document's vocabulary-typed fields stand for (what JSON-LD expansion
    of the document yields under ``https://ref.gs1.org/cbv`` and ``https://gs1.org/voc``)."""
    terms = cbv_terms()
    found: set[str] = set()

    def term(vocabulary: str, value: object) -> None:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found.add(terms[vocabulary].get(item, item))

    def every_string(value: object) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, list):
            for item in value:
                every_string(item)
        elif isinstance(value, dict):
            for item in value.values():
                every_string(item)

    for event in events:
        every_string(event)
        term("bizStep", event.get("bizStep"))
        term("disposition", event.get("disposition"))
        persistent = event.get("persistentDisposition")
        if isinstance(persistent, dict):
            term("disposition", persistent.get("set"))
            term("disposition", persistent.get("unset"))
        for name in ("sourceList", "destinationList", "bizTransactionList"):
            for entry in event.get(name) or []:
                if isinstance(entry, dict):
                    vocab = "bizTransactionType" if name == "bizTransactionList" else "sourceOrDestinationType"
                    term(vocab, entry.get("type"))
        for element in event.get("sensorElementList") or []:
            for report in element.get("sensorReport") or [] if isinstance(element, dict) else []:
                if isinstance(report, dict):
                    term("measurementType", report.get("type"))
                    term("exception", report.get("exception"))
                    term("component", report.get("component"))
    return {x for x in found if x.startswith(("https://ref.gs1.org/cbv", "https://gs1.org/voc"))}


def _bare_terms(value: Any, expanded: set[str]) -> Any:
    """Every string value that is the last segment (after ``-`` or ``/``) of exactly one expanded term becomes it."""
    if isinstance(value, str):
        matches = [x for x in expanded if x.endswith("-" + value) or x.endswith("/" + value)]
        return matches[0] if len(matches) == 1 else value
    if isinstance(value, list):
        return [_bare_terms(item, expanded) for item in value]
    if isinstance(value, dict):
        return {k: _bare_terms(v, expanded) for k, v in value.items()}
    return value


# --- the event as a tree of nodes (the XML shape the algorithm is defined on) -------------------------------


def _prefixed(text: str, table: Mapping[str, str], *, value: bool = False) -> str:
    prefix, colon, local = text.partition(":")
    if not colon or prefix not in table:
        return text
    return table[prefix] + local if value else "{" + table[prefix] + "}" + local


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return "None"
    return str(value)


def _tree(value: Any, table: Mapping[str, str]) -> Node:
    if isinstance(value, list):
        return ("", "", [_tree(item, table) for item in value])
    if not isinstance(value, dict):
        text = _prefixed(value, table, value=True) if isinstance(value, str) else value
        return ("", _scalar(text), [])
    name = value["type"] if isinstance(value.get("type"), str) else ""
    text = _scalar(value["#text"]) if "#text" in value else ""
    children: list[Any] = []
    for key, member in value.items():
        if key in ("#text", "rdfs:comment", "comment"):
            continue
        child = _tree(member, table)
        name_ = _prefixed(key, table)
        if isinstance(member, list):
            children.extend((name_, item[1], item[2]) for item in child[2])
        else:
            children.append((name_, child[1], child[2]))
    if not any(k in value for k in _PAIR_LISTS.values()):
        children.sort()
    return (name, text, children)


def _pair(entry: Node, value_name: str) -> tuple[Any, ...]:
    """A source, destination or business-transaction entry: its type first, then its value (the standard's
    order), then anything else it carries."""
    members = entry[2]
    first = [m for m in members if m[0] == "type"] + [m for m in members if m[0] == value_name]
    return tuple(first + [m for m in members if m not in first])


def _corrected(node: Node) -> Node:
    """JSON's shape made the XML's: ``fooList`` items become ``foo`` children of one ``fooList`` node, the
    JSON ``childEPCs`` array becomes ``childEPCs`` of ``epc``, quantity elements are ``quantityElement``."""
    children = list(node[2])
    lists: dict[str, list[Node]] = {}
    for child in [c for c in children if isinstance(c[0], str) and c[0].endswith("List")]:
        lists.setdefault(child[0], []).append((child[0][:-4], child[1], child[2]))
        children.remove(child)
    for name, items in lists.items():
        if name in _PAIR_LISTS:
            children.append((name, "", [_pair(item, _PAIR_LISTS[name]) for item in items]))
        else:
            children.append((name, "", items))
    epcs: list[Node] = [("epc", c[1], []) for c in children if c[0] == "childEPCs"]
    if epcs:
        children = [c for c in children if c[0] != "childEPCs"] + [("childEPCs", "", epcs)]
    done = [c if c[0] in _PAIR_LISTS else _corrected(c) for c in children]
    name = node[0]
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (name == "quantity" and done):
        name = "quantityElement"
    return (name, node[1], done)


# --- the pre-hash string ------------------------------------------------------------------------------------


def _is_extension(node: Any) -> bool:
    return isinstance(node, tuple) and isinstance(node[0], str) and "{" in node[0] and "/}" in node[0]


def _take_extensions(children: list[Any]) -> list[Any]:
    """A nested field's user extensions (``{ns/}name``) go after its standard members; the event's own stay."""
    if len(children) <= 1 or any(isinstance(c[0], str) and ("eventTime" in c[0] or "action" in c[0]) for c in children):
        return []
    taken = [c for c in children if _is_extension(c)]
    for c in taken:
        children.remove(c)
    return taken


def _member(node: Node, order: Order | None) -> str:
    nested = _in_order(node[2], order) if order else ""
    text = node[1].strip()
    if text:
        lowered = node[0].lower()
        text = canonical_time(text) if "time" in lowered and "offset" not in lowered else canonical_value(text)
        text = "=" + text if text else ""
    return node[0] + text + nested if text or nested else ""


def _in_order(children: list[Any], order: Order) -> str:
    """The members named in ``order``, in that order, each name's values sorted; what is written is removed
    from ``children`` (a member keeps what it has left unwritten, for the remainder)."""
    out = ""
    extensions = _take_extensions(children)
    for name, sub_order in order:
        values = []
        for child in [c for c in children if c[0] == name]:
            text = _member(child, sub_order)
            if text:
                values.append(text)
            if not child[2]:
                children.remove(child)
        values.sort()
        out += "".join(values)
    if extensions:
        out += _remainder(extensions)
    return out


def _remainder(children: Sequence[Any]) -> str:
    values = []
    for child in children:
        if isinstance(child[0], tuple):  # a source, destination or transaction entry: a tuple of members
            values.append(_remainder(child))
            continue
        text = child[1].strip()
        values.append(child[0] + ("=" + canonical_value(text) if text else "") + _remainder(child[2]))
    if len(children) > 1 and not any(c[0] in _PAIR_LISTS.values() for c in children):
        values.sort()
    return "".join(values)


def _events_of(document: object) -> tuple[list[dict[str, Any]], object]:
    if not isinstance(document, dict):
        raise EventHashError("an EPCIS document must be a JSON object")
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        raise EventHashError("epcisBody: missing or not an object")
    if "eventList" in body:
        events = body["eventList"]
    elif "event" in body:
        events = [body["event"]]
    elif isinstance(body.get("queryResults"), dict):
        events = (body["queryResults"].get("resultsBody") or {}).get("eventList")
    else:
        raise EventHashError("epcisBody: no eventList, event or queryResults")
    if not isinstance(events, list):
        raise EventHashError("epcisBody.eventList: not a list")
    for n, event in enumerate(events):
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise EventHashError(f"epcisBody.eventList[{n}]: not an event object with a type")
    return events, document.get("@context")


def pre_hashes(document: Mapping[str, Any]) -> list[str]:
    """The pre-hash string of every event of an EPCIS 2.0 JSON-LD document, in document order."""
    events, context = _events_of(document)
    expanded = _expanded_terms(events)
    table = namespaces(context)
    out = []
    for n, event in enumerate(events):
        try:
            tree = _corrected(_tree(_bare_terms(event, expanded), table))
            children = tree[2]
            ordered = _in_order(children, ORDER)
            rest = [c for c in children if c[0] not in _NOT_HASHED]
            out.append("eventType=" + tree[0] + ordered + (_remainder(rest) if rest else ""))
        except (TypeError, AttributeError, IndexError) as exc:
            raise EventHashError(f"epcisBody.eventList[{n}]: cannot be hashed ({exc})") from exc
    return out


def event_hash_of(pre_hash: str) -> str:
    """The CBV 2.0 event ID of a pre-hash string."""
    return "ni:///sha-256;" + hashlib.sha256(pre_hash.encode("utf-8")).hexdigest() + "?ver=CBV2.0"


def event_hashes(document: Mapping[str, Any]) -> list[str]:
    """The CBV 2.0 event hash of every event of an EPCIS 2.0 JSON-LD document, in document order."""
    return [event_hash_of(p) for p in pre_hashes(document)]


def event_hash(event: Mapping[str, Any], context: object = None) -> str:
    """The CBV 2.0 event hash of one event, under a document ``@context`` (its inline prefixes)."""
    return event_hashes({"@context": context, "epcisBody": {"eventList": [dict(event)]}})[0]
