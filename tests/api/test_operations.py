"""Operations over real HTTP, on both engines: /healthz, /readyz (database, migrations, log key, checkpoint
age), Prometheus metrics at /metrics (requests by route template, appends, refusals by rule, scans and their
signals, the log's gauges), and request ids (issue 15)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from alembic import command
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.api.observability import JsonLines, RequestIdFilter
from ginseng_trace.chain import SignerKey
from ginseng_trace.labels.signals import ScanPolicy
from ginseng_trace.service import Services
from ginseng_trace.store import Store, create_ledger_engine
from ginseng_trace.store.db import alembic_config

from ..conftest import DEMO_LOG, OPERATOR, Actor, LiveServer, enrol
from .test_api import assert_problem, envelope

WITNESS = SignerKey("witness.test", bytes(range(100, 132)))


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def logged(engine: Engine, clock: Clock) -> Iterator[Services]:
    """A ledger with a log key (and one witness configured) whose clock the test moves."""
    ledger = Services(
        Store(engine),
        operator=OPERATOR,
        log_signer=DEMO_LOG,
        clock=clock,
        ready_checkpoint_seconds=60,
        witness_keys=[WITNESS.verifier()],
    )
    yield ledger
    ledger.scans.flush()


@pytest.fixture
def client(logged: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(logged)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def samples(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample /metrics exposes: (name, sorted labels) -> value."""
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def sample(client: httpx.Client, name: str, **labels: str) -> float:
    return samples(client).get((name, tuple(sorted(labels.items()))), 0.0)


def not_ready(answer: httpx.Response) -> dict[str, str]:
    problem = assert_problem(answer, 503)
    assert problem["type"] == "urn:ginseng-trace:problem:not-ready"
    assert answer.headers["retry-after"] == "5"
    return {f["check"]: f["detail"] for f in problem["not_ready"]}


def test_healthz_answers_without_the_database_and_readyz_names_it() -> None:
    engine = create_ledger_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    app = create_app(Services(Store(engine), operator=OPERATOR, log_signer=DEMO_LOG))
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        alive = client.get("/healthz")
        assert alive.status_code == 200
        assert alive.json() == {"status": "alive"}
        failing = not_ready(client.get("/readyz"))
    assert list(failing) == ["database"]
    assert "127.0.0.1" not in failing["database"]  # the driver's message (hosts, ports) stays out


class Kept(logging.Handler):
    """A log handler that keeps its records."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_apps_own_log_lines_carry_the_request_id() -> None:
    """A line logged while a request is served (here from the worker thread of a sync endpoint) carries its id."""
    handler = Kept()
    records = handler.records
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("ginseng_trace")
    logger.addHandler(handler)
    engine = create_ledger_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    try:
        app = create_app(Services(Store(engine), operator=OPERATOR, log_signer=DEMO_LOG))
        with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
            assert client.get("/readyz", headers={"X-Request-ID": "ready-probe-7"}).status_code == 503
    finally:
        logger.removeHandler(handler)
    said = [r for r in records if "does not answer" in r.getMessage()]
    assert said
    assert [getattr(r, "request_id", None) for r in said] == ["ready-probe-7"] * len(said)
    assert JsonLines().format(said[0]).count('"request_id": "ready-probe-7"') == 1


@pytest.mark.slow
def test_readyz_when_current_and_503_when_migrations_are_behind(
    client: httpx.Client, logged: Services, engine: Engine
) -> None:
    enrol(logged, Actor("test-grower"))
    logged.checkpointer.publish()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
    current, head = logged.store.schema_revisions()
    assert current == head == "0026"
    command.stamp(alembic_config(engine), "0025")  # as if the code were newer than the database
    failing = not_ready(client.get("/readyz"))
    assert list(failing) == ["migrations"]
    assert "0025" in failing["migrations"]
    assert "0026" in failing["migrations"]
    command.stamp(alembic_config(engine), "head")
    assert client.get("/readyz").status_code == 200


def test_readyz_without_a_log_key(ledger: Services) -> None:
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        assert "log_key" in not_ready(client.get("/readyz"))


def test_readyz_when_records_wait_too_long_for_a_checkpoint(
    client: httpx.Client, logged: Services, clock: Clock
) -> None:
    grower = Actor("test-grower")
    enrol(logged, grower)
    assert "no checkpoint yet" in not_ready(client.get("/readyz"))["checkpoint"]
    logged.checkpointer.publish()
    assert client.get("/readyz").status_code == 200
    assert client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "register_plot"))).status_code == 201
    clock.now += timedelta(seconds=59)
    assert client.get("/readyz").status_code == 200  # uncovered, but within the bound
    clock.now += timedelta(seconds=2)
    assert "1 records wait" in not_ready(client.get("/readyz"))["checkpoint"]
    logged.checkpointer.publish()
    clock.now += timedelta(hours=5)
    assert client.get("/readyz").status_code == 200  # an old checkpoint that covers everything is fine


def test_metrics_count_appends_and_refusals_by_rule(client: httpx.Client, logged: Services) -> None:
    grower = Actor("test-grower")
    enrol(logged, grower)
    appended = sample(client, "ginseng_trace_events_appended_total")
    assert appended == 3  # the grower's enrolment: membership events are appends too
    assert client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "register_plot"))).status_code == 201
    assert sample(client, "ginseng_trace_events_appended_total") == appended + 1
    repeat = envelope(grower.sign("PLOT-2", "register_plot", event_id="test-grower-again"))
    assert client.post("/api/v1/events", json=repeat).status_code == 201
    assert client.post("/api/v1/events", json=repeat).status_code == 200  # a repeat appends nothing
    assert sample(client, "ginseng_trace_events_appended_total") == appended + 2

    reading = {"at": "2025-06-01T00:00:00Z", "temperature_c": 4.5, "humidity_pct": 60.5}
    big = grower.sign("PLOT-1", "store", raw_payload={"warehouse": "a barn", "readings": [reading] * 400})
    assert_problem(client.post("/api/v1/events", json=envelope(big)), 422)
    unknown = grower.sign("HV-9", "harvest", inputs=["NO-SUCH-PLOT"])
    client.post("/api/v1/events", json=envelope(unknown))
    forged = envelope(grower.sign("PLOT-1", "sow"))
    forged["signature"] = envelope(grower.sign("PLOT-1", "sow"))["signature"]  # another event's signature
    assert_problem(client.post("/api/v1/events", json=forged), 422, "/signature")
    counts = samples(client)
    assert counts[("ginseng_trace_refusals_total", (("rule", "event_size"),))] == 1
    assert counts[("ginseng_trace_refusals_total", (("rule", "unknown_lot"),))] == 1
    assert counts[("ginseng_trace_refusals_total", (("rule", "signature"),))] == 1
    assert counts[("ginseng_trace_events_appended_total", ())] == appended + 2  # refusals append nothing
    posted = {k: v for k, v in counts.items() if k[0] == "ginseng_trace_http_requests_total" and "POST" in str(k)}
    route = ("route", "/api/v1/events")
    assert posted[("ginseng_trace_http_requests_total", (("method", "POST"), route, ("status", "201")))] == 2
    assert posted[("ginseng_trace_http_requests_total", (("method", "POST"), route, ("status", "200")))] == 1
    timed = ("ginseng_trace_http_request_duration_seconds_count", (("method", "POST"), route))
    assert counts[timed] == sum(posted.values())


def test_metrics_route_labels_are_templates_not_paths(client: httpx.Client) -> None:
    for lot in ("LOT-A", "LOT-B", "LOT-C"):
        client.get(f"/api/v1/lots/{lot}/history")
    client.get("/no/such/path/1")
    client.get("/no/such/path/2")
    client.head("/api/v1/lots/LOT-A/history")
    counts = samples(client)
    history = ("route", "/api/v1/lots/{lot_id}/history")
    assert counts[("ginseng_trace_http_requests_total", (("method", "GET"), history, ("status", "404")))] == 3
    assert counts[("ginseng_trace_http_requests_total", (("method", "HEAD"), history, ("status", "404")))] == 1
    unmatched = ("ginseng_trace_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))
    assert counts[unmatched] == 2
    routes = {dict(labels).get("route") for name, labels in counts if name == "ginseng_trace_http_requests_total"}
    assert not any(r and ("LOT-" in r or "/no/such" in r) for r in routes)


def test_metrics_show_the_checkpoint_and_witness_lag(client: httpx.Client, logged: Services, clock: Clock) -> None:
    enrol(logged, Actor("test-grower"))
    before = samples(client)
    assert before[("ginseng_trace_log_size", ())] == 3
    assert ("ginseng_trace_checkpoint_size", ()) not in before  # none published yet
    logged.checkpointer.publish()
    clock.now += timedelta(seconds=42)
    after = samples(client)
    assert after[("ginseng_trace_checkpoint_size", ())] == 3
    assert after[("ginseng_trace_checkpoint_age_seconds", ())] == 42
    assert after[("ginseng_trace_witness_lag_records", (("witness", "witness.test"),))] == 3  # nothing cosigned


def test_metrics_count_scans_and_their_signals(demo: Services) -> None:
    app = create_app(demo, scan_policy=ScanPolicy(2, 5, 3000), trusted_proxies=["127.0.0.1"])
    label = "/01/06975123400010/10/PK-2025-0931/21/0001"
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as site:
        for n in range(4):  # four shoppers (a client counts once a label and day)
            headers = {"Accept": "application/json", "X-Forwarded-For": f"10.0.0.{n + 1}"}
            assert site.get(label, headers=headers).status_code == 200
        site.head(label)  # a link checker's HEAD is nobody's scan
        counts = samples(site)
    assert counts[("ginseng_trace_scans_total", ())] == 4
    shown = {dict(k[1])["kind"]: v for k, v in counts.items() if k[0] == "ginseng_trace_scan_signals_total"}
    assert shown == {"often": 2}  # the third and the fourth scan: more than two


def test_request_ids_are_echoed_or_made(client: httpx.Client) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "probe-42.a:b_c"})
    assert given.headers["x-request-id"] == "probe-42.a:b_c"
    made = client.get("/api/v1/lots/NONE/history")
    assert len(made.headers["x-request-id"]) == 32
    assert made.headers["x-request-id"] != client.get("/healthz").headers["x-request-id"]
    for bad in ("has space", "x" * 129, "new\\nline", ""):
        answer = client.get("/healthz", headers={"X-Request-ID": bad})
        assert answer.headers["x-request-id"] != bad
        assert len(answer.headers["x-request-id"]) == 32
    assert client.get("/no/such").headers["x-request-id"]  # on problem documents too
