"""Holds and recalls reach the shelf, end to end over real HTTP against the demo (both engines): a hold of the
Fusong harvest stops the sale of the boxes made from it (through the red-ginseng batch and packaging), the box's
page and JSON name the harvest and the regulator, a release naming the hold lets the box sell again, a recall
stops it for good; and ``GET /lots/{lot}/reach`` lists every downstream lot and who holds it, for those who may
see that."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.demo import GTIN_250G
from ginseng_trace.service import Services

from ..conftest import demo_actor

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
BOX = f"/01/{GTIN_250G}/10/PK-2025-0931/21/0009"
HARVEST = "HV-2025-FS-0017"
REGULATOR, SHOP, WORKS = "jilin-mpa-inspector", "changchun-herb-shop", "jian-red-ginseng-works"


def post(client: httpx.Client, signed: SignedEvent, lang: str = "zh") -> httpx.Response:
    return client.post("/api/v1/events", json=signed.envelope(), headers={"Accept-Language": lang})


def sale(day: str) -> SignedEvent:
    shop = demo_actor(SHOP)
    return shop.sign(
        "PK-2025-0931", "sell", occurred_at=f"{day}T00:00:00Z", payload={"units": 1, "buyer_type": "consumer"}
    )


def refused_naming_the_harvest(client: httpx.Client, ledger: Services, signed: SignedEvent, status: str) -> None:
    before = ledger.records.count()
    zh, en = post(client, signed), post(client, signed, "en")
    assert zh.status_code == en.status_code == 422, zh.text
    doc, english = zh.json(), en.json()
    assert doc["type"] == "urn:ginseng-trace:problem:rule:hold"
    assert (doc["rule"], doc["severity"]) == ("hold", "hard")
    assert doc["errors"][0]["pointer"] == "/event/type"
    assert f"upstream lot {HARVEST}" in english["detail"]
    assert f"under {status}" in english["detail"]
    assert f"上游批次 {HARVEST}" in doc["detail"]
    assert ledger.records.count() == before


def page_json(client: httpx.Client, ledger: Services) -> dict[str, Any]:
    ledger.checkpointer.publish()
    answer = client.get(BOX, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["lot"])


def test_a_hold_of_the_harvest_stops_the_box_until_its_release_and_a_recall_for_good(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    regulator = demo_actor(REGULATOR)
    hold = regulator.sign(
        HARVEST,
        "hold",
        occurred_at="2025-11-21T00:00:00Z",
        payload={"reason": "Cd above limit in a retained sample", "authority": "吉林省药品监督管理局"},
    )
    assert post(client, hold).status_code == 201
    refused_naming_the_harvest(client, ledger, sale("2025-11-22"), "hold")
    # the shop cannot ship the boxes back either, nor the works pack the batch again
    back = demo_actor(SHOP).sign(
        "PK-2025-0931", "ship", occurred_at="2025-11-22T00:00:00Z", payload={"from": SHOP, "to": WORKS, "units": 1}
    )
    refused_naming_the_harvest(client, ledger, back, "hold")
    lot = page_json(client, ledger)
    assert lot["status"] == "hold"
    [shown] = lot["holds"]
    assert (shown["event_id"], shown["lot"], shown["upstream"], shown["type"]) == (
        hold.event.event_id,
        HARVEST,
        True,
        "hold",
    )
    assert "吉林省药品监督管理局" in shown["organisation"]["name"]
    html = client.get(BOX, headers={"Accept-Language": "en"}).text
    assert "ON HOLD" in html
    assert HARVEST in html
    assert "吉林省药品监督管理局" in html
    # a release on the box itself lifts nothing: the hold was placed upstream
    wrong = regulator.sign(
        "PK-2025-0931",
        "release",
        occurred_at="2025-11-23T00:00:00Z",
        payload={"hold": hold.event.event_id, "reason": "r"},
    )
    answer = post(client, wrong, "en")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["pointer"] == "/event/payload/hold"
    assert f"upstream lot {HARVEST}" in answer.json()["detail"]
    release = regulator.sign(
        HARVEST,
        "release",
        occurred_at="2025-11-23T00:00:00Z",
        payload={"hold": hold.event.event_id, "reason": "retest passed"},
    )
    assert post(client, release).status_code == 201, post(client, release).text
    assert post(client, sale("2025-11-24")).status_code == 201
    assert page_json(client, ledger)["holds"] == []
    recall = regulator.sign(HARVEST, "recall", occurred_at="2025-11-25T00:00:00Z", payload={"reason": "Cd confirmed"})
    assert post(client, recall).status_code == 201
    refused_naming_the_harvest(client, ledger, sale("2025-11-26"), "recall")
    lot = page_json(client, ledger)
    assert lot["status"] == "recall"
    assert [h["event_id"] for h in lot["holds"]] == [recall.event.event_id]
    assert "本批次已召回" in client.get(BOX).text
    # check replays every rule from the records and finds what the appends found
    report = ledger.checks.check()
    assert report.unstored == ()
    assert report.unreproduced == ()


def test_the_reach_lists_every_downstream_lot_and_its_custodians_for_a_regulator(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    reach = f"/api/v1/lots/{HARVEST}/reach"
    public = client.get(reach)
    assert public.status_code == 200, public.text
    body = public.json()
    lots = {lot["lot_id"]: lot for lot in body["lots"]}
    descendants = {d["lot_id"] for d in client.get(f"/api/v1/lots/{HARVEST}/descendants").json()["descendants"]}
    assert set(lots) == {HARVEST} | descendants
    assert {"RG-2025-0931", "PK-2025-0931"} <= descendants
    assert (lots[HARVEST]["depth"], lots["RG-2025-0931"]["depth"], lots["PK-2025-0931"]["depth"]) == (0, 1, 2)
    assert body["custodians_shown"] is False
    assert all(lot["custodians"] is None and lot["in_transit"] is None for lot in body["lots"])
    assert SHOP not in public.text
    assert public.headers["cache-control"] == "private, no-store"
    token = ledger.tokens.issue(REGULATOR, ["private:read"], timedelta(days=1))[1]
    regulator = client.get(reach, headers={"Authorization": f"Bearer {token}"})
    assert regulator.status_code == 200, regulator.text
    body = regulator.json()
    assert body["custodians_shown"] is True
    lots = {lot["lot_id"]: lot for lot in body["lots"]}
    box = {c["party"]: c for c in lots["PK-2025-0931"]["custodians"]}
    assert box[SHOP]["amount"] == 38  # 40 received, 2 sold
    assert box[SHOP]["organisation"]["id"]
    assert "长春参茸药店" in box[SHOP]["organisation"]["name"]
    assert WORKS in box  # the works keeps the rest of the run
    assert {c["party"] for c in lots["RG-2025-0931"]["custodians"]} == {WORKS}
    assert lots["PK-2025-0931"]["unit"] == "count"
    # the read of who holds what is audited
    audit_token = ledger.tokens.issue(REGULATOR, ["private:read", "audit:read"], timedelta(days=1))[1]
    trail = client.get("/api/v1/audit", params={"lot": HARVEST}, headers={"Authorization": f"Bearer {audit_token}"})
    assert any(row["what"] == "reach_custodians" for row in trail.json()["entries"]), trail.text
    # the shop recorded nothing in the harvest's lineage: it gets the lots without custodians
    shop = ledger.tokens.issue(SHOP, ["private:read"], timedelta(days=1))[1]
    assert client.get(reach, headers={"Authorization": f"Bearer {shop}"}).json()["custodians_shown"] is False
    # the grower that harvested it sees where its lot went
    grower = ledger.tokens.issue("fusong-wang-farm", ["private:read"], timedelta(days=1))[1]
    assert client.get(reach, headers={"Authorization": f"Bearer {grower}"}).json()["custodians_shown"] is True
    # a recall then shows on every lot it reaches
    recall = demo_actor(REGULATOR).sign(HARVEST, "recall", occurred_at="2025-11-25T00:00:00Z", payload={"reason": "Cd"})
    assert post(client, recall).status_code == 201
    after = client.get(reach).json()["lots"]
    assert all(lot["status"] == "recall" for lot in after)
    assert all(lot["holds"][0]["lot"] == HARVEST for lot in after)
    assert client.get("/api/v1/lots/NO-SUCH-LOT/reach").status_code == 404
