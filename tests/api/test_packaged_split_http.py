"""Splitting a packaged lot over real HTTP against the demo (both engines): the works splits 50 boxes of the demo
box lot off into a child lot naming their serials; the child sells only those, the parent (the shop's boxes too)
sells them no more, a split of serials sold or split off before is refused, and the resolver and the page find a
box in the lot that now holds its serial; ``check`` replays to what the ledger holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.demo import GTIN_250G, load_demo
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, LiveServer, demo_actor

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
PARENT, CHILD = "PK-2025-0931", "PK-2025-0931-B"
WORKS, SHOP = "jian-red-ginseng-works", "changchun-herb-shop"


@pytest.fixture
def site(engine: Any) -> Iterator[tuple[httpx.Client, Services]]:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG)
    load_demo(ledger)
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        yield client, ledger


def post(client: httpx.Client, signed: SignedEvent) -> httpx.Response:
    return client.post("/api/v1/events", json=signed.envelope(), headers={"Accept-Language": "en"})


def split(child: str, units: int, serials: dict[str, Any], **payload: Any) -> SignedEvent:
    body = {"kind": "packaged_product", "units": units, "serials": serials, **payload}
    return demo_actor(WORKS).sign(child, "split", occurred_at="2025-11-21T00:00:00Z", inputs=[PARENT], raw_payload=body)


def sale(actor: str, lot: str, *serials: str) -> SignedEvent:
    payload = {"buyer_type": "consumer", "units": len(serials), "serials": list(serials)}
    return demo_actor(actor).sign(lot, "sell", occurred_at="2025-11-22T00:00:00Z", raw_payload=payload)


def refused(response: httpx.Response, rule: str, pointer: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    doc: dict[str, Any] = response.json()
    assert "rule" in doc, doc
    assert (doc["rule"], doc["errors"][0]["pointer"]) == (rule, pointer)
    return doc


def scanned(client: httpx.Client, ledger: Services, serial: str) -> dict[str, Any]:
    ledger.checkpointer.publish()
    answer = client.get(f"/01/{GTIN_250G}/10/{PARENT}/21/{serial}", headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_packaged_lot_split_by_serials_sells_each_serial_from_the_lot_that_holds_it(
    site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = site
    by_weight = demo_actor(WORKS).sign(
        CHILD, "split", occurred_at="2025-11-21T00:00:00Z", inputs=[PARENT], raw_payload={"kind": "packaged_product"}
    )
    assert post(client, by_weight).status_code == 422  # a packaged lot's split names its units and serials
    refused(post(client, split(CHILD, 2, {"list": ["0007", "0151"]})), "serials", "/event/payload/serials")  # 0007 sold
    stored = post(client, split(CHILD, 50, {"first": "0151", "last": "0200"}))
    assert stored.status_code == 201, stored.text
    again = split("PK-2025-0931-C", 10, {"first": "0191", "last": "0200"})
    doc = refused(post(client, again), "serials", "/event/payload/serials")
    assert f"split off into lot {CHILD}" in doc["detail"]

    assert post(client, sale(WORKS, CHILD, "0160")).status_code == 201  # it inherits the box lot's release
    refused(post(client, sale(WORKS, CHILD, "0009")), "serials", "/event/payload/serials/0")
    doc = refused(post(client, sale(SHOP, PARENT, "0170")), "serials", "/event/payload/serials/0")
    assert f"split off into lot {CHILD}" in doc["detail"]
    assert post(client, sale(SHOP, PARENT, "0009")).status_code == 201

    # the resolver finds each box in the lot that holds its serial now; the label's scans stay the label's
    moved = scanned(client, ledger, "0170")
    assert (moved["lot"]["lot_id"], moved["serial"], moved["lot"]["gtin"]) == (CHILD, "0170", GTIN_250G)
    assert moved["lot"]["quality"]["state"] == "released"
    assert scanned(client, ledger, "0160")["sold"][0]["serials"] == ["0160"]
    assert scanned(client, ledger, "0009")["lot"]["lot_id"] == PARENT
    # the child's labels are the boxes' own: they name the labelled lot and the serial
    label = client.get(f"/api/v1/lots/{CHILD}/label.svg", params={"serial": "0170"})
    assert label.status_code == 200, label.text
    assert label.headers["X-Digital-Link"].endswith(f"/01/{GTIN_250G}/10/{PARENT}/21/0170")
    assert client.get(f"/api/v1/lots/{CHILD}/label.svg", params={"serial": "0009"}).status_code == 404
    ledger.scans.flush()
    labels = {(lot, serial) for _gtin, lot, serial, _scans in ledger.scans.report()}
    assert (PARENT, "0170") in labels
    assert not any(lot == CHILD for lot, _serial in labels)
    report = ledger.checks.check()
    assert report.ok, (report.hard, report.unstored, report.unreproduced)
