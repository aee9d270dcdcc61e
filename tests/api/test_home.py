"""A person's home over real HTTP, on both engines: each organisation sees the lots that concern it and what is
due on them (a pre-harvest interval still running, a shipment to receive, a sample to test, a lot awaiting its
test), read from the lot-parties index the appender keeps; nobody sees another organisation's lots; the index is
rebuilt with the lot states."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain.times import format_utc
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, LiveServer, enrol, example_payload
from .test_api import assert_problem

SPRAYED = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
"""When PLOT-1 was last sprayed: two days ago, so its 21-day interval is still running whenever the test runs."""
PASSWORD = "correct horse battery staple"
KEK = bytes(range(100, 132))
GROWER, WORKS, LAB, SHOP, REGULATOR = (
    Actor("fs-grower"),
    Actor("js-works"),
    Actor("jl-lab"),
    Actor("cc-shop"),
    Actor("jl-mpa"),
)


def plot(lot: str, sown: str) -> list[Any]:
    register = {**example_payload("register_plot"), "area_mu": 1.0}
    register.pop("location", None)
    return [
        GROWER.sign(lot, "register_plot", occurred_at="2019-10-12T02:00:00Z", payload=register),
        GROWER.sign(lot, "sow", occurred_at=sown, payload={"variety": "大马牙"}),
    ]


@pytest.fixture
def services(engine: Engine) -> Iterator[Services]:
    services = Services(Store(engine), operator=OPERATOR, key_encryption_key=KEK)
    services.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    enrol(services, GROWER, ["grower"], ["PLOT-", "HV-"], gs1_company_prefixes=())
    enrol(services, WORKS, ["processor"], ["RG-", "PK-"])
    enrol(services, LAB, ["lab"])
    enrol(services, SHOP, ["retailer"], [], gs1_company_prefixes=())
    enrol(services, REGULATOR, ["regulator"])
    for actor in (GROWER, WORKS, LAB, SHOP, REGULATOR):
        services.accounts.create(actor.name, actor.name, PASSWORD)
    for actor in (GROWER, REGULATOR):  # they record from the app, with server-held keys
        services.membership.add_key(services.held_keys.create(actor.name))
    sprayed = {
        **example_payload("field_operation"),
        "operation": "pesticide",
        "product": "苯醚甲环唑 difenoconazole 10% WG",
        "active_ingredient": "difenoconazole",
        "pesticide_class": "chemical",
        "pre_harvest_interval_days": 21,
    }
    sprayed.pop("registration_number", None)
    events = [
        *plot("PLOT-1", "2020-10-20T00:30:00Z"),
        GROWER.sign("PLOT-1", "field_operation", occurred_at=format_utc(SPRAYED), payload=sprayed),
        *plot("PLOT-2", "2020-10-21T00:30:00Z"),
        GROWER.sign(
            "HV-2",
            "harvest",
            occurred_at="2025-09-15T00:00:00Z",
            inputs=["PLOT-2"],
            payload={**example_payload("harvest"), "fresh_weight": {"value": 1000, "unit": "kg"}},
        ),
        GROWER.sign("HV-2", "sample", occurred_at="2025-09-15T02:00:00Z", payload={"lab": LAB.name}),
        GROWER.sign(
            "HV-2",
            "ship",
            occurred_at="2025-09-16T01:00:00Z",
            payload={"from": GROWER.name, "to": WORKS.name, "net_weight_kg": 1000},
        ),
    ]
    for event in events:
        services.events.append(event)
    yield services
    services.scans.flush()


@pytest.fixture
def client(services: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(services)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def log_in(client: httpx.Client, login: str) -> dict[str, str]:
    """The cookie header of a new session (Secure: httpx would not send it over the test's plain HTTP)."""
    answer = client.post("/api/v1/session", json={"login": login, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"Cookie": f"gt_session={answer.cookies['gt_session']}"}


def home(client: httpx.Client, actor: Actor) -> dict[str, Any]:
    cookie = log_in(client, actor.name)
    answer = client.get("/api/v1/me/home", headers=cookie)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    return body


def due(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["kind"], item["lot_id"]) for item in body["due"]]


@pytest.mark.slow
def test_a_grower_sees_its_plots_and_the_interval_still_running(client: httpx.Client) -> None:
    body = home(client, GROWER)
    assert body["organisation"]["roles"] == ["grower"]
    lots = {lot["lot_id"]: lot for lot in body["lots"]}
    assert set(lots) == {"PLOT-1", "PLOT-2"}  # HV-2 is on its way to the works: no longer the grower's
    assert lots["PLOT-1"]["relations"] == ["creator", "holder"]
    assert lots["PLOT-1"]["counties"] == ["抚松县"]
    assert due(body) == [("pre_harvest_interval", "PLOT-1")]
    assert body["due"][0]["until"] == format_utc(SPRAYED + timedelta(days=21))


def test_a_processor_sees_the_shipment_to_receive_and_a_lab_its_sample(client: httpx.Client) -> None:
    works = home(client, WORKS)
    assert due(works) == [("receive", "HV-2")]
    assert works["due"][0]["party"] == GROWER.name
    assert works["due"][0]["amount"] == 1000
    assert [lot["relations"] for lot in works["lots"]] == [["incoming"]]
    lab = home(client, LAB)
    assert due(lab) == [("samples_to_test", "HV-2")]
    assert lab["due"][0]["waiting"] == 1
    assert home(client, SHOP)["lots"] == []
    assert home(client, REGULATOR)["lots"] == []  # a regulator holds no lots: its page leads to the console
    assert '<a id="console" href="/app/console">' in client.get("/app", headers=log_in(client, REGULATOR.name)).text


def test_a_received_batch_moves_to_the_processor_and_the_lab_reports(client: httpx.Client, services: Services) -> None:
    services.events.append(
        WORKS.sign(
            "HV-2", "receive", occurred_at="2025-09-17T03:00:00Z", payload={"from": GROWER.name, "net_weight_kg": 1000}
        )
    )
    services.events.append(LAB.sign("HV-2", "quality_test", occurred_at="2025-09-18T06:00:00Z"))
    works = home(client, WORKS)
    assert due(works) == []
    [lot] = works["lots"]
    assert (lot["lot_id"], lot["relations"], lot["on_hand"], lot["unit"]) == ("HV-2", ["holder"], 1000, "kg")
    assert due(home(client, LAB)) == []


def test_a_box_awaiting_its_test_is_due_and_nobody_else_sees_it(client: httpx.Client, services: Services) -> None:
    services.events.append(
        WORKS.sign(
            "HV-2", "receive", occurred_at="2025-09-17T03:00:00Z", payload={"from": GROWER.name, "net_weight_kg": 1000}
        )
    )
    services.events.append(WORKS.sign("RG-2", "process", occurred_at="2025-09-18T00:00:00Z", inputs=["HV-2"]))
    works = home(client, WORKS)
    assert ("sample_needed", "RG-2") in due(works)
    [batch] = [lot for lot in works["lots"] if lot["lot_id"] == "RG-2"]
    assert (batch["released"], batch["relations"]) == (False, ["creator", "holder"])
    services.events.append(WORKS.sign("RG-2", "sample", occurred_at="2025-09-18T02:00:00Z", payload={"lab": LAB.name}))
    assert ("test_awaited", "RG-2") in due(home(client, WORKS))
    assert "RG-2" not in {lot["lot_id"] for lot in home(client, GROWER)["lots"]}


@pytest.mark.slow
def test_no_home_without_credentials_or_for_an_actor_outside_membership(
    client: httpx.Client, services: Services
) -> None:
    assert_problem(client.get("/api/v1/me/home"), 401)
    services.accounts.create("stranger", "nobody-registered", PASSWORD)
    cookie = log_in(client, "stranger")
    problem = assert_problem(client.get("/api/v1/me/home", headers=cookie), 403)
    assert problem["relation_needed"] == "member"


def test_the_index_is_rebuilt_with_the_lot_states(services: Services) -> None:
    before = services.home.of_actor(WORKS.name).lots
    services.store.write(lambda repo: repo.parties.put([(lot, set()) for lot in ("PLOT-1", "PLOT-2", "HV-2")]))
    assert services.home.of_actor(WORKS.name).lots == ()
    services.checks.check(record=True)
    assert services.home.of_actor(WORKS.name).lots == before != ()


def test_the_workplace_page_asks_to_sign_in_then_shows_the_home_in_either_language(client: httpx.Client) -> None:
    page = client.get("/app")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<form id="sign-in"' in page.text
    assert "登录" in page.text
    assert 'integrity="sha384-' in page.text
    assert "Sign in" in client.get("/app", params={"lang": "en"}).text
    cookie = log_in(client, WORKS.name)
    works = client.get("/app", headers=cookie).text
    assert "待收货：fs-grower 发来的 HV-2，1000 千克" in works
    assert '<a href="/app/lot/HV-2">HV-2</a>' in works
    english = client.get("/app", params={"lang": "en"}, headers=cookie).text
    assert "To receive: HV-2 from fs-grower, 1000 kg" in english
    assert '<a href="/app/lot/HV-2?lang=en">HV-2</a>' in english
    grower = client.get("/app", headers=log_in(client, GROWER.name)).text
    assert "安全间隔期未满" in grower
    assert "HV-2" not in grower.split("待办")[1].split("地块")[0]  # nothing due on the lot it shipped
    assert '<a href="/app/record?type=field_operation&amp;lot=PLOT-1">田间作业</a>' in grower
    assert '<a href="/app/record?type=harvest&amp;from=PLOT-2">采收</a>' in grower
    assert "/app/record?type=receive&amp;lot=HV-2" in works
    assert "/app/record?type=process" not in works  # not before it has received the lot


def test_the_home_offers_what_the_organisations_roles_may_record(client: httpx.Client) -> None:
    plots = {lot["lot_id"]: lot for lot in home(client, GROWER)["lots"]}
    offered = [(a["type"], a["mode"]) for a in plots["PLOT-1"]["actions"]]
    assert offered[:3] == [("field_operation", "on"), ("sow", "on"), ("transplant", "on")]
    assert ("harvest", "from") in offered
    assert ("process", "from") not in offered  # a grower does not process
    [sample] = home(client, LAB)["lots"]
    assert [a["type"] for a in sample["actions"]] == ["quality_test"]


def test_the_record_page_names_its_event_type_or_refuses_an_unknown_one(client: httpx.Client) -> None:
    page = client.get("/app/record", params={"type": "field_operation", "lot": "PLOT-1"})
    assert page.status_code == 200
    assert "<h1>田间作业</h1>" in page.text
    assert 'value="PLOT-1" readonly' in page.text
    assert 'src="/static/forms.js" integrity="sha384-' in page.text
    harvest = client.get("/app/record", params={"type": "harvest", "from": "PLOT-2", "lang": "en"}).text
    assert "<h1>Harvest (roots dug from a plot; creates a harvest lot)</h1>" in harvest
    assert 'data-inputs="PLOT-2"' in harvest
    unknown = client.get("/app/record", params={"type": "teleport"})
    assert unknown.status_code == 400
    assert "teleport" in unknown.text


def test_the_workplace_page_says_why_a_signed_in_stranger_has_no_home(client: httpx.Client, services: Services) -> None:
    services.accounts.create("stranger", "nobody-registered", PASSWORD)
    page = client.get("/app", headers=log_in(client, "stranger"))
    assert page.status_code == 200
    assert 'role="alert">nobody-registered is not a standing member of an organisation' in page.text


@pytest.mark.slow
def test_the_pages_carry_the_sessions_csrf_token_for_every_tab(client: httpx.Client) -> None:
    answer = client.post("/api/v1/session", json={"login": GROWER.name, "password": PASSWORD})
    cookie, csrf = {"Cookie": f"gt_session={answer.cookies['gt_session']}"}, answer.json()["csrf_token"]
    for path in ("/app", "/app/record?type=sow&lot=PLOT-1"):
        assert f'<meta name="gt-csrf" content="{csrf}">' in client.get(path, headers=cookie).text, path
    assert 'name="gt-csrf"' not in client.get("/app").text  # no session, no token
    other = client.post("/api/v1/session", json={"login": GROWER.name, "password": PASSWORD})
    assert other.json()["csrf_token"] != csrf  # each session its own
