"""The service's Prometheus metrics: counters the use cases and the HTTP layer add to, and gauges of the
transparency log read when scraped. One registry per :class:`~ginseng_trace.service.Services` (not the
process-wide default), so two ledgers in one process (the tests) never share counts.

Labels stay bounded: route templates (``/api/v1/lots/{lot_id}/history``, never a lot id), HTTP methods and
statuses, rule ids (``schemas/rules.yaml``) and a handful of refusal kinds, the four scan signals, and the
witnesses configured (``TRACE_WITNESS_KEYS``).

Several worker processes (``serve --workers N``) count together: ``serve`` gives them one directory in
``PROMETHEUS_MULTIPROC_DIR`` (:func:`shared_between_processes`), where prometheus-client's multiprocess mode
keeps each process's counters and histograms in a file of its own, and a scrape answered by any worker sums
the files of all (:meth:`Metrics.exposition`), including those of workers that died and were replaced (a
counter never goes back). The log gauges are read from the database at each scrape, so they are the same
whichever worker answers; there is no gauge of a process's own state, so there is nothing to mark dead when a
worker dies (``mark_process_dead`` only drops the files of ``live*`` gauges).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ..chain.errors import MalformedError, SignatureError
from ..chain.times import parse_utc
from ..events.context import RuleViolationError
from ..store import LedgerRepository, Store
from .errors import RefusedError

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
"""Seconds: from a cached scan (a few ms) to a lock wait at its bound (TRACE_LOCK_TIMEOUT)."""
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client's environment variable: read when it is imported, so set before a worker starts."""


@contextmanager
def shared_between_processes() -> Iterator[Path]:
    """For the processes started inside: one directory in ``PROMETHEUS_MULTIPROC_DIR`` where they keep their
    counts. The operator's (that variable, set already) is emptied of its files first, since counts left by an
    earlier run would be added to this run's; else a new private directory, removed at the end."""
    given = os.environ.get(MULTIPROCESS_DIR)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="ginseng-trace-metrics-"))
    os.environ[MULTIPROCESS_DIR] = str(path)
    try:
        yield path
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(path, ignore_errors=True)


def shared_directory() -> str | None:
    """The directory this process's counts are kept in with other processes', or None when they are its own
    (prometheus-client chose its value class when it was imported: the variable set later changes nothing)."""
    return os.environ.get(MULTIPROCESS_DIR) if values.ValueClass is not values.MutexValue else None


def refusal_rule(exc: Exception) -> str:
    """The ``rule`` label of a refused submission: the hard rule's id (``min_age_years``), or the kind of
    refusal (``signature``, ``malformed``, ``unknown_key``, ``key_not_valid``, ``unknown_lot``, ``conflict``,
    ``refused``: one label a refusal class, so the set stays bounded)."""
    if isinstance(exc, RuleViolationError):
        return exc.violation.rule
    if isinstance(exc, SignatureError):
        return "signature"
    if isinstance(exc, MalformedError):
        return "malformed"
    name = type(exc).__name__.removesuffix("Error") if isinstance(exc, RefusedError) else "Refused"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Metrics:
    """What the service counts, in its own registry (exposed at ``/metrics``)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.shared_directory = shared_directory()
        self.log_gauges: LogGauges | None = None
        r = self.registry
        self.events_appended = Counter(
            "ginseng_trace_events_appended", "events the ledger appended (new records; a repeat is not one)", registry=r
        )
        self.refusals = Counter(
            "ginseng_trace_refusals", "submissions the ledger refused, by hard rule id or kind", ["rule"], registry=r
        )
        self.scans = Counter("ginseng_trace_scans", "label scans answered by the resolver", registry=r)
        self.scan_signals = Counter(
            "ginseng_trace_scan_signals", "copied-label signals shown on scans, by kind", ["kind"], registry=r
        )
        self.requests = Counter(
            "ginseng_trace_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "ginseng_trace_http_request_duration_seconds",
            "time from a request's start to its answer's last byte",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

    def refused(self, exc: Exception) -> None:
        self.refusals.labels(refusal_rule(exc)).inc()

    def watch_log(self, store: Store, witnesses: Callable[[], tuple[str, ...]], clock: Callable[[], datetime]) -> None:
        """Also expose the log's size, its latest checkpoint's size and age, and each witness's lag, read from
        ``store`` when scraped."""
        self.log_gauges = LogGauges(store, witnesses, clock)
        self.registry.register(self.log_gauges)

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format: this registry's, or, when the counts are kept with other
        processes', the sum of every process's counts and the log gauges."""
        if self.shared_directory is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.shared_directory)  # type: ignore[no-untyped-call]
        if self.log_gauges is not None:
            merged.register(self.log_gauges)
        return generate_latest(merged)


class LogGauges(Collector):
    """Gauges of the transparency log, read from the database at each scrape (one read transaction)."""

    def __init__(self, store: Store, witnesses: Callable[[], tuple[str, ...]], clock: Callable[[], datetime]) -> None:
        self.store = store
        self.witnesses = witnesses
        self.clock = clock

    def describe(self) -> list[Metric]:
        return []  # read only when scraped: registering must not touch the database

    def collect(self) -> Iterator[Metric]:
        def read(repo: LedgerRepository) -> tuple[int, int | None, str | None, dict[str, tuple[int, int]]]:
            latest = repo.log.latest_checkpoint()
            size, created = (latest.size, latest.created_at) if latest else (None, None)
            return repo.next_log_index(), size, created, repo.log.witnesses()

        started = time.monotonic()
        tree, checkpointed, created_at, cosigned = self.store.read(read)
        yield GaugeMetricFamily("ginseng_trace_log_size", "records in the transparency log", value=tree)
        if checkpointed is not None and created_at is not None:
            yield GaugeMetricFamily(
                "ginseng_trace_checkpoint_size", "records the latest checkpoint covers", value=checkpointed
            )
            age = (self.clock() - parse_utc(created_at)).total_seconds()
            yield GaugeMetricFamily("ginseng_trace_checkpoint_age_seconds", "age of the latest checkpoint", value=age)
            lag = GaugeMetricFamily(
                "ginseng_trace_witness_lag_records",
                "records of the latest checkpoint a configured witness has not cosigned yet",
                labels=["witness"],
            )
            for witness in self.witnesses():
                lag.add_metric([witness], checkpointed - cosigned.get(witness, (0, 0))[0])
            yield lag
        yield GaugeMetricFamily(
            "ginseng_trace_log_gauges_read_seconds", "time reading these log gauges", value=time.monotonic() - started
        )
