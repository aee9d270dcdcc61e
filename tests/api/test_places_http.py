"""Places by GB/T 2260 code over real HTTP, on both engines: 北京市朝阳区 by code under a GI claim is refused,
a code with another county's name is refused, 抚松县 by its code alone is accepted and its page shows the names
derived from the code; a polygon far from the declared area and a county name without its suffix are flagged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer
from ..lifecycle import square

PROBLEM = "application/problem+json"
GI = "GB/T 19506 地理标志产品"


@pytest.fixture
def client(ledger: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def post(client: httpx.Client, actor: Actor, lot: str, type_: str, **fields: Any) -> httpx.Response:
    return client.post("/api/v1/events", json=actor.sign(lot, type_, **fields).envelope())


def refused(response: httpx.Response, rule: str, pointer: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    doc: dict[str, Any] = response.json()
    assert doc["type"] == f"urn:ginseng-trace:problem:rule:{rule}"
    assert [e["pointer"] for e in doc["errors"]] == [pointer]
    assert doc["detail_en"]
    assert doc["detail_zh"]
    return doc


def findings(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 201, response.text
    return [(f["rule"], f["pointer"]) for f in response.json()["findings"]]


def plot(**place: Any) -> dict[str, Any]:
    return {"land_type": "farmland", "area_mu": 10, "location": square(10), **place}


def test_places_are_judged_by_their_code(client: httpx.Client, grower: Actor) -> None:
    beijing = post(
        client, grower, "PLOT-BJ", "register_plot", raw_payload=plot(county_code="110105", certifications=[GI])
    )
    doc = refused(beijing, "geographical_indication", "/event/payload/certifications/0")
    assert "北京市朝阳区 (110105)" in doc["detail_zh"]
    under_baishan = plot(county_code="110105", prefecture="白山市", certifications=[GI])
    refused(
        post(client, grower, "PLOT-BJ", "register_plot", raw_payload=under_baishan),
        "place_code",
        "/event/payload/prefecture",
    )
    misnamed = post(client, grower, "PLOT-FS", "register_plot", raw_payload=plot(county_code="220621", county="靖宇县"))
    doc = refused(misnamed, "place_code", "/event/payload/county")
    assert (doc["limit"], doc["value"]) == ("抚松县", "靖宇县")
    enterprise = {"name": "抚松县某参场", "kind": "grower", "county_code": "220621", "county": "抚松"}
    refused(
        post(client, grower, "ENT-1", "register_enterprise", raw_payload=enterprise),
        "place_code",
        "/event/payload/county",
    )

    by_code = post(
        client, grower, "PLOT-FS", "register_plot", raw_payload=plot(county_code="220621", certifications=[GI])
    )
    assert findings(by_code) == []
    sown = post(client, grower, "PLOT-FS", "sow", occurred_at="2021-04-20T01:00:00Z", raw_payload={"variety": "大马牙"})
    assert findings(sown) == []
    harvest = post(client, grower, "HV-FS", "harvest", inputs=["PLOT-FS"], payload={"crop_age_years": 5})
    assert findings(harvest) == []
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/lot/HV-FS").text))
    assert "吉林省白山市抚松县 (220621)" in page
    origin = client.get("/lot/HV-FS", headers={"Accept": "application/json"}).json()["lot"]["origins"][0]
    assert (origin["county_code"], origin["county"], origin["prefecture"]) == ("220621", "抚松县", "白山市")


@pytest.mark.slow
def test_doubtful_places_are_stored_and_flagged(client: httpx.Client, grower: Actor) -> None:
    too_big = post(
        client, grower, "PLOT-A", "register_plot", raw_payload={**plot(county_code="220621"), "location": square(100)}
    )
    assert findings(too_big) == [("plot_area", "/event/payload/location/polygon")]
    no_suffix = post(client, grower, "PLOT-B", "register_plot", raw_payload=plot(county="抚松", prefecture="白山市"))
    assert findings(no_suffix) == [("county_name", "/event/payload/county")]
    # a record from before codes, with the full name: accepted as it always was
    assert (
        findings(
            post(client, grower, "PLOT-C", "register_plot", raw_payload=plot(county="抚松县", prefecture="白山市"))
        )
        == []
    )
