"""US FDA FSMA 204 (21 CFR 1 subpart S): the critical tracking events of ledger events, one spreadsheet row each
with its key data elements, for the "electronic sortable spreadsheet" a customer or the FDA asks for within 24
hours. Pure Python: the service reads the records (public members only) and the organisations.

Critical tracking events from our event types: ``harvest`` → Harvesting, ``package`` → Initial Packing, ``ship``
→ Shipping, ``receive`` → Receiving, ``process`` and ``split`` → Transformation. No event type of ours records
cooling before initial packing (a ``store`` is storage, not cooling), so there is no Cooling row; ginseng has no
first land-based receiving. The traceability lot code is our lot id (with the GTIN once packaged); its source is
the organisation whose event created the lot (21 CFR 1.1320 "traceability lot code source").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .places import division

CTE = {
    "harvest": "Harvesting",
    "package": "Initial Packing",
    "ship": "Shipping",
    "receive": "Receiving",
    "process": "Transformation",
    "split": "Transformation",
}
COLUMNS = (
    "Traceability Lot Code",
    "GTIN",
    "Product Description",
    "Critical Tracking Event",
    "Event Date",
    "Event Time (UTC)",
    "Quantity",
    "Unit of Measure",
    "Location Description",
    "Ship From Location",
    "Ship To Location",
    "Input Traceability Lot Codes",
    "Traceability Lot Code Source",
    "Reference Document Type",
    "Reference Document Number",
    "Ledger Record Hash",
)
CHINA = timedelta(hours=8)  # event dates are local dates where the events happen (China Standard Time)
_SPECIES = {
    "panax_ginseng": "Asian ginseng (Panax ginseng)",
    "panax_quinquefolius": "American ginseng (Panax quinquefolius)",
}


@dataclass(frozen=True)
class Place:
    """An organisation as a location description: its registered name, county and GLN."""

    name: str
    county_code: str | None = None
    gln: str | None = None

    def description(self) -> str:
        county = division(self.county_code) if self.county_code else None
        parts = [self.name, county.full_name if county else None, f"GLN {self.gln}" if self.gln else None]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Event:
    """What a row reads of one record: the event as signed (public members) and its record hash."""

    event: Mapping[str, Any]
    record_hash: str


def _quantity(kind: str, payload: Mapping[str, Any]) -> tuple[float | int | None, str]:
    if kind in ("ship", "receive") and isinstance(payload.get("net_weight_kg"), int | float):
        return payload["net_weight_kg"], "kg"
    if kind == "package" and isinstance(payload.get("units"), int):
        return payload["units"], "each"
    for name in ("fresh_weight", "quantity"):
        measure = payload.get(name)
        if isinstance(measure, dict) and isinstance(measure.get("value"), int | float):
            return measure["value"], str(measure.get("unit", ""))
    if kind == "process":
        outputs = [o for o in payload.get("outputs") or [] if isinstance(o, dict) and o.get("output") != "waste"]
        total = sum(
            float(o["value"]) for o in outputs if isinstance(o.get("value"), int | float) and o.get("unit") == "kg"
        )
        whole = round(total, 3)
        return (int(whole) if whole.is_integer() else whole, "kg") if total else (None, "")
    return None, ""


def _description(lot: str, facts: Mapping[str, Mapping[str, Any]]) -> str:
    """The product a lot is: its species, and what its creating event says it is."""
    own = facts.get(lot, {})
    parts = [_SPECIES.get(str(own.get("species")), str(own.get("species") or "ginseng"))]
    kind, payload = own.get("type"), own.get("payload") or {}
    if kind == "harvest":
        parts.append("fresh roots")
        if isinstance(payload.get("crop_age_years"), int):
            parts.append(f"{payload['crop_age_years']}-year")
    elif kind == "process" and isinstance(payload.get("process"), str):
        parts.append(payload["process"].replace("_", " "))
    elif kind == "package":
        if isinstance(payload.get("net_weight_g"), int | float):
            parts.append(f"packed {payload['net_weight_g']:g} g units")
        if isinstance(payload.get("batch"), str):
            parts.append(f"batch {payload['batch']}")
    if isinstance(payload.get("grade"), str):
        parts.append(f"grade {payload['grade']}")
    return ", ".join(parts)


def lot_facts(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per lot, in log order: its creating event's type and public payload, its creator, its species (its own
    or inherited from its inputs) and its GTIN (its package event's, inherited by splits)."""
    facts: dict[str, dict[str, Any]] = {}
    for event in events:
        lot, payload = str(event.get("lot_id")), event.get("payload") or {}
        inputs = [str(i) for i in event.get("inputs") or []]
        own = facts.setdefault(lot, {"type": event.get("type"), "payload": payload, "creator": event.get("actor")})
        if isinstance(payload.get("species"), str):
            own.setdefault("species", payload["species"])
        for parent in inputs:
            if "species" in facts.get(parent, {}):
                own.setdefault("species", facts[parent]["species"])
        if event.get("type") == "package" and isinstance(payload.get("gtin"), str):
            own["gtin"] = payload["gtin"]
        elif event.get("type") == "split":
            source = facts.get(inputs[0], {}) if inputs else {}
            if "gtin" in source:
                own["gtin"] = source["gtin"]
    return facts


def rows(
    events: Sequence[Event], places: Mapping[str, Place], history: Iterable[Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The spreadsheet rows (by :data:`COLUMNS`) of the critical tracking events among ``events``, sorted by
    event time then lot. ``places`` names each actor's organisation; ``history`` (default: ``events``) is what
    the lots' descriptions, species, GTINs and creators are read from, in log order."""
    facts = lot_facts(history if history is not None else (e.event for e in events))

    def where(actor: object) -> str:
        place = places.get(str(actor))
        return place.description() if place else str(actor or "")

    found = []
    for item in events:
        event = item.event
        kind = str(event.get("type"))
        if kind not in CTE:
            continue
        lot, payload = str(event.get("lot_id")), event.get("payload") or {}
        moment = datetime.fromisoformat(str(event.get("occurred_at")).replace("Z", "+00:00")).astimezone(UTC)
        quantity, unit = _quantity(kind, payload)
        inputs = [str(i) for i in event.get("inputs") or []]
        if kind == "process":
            inputs = [str(q.get("lot")) for q in payload.get("input_quantities") or [] if isinstance(q, dict)] or inputs
        reference = next((str(payload[k]) for k in ("reference", "invoice", "bill_of_lading") if k in payload), None)
        found.append(
            {
                "Traceability Lot Code": lot,
                "GTIN": facts.get(lot, {}).get("gtin", ""),
                "Product Description": _description(lot, facts),
                "Critical Tracking Event": CTE[kind],
                "Event Date": (moment + CHINA).date().isoformat(),
                "Event Time (UTC)": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Quantity": quantity if quantity is not None else "",
                "Unit of Measure": unit,
                "Location Description": where(event.get("actor")),
                "Ship From Location": where(payload.get("from")) if kind in ("ship", "receive") else "",
                "Ship To Location": where(payload.get("to") if kind == "ship" else event.get("actor"))
                if kind in ("ship", "receive")
                else "",
                "Input Traceability Lot Codes": "; ".join(inputs) if kind in ("process", "split", "package") else "",
                "Traceability Lot Code Source": where(facts.get(lot, {}).get("creator")),
                "Reference Document Type": "reference" if reference else "Ginseng Trace ledger event",
                "Reference Document Number": reference or str(event.get("event_id")),
                "Ledger Record Hash": item.record_hash,
            }
        )
    return sorted(found, key=lambda r: (r["Event Time (UTC)"], r["Traceability Lot Code"]))
