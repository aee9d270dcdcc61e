"""Our ledger events as GS1 EPCIS 2.0 events (JSON-LD), and a lot's history as one ``EPCISDocument``. Pure Python.

Each record becomes one EPCIS event (the table is :data:`MAPPING`, documented in docs/EPCIS.md): its class
(ObjectEvent, AggregationEvent, TransformationEvent), ``action``, CBV 2.0 ``bizStep`` and ``disposition``; the
lot as a class (``quantityList``'s ``epcClass``) named by a GS1 Digital Link URI when the lot was packaged under
a GTIN (``https://<base>/01/<gtin>/10/<lot>``, serials as ``/21/<serial>``) and by the resolver's
``https://<base>/lot/<lot>`` otherwise; quantities in UN/ECE Rec 20 units; custody as ``sourceList`` and
``destinationList``; store readings as ``sensorElementList``; lot master data (species, crop age, grade, …) as
``ilmd`` where EPCIS allows it (ObjectEvent ADD, TransformationEvent); every other public payload member as a
user extension in the project namespace :data:`NAMESPACE` (``gt:<member>``, our schema's member name). Every
event carries ``gt:ledgerEventHash``, ``gt:ledgerRecordHash``, ``gt:logIndex`` and ``gt:inclusionProof`` (the
URL of its RFC 9162 inclusion proof) and its ``eventID`` is its CBV 2.0 event hash (:mod:`.hash`).

``_sd`` (the salted digests standing for private payload members) is dropped. A record's private members are
mapped only when the caller hands them over in plain text (:attr:`LedgerRecord.private`, for a reader allowed
to see them): each is a ``gt:<member>`` where a public member of that event would go (``ilmd`` or a user
extension), never a standard field; the event's ``eventID`` is then the hash of that event, so it differs from
the public one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..labels.digital_link import build
from .captured import CAPTURED, captured_context, captured_event, merged_context
from .hash import event_hash

NAMESPACE = "https://ns.ginseng-trace.org/epcis/"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CONTEXT: list[Any] = [EPCIS_CONTEXT, {"gt": NAMESPACE}]
TIME_ZONE_OFFSET = "+08:00"  # China Standard Time: where the events happen; eventTime itself is in UTC
UNITS = {"kg": "KGM", "g": "GRM", "t": "TNE", "count": "H87"}  # UN/ECE Recommendation 20


@dataclass(frozen=True)
class LedgerRecord:
    """What the mapping reads of one stored record: the event as signed (private members as digests) and, for a
    reader allowed to see them, its private members in plain text (``private``; empty otherwise)."""

    event: Mapping[str, Any]
    event_hash: str
    record_hash: str
    log_index: int
    recorded_at: str
    private: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Identifiers:
    """How lots, serials and parties are named: the public base URL and each packaged lot's GTIN (and, for
    lot master data, each lot's species as its own or its inputs' events say)."""

    base: str
    gtins: Mapping[str, str]
    species: Mapping[str, str] = field(default_factory=dict)

    def lot(self, lot_id: str) -> str:
        gtin = self.gtins.get(lot_id)
        if gtin is not None:
            return build(self.base, gtin, lot=lot_id).uri()
        return f"{self.base.rstrip('/')}/lot/{lot_id}"

    def serial(self, lot_id: str, serial: str) -> str | None:
        gtin = self.gtins.get(lot_id)
        return build(self.base, gtin, lot=lot_id, serial=serial).uri() if gtin is not None else None

    def unit(self, child: str) -> str:
        """An aggregated unit: ``LOT/SERIAL`` (one packaged unit) or a lot."""
        lot, _, serial = child.partition("/")
        return (self.serial(lot, serial) if serial else None) or self.lot(child)

    def party(self, actor: str) -> str:
        return f"{NAMESPACE}party/{actor}"

    def proof(self, record_hash: str) -> str:
        return f"{self.base.rstrip('/')}/api/v1/log/inclusion/{record_hash}"


@dataclass(frozen=True)
class Rule:
    """How one of our event types becomes an EPCIS event."""

    kind: str  # ObjectEvent | AggregationEvent | TransformationEvent
    action: str | None
    biz_step: str | None
    disposition: str | None
    master_data: bool = False  # public payload members go into ilmd (lot master data) instead of extensions


MAPPING: Mapping[str, Rule] = {
    "register_plot": Rule("ObjectEvent", "ADD", "commissioning", "active", master_data=True),
    "source_seed": Rule("ObjectEvent", "ADD", "commissioning", "active", master_data=True),
    "sow": Rule("ObjectEvent", "ADD", "commissioning", "active", master_data=True),
    "transplant": Rule("ObjectEvent", "ADD", "commissioning", "active", master_data=True),
    "field_operation": Rule("ObjectEvent", "OBSERVE", NAMESPACE + "BizStep-field_operation", None),
    "harvest": Rule("ObjectEvent", "ADD", "commissioning", "active", master_data=True),
    "process": Rule("TransformationEvent", None, "commissioning", "active", master_data=True),
    "split": Rule("TransformationEvent", None, "commissioning", "active", master_data=True),
    "package": Rule("TransformationEvent", None, "packing", "active", master_data=True),
    "aggregate": Rule("AggregationEvent", "ADD", "packing", "active"),
    "sample": Rule("ObjectEvent", "OBSERVE", "sampling", None),
    "quality_test": Rule("ObjectEvent", "OBSERVE", "inspecting", None),
    "quality_release": Rule("ObjectEvent", "OBSERVE", "inspecting", "conformant"),
    "certify": Rule("ObjectEvent", "OBSERVE", "inspecting", None),
    "withdraw_certification": Rule("ObjectEvent", "OBSERVE", "inspecting", None),
    "store": Rule("ObjectEvent", "OBSERVE", "storing", "active"),
    "ship": Rule("ObjectEvent", "OBSERVE", "shipping", "in_transit"),
    "receive": Rule("ObjectEvent", "OBSERVE", "receiving", "active"),
    "sell": Rule("ObjectEvent", "OBSERVE", "retail_selling", "retail_sold"),
    "return": Rule("ObjectEvent", "OBSERVE", "receiving", "returned"),
    "hold": Rule("ObjectEvent", "OBSERVE", "holding", "non_sellable_other"),
    "release": Rule("ObjectEvent", "OBSERVE", "holding", "active"),
    "recall": Rule("ObjectEvent", "OBSERVE", "holding", "recalled"),
    "destroy": Rule("ObjectEvent", "DELETE", "destroying", "destroyed"),
}
# any other type (a correction, a type added later) is an ObjectEvent OBSERVE with its members as extensions
FALLBACK = Rule("ObjectEvent", "OBSERVE", None, None)


def _quantity(epc_class: str, value: object, unit: object) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": epc_class}
    if isinstance(value, int | float) and not isinstance(value, bool) and str(unit) in UNITS:
        element["quantity"] = value
        element["uom"] = UNITS[str(unit)]
    return element


def _measure(epc_class: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The lot as a quantity: its net weight when the event says one, else its unit count, else the class alone."""
    if isinstance(payload.get("net_weight_kg"), int | float):
        return _quantity(epc_class, payload["net_weight_kg"], "kg")
    for name in ("fresh_weight", "quantity"):
        measure = payload.get(name)
        if isinstance(measure, dict):
            return _quantity(epc_class, measure.get("value"), measure.get("unit"))
    if isinstance(payload.get("units"), int):
        return _quantity(epc_class, payload["units"], "count")
    return {"epcClass": epc_class}


def _stock_kg(outputs: object) -> float | None:
    """A process batch's stock: the sum of its outputs but waste, in kg (None when there is none)."""
    total = 0.0
    for output in outputs if isinstance(outputs, list) else []:
        if (
            isinstance(output, dict)
            and output.get("output") != "waste"
            and isinstance(output.get("value"), int | float)
        ):
            total += float(output["value"]) * {"kg": 1.0, "g": 0.001, "t": 1000.0}.get(str(output.get("unit")), 0.0)
    return round(total, 6) if total > 0 else None


def serial_list(serials: object) -> list[str]:
    """A payload's serials: a list, ``{list}``, or a range ``{first, last}`` of one width."""
    if isinstance(serials, list):
        return [str(s) for s in serials]
    if not isinstance(serials, dict):
        return []
    if isinstance(serials.get("list"), list):
        return [str(s) for s in serials["list"]]
    first, last = str(serials.get("first", "")), str(serials.get("last", ""))
    if not (first.isdigit() and last.isdigit() and len(first) == len(last)):
        return []
    return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]


def _sensors(readings: object) -> list[dict[str, Any]]:
    elements = []
    for reading in readings if isinstance(readings, list) else []:
        if not isinstance(reading, dict):
            continue
        reports = []
        if isinstance(reading.get("temperature_c"), int | float):
            reports.append({"type": "Temperature", "value": reading["temperature_c"], "uom": "CEL"})
        if isinstance(reading.get("humidity_pct"), int | float):
            reports.append({"type": "RelativeHumidity", "value": reading["humidity_pct"], "uom": "P1"})
        if reports:
            element: dict[str, Any] = {"sensorReport": reports}
            if isinstance(reading.get("at"), str):
                element["sensorMetadata"] = {"time": reading["at"]}
            elements.append(element)
    return elements


# members each type turns into standard fields (the rest become ilmd or gt: extensions)
_USED: Mapping[str, frozenset[str]] = {
    "harvest": frozenset({"fresh_weight"}),
    "source_seed": frozenset({"quantity"}),
    "sample": frozenset({"quantity"}),
    "store": frozenset({"readings"}),
    "ship": frozenset({"from", "to", "net_weight_kg"}),
    "receive": frozenset({"from", "net_weight_kg"}),
    "sell": frozenset({"serials"}),
    "return": frozenset({"serials"}),
    "package": frozenset({"serials", "units"}),
    "process": frozenset({"input_quantities"}),
    "aggregate": frozenset({"children", "sscc"}),
}


def _what(record: LedgerRecord, ids: Identifiers, rule: Rule) -> dict[str, Any]:
    """The event's objects: what it is about, in the fields its class has."""
    event, payload = record.event, _public(record.event.get("payload"))
    lot, kind = str(event.get("lot_id")), str(event.get("type"))
    inputs = [str(i) for i in event.get("inputs") or []]
    if rule.kind == "AggregationEvent":
        sscc = payload.get("sscc")
        parent = f"{ids.base.rstrip('/')}/00/{sscc}" if isinstance(sscc, str) else ids.lot(lot)
        return {"parentID": parent, "childEPCs": [ids.unit(str(c)) for c in payload.get("children", [])]}
    if rule.kind == "TransformationEvent":
        # the transformation is named by our ledger event's hash as an RFC 6920 ni URI (one ledger event, one
        # transformation); EPCIS needs the ID when an event has outputs but no inputs (a package without them)
        fields: dict[str, Any] = {"transformationID": f"ni:///sha-256;{record.event_hash}"}
        if kind == "process":
            fields["inputQuantityList"] = [
                _quantity(ids.lot(str(q.get("lot"))), q.get("value"), q.get("unit"))
                for q in payload.get("input_quantities", [])
                if isinstance(q, dict)
            ]
        elif inputs:
            fields["inputQuantityList"] = [{"epcClass": ids.lot(i)} for i in inputs]
        if kind == "package":
            fields["outputQuantityList"] = [_quantity(ids.lot(lot), payload.get("units"), "count")]
            serials = [ids.serial(lot, s) for s in serial_list(payload.get("serials"))]
            if serials and all(serials):
                fields["outputEPCList"] = serials
        elif kind == "process":
            fields["outputQuantityList"] = [_quantity(ids.lot(lot), _stock_kg(payload.get("outputs")), "kg")]
        else:
            fields["outputQuantityList"] = [_measure(ids.lot(lot), payload)]
        return fields
    serials = [ids.serial(lot, s) for s in serial_list(payload.get("serials"))] if kind in ("sell", "return") else []
    if serials and all(serials):
        return {"epcList": serials}
    return {"quantityList": [_measure(ids.lot(lot), payload)]}


def _custody(event: Mapping[str, Any], payload: Mapping[str, Any], ids: Identifiers) -> dict[str, Any]:
    kind, actor = event.get("type"), str(event.get("actor"))
    fields: dict[str, Any] = {}
    if kind == "ship":
        fields["sourceList"] = [
            {"type": "owning_party", "source": ids.party(str(payload["from"]))},
            {"type": "possessing_party", "source": ids.party(str(payload["from"]))},
        ]
        destinations = [{"type": "owning_party", "destination": ids.party(str(payload["to"]))}]
        if isinstance(payload.get("carrier"), str):
            destinations.append({"type": "possessing_party", "destination": ids.party(payload["carrier"])})
        fields["destinationList"] = destinations
    elif kind == "receive":
        fields["sourceList"] = [{"type": "owning_party", "source": ids.party(str(payload["from"]))}]
        fields["destinationList"] = [
            {"type": "owning_party", "destination": ids.party(actor)},
            {"type": "possessing_party", "destination": ids.party(actor)},
        ]
    return fields


def _public(payload: object) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "_sd"} if isinstance(payload, dict) else {}


def epcis_event(record: LedgerRecord, ids: Identifiers) -> dict[str, Any]:
    """One record as an EPCIS 2.0 event (without ``eventID``; :func:`epcis_document` adds it). A captured
    EPCIS event (``epcis_event``) is :func:`captured_event`."""
    event = record.event
    kind = str(event.get("type"))
    if kind == CAPTURED:
        return captured_event(event, record.recorded_at)
    rule = MAPPING.get(kind, FALLBACK)
    payload = _public(event.get("payload"))
    out: dict[str, Any] = {
        "type": rule.kind,
        "eventTime": str(event.get("occurred_at")),
        "eventTimeZoneOffset": TIME_ZONE_OFFSET,
        "recordTime": record.recorded_at,
    }
    out.update(_what(record, ids, rule))
    if rule.action is not None:
        out["action"] = rule.action
    if rule.biz_step is not None:
        out["bizStep"] = rule.biz_step
    disposition = rule.disposition
    if kind == "quality_test":
        disposition = {"pass": "conformant", "fail": "non_conformant"}.get(str(payload.get("verdict")))
    if disposition is not None:
        out["disposition"] = disposition
    out.update(_custody(event, payload, ids))
    if kind == "store":
        sensors = _sensors(payload.get("readings"))
        if sensors:
            out["sensorElementList"] = sensors
    members = {**record.private, **{k: v for k, v in payload.items() if k not in _USED.get(kind, frozenset())}}
    rest = {f"gt:{k}": v for k, v in sorted(members.items())}
    if rule.master_data and rest:
        ilmd = dict(rest)
        lot_species = ids.species.get(str(event.get("lot_id")))
        if lot_species is not None:
            ilmd.setdefault("gt:species", lot_species)
        if kind == "package":
            ilmd["cbvmda:lotNumber"] = str(event.get("lot_id"))
            if isinstance(payload.get("expiry_date"), str):
                ilmd["cbvmda:itemExpirationDate"] = payload["expiry_date"]
        out["ilmd"] = ilmd
    else:
        out.update(rest)
    out["gt:eventType"] = kind
    out["gt:lot"] = str(event.get("lot_id"))
    out["gt:actor"] = str(event.get("actor"))
    out["gt:ledgerEventHash"] = record.event_hash
    out["gt:ledgerRecordHash"] = record.record_hash
    out["gt:logIndex"] = record.log_index
    out["gt:inclusionProof"] = ids.proof(record.record_hash)
    return out


def gtins_of(events: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each packaged lot's GTIN: from its package event, and passed on to the lots split off from it."""
    gtins: dict[str, str] = {}
    for event in events:
        payload = _public(event.get("payload"))
        lot = str(event.get("lot_id"))
        if event.get("type") == "package" and isinstance(payload.get("gtin"), str):
            gtins[lot] = payload["gtin"]
        elif event.get("type") == "split":
            parents = [gtins[str(i)] for i in event.get("inputs") or [] if str(i) in gtins]
            if parents:
                gtins[lot] = parents[0]
    return gtins


def species_of(events: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each lot's species: named by one of its events, else inherited from the first of its inputs that has one."""
    species: dict[str, str] = {}
    for event in events:
        lot, payload = str(event.get("lot_id")), _public(event.get("payload"))
        if isinstance(payload.get("species"), str):
            species.setdefault(lot, payload["species"])
        for parent in event.get("inputs") or []:
            if str(parent) in species:
                species.setdefault(lot, species[str(parent)])
    return species


def epcis_document(
    records: Sequence[LedgerRecord],
    base: str,
    created: str,
    *,
    gtins: Mapping[str, str] | None = None,
    include: Callable[[LedgerRecord], bool] = lambda _: True,
) -> dict[str, Any]:
    """An ``EPCISDocument`` of ``records`` (in their order); each event's ``eventID`` is its CBV 2.0 event hash.
    ``gtins`` defaults to what the records' package events say; ``include`` picks the records shown."""
    ids = Identifiers(
        base, gtins if gtins is not None else gtins_of(r.event for r in records), species_of(r.event for r in records)
    )
    events = []
    context: list[Any] = list(CONTEXT)
    for record in records:
        if not include(record):
            continue
        event = epcis_event(record, ids)
        if record.event.get("type") == CAPTURED:
            context, event = merged_context(context, event, captured_context(record.event))
        if "eventID" not in event:
            event = {"eventID": event_hash(event, context), **event}
        events.append(event)
    return {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created,
        "epcisBody": {"eventList": events},
    }
