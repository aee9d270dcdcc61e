"""Group commit (``service/group_commit.py``), on both engines: concurrent single appends are written in fewer
transactions than events, each caller still gets its own record, a refused event in a group is refused alone
while the others are stored, the same event sent twice at once is stored once, and the ledger verifies."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ginseng_trace.chain import SignedEvent
from ginseng_trace.events.rules import RuleViolationError
from ginseng_trace.service import Appended, Services
from ginseng_trace.service.group_commit import GroupCommit
from ginseng_trace.store import StoreError, TransientStoreError

from ..conftest import Actor

CALLERS = 16


def at_once(ledger: Services, events: list[SignedEvent]) -> list[Appended | Exception]:
    """Each event appended by its own thread, all started together; each caller's answer or refusal."""
    start = threading.Barrier(len(events))

    def append(event: SignedEvent) -> Appended | Exception:
        start.wait()
        while True:
            try:
                return ledger.events.append(event)
            except TransientStoreError:  # a busy machine may queue past the lock timeout: try again, as a client
                continue
            except Exception as exc:
                return exc

    with ThreadPoolExecutor(len(events)) as pool:
        return list(pool.map(append, events))


def test_concurrent_appends_are_written_in_groups_each_caller_its_own_record(ledger: Services, grower: Actor) -> None:
    for n in range(4):
        ledger.events.append(grower.sign(f"LOT-G{n}", "register_plot", event_id=f"plot-{n}"))
    groups = ledger.events.grouped.groups
    events = [grower.sign(f"LOT-G{i % 4}", "field_operation", event_id=f"op-{i}") for i in range(CALLERS)]
    answers = at_once(ledger, events)
    assert all(isinstance(a, Appended) and a.created for a in answers), answers
    records = [a.record for a in answers if isinstance(a, Appended)]
    assert [r.event["event_id"] for r in records] == [e.event.event_id for e in events]  # each its own
    assert len({r.log_index for r in records}) == CALLERS
    written = ledger.events.grouped.groups - groups
    assert written < CALLERS, "every append was its own transaction: nothing was grouped"
    report = ledger.checks.verify()
    assert report.problems == ()
    assert report.records == ledger.records.count()


def test_a_refused_event_in_a_group_is_refused_alone(ledger: Services, grower: Actor) -> None:
    ledger.events.append(grower.sign("LOT-R", "register_plot", event_id="plot-r"))
    good = [grower.sign("LOT-R", "field_operation", event_id=f"good-{i}") for i in range(CALLERS - 2)]
    # before the plot was registered: the chronology rule refuses it, whatever else is in its group
    early = grower.sign("LOT-R", "field_operation", event_id="early", occurred_at="2001-01-01T00:00:00Z")
    twice = grower.sign("LOT-R", "field_operation", event_id="twice")
    answers = at_once(ledger, [*good[:7], early, twice, twice, *good[7:]])
    refused = [a for a in answers if isinstance(a, Exception)]
    assert len(refused) == 1, answers
    assert isinstance(refused[0], RuleViolationError)
    assert refused[0].violation.rule == "chronology"
    assert refused[0].violation.pointer == "/event/occurred_at"  # a single append's pointer, not a batch's
    stored = [a for a in answers if isinstance(a, Appended)]
    assert sorted(a.created for a in stored if a.record.event["event_id"] == "twice") == [False, True]
    history = {v.event["event_id"] for v in ledger.records.history("LOT-R")}
    assert history == {"plot-r", "twice", *(e.event.event_id for e in good)}
    assert ledger.checks.verify("LOT-R").problems == ()


def five_behind_a_held_first(
    grouped: GroupCommit, entered: threading.Event, release: threading.Event
) -> dict[str, BaseException]:
    """``first`` appended, its write held (until ``release``) once ``entered``; five more appends queued behind
    it; then released: what each caller was answered with (every caller here is refused)."""
    answers: dict[str, BaseException] = {}

    def call(signed: str) -> None:
        try:
            grouped.append(signed)  # type: ignore[arg-type]
        except BaseException as exc:
            answers[signed] = exc

    threads = [threading.Thread(target=call, args=("first",))]
    threads[0].start()
    assert entered.wait(10)
    threads += [threading.Thread(target=call, args=(f"e{i}",)) for i in range(5)]
    for thread in threads[1:]:
        thread.start()
    while len(grouped._waiting) < 5:  # until the five wait behind the first
        threading.Event().wait(0.01)
    release.set()
    for thread in threads:
        thread.join(10)
    return answers


@pytest.mark.parametrize("failure", [StoreError("the database is gone"), RuntimeError("a bug")])
def test_a_failure_of_the_database_is_every_callers_of_its_group(failure: Exception) -> None:
    """Pure (no database): a group whose write fails for want of the database fails for each of its callers,
    and is not written again one by one; a refusal is."""
    entered, release = threading.Event(), threading.Event()
    batches: list[int] = []
    alone: list[Any] = []

    def append_batch(batch: Sequence[Any]) -> list[Appended]:
        batches.append(len(batch))
        raise failure

    def append_one(signed: Any) -> Appended:
        alone.append(signed)
        if signed == "first":  # the leader's own group of one: held until the others wait behind it
            entered.set()
            release.wait()
        raise StoreError("busy")

    answers = five_behind_a_held_first(GroupCommit(append_batch, append_one), entered, release)
    assert batches == [5]  # the five waiting went in as one group
    assert alone == ["first"]  # and were not appended again one by one
    assert all(answers[f"e{i}"] is failure for i in range(5))


def test_while_the_database_is_busy_those_waiting_are_told_at_once() -> None:
    """Pure: a group that times out on the write lock (``TransientStoreError``) answers the callers that arrived
    while it waited with the same error at once, not after a lock wait of their own."""
    entered, release = threading.Event(), threading.Event()
    tried: list[Any] = []

    def append_one(signed: Any) -> Appended:
        tried.append(signed)
        entered.set()
        release.wait()
        raise TransientStoreError("the write lock is held by another process")

    grouped = GroupCommit(lambda batch: [append_one(b) for b in batch], append_one)
    answers = five_behind_a_held_first(grouped, entered, release)
    assert tried == ["first"]  # nobody else waited for the lock again
    assert sorted(answers) == ["e0", "e1", "e2", "e3", "e4", "first"]
    assert all(isinstance(e, TransientStoreError) for e in answers.values())
    assert grouped._leading is False  # the next caller leads afresh
