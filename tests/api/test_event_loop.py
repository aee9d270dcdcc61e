"""The event loop never waits on the database: while another connection holds the write lock, a POST that
must wait for it waits in the thread pool, and every read (the API, the scan page) still answers at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import Engine

from ginseng_trace.api.dependencies import APPEND_THREADS, WRITE_THREADS
from ginseng_trace.chain import SignerKey
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import demo_actor
from .test_api import envelope

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
PATIENCE = 15.0
"""How long a read may take before it counts as waiting for the lock. The lock is held until the test lets it
go, so a read queued behind it would be answered 503 after the lock timeout (5 s) or not at all: no
clock-sensitive bound is needed to tell the two apart, and a slow machine does not fail the test. (How long a
POST waits behind the lock is tests/api/test_database_trouble.py's.)"""
BOX = "/01/06975123400010/10/PK-2025-0931/21/0007"


@contextmanager
def write_lock_held_elsewhere(engine: Engine) -> Iterator[None]:
    """Hold the ledger's write lock from another connection, as a second server or a CLI append would
    (BEGIN IMMEDIATE on SQLite, the append lock on PostgreSQL)."""
    with Store(engine).writing():
        yield


@pytest.mark.slow
def test_reads_answer_at_once_while_a_post_waits_for_the_write_lock(
    engine: Engine, demo_site: tuple[httpx.Client, Services]
) -> None:
    client, _ledger = demo_site
    reader = httpx.Client(base_url=client.base_url, timeout=PATIENCE)  # (a read behind the lock would time out)
    shop = demo_actor("changchun-herb-shop")
    sale = shop.sign("PK-2025-0931", "sell", occurred_at="2025-11-21T07:30:00Z", payload={"units": 1})
    posted: list[httpx.Response] = []
    with write_lock_held_elsewhere(engine):
        poster = threading.Thread(target=lambda: posted.append(client.post("/api/v1/events", json=envelope(sale))))
        poster.start()
        time.sleep(0.5)  # the POST is now waiting for the lock
        assert poster.is_alive()
        assert not posted
        for path in ("/api/v1/lots/PK-2025-0931/history", "/api/v1/lots/PK-2025-0931/bundle", BOX):
            assert reader.get(path).status_code == 200, path
        assert reader.get("/api/v1/log/checkpoint").status_code == 200
        assert poster.is_alive()  # still waiting: the reads did not wait behind it
        # more writers than the write pool holds queue up too, and the pages and proofs still answer
        waiting = [
            threading.Thread(target=lambda: httpx.post(f"{client.base_url}/api/v1/log/checkpoint", timeout=30))
            for _ in range(WRITE_THREADS + 13)
        ]
        for thread in waiting:
            thread.start()
        time.sleep(0.5)
        for path in ("/api/v1/lots/PK-2025-0931/history", BOX, "/api/v1/log/checkpoint"):
            assert reader.get(path).status_code == 200, path
    poster.join(30)
    for thread in waiting:
        thread.join(30)
    (answer,) = posted
    if answer.status_code == 503:  # the lock was held longer than the lock timeout: answered so, in time
        assert answer.headers["retry-after"] == "1"
        answer = client.post("/api/v1/events", json=envelope(sale))
    assert answer.status_code == 201, answer.text
    reader.close()


@pytest.mark.slow
def test_writes_beyond_the_pool_are_answered_in_time_and_leave_the_reads_their_connections(
    engine: Engine, demo_site: tuple[httpx.Client, Services]
) -> None:
    """More writes than the pool admits, of both kinds: checkpoint publications (each holds a database
    connection while it waits for the lock) and single appends (which wait for their group without one). Every
    read still answers well within the lock timeout, not once a connection frees up (32 connection-holding
    writes took the engine's 15 connections, and a read waited seconds), and every write is answered, never a
    500: 503 with ``Retry-After`` when it could not wait, within about twice the lock timeout."""
    client, ledger = demo_site
    lock_timeout = ledger.store.timeouts.lock
    shop = demo_actor("changchun-herb-shop")
    sale = envelope(shop.sign("PK-2025-0931", "sell", occurred_at="2025-11-22T07:30:00Z", payload={"units": 1}))
    answers: list[tuple[str, int, str | None, float]] = []

    def post(path: str, body: dict[str, object] | None) -> None:
        start = time.monotonic()
        answer = httpx.post(f"{client.base_url}{path}", json=body, timeout=60)
        answers.append((path, answer.status_code, answer.headers.get("retry-after"), time.monotonic() - start))

    writers = [threading.Thread(target=post, args=("/api/v1/log/checkpoint", None)) for _ in range(WRITE_THREADS + 4)]
    writers += [threading.Thread(target=post, args=("/api/v1/events", sale)) for _ in range(APPEND_THREADS + 4)]
    with httpx.Client(base_url=client.base_url, timeout=PATIENCE) as reader, write_lock_held_elsewhere(engine):
        for writer in writers:
            writer.start()
        time.sleep(1.0)  # every write is now waiting: for the lock, its group or a place in the pool
        for path in ("/api/v1/lots/PK-2025-0931/history", "/api/v1/lots/PK-2025-0931/bundle", BOX) * 2:
            start = time.monotonic()
            assert reader.get(path).status_code == 200, path
            assert time.monotonic() - start < lock_timeout / 2, path  # not queued behind the writers
    for writer in writers:
        writer.join(60)
    assert len(answers) == len(writers)
    for path, status, retry_after, took in answers:
        assert status in (200, 201, 503), (path, status)
        assert status != 503 or retry_after == "1", path
        assert took < 2 * lock_timeout + 5, (path, took)
    assert any(status == 201 for path, status, _, _ in answers if path == "/api/v1/events")


def test_scans_never_queue_behind_the_append_lock(engine: Engine, demo_site: tuple[httpx.Client, Services]) -> None:
    """Scan tallies are not ledger data: their write-behind flush takes no append lock, so while another
    connection holds it, scans of labels whose tally must be read still answer at once (PostgreSQL: the
    append lock is an advisory lock a plain transaction does not wait for)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer lock: the scan write waits for it as before (lock timeouts: issue 15)")
    client, _ledger = demo_site
    with httpx.Client(base_url=client.base_url, timeout=PATIENCE) as reader, write_lock_held_elsewhere(engine):
        for serial in ("0011", "0012", "0013"):  # each label's first scan reads its tally
            assert reader.get(f"/01/06975123400010/10/PK-2025-0931/21/{serial}").status_code == 200
            time.sleep(0.5)  # the write-behind flush of the scan just counted runs meanwhile
