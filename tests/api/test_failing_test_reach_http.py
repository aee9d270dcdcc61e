"""A later failing test reaches what was made from the lot, over real HTTP against the demo (both engines): the
demo box is released through its batch and on the shop's shelf; a regulator's sampling of the batch then fails,
after which the shop's sale of the box is refused naming the rule, the failing test and the batch, and the box's
page says why; the regulator's release of the batch lets the sale through, and ``check`` replays to the states
and findings the ledger holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.demo import GTIN_250G, load_demo
from ginseng_trace.events.state import LotState
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, LiveServer, demo_actor

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
BOX_LOT, BATCH = "PK-2025-0931", "RG-2025-0931"
BOX = f"/01/{GTIN_250G}/10/{BOX_LOT}/21/0009"
REGULATOR, SHOP, LAB = "jilin-mpa-inspector", "changchun-herb-shop", "jilin-quality-lab"


@pytest.fixture
def site(engine: Any) -> Iterator[tuple[httpx.Client, Services]]:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG)
    load_demo(ledger)
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        yield client, ledger


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


def test_a_failing_sample_of_the_batch_stops_the_box_on_the_shelf_until_the_regulator_releases_the_batch(
    site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = site
    assert quality(client, ledger)["state"] == "released"
    regulator, lab = demo_actor(REGULATOR), demo_actor(LAB)
    sampling = {"sample_id": "MPA-S-07", "lab": LAB, "purpose": "regulatory_sampling"}
    sample = regulator.sign(BATCH, "sample", occurred_at="2025-11-21T00:00:00Z", payload=sampling)
    assert post(client, sample).status_code == 201, post(client, sample).text
    result = {
        "lab": "吉林省中药材检测中心",
        "accreditation": "CNAS L1234",
        "sample_id": "MPA-S-07",
        "method": "Chinese Pharmacopoeia 2020",
        "basis": "dry",
        "heavy_metals_mg_kg": {"Pb": 9, "Cd": 0.09, "As": 0.25, "Hg": 0.02, "Cu": 5.4},
        "verdict": "fail",
    }
    test = lab.sign(BATCH, "quality_test", occurred_at="2025-11-22T00:00:00Z", payload=result)
    assert post(client, test).status_code == 201, post(client, test).text
    failing = test.event.event_id

    before = ledger.records.count()
    zh, en = post(client, sale("2025-11-23"), "zh"), post(client, sale("2025-11-23"))
    assert zh.status_code == en.status_code == 422, en.text
    doc = en.json()
    assert (doc["rule"], doc["severity"], doc["errors"][0]["pointer"]) == ("quality_gate", "hard", "/event/type")
    assert f"test {failing} of lot {BATCH}" in doc["detail"]
    assert failing in zh.json()["detail"]
    assert BATCH in zh.json()["detail"]
    assert ledger.records.count() == before

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


def test_check_replays_a_failing_batch_over_its_box_as_the_ledger_did(site: tuple[httpx.Client, Services]) -> None:
    client, ledger = site
    regulator, lab = demo_actor(REGULATOR), demo_actor(LAB)
    sampling = {"sample_id": "MPA-S-08", "lab": LAB, "purpose": "regulatory_sampling"}
    sample = regulator.sign(BATCH, "sample", occurred_at="2025-11-21T00:00:00Z", payload=sampling)
    assert post(client, sample).status_code == 201
    result = {"lab": "吉林省中药材检测中心", "sample_id": "MPA-S-08", "method": "m", "basis": "dry", "verdict": "fail"}
    test = lab.sign(BATCH, "quality_test", occurred_at="2025-11-22T00:00:00Z", payload=result)
    assert post(client, test).status_code == 201, post(client, test).text
    kept = LotState.from_json(ledger.store.read(lambda repo: repo.lot_states([BOX_LOT]))[BOX_LOT])
    assert set(kept.gate.upstream_failed) == {test.event.event_id}
    ledger.checks.check(record=True)
    replayed = LotState.from_json(ledger.store.read(lambda repo: repo.lot_states([BOX_LOT]))[BOX_LOT])
    assert replayed.gate == kept.gate
