"""The demo's cases for the rules of issue 12, served over real HTTP (both engines): a recalled harvest whose
boxes are on the shop's shelf, a batch waiting for its test, a 西洋参 lot, red-ginseng slices judged by the slice
limits (docs/DOMAIN.md §Holds and recalls, §Quality release, §Species, §Content)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from ginseng_trace.chain import SignedEvent
from ginseng_trace.demo import quinquefolius, recall, slices
from ginseng_trace.demo.actors import REGULATOR_NAME, SHOP, WORKS
from ginseng_trace.service import Services

from ..conftest import demo_actor

RECALLED_BOX = f"/01/{recall.GTIN_SUN_DRIED_250G}/10/{recall.BOXES}/21/0003"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def post(client: httpx.Client, signed: SignedEvent, lang: str = "en") -> httpx.Response:
    return client.post("/api/v1/events", json=signed.envelope(), headers={"Accept-Language": lang})


def lot_json(client: httpx.Client, path: str) -> dict[str, Any]:
    answer = client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["lot"])


def test_the_recalled_harvests_boxes_on_the_shelf_show_the_recall_and_cannot_be_sold(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    lot = lot_json(client, RECALLED_BOX)
    assert lot["status"] == "recall"
    [shown] = lot["holds"]
    assert (shown["event_id"], shown["lot"], shown["upstream"], shown["type"]) == (
        recall.RECALL,
        recall.HARVEST,
        True,
        "recall",
    )
    assert REGULATOR_NAME in shown["organisation"]["name"]
    page = client.get(RECALLED_BOX, headers={"Accept-Language": "en"}).text
    assert "RECALLED" in page
    assert recall.HARVEST in page
    before = ledger.records.count()
    sale = demo_actor(SHOP).sign(
        recall.BOXES, "sell", occurred_at="2025-11-27T02:00:00Z", payload={"units": 1, "buyer_type": "consumer"}
    )
    refused = post(client, sale)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["rule"], refused.json()["severity"]) == ("hold", "hard")
    assert f"upstream lot {recall.HARVEST}" in refused.json()["detail"]
    assert ledger.records.count() == before
    # the red-ginseng boxes, from other harvests, still sell
    other = demo_actor(SHOP).sign(
        "PK-2025-0931", "sell", occurred_at="2025-11-27T02:00:00Z", payload={"units": 1, "buyer_type": "consumer"}
    )
    assert post(client, other).status_code == 201


def test_the_batch_waiting_for_its_test_is_held_back_by_the_quality_gate(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    lot = lot_json(client, f"/lot/{quinquefolius.DRIED}")
    assert lot["quality"]["state"] == "awaiting_test"
    ship = demo_actor(WORKS).sign(
        quinquefolius.DRIED,
        "ship",
        occurred_at="2025-11-27T02:00:00Z",
        payload={"from": WORKS, "to": SHOP, "net_weight_kg": 100},
    )
    before = ledger.records.count()
    refused = post(client, ship)
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "quality_gate"
    assert "awaits a passing quality test" in refused.json()["detail"]
    assert ledger.records.count() == before


def test_the_american_ginseng_lots_name_their_species(demo_site: tuple[httpx.Client, Services]) -> None:
    client, _ledger = demo_site
    for lot_id in (quinquefolius.HARVEST, quinquefolius.DRIED):
        page = client.get(f"/lot/{lot_id}")
        assert page.status_code == 200
        assert "西洋参 Panax quinquefolius L." in text_of(page.text)
        assert lot_json(client, f"/lot/{lot_id}")["species"]["code"] == "panax_quinquefolius"
    assert "Panax quinquefolius" in text_of(client.get(f"/lot/{quinquefolius.HARVEST}", params={"lang": "en"}).text)


def test_the_slices_pass_by_the_slice_standard_and_are_released(demo_site: tuple[httpx.Client, Services]) -> None:
    client, ledger = demo_site
    lot = lot_json(client, f"/lot/{slices.SLICES}")
    assert lot["quality"]["state"] == "released"
    assert ledger.records.findings(slices.SLICES) == []
