"""A correction reaches the lots already made from the corrected one, over real HTTP on both engines: a harvest's
crop age corrected from 5 to 7 years after its batch and a box were made makes the food-use rule refuse a later
food-use packaging of that batch, the box's page shows the corrected age, and ``check`` replays to the states and
findings the ledger holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.events.state import LotState
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer


@pytest.fixture
def client(ledger: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def post(client: httpx.Client, actor: Actor, lot: str, type_: str, **fields: Any) -> httpx.Response:
    return client.post("/api/v1/events", json=actor.sign(lot, type_, **fields).envelope())


def accepted(response: httpx.Response) -> None:
    assert response.status_code == 201, response.text


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
    accepted(post(client, grower, "PLOT-A", "register_plot"))
    accepted(post(client, grower, "PLOT-A", "sow"))
    harvest = grower.sign("HV-A", "harvest", inputs=["PLOT-A"])  # 5 years, as recorded
    accepted(client.post("/api/v1/events", json=harvest.envelope()))
    accepted(post(client, grower, "RG-A", "process", inputs=["HV-A"]))
    box = {"units": 100, "serials": {"first": "001", "last": "100"}, "batch": "PK-A", "claims": []}
    accepted(post(client, grower, "PK-A", "package", inputs=["RG-A"], payload=box))
    fixed = {"supersedes": harvest.event.event_id, "reason": "sown 2018, not 2020", "corrected": {"crop_age_years": 7}}
    accepted(post(client, grower, "HV-A", "correct", occurred_at="2025-10-26T00:00:00Z", payload=fixed))

    food = post(client, grower, "PK-AF", "package", inputs=["RG-A"], occurred_at="2025-10-27T00:00:00Z", payload=FOOD)
    assert food.status_code == 422, food.text
    doc = food.json()
    assert (doc["rule"], doc["errors"][0]["pointer"]) == ("food_use", "/event/payload/intended_use")
    assert "7 years" in doc["value"]
    assert "PLOT-A" in doc["detail_en"]

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
