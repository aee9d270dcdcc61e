"""Reads by role over real HTTP, on both engines: the standard lifecycle recorded by its own parties (a grower,
a carrier, a processor, a lab, a shop), with private values the test plants (a plot's polygon and note, an
invoice reference), read by a regulator, by the recorders, by another grower and by the public; every allowed
read audited once; credentials failing each way."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain import Event, SignerKey, sign_event
from ginseng_trace.chain.times import format_utc
from ginseng_trace.events import private_fields
from ginseng_trace.labels.signals import ScanPolicy
from ginseng_trace.service import NewActor, Services
from ginseng_trace.store import ReadsRepository, Store

from ..conftest import OPERATOR, Actor, LiveServer, enrol
from ..labels.test_labels import carries
from ..lifecycle import (
    CARRIER,
    CERTIFIER,
    GROWER,
    LAB,
    PREFIXES_OF,
    PROCESSOR,
    ROLES_OF,
    Step,
    gs1_of,
    name_of,
    standard,
)
from .test_api import assert_problem

SHOP, REGULATOR, OTHER_GROWER, OTHER_WORKS = "shop-f", "jilin-regulator", "someone-else", "works-z"
COOP, OTHER_COOP = "coop-h", "coop-i"
PARTIES = (GROWER, CARRIER, PROCESSOR, LAB, SHOP, REGULATOR, OTHER_GROWER, OTHER_WORKS, COOP, OTHER_COOP, CERTIFIER)
ROLES = {**ROLES_OF, OTHER_WORKS: ["processor"], COOP: ["cooperative"], OTHER_COOP: ["cooperative"]}
PREFIXES = {**PREFIXES_OF, OTHER_WORKS: ["WZ-"], COOP: ["CH-"], OTHER_COOP: ["CI-"]}
GTIN = "06975123400010"
PASSWORD = "correct horse battery staple"
API = "/api/v1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    client: httpx.Client
    services: Services
    clock: Clock
    secrets: list[str]  # private values planted: the polygon's coordinates, the plot's note, the invoice, a name
    polygon: list[list[float]]
    invoice: str
    ids: dict[str, str]  # event ids: plot, sale, process
    actors: dict[str, Actor] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # party -> private:read token (+ audit:read for the regulator)

    def get(self, path: str, party: str | None = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[party]}"} if party else {}
        return self.client.get(API + path, params=params, headers=headers)

    def post(self, party: str, step: Step) -> httpx.Response:
        """``step`` signed by ``party`` and submitted; its event id is ``world.ids[<id given>]``."""
        event_id = f"{step.type}-{uuid.uuid4().hex[:8]}"
        return self.client.post(f"{API}/events", json=_envelope(self.actors[party], step, event_id))

    def audit(self, **params: Any) -> list[dict[str, Any]]:
        answer = self.get("/audit", REGULATOR, **params)
        assert answer.status_code == 200, answer.text
        entries: list[dict[str, Any]] = answer.json()["entries"]
        return entries


def _envelope(actor: Actor, step: Step, event_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "lot_id": step.lot,
        "type": step.type,
        "occurred_at": format_utc(step.when),
        "actor": actor.name,
        "key_id": actor.key_id,
        "payload": step.payload,
    }
    if step.inputs:
        body["inputs"] = list(step.inputs)
    return sign_event(Event.from_json(body), actor.key, private=private_fields(step.type)).envelope()


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    rng = random.Random(uuid.uuid4().int)
    lon, lat = round(126 + rng.random(), 6), round(41 + rng.random(), 6)
    polygon = [[lon, lat], [lon + 0.00135, lat], [lon, lat + 0.00135]]
    note, invoice = f"plot-secret-{uuid.uuid4().hex}", f"INV-{uuid.uuid4().hex[:20]}"
    clock = Clock()
    services = Services(Store(engine), clock=clock, operator=OPERATOR)
    services.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    actors = {name: Actor(name) for name in PARTIES}
    for name, actor in actors.items():
        enrol(
            services,
            actor,
            ROLES[name],
            PREFIXES.get(name, []),
            gs1_company_prefixes=gs1_of(name),
            name=name_of(name),
        )
    person = f"张{uuid.uuid4().hex[:8]}"  # a person of the grower's, whose name is private membership
    services.membership.add_actor(GROWER, NewActor(SignerKey.generate("grower-a-2").verifier(), name=person))
    story = standard()
    steps = story.steps
    plot = next(s for s in steps if s.type == "register_plot")
    plot.payload = {**plot.payload, "location": {"private": True, "polygon": polygon}, "note": note}
    process = next(s for s in steps if s.type == "process")
    process.payload["outputs"] = [  # 1400 kg fresh to 300 kg main root: a ratio of 4.7, a non-public finding
        {"product": "红参 main root", "value": 300, "unit": "kg"},
        {"product": "红参须 fine roots", "value": 150, "unit": "kg"},
    ]
    sale = steps[-1]
    sale.payload = {**sale.payload, "invoice_reference": invoice}
    warm = Step(
        SHOP,
        "PK-1",
        "store",
        sale.when,
        {"warehouse": "back room", "readings": [{"at": "2025-11-21T06:00:00Z", "temperature_c": 27}]},
    )
    ids = {}
    fixed: dict[str, str] = {}
    app = create_app(services, login_limit="6/minute", scan_policy=ScanPolicy(max_scans=1))
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        for i, step in enumerate([*steps, warm]):
            event_id = f"life-{i}-{uuid.uuid4().hex[:6]}"
            answer = client.post(
                f"{API}/events", json=_envelope(actors[step.actor], step.naming(fixed, event_id), event_id)
            )
            assert answer.status_code == 201, answer.text
            named = (
                ("plot", "register_plot"),
                ("sow", "sow"),
                ("spray", "field_operation"),
                ("harvest", "harvest"),
                ("process", "process"),
                ("test", "quality_test"),
                ("sale", "sell"),
            )
            for name, kind in named:
                if step.type == kind:
                    ids[name] = event_id
        secrets = [note, invoice, str(lon), str(lat), person]
        found = World(client, services, clock, secrets, polygon, invoice, ids, actors)
        for party in PARTIES:
            permissions = ["private:read", "audit:read"] if party == REGULATOR else ["private:read"]
            found.tokens[party] = services.tokens.issue(party, permissions, timedelta(days=1))[1]
        yield found
    services.scans.flush()


def never_carries(answer: httpx.Response, secrets: list[str]) -> None:
    for secret in secrets:
        assert not carries(answer.text, secret), (str(answer.url), secret)


def test_a_regulator_reads_the_polygon_and_the_invoice_and_each_read_is_audited_once(world: World) -> None:
    plot = world.get("/lots/PLOT-1/history", REGULATOR, private="true")
    box = world.get("/lots/PK-1/history", REGULATOR, private="true")
    assert plot.status_code == box.status_code == 200
    assert plot.headers["cache-control"] == "private, no-store"
    [registered] = [r for r in plot.json()["records"] if r.get("facts")]
    assert registered["facts"]["payload"]["location"] == {"private": True, "polygon": world.polygon}
    assert "location" not in registered["event"]["payload"]  # the signed event keeps only digests
    assert plot.json()["private"] == {"shown": [world.ids["plot"]], "withheld": []}
    [sold] = [r for r in box.json()["records"] if r.get("facts")]
    assert sold["facts"]["payload"]["invoice_reference"] == world.invoice
    assert box.json()["private"] == {"shown": [world.ids["sale"]], "withheld": []}

    rows = world.audit(actor=REGULATOR)
    assert [(r["what"], r["lot_id"], r["event_ids"], r["org_id"]) for r in rows] == [
        ("private_members", "PLOT-1", [world.ids["plot"]], REGULATOR),
        ("private_members", "PK-1", [world.ids["sale"]], REGULATOR),
    ]
    assert rows[0]["endpoint"] == "GET /api/v1/lots/PLOT-1/history?private=true"
    assert rows[0]["credential"].startswith("token:")
    assert rows[0]["read_at"] <= rows[1]["read_at"]
    assert [r["lot_id"] for r in world.audit(lot="PK-1")] == ["PK-1"]
    # reading the trail is itself audited; the filters and pages select
    everything = world.audit()
    assert [r["what"] for r in everything] == ["private_members", "private_members", "audit", "audit"]
    first = world.get("/audit", REGULATOR, limit=1).json()
    assert [e["id"] for e in first["entries"]] == [everything[0]["id"]]
    after = world.get("/audit", REGULATOR, limit=1, after=first["next_after"]).json()
    assert [e["id"] for e in after["entries"]] == [everything[1]["id"]]
    later = format_utc(world.clock.now + timedelta(seconds=1))
    assert world.audit(since=later) == []
    assert len(world.audit(until=later, actor=REGULATOR, lot="PLOT-1")) == 1
    assert_problem(world.get("/audit", REGULATOR, since="yesterday"), 422, "/since")


def test_each_organisation_reads_its_own_private_members_and_nobody_elses(world: World) -> None:
    own = world.get("/lots/PLOT-1/history", GROWER, private="true")
    assert own.json()["private"]["shown"] == [world.ids["plot"]]
    assert carries(own.text, world.invoice) is False
    assert own.json()["records"][0]["facts"]["payload"]["location"]["polygon"] == world.polygon
    upstream = world.get("/lots/PK-1/history", GROWER, private="true")  # the shop's sale: not the grower's
    assert upstream.status_code == 200
    assert upstream.json()["private"] == {"shown": [], "withheld": [world.ids["sale"]]}
    never_carries(upstream, world.secrets)
    shop = world.get("/lots/PK-1/history", SHOP, private="true")
    assert shop.json()["private"]["shown"] == [world.ids["sale"]]
    assert carries(shop.text, world.invoice)
    processor = world.get("/lots/PLOT-1/history", PROCESSOR, private="true")  # a partner downstream
    assert processor.json()["private"] == {"shown": [], "withheld": [world.ids["plot"]]}
    never_carries(processor, world.secrets)

    # a person logged in reads as their organisation may, with the session cookie
    world.services.accounts.create("grower-a-login", GROWER, PASSWORD)
    login = world.client.post(f"{API}/session", json={"login": "grower-a-login", "password": PASSWORD})
    cookie = {"Cookie": f"gt_session={login.cookies['gt_session']}"}
    by_session = world.client.get(f"{API}/lots/PLOT-1/history", params={"private": "true"}, headers=cookie)
    assert by_session.json()["private"]["shown"] == [world.ids["plot"]]

    rows = world.audit(actor=GROWER)
    assert [(r["lot_id"], r["event_ids"], r["credential"]) for r in rows] == [
        ("PLOT-1", [world.ids["plot"]], rows[0]["credential"]),
        ("PLOT-1", [world.ids["plot"]], "session"),
    ]
    assert rows[0]["credential"].startswith("token:")
    assert [r["lot_id"] for r in world.audit(actor=SHOP)] == ["PK-1"]
    assert world.audit(actor=PROCESSOR) == []  # nothing private was served: nothing to audit


@pytest.mark.slow
def test_another_grower_and_the_public_never_see_a_planted_private_value(world: World) -> None:
    other = world.get("/lots/PLOT-1/history", OTHER_GROWER, private="true")
    assert other.status_code == 200
    assert other.json()["private"] == {"shown": [], "withheld": [world.ids["plot"]]}
    assert all("facts" not in r or r["facts"] is None for r in other.json()["records"])
    never_carries(other, world.secrets)
    assert world.audit(actor=OTHER_GROWER) == []

    refused = world.get("/lots/PLOT-1/history", private="true")
    assert assert_problem(refused, 401)["type"] == "urn:ginseng-trace:problem:unauthenticated"
    assert refused.headers["www-authenticate"].startswith("Bearer")
    for lot in ("PLOT-1", "HV-1", "RG-1", "PK-1"):
        for view in ("history", "findings", "ancestors", "verify"):
            public = world.get(f"/lots/{lot}/{view}")
            assert public.status_code == 200, (lot, view)
            never_carries(public, world.secrets)
    for path in ("/findings", "/scan-signals"):
        never_carries(world.get(path), world.secrets)
        never_carries(world.get(path, OTHER_GROWER), world.secrets)

    # a suspended organisation's actor reads like the public, from the moment of the suspension
    world.services.membership.change(GROWER, "suspend", {"reason": "licence suspended pending investigation"})
    suspended = world.get("/lots/PLOT-1/history", GROWER, private="true")
    assert suspended.json()["private"] == {"shown": [], "withheld": [world.ids["plot"]]}
    never_carries(suspended, world.secrets)
    assert world.audit(actor=GROWER) == []


@pytest.mark.slow
def test_findings_by_role(world: World) -> None:
    def rules(answer: httpx.Response) -> list[tuple[str, str]]:
        assert answer.status_code == 200, answer.text
        return [(f["lot_id"], f["rule"]) for f in answer.json()["findings"]]

    everything = [("RG-1", "main_root_ratio"), ("PK-1", "storage_conditions")]
    public = [("PK-1", "storage_conditions")]
    for path in ("/lots/PK-1/findings", "/findings"):
        assert rules(world.get(path)) == public
        assert rules(world.get(path, OTHER_GROWER)) == public
        assert rules(world.get(path, REGULATOR)) == everything
        assert rules(world.get(path, GROWER)) == everything  # downstream of the grower's harvest
        assert rules(world.get(path, PROCESSOR)) == everything  # its own batch
    assert rules(world.get("/lots/HV-1/findings", REGULATOR)) == []
    assert rules(world.get("/lots/RG-1/findings", GROWER)) == [("RG-1", "main_root_ratio")]
    assert rules(world.get("/findings", GROWER, rule="main_root_ratio")) == [("RG-1", "main_root_ratio")]
    assert rules(world.get("/findings", OTHER_GROWER, rule="main_root_ratio")) == []

    grower = world.audit(actor=GROWER)
    assert [(r["what"], r["lot_id"], r["event_ids"]) for r in grower] == [
        ("findings", "PK-1", [world.ids["process"]]),
        ("findings", None, [world.ids["process"]]),
        ("findings", "RG-1", [world.ids["process"]]),
        ("findings", None, [world.ids["process"]]),
    ]
    assert world.audit(actor=OTHER_GROWER) == []  # public findings only: nothing to audit


@pytest.mark.slow
def test_scan_signals_are_counts_for_the_public_and_labels_for_regulators_and_partners(world: World) -> None:
    for _ in range(3):
        world.services.scans.record(GTIN, "PK-1", "0042", "长春")
    public = world.get("/scan-signals")
    assert public.status_code == 200
    assert "labels" not in public.json()
    assert public.json()["counts"] == {"labels": 1, "often": 1, "cities": 0, "far_apart": 0, "sold_elsewhere": 0}
    assert "0042" not in public.text
    regulator = world.get("/scan-signals", REGULATOR).json()
    assert [(label["lot"], label["serial"], label["scans"]) for label in regulator["labels"]] == [("PK-1", "0042", 3)]
    assert [label["serial"] for label in world.get("/scan-signals", GROWER).json()["labels"]] == ["0042"]
    other = world.get("/scan-signals", OTHER_GROWER).json()
    assert other["labels"] == []
    assert other["counts"]["labels"] == 0
    assert [(r["what"], r["actor"]) for r in world.audit() if r["what"] == "scan_signals"] == [
        ("scan_signals", REGULATOR),
        ("scan_signals", GROWER),
    ]


def test_credentials_that_do_not_hold_are_refused_store_nothing_and_are_rate_limited(world: World) -> None:
    services, client = world.services, world.client
    history = f"{API}/lots/PLOT-1/history"
    _, writer = services.tokens.issue(GROWER, ["events:write"], timedelta(days=1))
    _, reader_only = services.tokens.issue(REGULATOR, ["private:read"], timedelta(days=1))
    _, grower_audit = services.tokens.issue(GROWER, ["audit:read"], timedelta(days=1))
    revoked_id, revoked = services.tokens.issue(REGULATOR, ["private:read"], timedelta(days=1))
    services.tokens.revoke(revoked_id)
    _, short = services.tokens.issue(REGULATOR, ["private:read"], timedelta(hours=1))

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    private = {"private": "true"}
    assert_problem(client.get(f"{API}/audit"), 401)  # no credentials (not counted: nothing was guessed)
    assert assert_problem(client.get(history, params=private, headers=bearer(revoked)), 401)["type"].endswith(
        "unauthenticated"
    )
    assert_problem(client.get(history, params=private, headers=bearer("gt_nothing")), 401)
    wrong_scope = assert_problem(client.get(history, params=private, headers=bearer(writer)), 403)
    assert wrong_scope["type"] == "urn:ginseng-trace:problem:insufficient-scope"
    assert_problem(client.get(f"{API}/audit", headers=bearer(reader_only)), 403)
    not_regulator = assert_problem(client.get(f"{API}/audit", headers=bearer(grower_audit)), 403)
    assert (not_regulator["type"], not_regulator["role_needed"]) == (
        "urn:ginseng-trace:problem:role-required",
        "regulator",
    )
    world.clock.now += timedelta(hours=2)
    assert_problem(client.get(f"{API}/findings", headers=bearer(short)), 401)  # expired
    # six refused reads carrying credentials: the next one from this address waits, even with a good token
    limited = client.get(history, params=private, headers=bearer(world.tokens[REGULATOR]))
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert client.get(f"{API}/lots/PLOT-1/history").status_code == 200  # the public read is not limited
    assert services.store.read(lambda unit: ReadsRepository.of(unit).reads()) == []  # no refused read left a row


def test_a_processor_reads_the_upstream_facts_of_what_it_held_and_nothing_private(world: World) -> None:
    answer = world.get("/lots/PK-1/upstream", PROCESSOR)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "private, no-store"
    facts = answer.json()
    [origin] = facts["origins"]
    assert (origin["county"], origin["crop_age_years"], origin["harvest_year"], origin["land_type"]) == (
        "抚松县",
        5,
        2025,
        "farmland",
    )
    assert "GAP" in origin["certifications"]
    assert origin["pre_harvest_interval"]["passed"] is True
    assert origin["pre_harvest_interval"]["binding_application"]["harvest_allowed_from"] == "2025-07-20"
    [test] = facts["tests"]
    assert (test["lot"], test["verdict"], test["ginsenosides_pct"]["Rg1+Re"]) == ("RG-1", "pass", 0.41)
    # the polygon, the note, the invoice, the person's name, and who grew, carried, made or sold it: none
    never_carries(answer, world.secrets)
    for party in (GROWER, CARRIER, SHOP, PROCESSOR, LAB, "location", "invoice", "note", "polygon"):
        assert party not in answer.text, party
    assert world.get("/lots/HV-1/upstream", PROCESSOR).status_code == 200  # it received the harvest
    assert world.get("/lots/RG-1/upstream", PROCESSOR).json()["origins"] == facts["origins"]  # its batch
    assert world.get("/lots/PK-1/upstream", REGULATOR).json() == facts  # a regulator: any lot
    assert world.get("/lots/PLOT-1/upstream", REGULATOR).json()["origins"] == []  # nothing harvested upstream

    sources = [world.ids[k] for k in ("plot", "sow", "spray", "harvest", "test")]
    rows = world.audit(actor=PROCESSOR)
    assert [(r["what"], r["lot_id"]) for r in rows] == [
        ("upstream_facts", "PK-1"),
        ("upstream_facts", "HV-1"),
        ("upstream_facts", "RG-1"),
    ]
    assert rows[0]["event_ids"] == sources
    assert rows[0]["endpoint"] == "GET /api/v1/lots/PK-1/upstream"
    assert rows[1]["event_ids"] == sources[:4]  # the harvest's lineage holds no test
    assert [r["lot_id"] for r in world.audit(actor=REGULATOR) if r["what"] == "upstream_facts"] == ["PK-1", "PLOT-1"]


@pytest.mark.slow
def test_upstream_facts_are_refused_to_every_other_reader(world: World) -> None:
    never_held = assert_problem(world.get("/lots/PK-1/upstream", OTHER_WORKS), 403)
    assert (never_held["type"], never_held["relation_needed"]) == (
        "urn:ginseng-trace:problem:relation-required",
        "custodian",
    )
    for party in (GROWER, SHOP):  # the grower upstream and the shop that holds the box: not processors
        refused = assert_problem(world.get("/lots/PK-1/upstream", party), 403)
        assert (refused["type"], refused["role_needed"]) == ("urn:ginseng-trace:problem:role-required", "processor")
    assert assert_problem(world.get("/lots/PK-1/upstream"), 401)["type"].endswith("unauthenticated")
    assert_problem(world.get("/lots/PK-404/upstream", PROCESSOR), 404)
    assert_problem(world.get("/lots/PK-404/upstream", GROWER), 403)  # refused before the lot is looked up
    # a processor whose role is withdrawn reads like anyone else from that moment
    world.services.membership.change(PROCESSOR, "withdraw_role", {"role": "processor", "reason": "licence lapsed"})
    assert assert_problem(world.get("/lots/PK-1/upstream", PROCESSOR), 403)["role_needed"] == "processor"
    assert [r for r in world.audit() if r["what"] == "upstream_facts"] == []  # nothing refused was audited


def _farm(world: World) -> tuple[list[str], list[str]]:
    """The grower registers a second plot (a polygon and a note of the test's own) and sprays the same
    chemical twice in one season: a non-public finding (pesticide_once) on the plot. Returns the plot's event
    ids and its private values."""
    lon = 125.5 + random.random() / 10
    secrets = [
        f"second-plot-{uuid.uuid4().hex}",
        f"{lon:.6f}",
        f"spray-{uuid.uuid4().hex}",
        f"again-{uuid.uuid4().hex}",
    ]
    plot = {
        "land_type": "farmland",
        "county": "靖宇县",
        "area_mu": 6,
        "location": {"private": True, "polygon": [[float(secrets[1]), 42.3], [lon + 0.00094, 42.3], [lon, 42.30094]]},
        "note": secrets[0],
    }
    spray = {
        "operation": "pesticide",
        "product": "多菌灵 carbendazim WP",
        "registration_number": "PD20040001",
        "active_ingredient": "carbendazim",
        "dose": {"value": 750, "unit": "g a.i./hm2"},
        "pre_harvest_interval_days": 28,
    }
    steps = [
        Step(GROWER, "PLOT-2", "register_plot", datetime(2024, 10, 2, tzinfo=UTC), plot),
        Step(GROWER, "PLOT-2", "field_operation", datetime(2025, 5, 20, tzinfo=UTC), {**spray, "note": secrets[2]}),
        Step(GROWER, "PLOT-2", "field_operation", datetime(2025, 7, 1, tzinfo=UTC), {**spray, "note": secrets[3]}),
    ]
    ids = []
    for step in steps:
        answer = world.post(GROWER, step)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["event"]["event_id"])
    return ids, secrets


def test_a_cooperative_reads_a_growers_plots_while_the_grower_agrees_and_not_after(world: World) -> None:
    ids, secrets = _farm(world)
    agreement = Step(GROWER, f"org:{GROWER}", "agree_cooperative", world.clock.now, {"cooperative": COOP})

    def plots(party: str) -> tuple[httpx.Response, httpx.Response]:
        return (
            world.get("/lots/PLOT-2/history", party, private="true"),
            world.get("/lots/PLOT-1/history", party, private="true"),
        )

    def findings(party: str, path: str = "/lots/PLOT-2/findings") -> list[tuple[str, str]]:
        return [(f["lot_id"], f["rule"]) for f in world.get(path, party).json()["findings"]]

    before = plots(COOP)
    assert before[0].json()["private"] == {"shown": [], "withheld": ids}
    for answer in before:
        never_carries(answer, [*secrets, *world.secrets])
    assert findings(COOP) == []
    assert findings(GROWER) == [("PLOT-2", "pesticide_once")]  # the grower's own (as a partner in its lineage)
    assert world.audit(actor=COOP) == []

    # a grower cannot consent for another; the grower itself can
    foreign = world.post(OTHER_GROWER, agreement)
    assert assert_problem(foreign, 403)["type"] == "urn:ginseng-trace:problem:rule:authority"
    assert world.post(GROWER, agreement).status_code == 201

    plot_2, plot_1 = plots(COOP)
    assert plot_2.json()["private"] == {"shown": ids, "withheld": []}
    assert plot_2.json()["records"][0]["facts"]["payload"]["note"] == secrets[0]
    assert plot_1.json()["private"] == {"shown": [world.ids["plot"]], "withheld": []}
    assert plot_1.json()["records"][0]["facts"]["payload"]["location"]["polygon"] == world.polygon
    assert findings(COOP) == [("PLOT-2", "pesticide_once")]
    everything = findings(COOP, "/findings")  # the public one, and the plot's; not the batch's made downstream
    assert everything == [("PK-1", "storage_conditions"), ("PLOT-2", "pesticide_once")]
    box = world.get("/lots/PK-1/history", COOP, private="true")  # downstream of the plot: not the grower's data
    assert box.json()["private"] == {"shown": [], "withheld": [world.ids["sale"]]}
    never_carries(box, world.secrets)
    for answer in (*plots(OTHER_COOP), *plots(OTHER_GROWER)):  # nobody else gains anything by the agreement
        assert answer.json()["private"]["shown"] == []
        never_carries(answer, [*secrets, *world.secrets])
    assert findings(OTHER_COOP) == []
    assert [(r["what"], r["lot_id"], r["event_ids"]) for r in world.audit(actor=COOP)] == [
        ("private_members", "PLOT-2", ids),
        ("private_members", "PLOT-1", [world.ids["plot"]]),
        ("findings", "PLOT-2", [ids[2]]),
        ("findings", None, [ids[2]]),
    ]

    # the cooperative ends it (the grower could too): from the next read on, nothing beyond the partner's view
    ending = Step(COOP, f"org:{GROWER}", "end_cooperative", world.clock.now, {"cooperative": COOP, "reason": "r"})
    assert world.post(COOP, ending).status_code == 201
    for answer in plots(COOP):
        assert answer.json()["private"]["shown"] == []
        never_carries(answer, [*secrets, *world.secrets])
    assert findings(COOP) == []
    assert len(world.audit(actor=COOP)) == 4  # nothing more was served
