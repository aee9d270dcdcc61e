"""The quality gate over real HTTP against the demo (both engines): the demo box is released through its batch
and its page says so; a regulator's sampling of the box on the shelf finds Pb 9 mg/kg, after which the shop may
neither sell it nor release it, and the page shows the failure; the regulator's release lets it sell again, and a
destruction ordered by a regulator ends it. Regulatory sampling by the shop is refused. A later failing sample of
the batch reaches the box already on the shelf: the shop's sale is refused naming the failing test and the batch,
the page says why, and the regulator's release of the batch lets the sale through; ``check`` replays it alike."""

from __future__ import annotations

from typing import Any

import httpx

from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.demo import GTIN_250G
from ginseng_trace.events.state import LotState
from ginseng_trace.service import Services

from ..conftest import demo_actor

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
BOX_LOT, BATCH = "PK-2025-0931", "RG-2025-0931"
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


def sampled_and_failed(client: httpx.Client, lot: str, sample_id: str) -> SignedEvent:
    """Record a regulator's sampling of ``lot`` (sent to the demo lab) and return the lab's failing result of it
    (Pb 9 mg/kg), signed but not yet posted."""
    sampling = {"sample_id": sample_id, "lab": LAB, "purpose": "regulatory_sampling"}
    sample = demo_actor(REGULATOR).sign(lot, "sample", occurred_at="2025-11-21T00:00:00Z", payload=sampling)
    assert post(client, sample).status_code == 201, post(client, sample).text
    result = {
        "lab": "吉林省中药材检测中心",
        "accreditation": "CNAS L1234",
        "sample_id": sample_id,
        "method": "Chinese Pharmacopoeia 2020",
        "basis": "dry",
        "heavy_metals_mg_kg": {"Pb": 9, "Cd": 0.09, "As": 0.25, "Hg": 0.02, "Cu": 5.4},
        "verdict": "fail",
    }
    return demo_actor(LAB).sign(lot, "quality_test", occurred_at="2025-11-22T00:00:00Z", payload=result)


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
    regulator, shop = demo_actor(REGULATOR), demo_actor(SHOP)
    sampling = {"sample_id": "MPA-S-01", "lab": LAB, "purpose": "regulatory_sampling"}
    by_shop = shop.sign(BOX_LOT, "sample", occurred_at="2025-11-21T00:00:00Z", payload=sampling)
    refused(client, ledger, by_shop, "quality_gate", "/event/payload/purpose")
    test = sampled_and_failed(client, BOX_LOT, "MPA-S-01")
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


def test_a_failing_sample_of_the_batch_stops_the_box_on_the_shelf_until_the_regulator_releases_the_batch(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    assert quality(client, ledger)["state"] == "released"
    regulator = demo_actor(REGULATOR)
    test = sampled_and_failed(client, BATCH, "MPA-S-07")
    assert post(client, test).status_code == 201, post(client, test).text
    failing = test.event.event_id

    doc = refused(client, ledger, sale("2025-11-23"), "quality_gate", "/event/type")
    assert f"test {failing} of lot {BATCH}" in doc["detail"]

    shown = quality(client, ledger)
    assert shown["state"] == "failed_upstream"
    assert (shown["failed_upstream"]["lot"], shown["failed_upstream"]["test"]) == (BATCH, failing)
    page = client.get(BOX, headers={"Accept-Language": "en"}).text
    assert "A lot it was made from failed a test" in page
    assert failing in page

    decided = regulator.sign(
        BATCH,
        "quality_release",
        occurred_at="2025-11-24T00:00:00Z",
        payload={"test": failing, "reason": "retest within limits", "authority": "吉林省药品监督管理局"},
    )
    assert post(client, decided).status_code == 201, post(client, decided).text
    assert post(client, sale("2025-11-25")).status_code == 201
    assert quality(client, ledger)["state"] == "released"

    # check replays to the findings the appends stored, and to the states the ledger keeps
    report = ledger.checks.check()
    assert report.ok, (report.hard, report.unstored, report.unreproduced)
    kept = ledger.store.read(lambda repo: repo.lot_states([BOX_LOT, BATCH]))
    ledger.checks.check(record=True)
    replayed = ledger.store.read(lambda repo: repo.lot_states([BOX_LOT, BATCH]))
    assert {k: LotState.from_json(v).gate for k, v in kept.items()} == {
        k: LotState.from_json(v).gate for k, v in replayed.items()
    }


def test_check_replays_a_failing_batch_over_its_box_as_the_ledger_did(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    test = sampled_and_failed(client, BATCH, "MPA-S-08")
    assert post(client, test).status_code == 201, post(client, test).text
    kept = LotState.from_json(ledger.store.read(lambda repo: repo.lot_states([BOX_LOT]))[BOX_LOT])
    assert set(kept.gate.upstream_failed) == {test.event.event_id}
    ledger.checks.check(record=True)
    replayed = LotState.from_json(ledger.store.read(lambda repo: repo.lot_states([BOX_LOT]))[BOX_LOT])
    assert replayed.gate == kept.gate
