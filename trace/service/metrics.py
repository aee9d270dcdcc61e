"""The service's Prometheus metrics: counters the use cases and the HTTP layer add to, and gauges of the
transparency log read when scraped. One registry per :class:`~ginseng_trace.service.Services` (not the
process-wide default), so two ledgers in one process (the tests) never share counts.

Labels stay bounded: route templates (``/api/v1/lots/{lot_id}/history``, never a lot id), HTTP methods and
statuses, rule ids (``schemas/rules.yaml``) and a handful of refusal kinds, the four scan signals, and the
witnesses configured (``TRACE_WITNESS_KEYS``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..chain.errors import MalformedError, SignatureError
from ..chain.times import parse_utc
from ..events.context import RuleViolationError
from ..store import LedgerRepository, Store
from .errors import RefusedError

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
"""Seconds: from a cached scan (a few ms) to a lock wait at its bound (TRACE_LOCK_TIMEOUT)."""


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
        self.registry.register(LogGauges(store, witnesses, clock))


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
