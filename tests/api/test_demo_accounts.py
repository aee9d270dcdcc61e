"""The demo's accounts over real HTTP (both engines): a new user signs in to the workplace page as each demo
role with the published demo password, and the issue's regulator flow runs on the demo: the console shows the
suspicious forest lot, a recall of the Fusong harvest is recorded from the app with the regulator's held demo
key, and the shopper's page of a red-ginseng box made from it then shows the recall."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.demo import ACTORS, DEMO_PASSWORD, load_demo, open_demo_accounts
from ginseng_trace.demo.actors import LAB, LAB_ACCREDITATION, LAB_NAME, REGULATOR, SHOP, WANG, WORKS
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import DEMO_LOG, OPERATOR, LiveServer

KEK = bytes(range(200, 232))
BOX = "/01/06975123400010/10/PK-2025-0931/21/0007"


@pytest.fixture
def demo(engine: Engine) -> Iterator[tuple[httpx.Client, Services]]:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=DEMO_LOG, key_encryption_key=KEK)
    ledger.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # quick, still argon2id
    load_demo(ledger)
    opened = open_demo_accounts(ledger)
    assert open_demo_accounts(ledger) == opened  # idempotent
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client, ledger
    ledger.scans.flush()


def session(client: httpx.Client, login: str) -> tuple[dict[str, str], str]:
    answer = client.post("/api/v1/session", json={"login": login, "password": DEMO_PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"Cookie": f"gt_session={answer.cookies['gt_session']}"}, str(answer.json()["csrf_token"])


def test_every_demo_role_signs_in_and_has_its_home(demo: tuple[httpx.Client, Services]) -> None:
    client, _ = demo
    for actor in ACTORS:
        cookie, _csrf = session(client, actor.name)
        home: dict[str, Any] = client.get("/api/v1/me/home", headers=cookie).json()
        assert home["organisation"]["roles"] == [actor.role], actor.name
    cookie, _ = session(client, SHOP)
    shelf = {lot["lot_id"]: lot for lot in client.get("/api/v1/me/home", headers=cookie).json()["lots"]}
    assert shelf["PK-2025-0931"]["on_hand"] > 0
    cookie, _ = session(client, WANG)
    plots = client.get("/app", headers=cookie).text
    assert "PLOT-FS-0017" in plots


def test_the_regulator_recalls_a_harvest_from_the_app_and_the_box_shows_it(
    demo: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo
    cookie, csrf = session(client, REGULATOR)
    console = client.get("/app/console", headers=cookie)
    assert console.status_code == 200
    assert "HV-2025-LJ-0011" in console.text  # the suspicious forest lot
    assert "yield_plausibility" in console.text
    recall = {
        "event_id": "app-recall-1",
        "lot_id": "HV-2025-FS-0017",
        "type": "recall",
        "occurred_at": "2025-12-01T02:00:00Z",
        "payload": {"reason": "抽检镉超标 Cd above limit", "authority": "吉林省药品监督管理局"},
    }
    stored = client.post("/api/v1/me/events", json={"event": recall}, headers={**cookie, "X-CSRF-Token": csrf})
    assert stored.status_code == 201, stored.text
    assert stored.json()["event"]["actor"] == REGULATOR
    ledger.checkpointer.publish()
    box = client.get(BOX, headers={"Accept": "application/json"}).json()["lot"]
    assert box["status"] == "recall"
    assert [h["lot"] for h in box["holds"]] == ["HV-2025-FS-0017"]


def prefill(page: str) -> dict[str, str]:
    [found] = re.findall(r'data-prefill="([^"]*)"', page)
    filled: dict[str, str] = json.loads(html.unescape(found))
    return filled


@pytest.mark.slow
def test_the_forms_open_filled_with_what_the_app_knows(demo: tuple[httpx.Client, Services]) -> None:
    """README "How to use the web app": the lab's waiting sample links to its test form, filled with the lab's
    name, accreditation and the sample; a batch made from a lot has it as its first input; a regulator's recall
    names it as the authority; the console opens any lot by its id."""
    client, ledger = demo
    cookie, _ = session(client, LAB)
    home = client.get("/app", headers=cookie).text
    link = "/app/record?type=quality_test&amp;lot=SS-2025-1010&amp;sample=S-2025-1124-05"
    assert f'<a href="{link}">待检测：SS-2025-1010 的样品 S-2025-1124-05' in home
    form = client.get(html.unescape(link), headers=cookie).text
    assert prefill(form) == {"/lab": LAB_NAME, "/accreditation": LAB_ACCREDITATION, "/sample_id": "S-2025-1124-05"}
    cookie, _ = session(client, WORKS)
    batch = client.get("/app/record", params={"type": "process", "from": "HV-2025-FS-0017"}, headers=cookie).text
    assert prefill(batch) == {"/input_quantities/0/lot": "HV-2025-FS-0017"}
    prefixes = ledger.membership.organisation(ledger.membership.org_of(WORKS)).lot_prefixes
    assert f'placeholder="{" ".join(f"{p}…" for p in prefixes)}"' in batch  # the new lot's id starts so
    cookie, _ = session(client, REGULATOR)
    recall = client.get("/app/record", params={"type": "recall", "lot": "HV-2025-FS-0017"}, headers=cookie).text
    assert prefill(recall)["/authority"].startswith("吉林省药品监督管理局")
    assert prefill(client.get("/app/record", params={"type": "recall", "lot": "HV-2025-FS-0017"}).text) == {}
    opened = client.get("/app/lot", params={"lot": " HV-2025-FS-0017 ", "lang": "en"}, headers=cookie)
    assert (opened.status_code, opened.headers["location"]) == (303, "/app/lot/HV-2025-FS-0017?lang=en")
    assert client.get("/app/lot", params={"lot": ""}).headers["location"] == "/app/console"
