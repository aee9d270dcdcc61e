"""A partner's EPCIS event that moves or ends a lot of ours is judged as our own ``ship``, ``receive``, ``sell``
or ``destroy`` (``events/epcis_reading.py``), over real HTTP on both engines, on the demo: a captured sale of a
recalled box is refused as our sale is (before, any custodian's EPCIS event was taken, recall or not), a
captured shipping and receiving move custody as ours do, a receiving by anyone but the consignee is refused,
a movement that does not say who holds the lot after it is refused naming the member, and the records keep the
EPCIS events as sent (the export gives back their CBV hashes; the rules re-run from the records agree)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain.records import Event
from ginseng_trace.demo import load_demo, open_demo_accounts
from ginseng_trace.epcis.hash import event_hashes
from ginseng_trace.events.epcis_reading import PARTY, read_captured
from ginseng_trace.events.state import LotState
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, LiveServer, demo_actor

KEK = bytes(range(100, 132))
BASE = "https://trace.example.cn"
EVENTS, CAPTURE = "/api/v1/epcis/events", "/api/v1/epcis/capture"
SHOP, LOGISTICS, LAB, WORKS = (
    "changchun-herb-shop",
    "changbai-cold-logistics",
    "jilin-quality-lab",
    "jian-red-ginseng-works",
)
BOX, RECALLED = "PK-2025-0931", "PK-2025-1016"  # the shop holds both; the second is under the harvest's recall
GTIN, RECALLED_GTIN = "06975123400010", "06975123400027"
CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"gt": "https://ns.ginseng-trace.org/epcis/"},
]


class Demo:
    """The demo served with its actors' keys held by the server, and an ``events:write`` token each."""

    def __init__(self, services: Services, client: httpx.Client) -> None:
        self.services, self.client = services, client
        self.tokens = {
            a: services.tokens.issue(a, ["events:write"], timedelta(days=1))[1] for a in (SHOP, LOGISTICS, LAB, WORKS)
        }

    def post(self, actor: str, event: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[actor]}", "Content-Type": "application/ld+json"}
        return self.client.post(EVENTS, content=json.dumps({"@context": CONTEXT, **event}), headers=headers)

    def state(self, lot: str) -> LotState:
        states = self.services.store.read(lambda repo: repo.lot_states({lot}))
        return LotState.from_json(states[lot])

    def records(self) -> int:
        return self.services.records.count()


@pytest.fixture
def demo(engine: Engine) -> Iterator[Demo]:
    services = Services(Store(engine), key_encryption_key=KEK, operator=OPERATOR)
    load_demo(services)
    open_demo_accounts(services)
    with LiveServer(create_app(services, public_base=BASE)) as server, httpx.Client(base_url=server.url) as client:
        yield Demo(services, client)
    services.scans.flush()


def unit(gtin: str, lot: str, serial: str) -> str:
    return f"{BASE}/01/{gtin}/10/{lot}/21/{serial}"


def moving(step: str, epcs: list[str], *, when: str = "2026-03-02T10:00:00.000+08:00", **more: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": when,
        "eventTimeZoneOffset": "+08:00",
        "epcList": epcs,
        "action": "OBSERVE",
        "bizStep": step,
        **more,
    }


def party(actor: str) -> str:
    return PARTY + actor


@pytest.mark.slow
def test_a_captured_sale_of_a_recalled_box_is_refused_as_our_sale_is(demo: Demo) -> None:
    assert SHOP in demo.state(RECALLED).custodians()
    assert demo.state(RECALLED).holds
    before = demo.records()
    sale = moving("retail_selling", [unit(RECALLED_GTIN, RECALLED, "0001")], disposition="retail_sold")
    answer = demo.post(SHOP, sale)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["type"].endswith(":rule:hold"), problem
    assert problem["errors"][0]["pointer"] == "/bizStep", problem  # the member that makes the event a sale
    assert "recall" in problem["detail_en"]
    assert RECALLED in problem["detail_en"]
    assert demo.records() == before  # nothing stored
    # the same sale on the box the recall does not reach is taken, and the unit is sold in the lot's state
    fine = moving("retail_selling", [unit(GTIN, BOX, "0031")], disposition="retail_sold")
    answer = demo.post(SHOP, fine)
    assert answer.status_code == 201, answer.text
    assert demo.state(BOX).sold_serials.get("0031") is not None


@pytest.mark.slow
def test_a_captured_shipping_and_receiving_move_custody_as_ours_do(demo: Demo) -> None:
    held = demo.state(BOX).holdings[SHOP]
    shipped = moving(
        "shipping",
        [unit(GTIN, BOX, "0020"), unit(GTIN, BOX, "0021")],
        disposition="in_transit",
        sourceList=[{"type": "owning_party", "source": party(SHOP)}],
        destinationList=[{"type": "owning_party", "destination": party(LOGISTICS)}],
    )
    answer = demo.post(SHOP, shipped)
    assert answer.status_code == 201, answer.text
    state = demo.state(BOX)
    assert state.holdings[SHOP] == held - 2
    assert [(s.shipper, s.consignee, s.amount) for s in state.in_transit][-1] == (SHOP, LOGISTICS, 2)
    receiving = moving(
        "receiving",
        [unit(GTIN, BOX, "0020"), unit(GTIN, BOX, "0021")],
        when="2026-03-03T10:00:00.000+08:00",
        disposition="in_progress",
        sourceList=[{"type": "https://ref.gs1.org/cbv/SDT-owning_party", "source": party(SHOP)}],
    )
    # only the consignee receives: the lab is neither custodian nor consignee
    refused = demo.post(LAB, receiving)
    assert refused.status_code in (403, 422), refused.text
    assert LOGISTICS not in demo.state(BOX).custodians()
    answer = demo.post(LOGISTICS, receiving)  # the carrier is no custodian yet: as our receive, it may
    assert answer.status_code == 201, answer.text
    state = demo.state(BOX)
    assert state.holdings[LOGISTICS] == 2
    assert LOGISTICS in state.custodians()
    assert not [s for s in state.in_transit if s.consignee == LOGISTICS]
    # the records are the EPCIS events as sent: the export gives back the hashes they were captured with
    exported = demo.client.get(f"/api/v1/lots/{BOX}/epcis").json()
    captured = [e for e in exported["epcisBody"]["eventList"] if "gt:ledgerEventHash" not in e]
    assert len(captured) == 2
    sent = event_hashes(
        {"@context": CONTEXT, "type": "EPCISDocument", "epcisBody": {"eventList": [shipped, receiving]}}
    )
    assert event_hashes({**exported, "epcisBody": {"eventList": captured}}) == sent
    # the rules re-run over the records alone read them alike: no stored event breaks a hard rule
    report = demo.services.checks.check(BOX)
    assert report.hard == (), report.hard


@pytest.mark.slow
def test_a_captured_holding_holds_and_releases_the_lot_and_only_a_regulator_recalls(demo: Demo) -> None:
    box = [unit(GTIN, BOX, "0025")]
    held = demo.post(SHOP, moving("holding", box, disposition="non_sellable_other", **{"gt:reason": "damp cartons"}))
    assert held.status_code == 201, held.text
    assert [h.type for h in demo.state(BOX).holds.values()] == ["hold"]
    shipping = moving(
        "shipping",
        box,
        when="2026-03-02T11:00:00.000+08:00",
        destinationList=[{"type": "owning_party", "destination": party(LOGISTICS)}],
    )
    refused = demo.post(SHOP, shipping)
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "hold"
    released = demo.post(SHOP, moving("holding", box, when="2026-03-02T12:00:00.000+08:00", disposition="active"))
    assert released.status_code == 201, released.text
    assert demo.state(BOX).holds == {}
    shipping["eventTime"] = "2026-03-02T13:00:00.000+08:00"
    assert demo.post(SHOP, shipping).status_code == 201
    # a shop's "recalled" is no recall: the authority rule gives recalls to regulators alone
    before = demo.records()
    recall = demo.post(SHOP, moving("holding", [unit(GTIN, BOX, "0026")], when="2026-03-02T14:00:00.000+08:00",
                                    disposition="recalled"))  # fmt: skip
    assert recall.status_code == 403, recall.text
    assert recall.json()["rule"] == "authority"
    assert demo.records() == before


@pytest.mark.parametrize(
    ("more", "pointer", "says"),
    [
        ({}, "/destinationList", "names no consignee"),
        ({"destinationList": [{"type": "owning_party", "destination": "https://id.gs1.org/417/9521234000006"}]},
         "/destinationList", "no actor of this ledger"),
        ({"destinationList": [{"type": "owning_party", "destination": party(WORKS)}],
          "sourceList": [{"type": "owning_party", "source": party(LOGISTICS)}]},
         "/sourceList", "the shipper must be changchun-herb-shop"),
    ],
)  # fmt: skip
@pytest.mark.slow
def test_a_movement_that_does_not_say_who_holds_the_lot_after_it_is_refused(
    demo: Demo, more: dict[str, Any], pointer: str, says: str
) -> None:
    before = demo.records()
    answer = demo.post(SHOP, moving("shipping", [unit(GTIN, BOX, "0022")], **more))
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert (problem["type"].endswith(":rule:custody"), problem["errors"][0]["pointer"]) == (True, pointer), problem
    assert says in problem["detail_en"]
    assert demo.records() == before


@pytest.mark.slow
def test_a_document_names_the_event_a_rule_refuses_and_stores_nothing(demo: Demo) -> None:
    fine = moving("inspecting", [unit(GTIN, BOX, "0023")])
    sale = moving("retail_selling", [unit(RECALLED_GTIN, RECALLED, "0002")])
    document = {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-02T00:00:00.000Z",
        "epcisBody": {"eventList": [fine, sale]},
    }
    headers = {"Authorization": f"Bearer {demo.tokens[SHOP]}", "Content-Type": "application/ld+json"}
    before = demo.records()
    answer = demo.client.post(CAPTURE, content=json.dumps(document), headers=headers)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["success"] is False
    assert job["events"] == []
    assert [(e["type"].rsplit(":", 1)[-1], e["errors"][0]["pointer"]) for e in job["errors"]] == [
        ("hold", "/epcisBody/eventList/1/bizStep")
    ]
    assert demo.records() == before


@pytest.mark.slow
def test_a_grower_may_not_ship_by_epcis_what_it_may_not_ship_otherwise(demo: Demo) -> None:
    """A lab holds no lot and has no role that ships: a captured shipping of the shop's box is refused."""
    shipped = moving(
        "shipping",
        [unit(GTIN, BOX, "0024")],
        destinationList=[{"type": "owning_party", "destination": party(LAB)}],
    )
    answer = demo.post(LAB, shipped)
    assert answer.status_code in (403, 422), answer.text
    assert LAB not in demo.state(BOX).custodians()


def test_the_reading_leaves_other_events_and_the_partners_own_chain_alone() -> None:
    """Pure: an inspecting event, a receiving of returns and an event on epcis:<org> are read as themselves;
    our own export's shipping reads back as the ship it was."""
    shop = demo_actor(SHOP)

    def captured(lot: str, event: dict[str, Any]) -> Event:
        return shop.event(lot, "epcis_event", raw_payload={"event": event, "context": CONTEXT})

    ours = captured(BOX, moving("inspecting", [unit(GTIN, BOX, "1")]))
    assert read_captured(ours).event is ours
    returns = moving("receiving", [unit(GTIN, BOX, "1")], disposition="returned",
                     sourceList=[{"type": "owning_party", "source": party(WORKS)}])  # fmt: skip
    assert not read_captured(captured(BOX, returns)).read
    assert not read_captured(captured("epcis:changchun-herb-shop", moving("shipping", ["urn:x"]))).read
    exported = moving(
        "https://ref.gs1.org/cbv/BizStep-shipping",
        [],
        quantityList=[{"epcClass": f"{BASE}/01/{GTIN}/10/{BOX}", "quantity": 3, "uom": "H87"}],
        sourceList=[{"type": "owning_party", "source": party(SHOP)}],
        destinationList=[
            {"type": "owning_party", "destination": party(WORKS)},
            {"type": "possessing_party", "destination": party(LOGISTICS)},
        ],
        **{"gt:note": "via Changbai cold chain"},
    )
    read = read_captured(captured(BOX, exported))
    assert (read.event.type, dict(read.event.payload)) == (
        "ship",
        {"from": SHOP, "to": WORKS, "carrier": LOGISTICS, "units": 3},  # a note is private in ours: not read
    )
