"""Species and crop age over real HTTP, on both engines: bought-in seedlings are counted and accepted, 西洋参
mixed into a 人参 batch or a box labelled with the wrong species is refused, a food box of leaves is refused,
and the consumer page shows the species in Chinese and Latin (or that none is recorded)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer, example_payload

PROBLEM = "application/problem+json"


@pytest.fixture
def client(ledger: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def post(client: httpx.Client, actor: Actor, lot: str, type_: str, **fields: Any) -> httpx.Response:
    return client.post("/api/v1/events", json=actor.sign(lot, type_, **fields).envelope())


def accepted(response: httpx.Response) -> None:
    assert response.status_code == 201, response.text
    assert response.json()["findings"] == []


def refused(response: httpx.Response, rule: str, pointer: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    doc: dict[str, Any] = response.json()
    assert doc["type"] == f"urn:ginseng-trace:problem:rule:{rule}"
    assert [e["pointer"] for e in doc["errors"]] == [pointer]
    assert doc["detail_en"]
    assert doc["detail_zh"]
    return doc


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def plot(client: httpx.Client, grower: Actor, lot: str, species: str | None, sown: str) -> None:
    """A plot of ``species`` (None: registered before species were recorded), sown at ``sown`` by a record that
    names no species."""
    registered = {k: v for k, v in example_payload("register_plot").items() if k != "species"}
    if species is not None:
        registered["species"] = species
    accepted(post(client, grower, lot, "register_plot", raw_payload=registered))
    accepted(post(client, grower, lot, "sow", occurred_at=sown, raw_payload={"variety": "大马牙"}))


@pytest.mark.slow
def test_bought_in_seedlings_are_counted_and_an_honest_record_accepted(client: httpx.Client, grower: Actor) -> None:
    accepted(post(client, grower, "PLOT-S", "register_plot"))
    seedlings = {"seed_lot": "SM-2023-07", "seedling_age_years": 2, "quantity": {"value": 60000, "unit": "count"}}
    accepted(post(client, grower, "PLOT-S", "source_seed", occurred_at="2023-04-02T01:00:00Z", payload=seedlings))
    planting = {"seed_lot": "SM-2023-07", "method": "bought-in seedlings planted"}
    accepted(post(client, grower, "PLOT-S", "sow", occurred_at="2023-04-20T01:00:00Z", payload=planting))
    # three seasons on the plot (2023-2025) and two at the seller's: 5 years, not 3
    young = post(client, grower, "HV-S", "harvest", inputs=["PLOT-S"], payload={"crop_age_years": 3})
    doc = refused(young, "crop_age", "/event/payload/crop_age_years")
    assert doc["limit"] == "= 5"
    assert "2 + 3 = 5" in doc["detail_zh"]
    accepted(post(client, grower, "HV-S", "harvest", inputs=["PLOT-S"], payload={"crop_age_years": 5}))
    assert "5 年 (栽植 2 年生种苗 2023-04-20)" in text_of(client.get("/lot/HV-S").text)
    origin = client.get("/lot/HV-S", headers={"Accept": "application/json"}).json()["lot"]["origins"][0]
    assert (origin["crop_age_years"], origin["seedling_age_years"]) == (5, 2)


def test_american_ginseng_mixed_into_a_ginseng_batch_or_a_wrong_label_is_refused(
    client: httpx.Client, grower: Actor
) -> None:
    plot(client, grower, "PLOT-G", "panax_ginseng", "2020-10-20T00:30:00Z")
    plot(client, grower, "PLOT-Q", "panax_quinquefolius", "2020-10-21T00:30:00Z")
    accepted(post(client, grower, "HV-G", "harvest", inputs=["PLOT-G"]))
    accepted(post(client, grower, "HV-Q", "harvest", inputs=["PLOT-Q"]))
    mixed = refused(post(client, grower, "RG-1", "process", inputs=["HV-G", "HV-Q"]), "species", "/event/inputs/1")
    assert "西洋参" in mixed["detail"]  # Chinese by default
    assert "Panax quinquefolius" in mixed["detail_en"]
    accepted(post(client, grower, "RG-1", "process", inputs=["HV-G"]))
    wrong = post(client, grower, "PK-1", "package", inputs=["RG-1"], payload={"species": "panax_quinquefolius"})
    refused(wrong, "species", "/event/payload/species")
    leaves = post(
        client,
        grower,
        "PK-1",
        "package",
        inputs=["RG-1"],
        payload={"intended_use": "food", "label_warnings": True, "part": "leaves_stems"},
    )
    refused(leaves, "food_use", "/event/payload/part")
    accepted(post(client, grower, "PK-1", "package", inputs=["RG-1"]))

    page = client.get("/lot/PK-1")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "物种: 人参 Panax ginseng C. A. Mey." in text
    assert '<i lang="la">Panax ginseng</i>' in page.text
    assert "部位: 根及根茎" in text
    assert "Species: ginseng Panax ginseng" in text_of(client.get("/lot/PK-1", params={"lang": "en"}).text)
    lot = client.get("/lot/PK-1", headers={"Accept": "application/json"}).json()["lot"]
    assert lot["species"] == {
        "code": "panax_ginseng",
        "zh": "人参",
        "la": "Panax ginseng",
        "author": "C. A. Mey.",
        "en": "ginseng",
    }
    assert lot["origins"][0]["species"]["code"] == "panax_ginseng"
    assert lot["part"]["code"] == "root_and_rhizome"
    quinquefolius = client.get("/lot/HV-Q")
    assert "西洋参 Panax quinquefolius L." in text_of(quinquefolius.text)
    assert client.get("/lot/HV-Q", headers={"Accept": "application/json"}).json()["lot"]["product"]["zh"] == "西洋参"


def test_a_lot_whose_origins_record_no_species_says_so_and_is_never_taken_for_ginseng(
    client: httpx.Client, grower: Actor
) -> None:
    plot(client, grower, "PLOT-OLD", None, "2020-10-20T00:30:00Z")
    accepted(post(client, grower, "HV-OLD", "harvest", inputs=["PLOT-OLD"]))
    accepted(post(client, grower, "RG-OLD", "process", inputs=["HV-OLD"]))
    stated = post(client, grower, "PK-OLD", "package", inputs=["RG-OLD"], payload={"species": "panax_ginseng"})
    refused(stated, "species", "/event/payload/species")
    lot = client.get("/lot/HV-OLD", headers={"Accept": "application/json"}).json()["lot"]
    assert lot["species"] is None
    assert lot["origins"][0]["species"] is None
    page = text_of(client.get("/lot/HV-OLD").text)
    assert "物种: 未记录" in page
    assert "Panax ginseng C. A. Mey." not in page
    assert "园参" not in page  # not even the garden-ginseng name, which means 人参
    assert lot["product"] == {"zh": "农田栽培参，物种未记录", "en": "field-grown, species not recorded"}
