"""The workplace's lot page over real HTTP, on both engines, on the demo: the lineage graph of the box
PK-2025-0931 (its batch RG-2025-0931 and the two harvests behind it, back to their plots, each node verified and
counted), the proof bundle with its offline command, the label sheets for the works that packed the run and for
nobody else, a regulator's hold, recall and release (the release picking the standing hold by its event id), and
the console's product filter, witnesses and monitor line."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from ginseng_trace.api.home_page import KIND_NAMES
from ginseng_trace.api.lot_graph_page import svg
from ginseng_trace.chain.canonical import canonical_bytes
from ginseng_trace.chain.keys import ALG_COSIGNATURE, SignerKey
from ginseng_trace.chain.note import cosign
from ginseng_trace.demo import load_demo
from ginseng_trace.demo.actors import REGULATOR, SHOP, WORKS
from ginseng_trace.demo.gardens import FS_HARVEST, JA_HARVEST
from ginseng_trace.service import Principal, Services
from ginseng_trace.service.console import Filters, WitnessStatus
from ginseng_trace.store import Store

from ..conftest import DEMO_LOG, OPERATOR
from ..service.test_ledger import tamper
from .test_demo_accounts import demo, session  # noqa: F401 - the demo's ledger and its sign-in

BOXES, RED = "PK-2025-0931", "RG-2025-0931"
Demo = tuple[httpx.Client, Services]
WITNESS = SignerKey("regulator.test/witness", bytes(range(7, 39)), ALG_COSIGNATURE)
IDLE = SignerKey("idle.test/witness", bytes(range(9, 41)), ALG_COSIGNATURE)


def _hold(client: httpx.Client, cookie: dict[str, str], csrf: str, event: dict[str, Any]) -> httpx.Response:
    return client.post("/api/v1/me/events", json={"event": event}, headers={**cookie, "X-CSRF-Token": csrf})


def test_the_boxs_graph_holds_its_batch_and_harvests_each_verified(demo: Demo) -> None:  # noqa: F811
    client, ledger = demo
    graph = ledger.lot_graphs.graph(BOXES, None, "/test")
    depth = {n.lot_id: n.depth for n in graph.nodes}
    assert depth[BOXES] == 0
    assert depth[RED] == -1
    assert depth[FS_HARVEST] == depth[JA_HARVEST] == -2
    assert min(depth.values()) == -3  # the plots behind the harvests
    assert (RED, BOXES) in graph.edges
    assert (FS_HARVEST, RED) in graph.edges
    assert (JA_HARVEST, RED) in graph.edges
    assert all(n.verified for n in graph.nodes)
    assert graph.node(BOXES).product == "red"
    assert graph.node(FS_HARVEST).product == "fresh_root"
    down = {n.lot_id: n.depth for n in ledger.lot_graphs.graph(FS_HARVEST, None, "/test").nodes}
    assert down[RED] == 1
    assert down[BOXES] == 2
    cookie, _ = session(client, SHOP)
    page = client.get(f"/app/lot/{BOXES}", params={"lang": "en"}, headers=cookie)
    assert page.status_code == 200, page.text
    svg = re.search(r"<svg .*?</svg>", page.text, re.S)
    assert svg is not None
    drawn = set(re.findall(r'class="node" data-lot="([^"]+)"', svg.group(0)))
    listed = set(re.findall(r'<li data-lot="([^"]+)"', page.text))
    assert drawn == listed == set(depth)
    assert f'data-from="{RED}" data-to="{BOXES}"' in svg.group(0)
    assert "records verify" in page.text
    assert f'href="/api/v1/lots/{BOXES}/bundle"' in page.text
    assert f"ginseng-trace verify-bundle {BOXES}-bundle.json --log-key" in page.text
    epcis = re.search(r'<a id="epcis" href="([^"]+)"', page.text)
    assert epcis is not None
    document = client.get(epcis.group(1).replace("&amp;", "&"))  # the export the page links to
    assert document.status_code == 200
    assert document.json()["type"] == "EPCISDocument"
    assert "labels.pdf" not in page.text  # the shop did not pack the run
    assert 'id="act-hold"' not in page.text  # nor is it a regulator


def test_the_page_needs_a_session_and_a_known_lot(demo: Demo) -> None:  # noqa: F811
    client, _ = demo
    assert client.get(f"/app/lot/{BOXES}").status_code == 401
    cookie, _ = session(client, SHOP)
    assert client.get("/app/lot/NO-SUCH-LOT", headers=cookie).status_code == 404


def test_the_works_prints_its_runs_labels_in_the_grid_it_picks(demo: Demo) -> None:  # noqa: F811
    client, _ = demo
    cookie, _ = session(client, WORKS)
    page = client.get(f"/app/lot/{BOXES}", headers=cookie).text
    links = re.findall(rf'href="(/api/v1/lots/{BOXES}/labels\.pdf\?columns=\d+&amp;rows=\d+)"', page)
    assert len(links) == 4
    assert f"/api/v1/lots/{BOXES}/labels.svg?page=9" in page  # 200 boxes, 24 a page
    assert f"/api/v1/lots/{BOXES}/labels.svg?page=10" not in page
    pdf = client.get(links[1].replace("&amp;", "&"))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["X-Pages"] == "9"  # 3 x 8 = 24 a page
    home = client.get("/app", headers=cookie).text
    assert f'href="/app/lot/{BOXES}#labels-h"' in home
    assert f'class="labels" href="/app/lot/{RED}' not in home  # a batch is no serialised run
    shop = client.get("/app", headers=session(client, SHOP)[0]).text
    assert f'href="/app/lot/{BOXES}"' in shop
    assert 'class="labels"' not in shop


def test_a_regulator_releases_the_hold_it_picks(demo: Demo) -> None:  # noqa: F811
    client, ledger = demo
    cookie, csrf = session(client, REGULATOR)
    page = client.get(f"/app/lot/{RED}", headers=cookie).text
    assert f'href="/app/record?type=hold&amp;lot={RED}"' in page
    assert 'id="act-recall"' in page
    assert 'id="no-release"' in page  # nothing stands yet
    for n in (1, 2):
        event = {
            "event_id": f"app-hold-{n}",
            "lot_id": RED,
            "type": "hold",
            "occurred_at": f"2025-12-0{n}T02:00:00Z",
            "payload": {"reason": f"inspection {n}"},
        }
        assert _hold(client, cookie, csrf, event).status_code == 201
    page = client.get(f"/app/lot/{RED}", headers=cookie).text
    assert re.findall(r'name="hold" value="([^"]+)"', page) == ["app-hold-1", "app-hold-2"]
    assert '<form id="release"' in page
    boxes = client.get(f"/app/lot/{BOXES}", headers=cookie).text
    assert 'name="hold"' not in boxes  # an upstream hold is released where it was placed
    assert "(placed upstream on" in client.get(f"/app/lot/{BOXES}?lang=en", headers=cookie).text
    release = {
        "event_id": "app-release-1",
        "lot_id": RED,
        "type": "release",
        "occurred_at": "2025-12-03T02:00:00Z",
        "payload": {"hold": "app-hold-2", "reason": "retest passed"},
    }
    assert _hold(client, cookie, csrf, release).status_code == 201
    page = client.get(f"/app/lot/{RED}", headers=cookie).text
    assert re.findall(r'name="hold" value="([^"]+)"', page) == ["app-hold-1"]
    assert [h.event_id for h in ledger.lot_graphs.graph(BOXES, None, "/t").node(BOXES).holds] == ["app-hold-1"]


@pytest.mark.slow
def test_the_console_filters_by_product_and_names_its_witnesses(demo: Demo) -> None:  # noqa: F811
    client, ledger = demo
    principal = ledger.accounts.session(session(client, REGULATOR)[0]["Cookie"].split("=", 1)[1])
    assert principal is not None
    view = ledger.console.view(principal.principal, "/t", Filters())
    products = view.choices["product"]
    assert products
    assert set(products) <= {"fresh_root", "herb", "red", "slices", "red_slices", "powder", "extract"}
    assert "fresh_root" in products  # the forest harvest's yield finding
    fresh = ledger.console.view(principal.principal, "/t", Filters(product="fresh_root"))
    assert fresh.matching > 0
    assert {row.product for row in fresh.rows} == {"fresh_root"}
    assert ledger.console.view(principal.principal, "/t", Filters(product="red")).matching == sum(
        row.product == "red" for row in view.rows
    )
    assert fresh.matching + sum(row.product != "fresh_root" for row in view.rows) == view.matching
    assert view.log is not None
    assert view.log.monitors == ()
    cookie, _ = session(client, REGULATOR)
    page = client.get("/app/console", params={"product": "fresh_root", "lang": "en"}, headers=cookie).text
    assert '<option value="fresh_root" selected>fresh roots</option>' in page
    narrowed = client.get("/app/console", params={"product": "red", "lang": "en"}, headers=cookie).text
    assert "HV-2025-LJ-0011" in page
    assert "HV-2025-LJ-0011" not in narrowed
    assert "no monitor configured" in page
    assert "no witness configured" in page
    assert 'href="/app/lot/HV-2025-LJ-0011?lang=en"' in page  # the console's rows open the lot page


def test_the_console_names_each_witness_and_its_latest_cosignature(engine: Engine) -> None:
    ledger = Services(
        Store(engine), operator=OPERATOR, log_signer=DEMO_LOG, witness_keys=[WITNESS.verifier(), IDLE.verifier()]
    )
    load_demo(ledger)
    checkpoint = ledger.checkpointer.publish()
    note = checkpoint.note.split("\n\n")[0] + "\n"
    ledger.cosignatures.add(checkpoint.size, cosign(note, WITNESS, 1_764_000_000).line())
    regulator = Principal(REGULATOR, (), "session")
    log = ledger.console.view(regulator, "/t", Filters()).log
    assert log is not None
    assert log.cosignatures == 1
    assert log.witnesses == (
        WitnessStatus(IDLE.name, 0, None),
        WitnessStatus(WITNESS.name, checkpoint.size, "2025-11-24T16:00:00.000000Z"),
    )
    assert log.monitors == ()


def test_a_tampered_record_marks_the_lot_that_holds_it(engine: Engine) -> None:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=DEMO_LOG)
    load_demo(ledger)
    [first] = [r for r in ledger.records.history(RED) if r.event["event_id"] == "demo-rg-001"]
    forged = first.event | {"payload": {**first.event["payload"], "steps": ["soak"]}}
    tamper(engine, "UPDATE records SET event_bytes = :b WHERE event_id = 'demo-rg-001'", b=canonical_bytes(forged))
    graph = ledger.lot_graphs.graph(BOXES, None, "/t")
    assert [n.lot_id for n in graph.nodes if not n.verified] == [RED]
    assert "event hash" in str(graph.node(RED).broken)
    page = svg(graph, KIND_NAMES, lambda zh, en: en, lambda lot: f"/app/lot/{lot}")
    assert page.count("records broken") == 1
