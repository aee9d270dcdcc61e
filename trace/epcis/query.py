"""The EPCIS 2.0 REST binding's ``GET /events`` query string, read into the index's conditions. Pure Python.

Parameters as the binding names them (``GE_eventTime``, ``EQ_bizStep``, ``MATCH_epc``, …; many-valued ones
pipe-delimited, ``EQ_bizStep=shipping|receiving``). A name the binding does not have, a repeated name, a bad
value or ``perPage`` out of range is a :class:`QueryParameterError` naming the parameter (EPCIS
``QueryParameterException``); a name the binding has but we do not serve is :class:`NotServedError`
(``ImplementationException``). ``nextPageToken`` is opaque: the last log index served and a digest of the
conditions, so that a token is refused with any other query.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import astuple, dataclass

from .epc import canonical
from .index import CLASS_FIELDS, _bare, match_key, utc_text

PER_PAGE_DEFAULT = 30  # the binding's default
PER_PAGE_MAX = 500
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
ACTIONS = ("ADD", "OBSERVE", "DELETE")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|z|[+-]\d{2}:\d{2})")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")

EPC_PARAMETERS: dict[str, tuple[str, ...]] = {
    "MATCH_epc": ("epcList", "childEPCs"),
    "MATCH_parentID": ("parentID",),
    "MATCH_inputEPC": ("inputEPCList",),
    "MATCH_outputEPC": ("outputEPCList",),
    "MATCH_anyEPC": ("epcList", "childEPCs", "parentID", "inputEPCList", "outputEPCList"),
    "MATCH_epcClass": ("quantityList", "childQuantityList"),
    "MATCH_inputEPCClass": ("inputQuantityList",),
    "MATCH_outputEPCClass": ("outputQuantityList",),
    "MATCH_anyEPCClass": CLASS_FIELDS,
}
SERVED = frozenset(
    {"nextPageToken", "perPage", "eventType", "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"}
    | {"EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation"}
    | set(EPC_PARAMETERS)
)
# the binding's other fixed names (epcis-rest-openapi.json, GET /events): known, not served
NOT_SERVED = frozenset(
    {"EQ_persistentDisposition_set", "EQ_persistentDisposition_unset", "WD_readPoint", "WD_bizLocation"}
    | {"EQ_transformationID", "EQ_quantity", "GT_quantity", "GE_quantity", "LT_quantity", "LE_quantity"}
    | {"EQ_eventID", "EXISTS_errorDeclaration", "GE_errorDeclarationTime", "LT_errorDeclarationTime"}
    | {"EQ_errorReason", "EQ_correctiveEventID", "orderBy", "orderDirection", "eventCountLimit", "maxEventCount"}
    | {"GE_startTime", "LT_startTime", "GE_endTime", "LT_endTime", "EQ_type", "EQ_deviceID"}
    | {"EQ_dataProcessingMethod", "EQ_microorganism", "EQ_chemicalSubstance", "EQ_bizRules", "EQ_stringValue"}
    | {"EQ_hexBinaryValue", "EQ_uriValue", "EQ_booleanValue"}
)
# the binding's families of names built from a field name or a type (EQ_INNER_…, GT_…, EQ_ILMD_…, …)
_FAMILIES = re.compile(r"(EQ|GT|GE|LT|LE|EXISTS|HASATTR|EQATTR|MATCH|WD)_.+")


@dataclass(frozen=True)
class EventFilter:
    """A query's conditions; each ``None`` or empty one leaves the events unfiltered on it. Each EPC condition
    is ``(fields, match keys, key prefixes)``: an event matches when one of its EPCs in ``fields`` is one of the
    keys or begins with one of the prefixes (an EPC pattern)."""

    ge_event_time: str | None = None
    lt_event_time: str | None = None
    ge_record_time: str | None = None
    lt_record_time: str | None = None
    event_types: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    biz_steps: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    read_points: tuple[str, ...] = ()
    biz_locations: tuple[str, ...] = ()
    epcs: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = ()


class QueryParameterError(Exception):
    """A query parameter the binding refuses (EPCIS ``QueryParameterException``)."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter, self.detail = parameter, detail


class NotServedError(QueryParameterError):
    """A parameter of the binding this repository does not implement (EPCIS ``ImplementationException``)."""


@dataclass(frozen=True)
class Query:
    filter: EventFilter
    per_page: int
    after: int | None  # the last log index the previous page served


def _values(name: str, text: str) -> tuple[str, ...]:
    values = tuple(text.split("|"))
    if any(v == "" for v in values):
        raise QueryParameterError(name, "an empty value (values are separated by |)")
    return values


def _time(name: str, text: str) -> str:
    if not _TIME.fullmatch(text):
        raise QueryParameterError(name, "must be an RFC 3339 date-time with its offset, e.g. 2025-09-14T08:00:00Z")
    try:
        return utc_text(text)
    except ValueError as exc:
        raise QueryParameterError(name, f"not a real date and time: {exc}") from None


def _uris(name: str, text: str) -> tuple[str, ...]:
    values = _values(name, text)
    bad = next((v for v in values if not _URI.fullmatch(v)), None)
    if bad is not None:
        raise QueryParameterError(name, f"{bad!r} is not a URI")
    return values


def _epc_condition(name: str, text: str, base: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    keys: list[str] = []
    prefixes: list[str] = []
    for uri in _uris(name, text):
        if uri.startswith("urn:epc:idpat:"):
            found = canonical(uri)
            if found is None:
                raise QueryParameterError(name, f"{uri!r} is not an EPC pattern of a GS1 key")
            keys.append(found)  # the class itself (https://id.gs1.org/01/<GTIN>) and anything under it
            prefixes.append(found + "/")
        else:
            keys.append(match_key(uri, base))
    return EPC_PARAMETERS[name], tuple(keys), tuple(prefixes)


def _digest(f: EventFilter) -> str:
    return hashlib.sha256(repr(astuple(f)).encode()).hexdigest()[:16]


def page_token(f: EventFilter, last: int) -> str:
    raw = json.dumps({"after": last, "query": _digest(f)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(token: str, f: EventFilter) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after, digest = data["after"], data["query"]
    except (ValueError, KeyError, TypeError):
        raise QueryParameterError("nextPageToken", "not a token this repository gave") from None
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise QueryParameterError("nextPageToken", "not a token this repository gave")
    if digest != _digest(f):
        raise QueryParameterError("nextPageToken", "was given for another query: repeat the query's parameters")
    return after


def parse(items: Sequence[tuple[str, str]], base: str) -> Query:
    """The query of a request's query-string pairs; ``base`` is the public base URL lot URIs are on."""
    seen: dict[str, str] = {}
    for name, value in items:
        if name not in SERVED:
            if name in NOT_SERVED or _FAMILIES.fullmatch(name):
                raise NotServedError(name, "is a parameter of the EPCIS 2.0 query this repository does not serve")
            raise QueryParameterError(name, "is not a parameter of the EPCIS 2.0 query (GET /events)")
        if name in seen:
            raise QueryParameterError(name, "is given twice (give several values once, separated by |)")
        seen[name] = value
    fields: dict[str, object] = {}
    for name, key in (("GE_eventTime", "ge_event_time"), ("LT_eventTime", "lt_event_time")):
        if name in seen:
            fields[key] = _time(name, seen[name])
    for name, key in (("GE_recordTime", "ge_record_time"), ("LT_recordTime", "lt_record_time")):
        if name in seen:
            fields[key] = _time(name, seen[name])
    if "eventType" in seen:
        fields["event_types"] = _values("eventType", seen["eventType"])
    if "EQ_action" in seen:
        actions = _values("EQ_action", seen["EQ_action"])
        if any(a not in ACTIONS for a in actions):
            raise QueryParameterError("EQ_action", "each value must be ADD, OBSERVE or DELETE")
        fields["actions"] = actions
    if "EQ_bizStep" in seen:
        fields["biz_steps"] = tuple(str(_bare(v)) for v in _values("EQ_bizStep", seen["EQ_bizStep"]))
    if "EQ_disposition" in seen:
        fields["dispositions"] = tuple(str(_bare(v)) for v in _values("EQ_disposition", seen["EQ_disposition"]))
    if "EQ_readPoint" in seen:
        fields["read_points"] = _uris("EQ_readPoint", seen["EQ_readPoint"])
    if "EQ_bizLocation" in seen:
        fields["biz_locations"] = _uris("EQ_bizLocation", seen["EQ_bizLocation"])
    fields["epcs"] = tuple(_epc_condition(n, seen[n], base) for n in EPC_PARAMETERS if n in seen)
    f = EventFilter(**fields)  # type: ignore[arg-type]
    per_page = PER_PAGE_DEFAULT
    if "perPage" in seen:
        text = seen["perPage"]
        if not text.isdigit() or not 1 <= int(text) <= PER_PAGE_MAX:
            raise QueryParameterError("perPage", f"must be a whole number from 1 to {PER_PAGE_MAX}")
        per_page = int(text)
    after = _after(seen["nextPageToken"], f) if "nextPageToken" in seen else None
    return Query(f, per_page, after)
