"""Holds and recalls, and how far they reach. Pure Python.

A hold or a recall is recorded on one lot and applies to that lot and to every lot made from it, down to
the last packaged unit and case (``docs/DOMAIN.md`` §Holds and recalls reach downstream). Each lot's state
keeps the holds that stand over it, by the event id of the hold or recall, with the lot it was placed on:
its own, or an upstream lot's. A release is recorded on the lot the hold was placed on and lifts exactly
one hold there: the one its ``hold`` member names (an event id), or, when it names none, the lot's only
standing hold of its own; it lifts it from every lot the hold reached. A recall is final.

The ledger folds a hold into every descendant's state when the hold is recorded (the lot graph downwards,
:func:`downstream`, is read once for that event); so judging any other event costs nothing more than
reading its own lot's state.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .lineage import walk

HOLD_TYPES = frozenset({"hold", "recall"})
"""Event types that place a hold (a recall is one that is never lifted)."""
STATUS_TYPES = frozenset({*HOLD_TYPES, "release"})
"""Event types that change which holds stand."""
REACHING_TYPES = frozenset({*STATUS_TYPES, "quality_release", "quality_test", "correct"})
"""Event types whose effect reaches the lots made from their lot (a quality release reaches the boxes and cases
that inherit it, a failing test every lot made from the tested one, :mod:`.quality_gate`; a correction the lots
that copied the corrected fact, :mod:`.corrections`): the ledger reads the lot graph below their lots."""
LEGACY = "(before holds were named)"
"""The key of a hold folded by a version that did not name holds (a state stored before this one)."""


@dataclass(frozen=True)
class Hold:
    """A hold or recall standing over a lot: the lot it was placed on (this one or an upstream one), the
    event type (``hold`` or ``recall``), who placed it (an organisation, or a trust anchor's actor), whether
    as a regulator, and when it occurred."""

    lot: str
    type: str
    by: str
    regulator: bool
    at: str


def status(holds: Mapping[str, Hold]) -> str | None:
    """``recall`` if any recall stands, ``hold`` if only holds do, None if nothing stands."""
    if any(h.type == "recall" for h in holds.values()):
        return "recall"
    return "hold" if holds else None


def own_holds(lot_id: str, holds: Mapping[str, Hold]) -> list[str]:
    """The event ids of the holds (not recalls) placed on ``lot_id`` itself that stand, in their order."""
    return [event_id for event_id, h in holds.items() if h.lot == lot_id and h.type == "hold"]


def lifted(lot_id: str, holds: Mapping[str, Hold], payload: Mapping[str, Any]) -> str | None:
    """The hold a release of ``lot_id`` with ``payload`` lifts (its event id), or None when it lifts none:
    the standing hold of this lot its ``hold`` member names, else this lot's only standing hold."""
    named = payload.get("hold")
    if named is not None:
        target = holds.get(str(named))
        return str(named) if target is not None and target.lot == lot_id and target.type == "hold" else None
    own = own_holds(lot_id, holds)
    return own[0] if len(own) == 1 else None


def downstream(lot_id: str, children: Mapping[str, Collection[str]]) -> set[str]:
    """Every lot made from ``lot_id``, transitively, by the lot graph ``children`` (lot -> lots that
    consumed it); not ``lot_id`` itself."""

    def step(frontier: set[str]) -> set[str]:
        return {c for lot in frontier for c in children.get(lot, ())}

    return set(walk(lot_id, step)) - {lot_id}


def merged(parts: Iterable[Mapping[str, Hold]]) -> dict[str, Hold]:
    """The holds over a lot made from ``parts``: every one standing over any of them."""
    found: dict[str, Hold] = {}
    for holds in parts:
        found.update(holds)
    return found
