"""The quality gate over real HTTP against the demo (both engines): the demo box is released through its batch
and its page says so; a regulator's sampling of the box on the shelf finds Pb 9 mg/kg, after which the shop may
neither sell it nor release it, and the page shows the failure; the regulator's release lets it sell again, and a
destruction ordered by a regulator ends it. Regulatory sampling by the shop is refused."""

from __future__ import annotations

from typing import Any

import httpx

from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.demo import GTIN_250G
from ginseng_trace.service import Services

from ..conftest import demo_actor

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
BOX_LOT = "PK-2025-0931"
BOX = f"/01/{GTIN_250G}/10/{BOX_LOT}/21/0009"
REGULATOR, SHOP, LAB = "jilin-mpa-inspector", "changchun-herb-shop", "jilin-quality-lab"


def post(client: httpx.Client, signed: SignedEvent, lang: str = "en") -> httpx.Response:
    return client.post("/api/v1/events", json=signed.envelope(), headers={"Accept-Language": lang})


def sale(day: str) -> SignedEvent:
    return demo_actor(SHOP).sign(
        BOX_LOT, "sell", occurred_at=f"{day}T00:00:00Z", payload={"units": 1, "buyer_type": "consumer"}
    )


def quality(client: httpx.Client, ledger: Services) -> dict[str, Any]:
    ledger.checkpointer.publish()
    answer = client.get(BOX, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["lot"]["quality"])


def refused(client: httpx.Client, ledger: Services, signed: SignedEvent, rule: str, pointer: str) -> dict[str, Any]:
    before = ledger.records.count()
    zh, en = post(client, signed, "zh"), post(client, signed)
    assert zh.status_code == en.status_code == 422, en.text
    doc = en.json()
    assert (doc["type"], doc["rule"], doc["severity"]) == (f"urn:ginseng-trace:problem:rule:{rule}", rule, "hard")
    assert doc["errors"][0]["pointer"] == pointer
    assert zh.json()["detail"] != doc["detail"]
    assert ledger.records.count() == before
    return dict(doc)


def test_a_failing_regulatory_sample_stops_the_box_until_the_regulator_decides(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    shown = quality(client, ledger)
    assert shown["state"] == "released"
    assert (shown["release"]["lot"], shown["release"]["on"], shown["release"]["verdict"]) == (
        "RG-2025-0931",
        "2025-10-21",
        "pass",
    )
    assert "Released for sale" in client.get(BOX, headers={"Accept-Language": "en"}).text
    regulator, shop, lab = demo_actor(REGULATOR), demo_actor(SHOP), demo_actor(LAB)
    sampling = {"sample_id": "MPA-S-01", "lab": LAB, "purpose": "regulatory_sampling"}
    by_shop = shop.sign(BOX_LOT, "sample", occurred_at="2025-11-21T00:00:00Z", payload=sampling)
    refused(client, ledger, by_shop, "quality_gate", "/event/payload/purpose")
    sample = regulator.sign(BOX_LOT, "sample", occurred_at="2025-11-21T00:00:00Z", payload=sampling)
    assert post(client, sample).status_code == 201, post(client, sample).text
    result = {
        "lab": "吉林省中药材检测中心",
        "accreditation": "CNAS L1234",
        "sample_id": "MPA-S-01",
        "method": "Chinese Pharmacopoeia 2020",
        "basis": "dry",
        "heavy_metals_mg_kg": {"Pb": 9, "Cd": 0.09, "As": 0.25, "Hg": 0.02, "Cu": 5.4},
        "verdict": "fail",
    }
    test = lab.sign(BOX_LOT, "quality_test", occurred_at="2025-11-22T00:00:00Z", payload=result)
    stored = post(client, test)
    assert stored.status_code == 201, stored.text
    assert "quality_limits" in {f["rule"] for f in stored.json()["findings"]}
    doc = refused(client, ledger, sale("2025-11-23"), "quality_gate", "/event/type")
    assert f"{test.event.event_id} failed" in doc["detail"]
    assert quality(client, ledger)["state"] == "failed"
    mine = shop.sign(
        BOX_LOT, "quality_release", occurred_at="2025-11-23T00:00:00Z", payload={"test": test.event.event_id}
    )
    refused(client, ledger, mine, "quality_gate", "/event/payload/test")
    decided = regulator.sign(
        BOX_LOT,
        "quality_release",
        occurred_at="2025-11-24T00:00:00Z",
        payload={"test": test.event.event_id, "reason": "retest within limits", "authority": "吉林省药品监督管理局"},
    )
    assert post(client, decided).status_code == 201, post(client, decided).text
    assert post(client, sale("2025-11-25")).status_code == 201
    shown = quality(client, ledger)
    assert (shown["state"], shown["release"]["lot"], shown["release"]["verdict"]) == ("released", BOX_LOT, "fail")
    destroy = regulator.sign(
        BOX_LOT,
        "destroy",
        occurred_at="2025-11-26T00:00:00Z",
        payload={"reason": "Pb 9 confirmed", "method": "incineration"},
    )
    assert post(client, destroy).status_code == 201, post(client, destroy).text
    refused(client, ledger, sale("2025-11-27"), "destruction", "/event/type")
    assert quality(client, ledger)["state"] == "destroyed"
    assert "Destroyed" in client.get(BOX, headers={"Accept-Language": "en"}).text


def test_a_custodian_cannot_destroy_what_others_hold(demo_site: tuple[httpx.Client, Services]) -> None:
    client, ledger = demo_site
    works = demo_actor("jian-red-ginseng-works")
    destroy = works.sign(BOX_LOT, "destroy", occurred_at="2025-11-21T00:00:00Z", payload={"reason": "recall prep"})
    refused(client, ledger, destroy, "destruction", "/event/actor")
