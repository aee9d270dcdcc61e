"""Several worker processes (``serve --workers 2``), as a real process on each engine: they serve one port,
write one linear ledger between them, count their Prometheus metrics together (one scrape sums them), and,
with ``TRACE_LIMITS_STORAGE`` a Redis URL, count one rate limit between them rather than one each.

Redis is taken from ``TRACE_TEST_REDIS_URL`` (``.ci/run`` sets it to the machine's); the tests that need it
skip, saying so, when it is unset.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from ginseng_trace.bootstrap import open_ledger
from ginseng_trace.service.metrics import MULTIPROCESS_DIR, shared_between_processes
from ginseng_trace.settings import Settings

from ..conftest import Actor, enrol
from ..serve_process import free_port, serve_process
from .test_api import envelope

REDIS_URL = os.environ.get("TRACE_TEST_REDIS_URL")
NO_REDIS = "TRACE_TEST_REDIS_URL is not set: shared rate limits need a Redis server (CI sets it)"
WORKERS = 2


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


@dataclass
class Served:
    base: str
    server: subprocess.Popen[bytes]
    probes: int = 1  # requests answered while waiting for it to come up (each counts against a rate limit)


@contextmanager
def serving(data_dir: Path, database_url: str, **env: str) -> Iterator[Served]:
    """``serve --workers 2`` over ``database_url``, once it answers and has its workers."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "TRACE_DATA_DIR": str(data_dir),
        "TRACE_DATABASE_URL": database_url,
        "TRACE_CHECKPOINT_SECONDS": "3600",
        "TRACE_LOG_ORIGIN": f"workers.test/{uuid.uuid4().hex[:12]}",  # its own keys in a shared Redis
        **env,
    }
    with serve_process(environment, "--workers", str(WORKERS), seconds=120) as (base, server):
        deadline = time.monotonic() + 120
        while len(children(server.pid)) < WORKERS:  # uvicorn's supervisor starts each worker (and a tracker)
            assert time.monotonic() < deadline, f"fewer than {WORKERS} workers"
            time.sleep(0.2)
        yield Served(base, server)


def prepared(tmp_path: Path, database_url: str) -> tuple[Path, Actor]:
    """A ledger at ``database_url`` with its keys in a data directory, and an enrolled grower."""
    data_dir = tmp_path / "data"
    grower = Actor("workers-grower")
    ledger = open_ledger(Settings(data_dir=data_dir, database_url=database_url, log_origin="workers.test/log"))
    enrol(ledger, grower)
    ledger.close()
    ledger.store.close()
    return data_dir, grower


@pytest.mark.slow
def test_workers_share_one_port_and_write_one_linear_ledger(tmp_path: Path, database_url: str) -> None:
    data_dir, grower = prepared(tmp_path, database_url)
    events = [envelope(grower.sign(f"PLOT-W{n}", "register_plot", event_id=f"w-{n}")) for n in range(24)]
    with serving(data_dir, database_url, TRACE_LOG_ORIGIN="workers.test/log") as served:
        base = served.base
        assert len(children(served.server.pid)) >= WORKERS

        def post(body: dict[str, object]) -> int:
            return httpx.post(f"{base}/api/v1/events", json=body, timeout=60).status_code  # a new connection each

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(post, events))
        assert statuses == [201] * len(events)
        assert [post(body) for body in events[:3]] == [200] * 3  # idempotent, whichever worker answers
        for n in (0, 11, 23):
            history = httpx.get(f"{base}/api/v1/lots/PLOT-W{n}/history", timeout=30).json()
            assert [r["event"]["event_id"] for r in history["records"]] == [f"w-{n}"]
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "ginseng_trace.cli",
            "verify",
            "--database-url",
            database_url,
            "--data-dir",
            str(data_dir),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TRACE_LOG_ORIGIN": "workers.test/log"},
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "intact" in checked.stdout


@pytest.mark.skipif(not REDIS_URL, reason=NO_REDIS)
def test_a_rate_limit_in_redis_is_one_limit_across_the_workers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"sqlite+pysqlite:///{tmp_path}/ledger.sqlite3"
    with serving(data_dir, url, TRACE_RATE_LIMIT="10/minute", TRACE_LIMITS_STORAGE=str(REDIS_URL)) as served:
        statuses = [httpx.get(f"{served.base}/api/v1/log/keys", timeout=30).status_code for _ in range(30)]
    # each request on a new connection, spread over the workers by the kernel: ten in all, not ten a worker
    assert statuses.count(200) + served.probes == 10, statuses
    assert set(statuses) == {200, 429}


@pytest.mark.slow
def test_an_unknown_limits_storage_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TRACE_LIMITS_STORAGE"):
        Settings(data_dir=tmp_path, limits_storage="memcached://127.0.0.1:11211")
    env = {**os.environ, "TRACE_DATA_DIR": str(tmp_path), "TRACE_LIMITS_STORAGE": "mongodb://x"}
    started = subprocess.run(
        [sys.executable, "-m", "ginseng_trace.cli", "serve", "--port", str(free_port()), "--workers", "2"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert started.returncode != 0
    assert "TRACE_LIMITS_STORAGE" in started.stderr


HEALTHZ = {"method": "GET", "route": "/healthz", "status": "200"}


def healthz_answers(metrics: Iterable[Any]) -> float:
    """The ``ginseng_trace_http_requests_total`` sample of ``GET /healthz`` answered 200 among ``metrics``."""
    return sum(
        float(sample.value)
        for metric in metrics
        for sample in metric.samples
        if sample.name == "ginseng_trace_http_requests_total" and sample.labels == HEALTHZ
    )


def stale_count(directory: Path, answers: int) -> None:
    """The counts a worker of an earlier run would have left in ``directory``: ``answers`` to ``GET /healthz``
    (counted by the service's own metrics in a process of its own, since the value class is chosen at import)."""
    count = (
        "from ginseng_trace.service.metrics import Metrics\n"
        f"Metrics().requests.labels('GET', '/healthz', '200').inc({answers})"
    )
    env = {**os.environ, MULTIPROCESS_DIR: str(directory)}
    subprocess.run([sys.executable, "-c", count], check=True, env=env, timeout=60)


def counted_in(directory: Path) -> dict[str, float]:
    """The answers to ``GET /healthz`` each process counted in ``directory``, by its file."""
    files = sorted(directory.glob("counter_*.db"))
    merge = MultiProcessCollector.merge
    return {f.stem: healthz_answers(merge([str(f)])) for f in files}  # type: ignore[no-untyped-call]


@pytest.mark.slow
def test_serve_gives_its_workers_a_directory_of_their_own_or_empties_the_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MULTIPROCESS_DIR, raising=False)
    with shared_between_processes() as made:
        assert os.environ[MULTIPROCESS_DIR] == str(made)
        assert made.is_dir()
        assert (made.stat().st_mode & 0o077) == 0  # private to the service's user
        stale_count(made, 3)
    assert not made.exists()
    assert MULTIPROCESS_DIR not in os.environ  # nothing of this run left behind
    given = tmp_path / "given"
    given.mkdir()
    stale_count(given, 3)
    assert sum(counted_in(given).values()) == 3
    monkeypatch.setenv(MULTIPROCESS_DIR, str(given))
    with shared_between_processes() as used:
        assert used == given
        assert list(given.iterdir()) == []
    assert given.is_dir()
    assert os.environ[MULTIPROCESS_DIR] == str(given)  # the operator's, kept


@pytest.mark.slow
def test_one_scrape_sums_the_requests_every_worker_answered(tmp_path: Path) -> None:
    """Each worker counts in its own file of the directory ``serve`` gives them (here the operator's, which
    held a file of an earlier run: emptied at the start); a scrape that any worker answers sums them all."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    stale_count(shared, 1000)
    assert sum(counted_in(shared).values()) == 1000
    url = f"sqlite+pysqlite:///{tmp_path}/ledger.sqlite3"
    with serving(tmp_path / "data", url, PROMETHEUS_MULTIPROC_DIR=str(shared)) as served:
        by_worker: dict[str, float] = {}
        sent = 0
        # each request on a new connection, which the kernel gives to either worker: until both have answered
        while sent < 20 or sum(1 for n in by_worker.values() if n) < WORKERS:
            assert sent < 400, f"the kernel gave every connection to one worker: {by_worker}"
            assert httpx.get(f"{served.base}/healthz", timeout=30).status_code == 200
            sent += 1
            by_worker = counted_in(shared)
        # a request is counted once its answer has gone out: the last may be counted a moment after it arrived
        deadline = time.monotonic() + 10
        while sum(by_worker.values()) < sent and time.monotonic() < deadline:
            time.sleep(0.05)
            by_worker = counted_in(shared)
        assert sum(by_worker.values()) == sent
        scrapes = [httpx.get(f"{served.base}/metrics", timeout=30) for _ in range(2 * WORKERS)]
    # every scrape, whichever worker answered it: all the answers, and none of the earlier run's
    assert [healthz_answers(text_string_to_metric_families(s.text)) for s in scrapes] == [sent] * len(scrapes)
    assert "ginseng_trace_log_size" in scrapes[0].text  # the log gauges, read from the database, still there
