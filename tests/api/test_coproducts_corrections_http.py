"""Co-products and corrections over real HTTP, on both engines: a box is never packed from fine-root weight,
a corrected harvest weight changes the stock rule's verdict for a later shipment, the page shows the corrected
value beside the original, a crop age corrected after its batch and box were made reaches them (a later food
box of the batch is refused, the box's page shows the corrected age), and ``check`` replays to what the ledger
holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.events.state import LotState
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer

PROBLEM = "application/problem+json"


@pytest.fixture
def client(ledger: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def post(client: httpx.Client, actor: Actor, lot: str, type_: str, **fields: Any) -> httpx.Response:
    return client.post("/api/v1/events", json=actor.sign(lot, type_, **fields).envelope())


def accepted(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 201, response.text
    findings: list[dict[str, Any]] = response.json()["findings"]
    return findings


def refused(response: httpx.Response, rule: str, pointer: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    doc: dict[str, Any] = response.json()
    assert doc["type"] == f"urn:ginseng-trace:problem:rule:{rule}"
    assert [e["pointer"] for e in doc["errors"]] == [pointer]
    assert doc["detail_en"]
    assert doc["detail_zh"]
    return doc


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def grown(client: httpx.Client, grower: Actor, harvest: str, kg: float) -> str:
    """A sown plot and its harvest of ``kg`` fresh; returns the harvest's event id."""
    accepted(post(client, grower, f"PLOT-{harvest}", "register_plot"))
    accepted(post(client, grower, f"PLOT-{harvest}", "sow", occurred_at="2020-10-20T00:30:00Z"))
    signed = grower.sign(
        harvest, "harvest", inputs=[f"PLOT-{harvest}"], payload={"fresh_weight": {"value": kg, "unit": "kg"}}
    )
    accepted(client.post("/api/v1/events", json=signed.envelope()))
    return signed.event.event_id


@pytest.mark.slow
def test_a_box_is_never_packed_from_fine_root_weight(client: httpx.Client, grower: Actor) -> None:
    grown(client, grower, "HV-C", 1450)
    outputs = [
        {"output": "main_root", "grade": "一等", "value": 300, "unit": "kg"},
        {"output": "fine_roots", "product": "红参须", "value": 50, "unit": "kg"},
        {"output": "waste", "value": 10, "unit": "kg"},
    ]
    process = {"input_quantities": [{"lot": "HV-C", "value": 1000, "unit": "kg"}], "outputs": outputs}
    accepted(post(client, grower, "RG-C", "process", inputs=["HV-C"], payload=process))
    # 240 x 250 g = 60 kg: the batch holds 350 kg on hand, but only 50 kg of fine roots
    box = {"from_output": "fine_roots", "units": 240, "serials": {"first": "001", "last": "240"}}
    doc = refused(
        post(client, grower, "PK-C", "package", inputs=["RG-C"], payload=box), "stock", "/event/payload/from_output"
    )
    assert "50 kg of fine roots" in doc["limit"]
    assert "须根" in doc["detail_zh"]
    waste = post(client, grower, "PK-C", "package", inputs=["RG-C"], payload={"from_output": "waste"})
    assert waste.status_code == 422  # waste is never packed: the schema has no such output to draw from
    accepted(
        post(
            client,
            grower,
            "PK-C",
            "package",
            inputs=["RG-C"],
            payload={**box, "units": 200, "serials": {"first": "001", "last": "200"}},
        )
    )
    # the mass balance covers every output, waste too: 400 kg fresh at 12.5 % gives at most 144 kg
    small = [
        {"output": "main_root", "value": 120, "unit": "kg"},
        {"output": "fine_roots", "value": 20, "unit": "kg"},
        {"output": "waste", "value": 20, "unit": "kg"},
    ]
    rest = {"input_quantities": [{"lot": "HV-C", "value": 400, "unit": "kg"}], "outputs": small}
    doc = refused(
        post(client, grower, "RG-C2", "process", inputs=["HV-C"], payload=rest),
        "process_yield",
        "/event/payload/outputs",
    )
    assert "160 kg" in doc["detail_en"]
    accepted(post(client, grower, "RG-C2", "process", inputs=["HV-C"], payload={**rest, "outputs": small[:2]}))


@pytest.mark.slow
def test_a_corrected_harvest_weight_changes_a_later_shipments_verdict(
    client: httpx.Client, grower: Actor, ledger: Services
) -> None:
    harvest = grown(client, grower, "HV-W", 1045)  # mistyped: 1450 kg were dug
    ship = {"from": grower.name, "to": "someone", "net_weight_kg": 1450}
    refused(post(client, grower, "HV-W", "ship", raw_payload=ship), "stock", "/event/payload/net_weight_kg")
    bad = {"supersedes": harvest, "reason": "typo", "corrected": {"fresh_weight": {"value": -1, "unit": "kg"}}}
    refused(
        post(client, grower, "HV-W", "correct", occurred_at="2025-09-20T00:00:00Z", payload=bad),
        "correction",
        "/event/payload/corrected/fresh_weight/value",
    )
    fixed = {
        "supersedes": harvest,
        "reason": "1450 kg, not 1045 kg",
        "corrected": {"fresh_weight": {"value": 1450, "unit": "kg"}},
    }
    assert accepted(post(client, grower, "HV-W", "correct", occurred_at="2025-09-20T00:00:00Z", payload=fixed)) == []
    accepted(post(client, grower, "HV-W", "ship", raw_payload=ship))

    page = text_of(client.get("/lot/HV-W").text)
    assert "更正" in page
    assert "fresh_weight 1045 kg → 1450 kg" in page
    assert "<s>1045 kg</s>" in client.get("/lot/HV-W").text
    lot = client.get("/lot/HV-W", headers={"Accept": "application/json"}).json()["lot"]
    assert lot["corrections"][0]["changes"] == [
        {"member": "fresh_weight", "original": "1045 kg", "corrected": "1450 kg"}
    ]
    assert lot["corrections"][0]["supersedes"] == harvest

    # the check replays the correction to the state the ledger keeps, and finds what it stored
    report = ledger.checks.check()
    assert report.ok, (report.hard, report.unstored, report.unreproduced)
    stored = ledger.store.read(lambda repo: repo.lot_states(["HV-W"]))
    state = LotState.from_json(stored["HV-W"])
    assert state.holdings == {grower.name: 0.0}
    assert state.in_transit[0].amount == 1450


def test_a_correction_that_takes_back_what_was_shipped_is_stored_with_a_finding(
    client: httpx.Client, grower: Actor, ledger: Services
) -> None:
    harvest = grown(client, grower, "HV-X", 1450)
    accepted(
        post(client, grower, "HV-X", "ship", raw_payload={"from": grower.name, "to": "someone", "net_weight_kg": 1450})
    )
    lower = {
        "supersedes": harvest,
        "reason": "weighed again",
        "corrected": {"fresh_weight": {"value": 1300, "unit": "kg"}},
    }
    findings = accepted(post(client, grower, "HV-X", "correct", occurred_at="2025-11-03T00:00:00Z", payload=lower))
    assert [f["rule"] for f in findings] == ["correction_conflict"]
    report = ledger.checks.check()
    assert report.ok, (report.hard, report.unstored, report.unreproduced)


FOOD = {
    "intended_use": "food",
    "label_warnings": True,
    "claims": [],
    "units": 100,
    "serials": {"first": "201", "last": "300"},
    "batch": "PK-AF",
}


def test_a_crop_age_corrected_after_the_batch_refuses_its_food_box_and_shows_on_the_box_page(
    client: httpx.Client, grower: Actor, ledger: Services
) -> None:
    harvest = grown(client, grower, "HV-A", 1450)  # 5 years, as recorded
    accepted(post(client, grower, "RG-A", "process", inputs=["HV-A"]))
    box = {"units": 100, "serials": {"first": "001", "last": "100"}, "batch": "PK-A", "claims": []}
    accepted(post(client, grower, "PK-A", "package", inputs=["RG-A"], payload=box))
    fixed = {"supersedes": harvest, "reason": "sown 2018, not 2020", "corrected": {"crop_age_years": 7}}
    accepted(post(client, grower, "HV-A", "correct", occurred_at="2025-10-26T00:00:00Z", payload=fixed))

    food = post(client, grower, "PK-AF", "package", inputs=["RG-A"], occurred_at="2025-10-27T00:00:00Z", payload=FOOD)
    doc = refused(food, "food_use", "/event/payload/intended_use")
    assert "7 years" in doc["value"]
    assert "PLOT-HV-A" in doc["detail_en"]

    page = client.get("/lot/PK-A", headers={"Accept": "application/json"})
    assert page.status_code == 200, page.text
    assert [o["crop_age_years"] for o in page.json()["lot"]["origins"]] == [7]

    report = ledger.checks.check()
    assert report.ok, (report.hard, report.unstored, report.unreproduced)
    lots = ["HV-A", "RG-A", "PK-A"]
    kept = ledger.store.read(lambda repo: repo.lot_states(lots))
    assert [o.crop_age for lot in lots for o in LotState.from_json(kept[lot]).origins] == [7, 7, 7]
    ledger.checks.check(record=True)
    replayed = ledger.store.read(lambda repo: repo.lot_states(lots))
    assert {k: LotState.from_json(v) for k, v in kept.items()} == {
        k: LotState.from_json(v) for k, v in replayed.items()
    }
