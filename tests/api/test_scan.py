"""Scanning a label at work over real HTTP, on both engines: the scan page for a signed-in person, the scanned
lot as the person's organisation stands to it (``GET /api/v1/me/lots/{lot}``: what it may record, what is on its
way to it, who holds the lot where reads by role allow), and a member's resolving of a code counted as no
shopper's scan."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import LiveServer
from .test_api import assert_problem
from .test_home import GROWER, LAB, REGULATOR, SHOP, WORKS, log_in, services  # noqa: F401 - the story's ledger


@pytest.fixture
def site(services: Services) -> Iterator[httpx.Client]:  # noqa: F811
    with LiveServer(create_app(services)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def mine(site: httpx.Client, cookie: dict[str, str], lot: str) -> dict[str, Any]:
    answer = site.get(f"/api/v1/me/lots/{lot}", headers=cookie)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.slow
def test_the_scan_page_is_for_a_signed_in_person_in_either_language(site: httpx.Client) -> None:
    assert site.get("/app/scan").status_code == 401
    cookie = log_in(site, WORKS.name)
    page = site.get("/app/scan", headers=cookie)
    assert page.status_code == 200, page.text
    assert "<h1>扫码</h1>" in page.text
    assert '<input id="photo" type="file" accept="image/*" capture="environment">' in page.text
    assert 'src="/static/scan.js" integrity="sha384-' in page.text
    assert 'data-decoder="/static/vendor/jsQR-1.4.0.js" data-decoder-integrity="sha384-' in page.text
    assert "Scan a label" in site.get("/app/scan", params={"lang": "en"}, headers=cookie).text
    decoder = site.get("/static/vendor/jsQR-1.4.0.js")
    assert decoder.status_code == 200
    assert "jsQR" in decoder.text[:1000]
    first_load = len(page.content) + len(site.get("/static/scan.js").content)
    assert first_load <= 24_000, first_load  # the decoder (257 KB) comes only where BarcodeDetector is missing


def test_the_home_links_the_scan_page_for_those_who_receive_goods(site: httpx.Client) -> None:
    for actor, linked in ((WORKS, True), (SHOP, True), (GROWER, False), (LAB, False)):
        page = site.get("/app", headers=log_in(site, actor.name)).text
        assert ('<a id="scan" href="/app/scan">扫码</a>' in page) is linked, actor.name


def test_a_processor_may_receive_the_lot_on_its_way_to_it_and_sees_from_whom(site: httpx.Client) -> None:
    body = mine(site, log_in(site, WORKS.name), "HV-2")
    assert body["organisation"]["roles"] == ["processor"]
    assert body["kind"] == "harvest_lot"
    assert body["relations"] == ["incoming"]
    assert body["actions"] == [{"type": "receive", "mode": "on"}]
    assert body["incoming"] == [{"from": GROWER.name, "amount": 1000, "unit": "kg"}]
    assert body["custodians"] is None  # it recorded nothing in the lot's lineage yet


def test_the_grower_sees_who_holds_its_lot_and_a_shop_may_record_nothing(site: httpx.Client) -> None:
    grower = mine(site, log_in(site, GROWER.name), "HV-2")
    assert grower["custodians"] == []  # shipped: on its way, held by nobody
    shipment = {"from": GROWER.name, "to": WORKS.name, "carrier": "changbai-cold-logistics", "amount": 1000}
    assert grower["in_transit"] == [shipment]
    shop = mine(site, log_in(site, SHOP.name), "HV-2")
    assert (shop["relations"], shop["actions"], shop["incoming"], shop["custodians"]) == ([], [], [], None)


def test_after_receiving_the_processor_may_process_from_the_lot_and_sees_itself_holding_it(
    site: httpx.Client,
    services: Services,  # noqa: F811
) -> None:
    services.events.append(
        WORKS.sign(
            "HV-2", "receive", occurred_at="2025-09-17T03:00:00Z", payload={"from": GROWER.name, "net_weight_kg": 1000}
        )
    )
    body = mine(site, log_in(site, WORKS.name), "HV-2")
    assert {"type": "process", "mode": "from"} in body["actions"]
    assert body["on_hand"] == 1000
    [held] = body["custodians"]
    assert (held["party"], held["amount"]) == (WORKS.name, 1000)
    assert held["organisation"]["id"] == body["organisation"]["id"]
    regulator = log_in(site, REGULATOR.name)
    assert mine(site, regulator, "HV-2")["custodians"] == body["custodians"]
    trail = site.get("/api/v1/audit", params={"lot": "HV-2"}, headers=regulator).json()
    audited = [(row["actor"], row["what"]) for row in trail["entries"]]
    assert (WORKS.name, "custodians") in audited
    assert (REGULATOR.name, "custodians") in audited


@pytest.mark.slow
def test_no_scanned_lot_without_credentials_for_an_unknown_lot_or_an_outsider(
    site: httpx.Client,
    services: Services,  # noqa: F811
) -> None:
    assert_problem(site.get("/api/v1/me/lots/HV-2"), 401)
    assert_problem(site.get("/api/v1/me/lots/NO-SUCH-LOT", headers=log_in(site, WORKS.name)), 404)
    services.accounts.create("stranger", "nobody-registered", "correct horse battery staple")
    problem = assert_problem(site.get("/api/v1/me/lots/HV-2", headers=log_in(site, "stranger")), 403)
    assert problem["relation_needed"] == "member"


def test_a_members_scan_is_no_shoppers_scan(site: httpx.Client, services: Services) -> None:  # noqa: F811
    json = {"Accept": "application/json"}
    at_work = site.get("/lot/HV-2", headers={**json, **log_in(site, WORKS.name)})
    assert at_work.status_code == 200, at_work.text
    assert at_work.json()["scans"]["count"] == 0
    assert at_work.json()["lot"]["lot_id"] == "HV-2"
    shopper = site.get("/lot/HV-2", headers=json)
    assert shopper.json()["scans"]["count"] == 1


def test_the_vendored_decoder_is_package_data_pinned_and_licensed() -> None:
    """A plain ``pip install`` serves every file of the pages (package data), the vendored decoder with its
    licence beside it, at the bytes ``scripts/vendor_js.sh`` pins."""
    import fnmatch
    import hashlib
    import tomllib

    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    api = root / "trace" / "api"
    shipped = [p.relative_to(api).as_posix() for p in api.rglob("*") if p.is_file() and p.suffix != ".py"]
    shipped = [p for p in shipped if "__pycache__" not in p]
    assert "static/vendor/jsQR-1.4.0.js" in shipped
    assert "static/vendor/jsQR-1.4.0.LICENSE" in shipped
    for path in shipped:
        assert any(fnmatch.fnmatch(path, pattern) for pattern in patterns["ginseng_trace.api"]), path
    script = (root / "scripts" / "vendor_js.sh").read_text()
    digest = hashlib.sha256((api / "static" / "vendor" / "jsQR-1.4.0.js").read_bytes()).hexdigest()
    assert f"script_sha256={digest}" in script
    assert "Apache License" in (api / "static" / "vendor" / "jsQR-1.4.0.LICENSE").read_text()


def test_nothing_that_would_move_a_held_lot_is_offered_while_the_hold_rule_is_hard(
    site: httpx.Client,
    services: Services,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ginseng_trace.events.context import rules_config

    from ..conftest import example_payload, tune_rules

    hold = {**example_payload("hold"), "reason": "待复检"}
    services.events.append(REGULATOR.sign("HV-2", "hold", occurred_at="2025-09-16T08:00:00Z", payload=hold))
    cookie = log_in(site, WORKS.name)
    held = mine(site, cookie, "HV-2")
    assert held["hold"] == "hold"
    assert held["actions"] == []  # receiving moves the lot: the hold rule refuses it
    assert [h["type"] for h in held["holds"]] == ["hold"]
    config = {k: dict(v) for k, v in rules_config().items()}
    config["hold"]["severity"] = "soft"  # a regulator's choice: a move is stored, with its finding
    tune_rules(monkeypatch, config)
    assert mine(site, cookie, "HV-2")["actions"] == [{"type": "receive", "mode": "on"}]
