"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL tests need ``TRACE_TEST_POSTGRES_URL`` (``.ci/run`` sets it); each
test gets its own schema, migrated to head, dropped afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from ginseng_trace.chain import Event, SignedEvent, SignerKey, sign_event
from ginseng_trace.events import catalogue, private_fields
from ginseng_trace.service import NewActor, Services
from ginseng_trace.store import Store, create_ledger_engine, migrate, sqlite_url_for

from .openapi_check import SchemaChecked

POSTGRES_URL = os.environ.get("TRACE_TEST_POSTGRES_URL")
VECTORS = Path(__file__).resolve().parent / "vectors"
NO_POSTGRES = "TRACE_TEST_POSTGRES_URL is not set: PostgreSQL tests need a server (CI sets it)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that drives Chromium (through a ``browser`` fixture) is a ``browser`` test, and slow."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


def postgres_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each engine."""
    if request.param == "sqlite":
        yield sqlite_url_for(tmp_path)
        return
    with fresh_postgres_schema() as url:
        yield url


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """The URL of a new, empty schema of the test server, dropped afterwards (the test skips without one)."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield postgres_schema_url(POSTGRES_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite ledger migrated to head once a session (once per xdist worker): the ``engine`` fixture's SQLite
    databases start as copies of it, since running every migration costs more than the average test."""
    path = tmp_path_factory.mktemp("migrated") / "ledger.sqlite3"
    engine = create_ledger_engine(f"sqlite+pysqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:  # everything in the main file, so that copying it copies the whole database
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def engine(database_url: str, migrated_sqlite: Path) -> Iterator[Engine]:
    """A ledger database migrated to head, on each engine (SQLite: a private copy of ``migrated_sqlite``)."""
    url = make_url(database_url)
    in_place = url.get_backend_name() != "sqlite" or url.database is None or Path(url.database).exists()
    if not in_place:
        target = Path(str(url.database))
        shutil.copyfile(migrated_sqlite, target)
        target.chmod(0o600)  # as migrate() leaves a new database file
    engine = create_ledger_engine(database_url)
    if in_place:
        migrate(engine)
    yield engine
    engine.dispose()


OPERATOR = SignerKey("operator", bytes(range(40, 72)))
"""The tests' trust anchor: the operator key every test ledger signs membership events with."""
EVERY_PREFIX = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
"""Lot-id prefixes covering every lot id: for test organisations that are not about identifier spaces."""
TEST_GS1_PREFIXES = ("6975123",)
"""The GS1 company prefix of the tests' GTINs (069751234000xx)."""
NO_LOTS = frozenset({"lab", "regulator", "operator", "certifier"})
"""Roles that create no lots (an organisation holding only these needs no lot-id prefix)."""
BROAD_ROLES = ("grower", "cooperative", "processor", "logistics", "retailer")
"""Every role a custodian may hold: for test actors that play a whole chain (not labs, regulators, operators)."""


def enrol(
    ledger: Services,
    actor: Actor | SignerKey,
    roles: Sequence[str] = BROAD_ROLES,
    prefixes: Sequence[str] | None = None,
    *,
    valid_until: str | None = None,
    name: str | None = None,
    **options: Any,
) -> None:
    """Enrol an organisation named like ``actor`` with ``roles`` and ``prefixes`` (by default every lot id,
    or none for an organisation that creates no lots; and the tests' GS1 company prefix unless told otherwise,
    or none likewise), and the actor with its key. Organisations' identifier spaces are disjoint: a test with
    two organisations that create lots gives each its own."""
    key = actor.key if isinstance(actor, Actor) else actor
    if prefixes is None:  # identifier spaces are disjoint: labs and regulators create no lots, so hold none
        prefixes = () if set(roles) <= NO_LOTS else EVERY_PREFIX
    member = NewActor(key.verifier(), valid_until=valid_until)
    options.setdefault("gs1_company_prefixes", () if set(roles) <= NO_LOTS else TEST_GS1_PREFIXES)
    if "lab" in roles:  # a lab is named, and accredited, as its tests say (the catalogue's example)
        options.setdefault("accreditations", [str(example_payload("quality_test")["accreditation"])])
    if name is None:
        name = str(example_payload("quality_test")["lab"]) if "lab" in roles else f"test organisation {key.name}"
    ledger.membership.enrol(key.name, name, roles, prefixes, [member], **options)


@pytest.fixture
def ledger(engine: Engine) -> Iterator[Services]:
    ledger = Services(Store(engine), operator=OPERATOR)
    yield ledger
    ledger.scans.flush()  # scans are written behind: write them before the test's database goes


@pytest.fixture
def demo(ledger: Services) -> Services:
    """A ledger holding the demo data set (no log key)."""
    from ginseng_trace.demo import load_demo

    load_demo(ledger)
    return ledger


DEMO_LOG = SignerKey("ginseng.test/log", bytes(range(32)))
"""The log key of the served demo (``demo_site``)."""


@pytest.fixture
def demo_site(engine: Engine) -> Iterator[tuple[Any, Services]]:
    """The demo data set served over real HTTP (on each engine), logged under ``DEMO_LOG`` so that its pages and
    bundles open: an ``httpx.Client`` of the live server, and the ledger behind it."""
    import httpx

    from ginseng_trace.api import create_app
    from ginseng_trace.demo import load_demo

    ledger = Services(Store(engine), operator=OPERATOR, log_signer=DEMO_LOG)
    load_demo(ledger)
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client, ledger
    ledger.scans.flush()


def demo_size() -> int:
    """The records the demo loads: each organisation's membership records, then the demo's events."""
    from ginseng_trace.demo import ACTORS, MEMBERSHIP_EVENTS_PER_ACTOR, demo_events

    return MEMBERSHIP_EVENTS_PER_ACTOR * len(ACTORS) + len(demo_events())


def demo_chains() -> int:
    """The chains of the demo's log: its lots of ginseng and each organisation's membership chain."""
    from ginseng_trace.demo import ACTORS, LOTS

    return len(LOTS) + len(ACTORS)


@dataclass(frozen=True)
class DemoLineage:
    """A demo lot and every lot it was made from, as the demo's events give them (not as the ledger says)."""

    lots: frozenset[str]
    records: int  # the lots' own records
    signers: frozenset[str]  # the organisations that signed them

    @property
    def bundle_records(self) -> int:
        """The records a bundle of the lot carries: its lineage's and the membership records of their signers."""
        from ginseng_trace.demo import MEMBERSHIP_EVENTS_PER_ACTOR

        return self.records + MEMBERSHIP_EVENTS_PER_ACTOR * len(self.signers)


def demo_lineage(lot_id: str) -> DemoLineage:
    from ginseng_trace.demo import _events

    recorded = _events()
    inputs: dict[str, set[str]] = {}
    for _actor, event in recorded:
        inputs.setdefault(event["lot_id"], set()).update(event.get("inputs", []))
    lots, frontier = {lot_id}, [lot_id]
    while frontier:
        for parent in inputs.get(frontier.pop(), set()) - lots:
            lots.add(parent)
            frontier.append(parent)
    own = [(actor, event) for actor, event in recorded if event["lot_id"] in lots]
    return DemoLineage(frozenset(lots), len(own), frozenset(actor for actor, _event in own))


def example_payload(event_type: str) -> dict[str, Any]:
    """The documented example of an event type's payload (or {} for a type the catalogue lacks)."""
    schema = catalogue().get(event_type)
    return dict(schema.examples[0]) if schema and schema.examples else {}


TYPICAL_TIMES = {
    "register_enterprise": "2019-01-10T02:00:00Z",
    "register_plot": "2019-10-12T02:00:00Z",
    "source_seed": "2020-04-08T01:30:00Z",
    "sow": "2020-10-20T00:30:00Z",
    "transplant": "2022-04-15T00:30:00Z",
    "harvest": "2025-09-18T00:00:00Z",
    "sample": "2025-09-25T02:00:00Z",
    "quality_test": "2025-09-26T06:00:00Z",
    "process": "2025-10-05T00:00:00Z",
    "package": "2025-10-25T02:00:00Z",
    "aggregate": "2025-10-26T02:00:00Z",
    "ship": "2025-11-02T01:00:00Z",
    "store": "2025-11-03T01:00:00Z",
    "receive": "2025-11-04T03:00:00Z",
    "sell": "2025-11-20T07:30:00Z",
}
"""When each type of event happens by default, on one realistic timeline (sown in autumn 2020, harvested 2025 at five
years); other types default to 2025-06-01T08:00:00Z (field work in the season)."""


def fitted_payload(type_: str, actor: str, inputs: list[str]) -> dict[str, Any]:
    """The type's documented example, fitted to the event: a process consumes 1000 kg of each of its inputs
    (and yields a plausible 35 %), a shipment leaves from its actor, a sale names no serials."""
    payload = example_payload(type_)
    if type_ == "process" and inputs:
        payload["input_quantities"] = [{"lot": lot, "value": 1000, "unit": "kg"} for lot in inputs]
        payload["outputs"] = [
            {"product": "红参 main root", "value": 300 * len(inputs), "unit": "kg"},
            {"product": "红参须 fine roots", "value": 50 * len(inputs), "unit": "kg"},
        ]
    if type_ == "ship":
        payload["from"] = actor
    if type_ == "sell":  # each serial is sold once: the example's serials (0007, 0008) only when a test names them
        payload.pop("serials", None)
    return payload


class Actor:
    """A test actor: a key and a helper that builds and signs events."""

    def __init__(self, name: str, key: SignerKey | None = None) -> None:
        self.key = key or SignerKey.generate(name)
        self.name = name
        self.key_id = self.key.verifier().key_id_hex
        self._n = 0

    def event(self, lot: str, type_: str = "field_operation", **fields: Any) -> Event:
        self._n += 1
        body: dict[str, Any] = {
            "event_id": fields.pop("event_id", f"{self.name}-{uuid.uuid4().hex[:10]}"),
            "lot_id": lot,
            "type": type_,
            "occurred_at": fields.pop("occurred_at", TYPICAL_TIMES.get(type_, "2025-06-01T08:00:00Z")),
            "actor": self.name,
            "key_id": self.key_id,
            # the type's documented example, made unique, with the test's own fields on top; or exactly `raw_payload`
            "payload": fields.pop("raw_payload", None)
            or {
                **fitted_payload(type_, self.name, fields.get("inputs", [])),
                "note": f"{self.name} #{self._n}",
                **fields.pop("payload", {}),
            },
        }
        body.update(fields)
        return Event.from_json(body)

    def sign(self, lot: str, type_: str = "field_operation", **fields: Any) -> SignedEvent:
        event = self.event(lot, type_, **fields)
        return sign_event(event, self.key, private=private_fields(event.type) if event.type in catalogue() else ())


@pytest.fixture
def grower(ledger: Services) -> Actor:
    actor = Actor("test-grower")
    enrol(ledger, actor)
    return actor


class LiveServer:
    """An ASGI app served by uvicorn on a loopback port in a background thread: real HTTP. Every JSON response
    it sends is checked against the response schema the app's OpenAPI documents (tests/openapi_check.py): the
    test fails when the server stops if any did not match."""

    def __init__(self, app: Any = None, *, factory: Callable[[str], Any] | None = None) -> None:
        """Serve ``app``, or the app ``factory`` builds for the server's own URL (for absolute links)."""
        import socket
        import threading

        import uvicorn

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.checked = SchemaChecked(factory(self.url) if factory else app)
        # as `serve` runs it: uvicorn's own proxy headers off, the app alone decides (TRACE_TRUSTED_PROXIES)
        config = uvicorn.Config(self.checked, log_level="warning", lifespan="on", proxy_headers=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
        if exc[0] is None:
            assert not self.checked.mismatches, "responses not as their OpenAPI schema says:\n" + "\n".join(
                self.checked.mismatches
            )


def demo_actor(name: str) -> Actor:
    """A demo actor (its published demo key), to add events to the demo data set."""
    from ginseng_trace.demo import ACTORS

    return Actor(name, next(a for a in ACTORS if a.name == name).key)


def demo_shop_sale(event_id: str, occurred_at: str, key_file: Path) -> dict[str, Any]:
    """A sale of one more demo box by the demo shop, as an unsigned event; the shop's demo key goes to ``key_file``
    (for ``ginseng-trace sign``)."""
    from ginseng_trace.demo import ACTORS

    shop = next(a for a in ACTORS if a.name == "changchun-herb-shop")
    key_file.write_text(shop.key.text())
    return {
        "event_id": event_id,
        "lot_id": "PK-2025-0931",
        "type": "sell",
        "occurred_at": occurred_at,
        "payload": {"units": 1, "buyer_type": "consumer"},
    }


def script_module(name: str) -> ModuleType:
    """One of scripts/*.py (the generators of the committed vectors and worked examples), loaded as a module."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tune_rules(monkeypatch: pytest.MonkeyPatch, config: Any) -> None:
    """Make every rules module read ``config`` instead of ``schemas/rules.yaml``, as a regulator who edits
    the file would (each module imported ``rules_config`` by name)."""
    import sys

    from ginseng_trace.events import context

    original = context.rules_config
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("ginseng_trace.") and (
            getattr(module, "rules_config", None) is original
        ):
            monkeypatch.setattr(module, "rules_config", lambda: config)
