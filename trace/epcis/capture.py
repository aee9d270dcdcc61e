"""Reading an EPCIS 2.0 capture (REST binding ``POST /capture``, ``POST /events``): the document checked against
GS1's JSON Schema and for what the schema does not say, each event with its CBV 2.0 hash and the identifiers
it names. Pure Python; what the ledger then does with the events is ``service.capture``.

Refused, each named by JSON Pointer (``/epcisBody/eventList/<n>/…``): a document that is not an
``EPCISDocument`` or breaks the schema (draft-07, formats checked), an event type EPCIS does not have, an
``eventTime`` without a time-zone offset, an ``eventTimeZoneOffset`` outside ``-14:00``…``+14:00`` or not
``±hh:mm``, and a member or ``ilmd`` name written as a CURIE whose prefix the document's ``@context`` does not
declare (nor GS1's context: ``cbvmda``, ``gs1``, …).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

import jsonschema_rs

from ..chain.errors import FieldProblem, MalformedError
from ..chain.pointer import pointer as json_pointer
from ..events.epcis_reading import gs1_lot_in
from .hash import EventHashError, event_hash, namespaces

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent", "TransactionEvent", "AssociationEvent")
# the prefixes GS1's EPCIS 2.0 context declares (and the RDF ones every JSON-LD reader knows)
STANDARD_PREFIXES = frozenset({"epcis", "cbv", "cbvmda", "gs1", "rdf", "rdfs", "owl", "xsd", "dcterms"})
OFFSET = re.compile(r"[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00)")
CAPTURE_LIMIT = 500  # events in one document (the binding's GS1-EPCIS-Capture-Limit)
_ID_FIELDS = ("parentID", "epcList", "childEPCs", "inputEPCList", "outputEPCList")
_CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_STANDARD_MEMBERS = frozenset(
    {"@context", "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "errorDeclaration",
     "certificationInfo", "parentID", "epcList", "childEPCs", "inputEPCList", "outputEPCList", "quantityList",
     "childQuantityList", "inputQuantityList", "outputQuantityList", "action", "transformationID", "bizStep",
     "disposition", "persistentDisposition", "readPoint", "bizLocation", "bizTransactionList", "sourceList",
     "destinationList", "sensorElementList", "ilmd"}
)  # fmt: skip


@cache
def validator() -> Any:
    """GS1's EPCIS 2.0 JSON Schema (gs1/EPCIS @2b888bef, draft-07), compiled, formats checked."""
    text = resources.files(__package__).joinpath("EPCIS-JSON-Schema.json").read_text(encoding="utf-8")
    return jsonschema_rs.Draft7Validator(json.loads(text), validate_formats=True)


@dataclass(frozen=True)
class CapturedEvent:
    """One event of a capture, as sent, with the document's ``@context`` and its CBV 2.0 hash."""

    index: int
    event: dict[str, Any]
    context: list[Any]
    cbv_hash: str

    @property
    def identifiers(self) -> list[str]:
        """Every EPC and EPC class the event names (what it is about)."""
        found: list[str] = []
        for name in _ID_FIELDS:
            value = self.event.get(name)
            found += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
        for name in _CLASS_FIELDS:
            found += [q["epcClass"] for q in self.event.get(name) or [] if isinstance(q.get("epcClass"), str)]
        return found


def schema_problems(document: object) -> list[FieldProblem]:
    """Every way ``document`` breaks GS1's schema, each at its JSON Pointer."""
    return [FieldProblem(json_pointer(list(e.instance_path), ""), e.message) for e in validator().iter_errors(document)]


def _names(value: object, where: list[Any]) -> Iterator[tuple[list[Any], str]]:
    """Every member name in ``value`` (recursively), with where it stands."""
    if isinstance(value, dict):
        for key, member in value.items():
            yield [*where, key], key
            yield from _names(member, [*where, key])
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _names(item, [*where, n])


def event_problems(event: object, where: str, prefixes: Mapping[str, str]) -> list[FieldProblem]:
    """What the schema lets through but an event may not be: its type, its time and offset, its CURIEs."""
    if not isinstance(event, dict):
        return [FieldProblem(where, "an event must be a JSON object")]
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        return [FieldProblem(where + "/type", f"unknown EPCIS event type {kind!r}: one of {', '.join(EVENT_TYPES)}")]
    found = []
    offset = event.get("eventTimeZoneOffset")
    if not isinstance(offset, str) or not OFFSET.fullmatch(offset):
        found.append(
            FieldProblem(
                where + "/eventTimeZoneOffset", f"{offset!r} is not a time-zone offset ±hh:mm, -14:00 to +14:00"
            )
        )
    moment = event.get("eventTime")
    try:
        parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        found.append(FieldProblem(where + "/eventTime", f"{moment!r} is not a date-time with a time-zone offset"))
    elif not _in_range(parsed):
        found.append(FieldProblem(where + "/eventTime", f"{moment!r} is not a time in UTC years 1 to 9999"))
    for path, name in _names(event, []):
        if len(path) == 1 and name in _STANDARD_MEMBERS:
            continue
        prefix, colon, rest = name.partition(":")
        if colon and not rest.startswith("//") and prefix not in prefixes and prefix not in STANDARD_PREFIXES:
            found.append(
                FieldProblem(
                    json_pointer(path, where),
                    f"the CURIE {name!r} uses the prefix {prefix!r}, which the document's @context does not declare",
                )
            )
    return found


def _in_range(moment: datetime) -> bool:
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _hash(event: dict[str, Any], context: list[Any], where: str) -> str:
    try:
        return event_hash(event, context)
    except (EventHashError, OverflowError, ValueError) as exc:
        raise MalformedError(FieldProblem(where, f"cannot be hashed: {exc}")) from None


def context_list(context: object) -> list[Any]:
    return list(context) if isinstance(context, list) else [context] if context is not None else []


def _under(where: str, events: set[str]) -> bool:
    parts = where.split("/")
    return where.startswith("/epcisBody/eventList/") and parts[3] in events


def read_document(document: object) -> list[CapturedEvent]:
    """The events of an ``EPCISDocument`` to capture, in order; refused (``MalformedError``, every problem
    named) if the document is not one, breaks the schema or any event breaks a rule above."""
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        kind = document.get("type") if isinstance(document, dict) else None
        raise MalformedError(FieldProblem("/type", f"a capture is an EPCISDocument, not {kind!r}"))
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise MalformedError(FieldProblem("/epcisBody/eventList", "an EPCISDocument needs its list of events"))
    if len(events) > CAPTURE_LIMIT:
        raise MalformedError(
            FieldProblem("/epcisBody/eventList", f"{len(events)} events: at most {CAPTURE_LIMIT} in one capture")
        )
    context = context_list(document.get("@context"))
    prefixes = namespaces(context)
    own = [p for n, e in enumerate(events) for p in event_problems(e, f"/epcisBody/eventList/{n}", prefixes)]
    named = {p.pointer.split("/")[3] for p in own if p.pointer.endswith("/type")}
    # the schema's word on an event of no EPCIS type is noise (an anyOf over every event type)
    schema = [p for p in schema_problems(document) if not _under(p.pointer, named)]
    if own or schema:
        raise MalformedError(own + schema)
    return [
        CapturedEvent(n, dict(e), context, _hash(e, context, f"/epcisBody/eventList/{n}")) for n, e in enumerate(events)
    ]


def read_single(event: object, created: str) -> CapturedEvent:
    """One event (``POST /events``): its own ``@context`` stands for the document's; problems are named
    relative to the event."""
    if not isinstance(event, dict):
        raise MalformedError(FieldProblem("", "an EPCIS event must be a JSON object"))
    body = {k: v for k, v in event.items() if k != "@context"}
    document = {
        "@context": event.get("@context", [EPCIS_CONTEXT]),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created,
        "epcisBody": {"eventList": [body]},
    }
    try:
        return read_document(document)[0]
    except MalformedError as exc:
        raise MalformedError(
            [FieldProblem(p.pointer.removeprefix("/epcisBody/eventList/0"), p.detail) for p in exc.problems]
        ) from None


def lot_of(uri: str, base: str) -> tuple[str, bool] | None:
    """The lot an identifier names, and whether it is this ledger's resolver's ``<base>/lot/<lot>`` (a lot
    that must exist here): a Digital Link's AI 10, an LGTIN's lot, or the resolver's lot URL."""
    own = base.rstrip("/") + "/lot/"
    if uri.startswith(own):
        return unquote(uri[len(own) :].split("?", maxsplit=1)[0].split("#", maxsplit=1)[0]), True
    found = gs1_lot_in(uri)
    return (found[0], False) if found else None
