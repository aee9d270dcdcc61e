"""What the public page shows of the quality gate (docs/DOMAIN.md §Quality release): the release a lot stands
under (its own, or for a box or case the one of the lot it was packed from), with its date and the lab's verdict
on the test it relies on, or that the lot awaits a test, awaits its release, failed a test that no regulator
has decided on, stands under such a failing test of a lot it was made from (``failed_upstream``: the
ledger's ``Gate.upstream_failed``, naming the test and the lot tested), or was destroyed. Pure Python, from
the signed events as :mod:`.public` reads them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .context import rules_config
from .lineage import lot_kind


def _packed_from(lot_id: str, by_lot: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[str]:
    """``lot_id`` and the lots it inherits a release from (a box: its batches; a case: its boxes and theirs)."""
    chain, frontier = [lot_id], [lot_id]
    while frontier:
        lot = frontier.pop(0)
        first = (by_lot.get(lot) or [{}])[0]
        if first.get("type") in {"package", "aggregate", "split"}:
            for parent in first.get("inputs") or []:
                if parent not in chain:
                    chain.append(str(parent))
                    frontier.append(str(parent))
    return chain


def _undecided_upstream(
    lot_id: str, by_lot: Mapping[str, Sequence[Mapping[str, Any]]], order: Mapping[str, int]
) -> dict[str, Any] | None:
    """The latest failing test of a lot ``lot_id`` was made from that no regulator has decided on: no release
    of the tested lot after it, nor of ``lot_id`` itself (``order``: each event's place in the log, by event
    id); None if there is none. ``by_lot`` holds the lot and its ancestors."""

    def position(event: Mapping[str, Any]) -> int:
        return order.get(str(event.get("event_id")), -1)

    own_releases = [position(e) for e in by_lot.get(lot_id, []) if e["type"] == "quality_release"]
    found: tuple[int, dict[str, Any]] | None = None
    allows = rules_config()["lifecycle"]["allows"]
    for lot, events in by_lot.items():
        first = events[0] if events else {}
        kind = lot_kind(str(first.get("type")), first.get("payload") or {})
        if lot == lot_id or "quality_release" not in allows.get(kind, []):  # as quality_gate.decided_by_release
            continue
        fails = [e for e in events if e["type"] == "quality_test" and (e.get("payload") or {}).get("verdict") == "fail"]
        if not fails:
            continue
        latest = max(fails, key=position)
        after = position(latest)
        if any(position(e) > after for e in events if e["type"] == "quality_release"):
            continue
        if any(p > after for p in own_releases):
            continue
        if found is None or after > found[0]:
            payload = latest.get("payload") or {}
            found = (
                after,
                {
                    "lot": lot,
                    "test": latest.get("event_id"),
                    "on": str(latest["occurred_at"])[:10],
                    "lab": payload.get("lab"),
                    "verdict": payload.get("verdict"),
                },
            )
    return found[1] if found else None


def quality_status(
    lot_id: str,
    kind: str,
    processes: Sequence[str],
    by_lot: Mapping[str, Sequence[Mapping[str, Any]]],
    order: Mapping[str, int] | None = None,
) -> dict[str, Any] | None:
    """``{"state": released | awaiting_test | awaiting_release | failed | failed_upstream | destroyed,
    "release": {...} | None, "destroyed_on", "failed_upstream": {lot, test, on, lab, verdict} | None}`` for a lot
    made for sale (``quality_gate.needs_test``), else None."""
    need = rules_config()["quality_gate"]["needs_test"].get(kind)
    if need is None or (need != "all" and not set(need) & set(processes)):
        return None
    release: dict[str, Any] | None = None
    passing, failed, destroyed = False, False, None
    for lot in _packed_from(lot_id, by_lot):
        tests: dict[str, Mapping[str, Any]] = {}
        for event in by_lot.get(lot, []):
            kind_, payload = event["type"], event.get("payload") or {}
            if kind_ == "quality_test":
                tests[str(event["event_id"])] = event
                passing |= payload.get("verdict") == "pass"
                failed = failed or (lot == lot_id and payload.get("verdict") == "fail")
            elif kind_ == "quality_release" and (release is None or lot == lot_id):
                test = tests.get(str(payload.get("test")), {})
                release = {
                    "lot": lot,
                    "event_id": event.get("event_id"),
                    "on": str(event["occurred_at"])[:10],
                    "by": event.get("actor"),
                    "test": payload.get("test"),
                    "lab": (test.get("payload") or {}).get("lab"),
                    "verdict": (test.get("payload") or {}).get("verdict"),
                    "reason": payload.get("reason"),
                }
                if lot == lot_id:
                    failed = False  # a release after the failing test: a regulator's decision
            elif kind_ == "destroy" and lot == lot_id:
                destroyed = str(event["occurred_at"])[:10]
    if order is None:
        order = {str(e.get("event_id")): i for events in by_lot.values() for i, e in enumerate(events)}
    upstream = _undecided_upstream(lot_id, by_lot, order)
    if destroyed:
        state = "destroyed"
    elif failed:
        state = "failed"
    elif upstream is not None:
        state = "failed_upstream"
    elif release is not None:
        state = "released"
    else:
        state = "awaiting_release" if passing else "awaiting_test"
    return {
        "state": state,
        "release": release if state == "released" else None,
        "destroyed_on": destroyed,
        "failed_upstream": upstream if state == "failed_upstream" else None,
    }
