"""What the rules know about a lot, folded from its events in log order. Pure Python.

A :class:`LotState` is derived data: it is a function of the ledger's records
and can be rebuilt from them at any time (``ginseng-trace check`` does). The
store keeps the latest state of every lot so that checking an event costs one
read, not a replay.

Quantities are kept in the lot's unit: kilograms for harvest lots and process
batches, units (count) for packaged products, cases and pallets. ``holdings``
says how much of the lot each party has on hand, so a partial shipment leaves
the shipper holding the rest; ``in_transit`` lists shipments not yet received.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..chain.canonical import canonical_bytes
from ..chain.records import Event
from ..chain.times import format_utc, parse_utc
from . import corrections, movements
from .creation import created, planted_seedling_age, shared_species
from .gate_facts import Gate
from .holds import HOLD_TYPES, LEGACY, Hold, lifted, status
from .lineage import lot_kind
from .lot_facts import EPSILON, HOLD_STATES, Application, Certificate, Origin, Seed, Shipment, kg, local_time

__all__ = [
    "EPSILON",
    "HOLD_STATES",
    "Application",
    "Certificate",
    "LotState",
    "Origin",
    "Seed",
    "Shipment",
    "apply",
    "kg",
    "local_time",
    "planted_seedling_age",
    "shared_species",
]


@dataclass
class LotState:
    lot_id: str
    kind: str
    creator: str
    last_occurred: str
    unit: str | None = None
    holdings: dict[str, float] = field(default_factory=dict)
    in_transit: list[Shipment] = field(default_factory=list)
    unit_weight_g: float | None = None
    # process batches: each output's kilograms, by coproducts.key (main_root, main_root/一等, fine_roots,
    # rhizome_heads, waste), across all holders; None for lots that keep none (harvest lots, packaged units)
    outputs: dict[str, float] | None = None
    moisture_pct: float | None = None
    # the lot whose moisture this one copied when it was made (a box its batch's, a split child its parent's,
    # and so on up), so that a correction of that moisture reaches it (.corrections); None: its own
    moisture_of: str | None = None
    processes: list[str] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    # packaged products: what the label claims and is sold as, which select the standards a test of it is
    # judged by (standards.py)
    claims: list[str] = field(default_factory=list)
    intended_use: str | None = None
    export_markets: list[str] = field(default_factory=list)
    # the species (docs/DOMAIN.md §Species): a plot's as recorded; every other lot's the one species all its
    # inputs share; None when unknown (a plot that recorded none, or inputs not all of one known species)
    species: str | None = None
    # plot crops only
    land_type: str | None = None
    county: str | None = None  # the name: the county_code's when the plot gave one (places.py), else as recorded
    prefecture: str | None = None
    county_code: str | None = None
    area_mu: float | None = None
    certifications: list[str] = field(default_factory=list)  # claimed by the registrant
    certificates: dict[str, Certificate] = field(default_factory=dict)  # granted by issuers, by certify event id
    variety: str | None = None
    sown_at: str | None = None
    # planted with bought-in seedlings (种苗) at its first sowing: their age then (None: seed sown)
    seedling_age_years: int | None = None
    # seed and seedlings sourced for the plot, by seed lot ("" for a record naming none), the latest last
    seeds: dict[str, Seed] = field(default_factory=dict)
    harvests: int = 0
    harvested_kg: float = 0.0
    # the pesticide application that allows harvest last (application + pre-harvest interval), and when
    # each chemical active ingredient (casefolded) was last applied: all the pesticide rules need
    latest_ready: Application | None = None
    chemicals: dict[str, str] = field(default_factory=dict)
    # packaged units: the run's serials as the package event names them (``events.serials``), and every
    # serial sold so far with the day of its sale (China Standard Time), so that each is sold once
    serials: dict[str, Any] | None = None
    sold_serials: dict[str, str] = field(default_factory=dict)
    # packaged units split into child lots (.movements.split): each child's run of serials, by child lot
    split_off: dict[str, dict[str, Any]] = field(default_factory=dict)
    # returns (.movements): whom each holder received the lot from, how much each party sold, who sold each
    # serial still sold, and each serial taken back from a buyer with the day of its latest return
    received_from: dict[str, list[str]] = field(default_factory=dict)
    sold: dict[str, float] = field(default_factory=dict)
    serial_sellers: dict[str, str] = field(default_factory=dict)
    returned_serials: dict[str, str] = field(default_factory=dict)
    # every lot: the canonical bytes of all its events' payloads so far (what its bundles carry of it)
    payload_bytes: int = 0
    # authority: the organisation (or trust anchor) that recorded each event, by event id; samples sent to
    # a lab (sample id -> the lab's organisation)
    recorded_by: dict[str, str] = field(default_factory=dict)
    # corrections (.corrections): each event's type, by event id, and of the events whose facts the state
    # derives (corrections.FOLDED) those members as last corrected ({"type", "payload"})
    event_types: dict[str, str] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)
    # the holds and recalls standing over the lot, its own and its ancestors', by event id (.holds)
    holds: dict[str, Hold] = field(default_factory=dict)
    # the quality gate (docs/DOMAIN.md §Quality release): tests, release, an undecided failure, destruction;
    # folded by .quality_gate
    gate: Gate = field(default_factory=Gate)

    # -- reading -----------------------------------------------------------------

    @property
    def last(self) -> datetime:
        return parse_utc(self.last_occurred)

    @property
    def hold(self) -> str | None:
        """``recall`` or ``hold`` while one stands over the lot (placed on it or upstream), else None."""
        return status(self.holds)

    def custodians(self) -> set[str]:
        """Who may record for this lot: for a plot or an enterprise its registrant, otherwise every party
        with some of the lot on hand."""
        if self.unit is None:
            return {self.creator}
        return {party for party, amount in self.holdings.items() if amount > EPSILON}

    def amount(self, payload: Mapping[str, Any]) -> float | None:
        """The quantity a ship, receive or sell payload names, in this lot's unit (None if it names none
        that converts)."""
        units, net_kg = payload.get("units"), payload.get("net_weight_kg")
        if self.unit == "count":
            if units is not None:
                return float(units)
            if net_kg is not None and self.unit_weight_g:
                return float(net_kg) * 1000 / self.unit_weight_g
        elif self.unit == "kg":
            if net_kg is not None:
                return float(net_kg)
            if units is not None and self.unit_weight_g:
                return float(units) * self.unit_weight_g / 1000
        return None

    def seed_for(self, seed_lot: str | None) -> Seed | None:
        """The seed or seedlings a sowing of ``seed_lot`` used, as sourced for this plot: that seed lot's
        record, or for a sowing that names none the latest sourced."""
        if seed_lot is not None:
            return self.seeds.get(seed_lot)
        return next(reversed(self.seeds.values()), None)

    def shipment_to(self, consignee: str, shipper: str) -> Shipment | None:
        return next((s for s in self.in_transit if s.consignee == consignee and s.shipper == shipper), None)

    # -- storing -----------------------------------------------------------------

    def to_json(self) -> str:
        data = dict(self.__dict__)
        data["in_transit"] = [s.__dict__ for s in self.in_transit]
        data["origins"] = [o.to_dict() for o in self.origins]
        data["certificates"] = {event_id: c.__dict__ for event_id, c in self.certificates.items()}
        data["seeds"] = {lot: seed.__dict__ for lot, seed in self.seeds.items()}
        data["latest_ready"] = self.latest_ready.__dict__ if self.latest_ready else None
        data["holds"] = {event_id: h.__dict__ for event_id, h in self.holds.items()}
        data["gate"] = self.gate.to_dict()
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> LotState:
        data = json.loads(text)
        data["in_transit"] = [Shipment(**s) for s in data.get("in_transit", [])]
        data["origins"] = [Origin.from_dict(o) for o in data.get("origins", [])]
        data["certificates"] = {event_id: Certificate(**c) for event_id, c in data.get("certificates", {}).items()}
        data["seeds"] = {lot: Seed(**seed) for lot, seed in data.get("seeds", {}).items()}
        ready = data.get("latest_ready")
        data["latest_ready"] = Application(**ready) if ready else None
        data["holds"] = {event_id: Hold(**h) for event_id, h in data.get("holds", {}).items()}
        data["gate"] = Gate.from_dict(data.get("gate"))
        # a state stored before holds were named: its one standing hold, placed on the lot itself
        old, by, regulator = data.pop("hold", None), data.pop("hold_by", None), data.pop("hold_by_regulator", False)
        if old in HOLD_TYPES:
            placed_by = by or data["creator"]
            data["holds"][LEGACY] = Hold(data["lot_id"], old, placed_by, bool(regulator), data["last_occurred"])
        return cls(**data)


def payload_size(event: Event) -> int:
    """The size of the event's payload in bytes, as RFC 8785 canonical JSON (private members included)."""
    return len(canonical_bytes(event.payload))


@dataclass(frozen=True)
class Recorder:
    """Who recorded an event, as the authority rule found: their organisation (or the trust anchor's actor
    id) and whether they recorded it as a regulator."""

    party: str
    regulator: bool = False


def apply(
    event: Event,
    states: MutableMapping[str, LotState],
    *,
    fresh_moisture_pct: float = 70,
    recorder: Recorder | None = None,
    reach: Collection[str] = (),
) -> set[str]:
    """Fold ``event`` into ``states`` (the lot's state and its inputs'; for a hold, recall, release or
    correction also the states of ``reach``, the lots made from the lot: :func:`.holds.downstream`); return the
    lots whose state changed. The event is taken as it is: checking it is :mod:`.rules`' job, before this."""
    payload, actor, lot_id, kind = event.payload, event.actor, event.lot_id, event.type
    occurred = format_utc(event.occurred)
    inputs = [states[lot] for lot in event.inputs if lot in states]
    changed = {lot_id, *(s.lot_id for s in inputs)}
    state = states.get(lot_id)
    if state is None:
        state = states[lot_id] = LotState(lot_id, lot_kind(kind, payload), actor, occurred)
        created(state, event, inputs, fresh_moisture_pct)
    elif kind == "sow":
        seed = state.seed_for(payload.get("seed_lot"))
        if state.sown_at is None:
            state.sown_at = occurred
            state.seedling_age_years = planted_seedling_age(payload, seed)
        state.variety = str(payload["variety"])
        state.species = state.species or payload.get("species") or (seed.species if seed else None)
    elif kind == "source_seed":
        if state.variety is None:
            state.variety = str(payload["variety"])
        key = str(payload.get("seed_lot", ""))
        state.seeds.pop(key, None)  # re-sourced: now the latest
        state.seeds[key] = Seed(payload.get("species"), payload.get("seedling_age_years"))
        state.species = state.species or payload.get("species")
    elif kind == "field_operation" and payload.get("operation") == "pesticide":
        application = Application(
            occurred,
            str(payload["product"]),
            str(payload["active_ingredient"]),
            payload.get("pesticide_class", "chemical") == "chemical",
            int(payload["pre_harvest_interval_days"]),
        )
        if state.latest_ready is None or application.ready > state.latest_ready.ready:
            state.latest_ready = application
        if application.chemical:
            state.chemicals[application.active_ingredient.casefold()] = occurred
    elif kind == "ship":
        shipper = str(payload["from"])
        held = state.holdings.get(shipper, 0.0)
        amount = state.amount(payload)
        amount = held if amount is None else min(amount, held)
        state.holdings[shipper] = held - amount
        state.in_transit.append(Shipment(shipper, str(payload["to"]), payload.get("carrier"), amount))
    elif kind == "receive":
        shipment = state.shipment_to(actor, str(payload["from"]))
        if shipment is not None:
            state.in_transit.remove(shipment)
            received = state.amount(payload)
            state.holdings[actor] = state.holdings.get(actor, 0.0) + (shipment.amount if received is None else received)
            suppliers = state.received_from.setdefault(actor, [])
            if shipment.shipper not in suppliers:
                suppliers.append(shipment.shipper)
    elif kind == "sell":
        amount = state.amount(payload) or 0.0
        state.holdings[actor] = max(0.0, state.holdings.get(actor, 0.0) - amount)
        for serial in payload.get("serials", []):
            state.sold_serials.setdefault(str(serial), local_time(event.occurred).date().isoformat())
        movements.sold(state, event, amount)
    elif kind == "return":
        movements.returned(state, event)
    elif kind == "sample":
        state.samples[str(payload["sample_id"])] = str(payload["lab"])
    elif kind == "correct":
        corrections.fold(state, str(payload["supersedes"]), payload["corrected"])
        changed |= corrections.reach(state, str(payload["supersedes"]), [states[lot] for lot in reach if lot in states])
    elif kind == "certify":
        state.certificates[event.event_id] = Certificate.granted(
            event.event_id, payload, recorder.party if recorder else actor
        )
    elif kind == "withdraw_certification" and str(payload["certificate"]) in state.certificates:
        state.certificates[str(payload["certificate"])].withdrawn_at = occurred
    if event.occurred >= state.last:
        state.last_occurred = occurred
    if kind in HOLD_TYPES or kind == "release":
        changed |= _hold_or_release(event, state, [states[lot] for lot in reach if lot in states], recorder)
    state.recorded_by[event.event_id] = recorder.party if recorder else event.actor
    state.event_types[event.event_id] = kind
    if kind in corrections.FOLDED:
        state.facts[event.event_id] = {"type": kind, "payload": corrections.kept(kind, payload)}
    state.payload_bytes += payload_size(event)
    return changed


def _hold_or_release(event: Event, state: LotState, reach: list[LotState], recorder: Recorder | None) -> set[str]:
    """Place the hold or recall on the lot and every lot made from it, or lift the hold a release names from
    all of them; return the downstream lots changed."""
    if event.type == "release":
        target = lifted(state.lot_id, state.holds, event.payload)
        if target is None:
            return set()
        touched = [s for s in (state, *reach) if s.holds.pop(target, None) is not None]
        return {s.lot_id for s in touched}
    hold = Hold(
        state.lot_id,
        event.type,
        recorder.party if recorder else event.actor,
        bool(recorder and recorder.regulator),
        format_utc(event.occurred),
    )
    for lot in (state, *reach):
        lot.holds[event.event_id] = hold
    return {s.lot_id for s in reach}
