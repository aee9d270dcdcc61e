"""Semantic rules over lots' states: what an experienced inspector would refuse or flag. Pure Python.

Thresholds and each rule's severity live in ``schemas/rules.yaml`` so that a
regulator can tune them without a code change; every rule there names its
source as sections of ``docs/DOMAIN.md`` (e.g. "docs/DOMAIN.md §Crop age").
A *hard* rule refuses the event; a *soft* rule lets it be stored and attaches
a *finding*. Both are :class:`~.findings.Finding` s naming the rule,
the field (a JSON Pointer), the limit and the value, in English and Chinese.

An :class:`Inspector` holds the states of the lots it has seen and judges each
event against them before folding it in (:func:`.state.apply`). The ledger runs
one per append over the states it keeps; ``ginseng-trace check`` runs one over
the whole ledger to recompute every finding from the records alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import datetime

from ..chain.records import Event
from .authority import check_authority, recorder_of
from .certificates import check_certificates
from .context import Context, RuleViolationError, rules_config
from .correction_rules import check_correction
from .cultivation import check_harvest, check_pesticide_once, check_planting
from .custody import check_captured_movement, check_custody, check_serials, check_stock
from .epcis_reading import CAPTURED, SOURCES, read_captured
from .findings import Finding
from .food import check_food_use
from .holds import REACHING_TYPES, downstream
from .lifecycle import check_chronology, check_hold, check_lifecycle
from .membership import Membership
from .origin import check_origin_claims, check_places, check_plot_area
from .processing import check_process_yield
from .quality import check_quality, check_storage
from .quality_gate import check_destruction, check_quality_gate, fold_gate
from .registrations import check_registration
from .returns import check_return
from .species import check_species
from .state import LotState, apply, payload_size

__all__ = ["CHECKS", "Context", "Inspector", "RuleViolationError", "rules_config"]


Check = Callable[[Context], Iterator[Finding]]


def check_event_size(c: Context) -> Iterator[Finding]:
    """An event's facts are small, and so is a lot's whole history: every bundle of every product made from
    the lot carries it to a shopper's phone, so nobody may bloat another party's product. A full lot never
    shuts out a regulator's hold, recall or release (``never_crowded_out``)."""
    settings = rules_config()["event_size"]
    size, most = payload_size(c.sent), int(settings["max_payload_bytes"])
    if size > most:
        yield c.violation(
            "event_size",
            "/payload",
            f"<= {most} bytes",
            f"{size} bytes",
            f"the payload is {size} bytes (canonical JSON); an event's payload may hold at most {most}",
            f"事件内容为 {size} 字节（规范 JSON），每个事件最多 {most} 字节",
        )
        return
    total, lot_most = (c.lot.payload_bytes if c.lot else 0) + size, int(settings["max_lot_bytes"])
    if total > lot_most and c.sent.type not in settings["never_crowded_out"]:
        yield c.violation(
            "event_size",
            "/payload",
            f"lot history <= {lot_most} bytes",
            f"{total} bytes",
            f"lot {c.event.lot_id}'s events would hold {total} bytes; a lot's history may hold at most {lot_most}",
            f"批次 {c.event.lot_id} 的事件内容将达 {total} 字节，超过每批次 {lot_most} 字节的上限",
        )


CHECKS: tuple[Check, ...] = (
    check_authority,
    check_event_size,
    check_lifecycle,
    check_chronology,
    check_hold,
    check_destruction,
    check_custody,
    check_captured_movement,
    check_stock,
    check_serials,
    check_return,
    check_process_yield,
    check_planting,
    check_harvest,
    check_pesticide_once,
    check_registration,
    check_species,
    check_places,
    check_plot_area,
    check_origin_claims,
    check_certificates,
    check_food_use,
    check_quality,
    check_quality_gate,
    check_storage,
    check_correction,
)


class Inspector:
    """Judges events in log order over the lot states and the membership it holds, and folds each admitted
    event into both. Each event is judged at its log position (``index``): membership as it stood before it.

    ``children`` is the lot graph downwards as far as the states given need it (lot -> the lots that consumed
    it: for the ledger, the descendants of the lots a batch holds, recalls, releases, tests or corrects
    (``holds.REACHING_TYPES``); for a replay, nothing at first); the inspector adds every edge it folds, and a
    hold, recall, release, failing test or correction reaches the lots below."""

    def __init__(
        self,
        states: Mapping[str, LotState] | None = None,
        membership: Membership | None = None,
        children: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.states: dict[str, LotState] = dict(states or {})
        self.membership = membership if membership is not None else Membership()
        self.children: dict[str, set[str]] = {lot: set(made) for lot, made in (children or {}).items()}
        self.changed: set[str] = set()

    def context(self, event: Event, index: int, recorded: datetime, pointer: str = "/event") -> Context:
        """``event`` with the states and signer around it; a captured EPCIS event that moves or ends a lot of
        ours is judged as our own type (:mod:`.epcis_reading`)."""
        reading = read_captured(event) if event.type == CAPTURED else None
        judged = reading.event if reading is not None else event
        inputs = {lot: self.states[lot] for lot in judged.inputs if lot in self.states}
        signer = self.membership.signer(event.actor, event.key_id, index, recorded)
        state = self.states.get(judged.lot_id)
        return Context(judged, state, inputs, recorded, pointer, signer, self.membership, reading=reading)

    def judge(self, event: Event, index: int, recorded: datetime, pointer: str = "/event") -> list[Finding]:
        """Every rule ``event`` breaks, hard and soft, at log position ``index``."""
        return self._judge(self.context(event, index, recorded, pointer))

    @staticmethod
    def _judge(context: Context) -> list[Finding]:
        found = [violation for check in CHECKS for violation in check(context)]
        if context.reading is None or not context.reading.read:
            return found
        return [_in_captured(f, context.pointer) for f in found]

    def admit(self, event: Event, index: int, recorded: datetime) -> None:
        """Fold ``event`` (at log position ``index``) into the lot states and the membership."""
        self._fold(self.context(event, index, recorded), index)

    def _fold(self, context: Context, index: int) -> None:
        event = context.event
        fresh = float(rules_config()["process_yield"]["fresh_moisture_pct"])
        recorder = recorder_of(context.signer)
        reach = downstream(event.lot_id, self.children) if event.type in REACHING_TYPES else ()
        self.changed |= apply(event, self.states, fresh_moisture_pct=fresh, recorder=recorder, reach=reach)
        if context.reading is not None and context.reading.read:  # the record is the EPCIS event as sent
            state = self.states[event.lot_id]
            state.payload_bytes += payload_size(context.sent) - payload_size(event)
            state.event_types[event.event_id] = CAPTURED
            state.facts.pop(event.event_id, None)
        self.changed |= fold_gate(event, self.states, recorder, self.children)
        for lot in event.inputs:
            self.children.setdefault(lot, set()).add(event.lot_id)
        self.membership.apply(event, index)

    def review(self, event: Event, index: int, recorded: datetime) -> list[Finding]:
        """Every rule ``event`` breaks, then fold it in whatever they say (a replay of stored records)."""
        context = self.context(event, index, recorded)
        found = self._judge(context)
        self._fold(context, index)
        return found

    def enforce(self, event: Event, index: int, recorded: datetime, pointer: str = "/event") -> list[Finding]:
        """Raise :class:`RuleViolationError` for the first hard rule ``event`` breaks; otherwise fold it in
        and return its findings (the soft rules it breaks)."""
        context = self.context(event, index, recorded, pointer)
        violations = self._judge(context)
        for violation in violations:
            if violation.hard:
                raise RuleViolationError(violation)
        self._fold(context, index)
        return violations


def _in_captured(finding: Finding, base: str) -> Finding:
    """A finding about a captured EPCIS event read as ours, pointing into the EPCIS event where the member of
    our reading it names came from (``/payload/to`` is the ``destinationList``)."""
    rest = finding.pointer[len(base) :] if finding.pointer.startswith(base) else None
    source = SOURCES.get(rest) if rest is not None else None
    return finding if source is None else dataclasses.replace(finding, pointer=f"{base}/payload/event{source}")
