"""Overload shed at the front, on a real ``serve`` process: with TRACE_MAX_IN_FLIGHT requests in progress (slow
ones: they wait for a write lock another process holds), every further request is answered 503 with
``Retry-After`` at once, and so is one on a connection beyond TRACE_MAX_CONNECTIONS; once the slow ones are done,
requests are served again. (The front is the same on both engines: the embedded one is used.)"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ..serve_process import serve_process
from .test_api import assert_problem

IN_FLIGHT = 4
CONNECTIONS = 12
QUICK = 3.0
"""How long a shed request may take to be answered (it is answered before the app runs; a margin for this
busy machine). The slow requests take up to the lock timeout (4 s) each."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    env = {
        "PATH": "/usr/bin:/bin",
        "TRACE_DATA_DIR": str(tmp_path / "data"),
        "TRACE_CHECKPOINT_SECONDS": "3600",
        "TRACE_MAX_IN_FLIGHT": str(IN_FLIGHT),
        "TRACE_MAX_CONNECTIONS": str(CONNECTIONS),
        "TRACE_LOCK_TIMEOUT": "4",
        "TRACE_HEADER_TIMEOUT": "30",
    }
    with serve_process(env, seconds=60) as (base, _server):
        yield base, tmp_path / "data" / "ledger.sqlite3"


@pytest.mark.slow
def test_requests_beyond_the_limit_are_answered_503_at_once(served: tuple[str, Path]) -> None:
    base, database = served
    holder = sqlite3.connect(database, isolation_level=None)  # another process's writer: a CLI append
    holder.execute("BEGIN IMMEDIATE")
    slow: list[int] = []
    posters = [
        threading.Thread(
            target=lambda: slow.append(httpx.post(f"{base}/api/v1/log/checkpoint", timeout=30).status_code)
        )
        for _ in range(IN_FLIGHT)
    ]
    try:
        for poster in posters:
            poster.start()
        time.sleep(1.0)  # the slow requests are in progress, waiting for the lock
        assert not slow

        def timed_get(_n: int) -> tuple[httpx.Response, float]:
            started = time.monotonic()
            answer = httpx.get(f"{base}/.well-known/gs1resolver", timeout=30)
            return answer, time.monotonic() - started

        with ThreadPoolExecutor(16) as pool:
            excess = list(pool.map(timed_get, range(16)))
        for answer, seconds in excess:
            doc = assert_problem(answer, 503)
            assert doc["title"] == "Service busy"
            assert answer.headers["retry-after"] == "1"
            assert answer.headers["connection"] == "close"  # shed at the front, by the protocol, not the app
            assert seconds < QUICK, seconds
        assert not slow  # the slow ones still wait
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        for poster in posters:
            poster.join(30)
    assert slow == [200] * IN_FLIGHT  # the lock released in time: they were served
    assert httpx.get(f"{base}/.well-known/gs1resolver").status_code == 200  # the limit freed up


@pytest.mark.slow
def test_a_request_on_a_connection_beyond_the_limit_is_answered_503_at_once(served: tuple[str, Path]) -> None:
    base, _database = served
    port = int(base.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]  # open, sending nothing
    try:
        time.sleep(0.5)
        started = time.monotonic()
        answer = httpx.get(f"{base}/.well-known/gs1resolver", timeout=30)
        assert time.monotonic() - started < QUICK
        assert_problem(answer, 503)
        assert answer.headers["retry-after"] == "1"
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.5)
    assert httpx.get(f"{base}/.well-known/gs1resolver").status_code == 200
