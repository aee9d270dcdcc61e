"""Crash (issue 15's fault suite): ``ginseng-trace serve`` as a real process under a concurrent ingest is killed
with SIGKILL mid-run, several times, and restarted on the same database each time. Every event the server
acknowledged (a 2xx) is there exactly once under the record hash it was acknowledged with, nothing is
half-written (``ginseng-trace verify``: every chain, every record's leaf in the log's tree, every checkpoint),
and the next checkpoint is consistent with the last one published before the crash (an RFC 9162 consistency
proof from the log, checked with ``ginseng_trace.chain.merkle``). On SQLite and PostgreSQL.

Quick mode (the normal run): ``CRASH_ROUNDS`` rounds. ``TRACE_CRASH_ROUNDS=N`` runs N (the longer mode)."""

from __future__ import annotations

import base64
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from ginseng_trace.bootstrap import open_ledger
from ginseng_trace.chain.merkle import verify_consistency
from ginseng_trace.chain.note import open_checkpoint
from ginseng_trace.settings import Settings

from ..conftest import Actor, enrol
from ..serve_process import serve_process
from .test_api import envelope

pytestmark = [pytest.mark.slow, pytest.mark.fault]

CRASH_ROUNDS = 2
ROUNDS = int(os.environ.get("TRACE_CRASH_ROUNDS", CRASH_ROUNDS))
CLIENTS = 3
"""Client threads posting signed events at once, each one event at a time."""
BEFORE_KILL = (1.0, 2.5)
"""How long (seconds, drawn at random) the ingest runs after the checkpoint is fetched before the kill."""


class Ingest:
    """Client threads POSTing signed events until the server goes away; every acknowledged event id kept with
    the record hash it was acknowledged with."""

    def __init__(self, base: str, grower: Actor, round_: int) -> None:
        self.base = base
        self.grower = grower
        self.round = round_
        self.acknowledged: dict[str, str] = {}
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._post, args=(c,), daemon=True) for c in range(CLIENTS)]

    def start(self) -> Ingest:
        for thread in self.threads:
            thread.start()
        return self

    def _post(self, client: int) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            n = 0
            while not self.stop.is_set():
                event_id = f"crash-{self.round}-{client}-{n}"
                body = envelope(self.grower.sign(f"PLOT-{event_id.upper()}", "register_plot", event_id=event_id))
                try:
                    answer = http.post("/api/v1/events", json=body)
                except httpx.TransportError:
                    return  # the server is gone: this event's fate is unknown to the client, so not acknowledged
                with self.lock:
                    self.statuses.append(answer.status_code)
                    if answer.status_code in (200, 201):
                        self.acknowledged[event_id] = answer.json()["record_hash"]
                if answer.status_code == 503:  # busy: the same event again, as Retry-After says
                    time.sleep(0.1)
                    continue
                n += 1

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
            assert not thread.is_alive(), "a client thread hung"


def serving(env: dict[str, str]) -> AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    """``ginseng-trace serve`` on a free port, once it answers; stopped at the end if still running."""
    return serve_process(env, probe="/api/v1/log/keys")


def answered(ask: Callable[[], httpx.Response], *, not_yet: tuple[int, ...] = (503,)) -> httpx.Response:
    """``ask``'s answer once it is 200; a 503 (the write lock busy with the ingest) is asked again, as its
    ``Retry-After`` says, and so is any other status in ``not_yet``."""
    for _attempt in range(30):
        answer = ask()
        if answer.status_code not in not_yet:
            assert answer.status_code == 200, answer.text
            return answer
        time.sleep(float(answer.headers.get("retry-after", "0.5")))
    raise AssertionError(f"still busy: {answer.text}")


def checkpoint_of(note: str, log_key: object) -> tuple[int, bytes]:
    signed, _note, _verified = open_checkpoint(note, [log_key])  # type: ignore[list-item]
    return signed.size, signed.root


def test_acknowledged_events_survive_kill_9_and_the_log_stays_consistent(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data, database_url=database_url)
    grower = Actor("crash-grower")
    ledger = open_ledger(settings)  # the keys made and the grower enrolled before the server starts
    try:
        enrol(ledger, grower)
        log_key = ledger.log_signer.verifier()  # type: ignore[union-attr]
    finally:
        ledger.store.close()
    env = {
        "PATH": "/usr/bin:/bin",
        "TRACE_DATA_DIR": str(data),
        "TRACE_DATABASE_URL": database_url,
        "TRACE_CHECKPOINT_SECONDS": "0.5",  # checkpoints published during the ingest
    }
    acknowledged: dict[str, str] = {}
    last_published: tuple[int, bytes] | None = None
    rng = random.Random(15)
    for round_ in range(ROUNDS):
        with serving(env) as (base, server):
            if last_published is not None:  # the restarted log extends the one published before the crash
                assert_consistent(base, last_published, log_key)
            ingest = Ingest(base, grower, round_).start()
            deadline = time.monotonic() + 30
            while len(ingest.acknowledged) < 5:  # the ingest is under way
                assert time.monotonic() < deadline, f"nothing acknowledged: {ingest.statuses[-10:]}"
                time.sleep(0.05)
            # (a 404 until the checkpointer's first tick of the round publishes one)
            published = answered(lambda: httpx.get(f"{base}/api/v1/log/checkpoint", timeout=30), not_yet=(404, 503))
            last_published = checkpoint_of(published.text, log_key)
            time.sleep(rng.uniform(*BEFORE_KILL))
            server.send_signal(signal.SIGKILL)  # mid-run: the clients are still posting
            server.wait(30)
            ingest.join()
        assert len(ingest.acknowledged) > 5
        assert set(ingest.statuses) <= {200, 201, 503}, sorted(set(ingest.statuses))
        acknowledged.update(ingest.acknowledged)

    with serving(env) as (base, _server), httpx.Client(base_url=base, timeout=30) as http:
        assert last_published is not None
        assert_consistent(base, last_published, log_key)
        for event_id, record_hash in acknowledged.items():  # each exactly once, as acknowledged
            history = http.get(f"/api/v1/lots/PLOT-{event_id.upper()}/history")  # one lot an event
            assert history.status_code == 200, (event_id, history.text)
            assert [r["record_hash"] for r in history.json()["records"]] == [record_hash], event_id
    verified = subprocess.run(  # the operator's own check, as a process of its own: chains and the log
        [sys.executable, "-m", "ginseng_trace.cli", "verify"], env=env, capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("intact: whole ledger: "), verified.stdout


def assert_consistent(base: str, before: tuple[int, bytes], log_key: object) -> None:
    """A checkpoint published now, and the log's consistency proof from ``before`` (size, root) to it."""
    published = answered(lambda: httpx.post(f"{base}/api/v1/log/checkpoint", timeout=30))
    size, root = checkpoint_of(published.text, log_key)
    old_size, old_root = before
    assert size >= old_size
    answer = httpx.get(f"{base}/api/v1/log/consistency", params={"from": old_size, "to": size}, timeout=30)
    assert answer.status_code == 200, answer.text
    proof = [base64.b64decode(p) for p in answer.json()["proof"]]
    verify_consistency(old_size, size, proof, old_root, root)  # raises unless the old tree is a prefix
