"""Concurrent writers to one lot never fork its chain and lose no acknowledged event."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ginseng_trace.chain import GENESIS, SignedEvent
from ginseng_trace.service import Appended, Services
from ginseng_trace.store import TransientStoreError

from ..conftest import Actor

WRITERS = 24
EVENTS_PER_WRITER = 5


@pytest.mark.slow
def test_concurrent_writers_keep_one_linear_chain(ledger: Services, grower: Actor) -> None:
    ledger.events.append(grower.sign("LOT-HOT", "register_plot", event_id="genesis"))
    start = threading.Barrier(WRITERS)
    signed = [
        [grower.sign("LOT-HOT", "field_operation", event_id=f"w{w}-e{i}") for i in range(EVENTS_PER_WRITER)]
        for w in range(WRITERS)
    ]

    def append(event: SignedEvent) -> Appended:
        while True:  # 24 writers on a busy machine may queue past the lock timeout: try again, as a client would
            try:
                return ledger.events.append(event)
            except TransientStoreError:
                continue

    def writer(events: list[SignedEvent]) -> list[Appended]:
        start.wait()
        # each append is its own transaction on its own pooled connection; retries are idempotent
        return [append(e) for e in events] + [append(events[0])]

    with ThreadPoolExecutor(WRITERS) as pool:
        results = [r for batch in pool.map(writer, signed) for r in batch]

    acknowledged = {r.record.event["event_id"]: r.record.record_hash for r in results}
    assert len(acknowledged) == WRITERS * EVENTS_PER_WRITER
    assert sum(r.created for r in results) == WRITERS * EVENTS_PER_WRITER
    history = ledger.records.history("LOT-HOT")
    assert [v.record["seq"] for v in history] == list(range(1, WRITERS * EVENTS_PER_WRITER + 2))
    prev = GENESIS
    for view in history:
        assert view.record["prev"] == prev
        prev = view.record_hash
    stored = {v.event["event_id"]: v.record_hash for v in history}
    assert all(stored[eid] == h for eid, h in acknowledged.items())
    assert ledger.checks.verify("LOT-HOT").records == WRITERS * EVENTS_PER_WRITER + 1
