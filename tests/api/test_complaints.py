"""Consumers' complaints over real HTTP, on both engines: posted from the scan page by a form that needs no
JavaScript, counted in public by category, the text never in any public answer, read by the regulator and the
lot's lineage partners (each read audited), refused from another site, limited per client address."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app

from ..conftest import LiveServer
from ..lifecycle import GROWER
from .test_api import assert_problem
from .test_reads_by_role import API, GTIN, OTHER_GROWER, REGULATOR, World, world

__all__ = ["world"]  # the fixture, shared with the reads-by-role tests

PAGE = f"/01/{GTIN}/10/PK-1/21/0007"
POST = f"{API}/lots/PK-1/complaints"
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


def page_token(client: httpx.Client, path: str = PAGE) -> str:
    page = client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    found = re.search(r'name="token" value="([0-9a-f]{32})"', page.text)
    assert found, "the page carries no complaint form"
    return found.group(1)


def complain(world: World, text: str, category: str = "suspected_fake", **extra: Any) -> httpx.Response:
    token = page_token(world.client)
    body = {"category": category, "text": text, "token": token, "gtin": GTIN, "serial": "0007", **extra}
    return world.client.post(POST, json=body)


def test_a_consumer_complains_from_the_page_without_script_and_the_public_sees_only_counts(world: World) -> None:
    secret = f"买到的盒子里是萝卜 {uuid.uuid4().hex}"
    page = world.client.get(PAGE, headers=HTML)
    assert 'id="complaint-form"' in page.text
    assert f'method="post" action="{POST}"' in page.text
    assert "本批次尚无投诉" in page.text
    token = page_token(world.client)
    form = {"category": "suspected_fake", "text": secret, "token": token, "gtin": GTIN, "serial": "0007"}
    sent = world.client.post(POST, data={**form, "back": PAGE, "lang": "zh"}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"{PAGE}?complaint=received&lang=zh"
    back = world.client.get(sent.headers["location"], headers=HTML)
    assert 'id="complaint-sent"' in back.text
    assert re.search(r'data-category="suspected_fake">疑似假冒 1<', back.text), back.text
    # a form post that names a foreign page is sent back to the lot's own page, never elsewhere
    away = world.client.post(POST, data={**form, "back": "//evil.example/x"}, follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"].startswith("/lot/PK-1?")
    # the same, as JSON: the scan's JSON gives the token and where to post
    scan = world.client.get(PAGE, headers=JSON).json()
    assert scan["complaints"]["post"] == POST
    as_json = world.client.post(POST, json={**form, "token": scan["complaints"]["token"]})
    assert as_json.status_code == 201, as_json.text

    scan = world.client.get(PAGE, headers=JSON)
    assert scan.json()["complaints"]["by_category"]["suspected_fake"] == 3
    assert scan.json()["complaints"]["total"] == 3
    public = world.client.get(POST)
    assert public.status_code == 200
    assert public.json()["counts"] == {
        "total": 3,
        "by_category": {
            "taste_appearance": 0,
            "suspected_fake": 3,
            "packaging_damaged": 0,
            "adverse_reaction": 0,
            "other": 0,
        },
    }
    assert "complaints" not in public.json()
    outsider = world.get("/lots/PK-1/complaints", OTHER_GROWER)  # a member with nothing in the lot's lineage
    assert "complaints" not in outsider.json()
    for answer in (
        page,
        back,
        scan,
        public,
        outsider,
        world.client.get("/lot/PK-1", headers=HTML),
        world.client.get(f"{API}/lots/PK-1/history"),
        world.client.get(f"{API}/lots/PK-1/bundle"),
        world.client.get(f"{API}/lots/PK-1/findings"),
    ):
        assert secret not in answer.text, answer.url
    assert all(r["what"] != "complaints" for r in world.audit())  # no complaint was read yet


def test_the_regulator_and_the_lots_lineage_read_complaints_and_each_read_is_audited(world: World) -> None:
    secret = f"吃了以后头晕 {uuid.uuid4().hex}"
    assert complain(world, secret, "adverse_reaction").status_code == 201
    read = world.get("/lots/PK-1/complaints", REGULATOR)
    assert read.status_code == 200
    assert read.headers["cache-control"] == "private, no-store"
    [kept] = read.json()["complaints"]
    assert kept["text"] == secret
    assert (kept["lot"], kept["gtin"], kept["serial"], kept["category"]) == ("PK-1", GTIN, "0007", "adverse_reaction")
    grower = world.get("/lots/PK-1/complaints", GROWER)  # its harvest went into the box: where its lots went
    assert [c["text"] for c in grower.json()["complaints"]] == [secret]
    rows = [r for r in world.audit() if r["what"] == "complaints"]
    assert [(r["actor"], r["lot_id"]) for r in rows] == [(REGULATOR, "PK-1"), (GROWER, "PK-1")]
    assert rows[0]["endpoint"] == "GET /api/v1/lots/PK-1/complaints"
    assert world.get("/lots/PK-1/complaints", REGULATOR, after=kept["id"]).json()["complaints"] == []


@pytest.mark.slow
def test_bad_complaints_are_refused_and_nothing_is_kept(world: World) -> None:
    app = create_app(world.services, complaint_limit="100/minute")
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        token = page_token(client)
        good = {"category": "other", "text": "x", "token": token}
        assert_problem(client.post(POST, json={**good, "category": "bad"}), 422, "/category")
        assert_problem(client.post(POST, json={**good, "text": "长" * 501}), 422, "/text")
        assert_problem(client.post(POST, json={**good, "text": "a\u0000b"}), 422)
        assert_problem(client.post(POST, json={**good, "serial": "x" * 21}), 422, "/serial")
        assert_problem(client.post(POST, json={**good, "extra": 1}), 422, "/extra")
        assert_problem(client.post(POST, json={**good, "token": "0" * 32}), 403)
        wrong_lot = page_token(client, "/lot/RG-1")  # another lot's page token
        assert_problem(client.post(POST, json={**good, "token": wrong_lot}), 403)
        assert_problem(client.post(POST, json=good, headers={"Origin": "https://evil.example"}), 403)
        assert_problem(client.post(f"{API}/lots/NOPE-1/complaints", json=good), 403)  # no page gave a token
        unknown = {**good, "token": world.services.complaints.token("NOPE-1")}
        assert_problem(client.post(f"{API}/lots/NOPE-1/complaints", json=unknown), 404)
        # a form post's problem is a page, in the reader's language
        form = client.post(POST, data={**good, "category": "bad"}, headers=HTML)
        assert form.status_code == 422
        assert form.headers["content-type"].startswith("text/html")
        assert "投诉未能提交" in form.text
        assert client.get(POST).json()["counts"]["total"] == 0
        # a post from this service's own page (its Origin) is taken
        own = client.post(POST, json=good, headers={"Origin": server.url.rstrip("/")})
        assert own.status_code == 201, own.text


@pytest.mark.slow
def test_complaints_are_limited_per_client_address(world: World) -> None:
    app = create_app(world.services, complaint_limit="3/minute")
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        token = page_token(client)
        body = {"category": "packaging_damaged", "text": "", "token": token}
        assert [client.post(POST, json=body).status_code for _ in range(3)] == [201, 201, 201]
        blocked = client.post(POST, json=body)
        problem = assert_problem(blocked, 429)
        assert problem["type"] == "urn:ginseng-trace:problem:rate-limited"
        assert 1 <= int(blocked.headers["retry-after"]) <= 60
        assert client.get(POST).status_code == 200  # reading the counts is no complaint
        assert client.get(POST).json()["counts"]["by_category"]["packaging_damaged"] == 3
        assert client.get(PAGE, headers=HTML).status_code == 200
