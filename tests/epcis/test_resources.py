"""The EPCIS 2.0 REST binding's resource paths over real HTTP on both engines: ``/epcs``, each resource's
``/{resource}/{value}`` (its sub-resources, or 404) and ``/{resource}/{value}/events`` (the same events as
``GET /events`` with that filter, other filters beside it, paging at the resource's own path)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from ginseng_trace.epcis.index import match_key, rebase
from ginseng_trace.service import Services

from ..api.test_api import assert_problem
from .test_export import schema_errors
from .test_query import ANY_EPC_FIELDS, EVENTS, _uris, exported, oracle, queried

EPCIS = "/api/v1/epcis"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def event_list(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    document = answer.json()
    assert schema_errors(document) == []
    events: list[dict[str, Any]] = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return events


@pytest.mark.slow
def test_each_resource_path_is_the_query_with_its_filter(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    truth = exported(client)
    serial = next(e for e in truth if e.get("epcList"))["epcList"][0]
    for resource, parameter, value in (
        ("bizSteps", "EQ_bizStep", "shipping"),
        ("dispositions", "EQ_disposition", next(e["disposition"] for e in truth if "disposition" in e)),
        ("eventTypes", "eventType", "TransformationEvent"),
        ("epcs", "MATCH_anyEPC", serial),
    ):
        expected = oracle(truth, {parameter: value})
        assert expected, (resource, value)
        for written in (value, quote(value, safe="")):  # a URI as it is, or percent-encoded as the binding says
            answer = client.get(f"{EPCIS}/{resource}/{written}/events", params={"perPage": "500"})
            assert event_list(answer) == expected, (resource, written)
            sub = client.get(f"{EPCIS}/{resource}/{written}")
            assert sub.status_code == 200, sub.text
            assert sub.json()["member"] == ["events"]
    # another filter beside the path's, and paging at the resource's own path
    both = {"EQ_bizStep": "shipping", "eventType": "ObjectEvent"}
    answer = client.get(f"{EPCIS}/eventTypes/ObjectEvent/events", params={"EQ_bizStep": "shipping"})
    assert event_list(answer) == oracle(truth, both) == queried(client, both)
    first = client.get(f"{EPCIS}/bizSteps/shipping/events", params={"perPage": "1"})
    if len(oracle(truth, {"EQ_bizStep": "shipping"})) > 1:
        assert first.headers["Link"].startswith(f"<{EPCIS}/bizSteps/shipping/events?")


@pytest.mark.slow
def test_the_epcs_are_listed_and_unknown_values_are_404(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    truth = exported(client)
    listed = client.get(f"{EPCIS}/epcs")
    assert listed.status_code == 200
    assert listed.json()["type"] == "Collection"
    members = listed.json()["member"]
    base = str(client.base_url)
    # each EPC once, by its match key: its canonical Digital Link (id.gs1.org), or a lot URI on this server
    keys = {rebase(match_key(uri, base), base) for e in truth for uri in _uris(e, ANY_EPC_FIELDS)}
    assert members == sorted(keys)
    for member in members[:3] + members[-3:]:
        assert event_list(client.get(f"{EPCIS}/epcs/{quote(member, safe='')}/events")) != []
    nowhere = "urn:epc:id:sgln:0000000.00000.0"
    for path in (
        "bizSteps/destroying-nothing",
        "epcs/https://id.gs1.org/01/00000000000000/21/1",
        f"readPoints/{nowhere}",
    ):
        assert_problem(client.get(f"{EPCIS}/{path}"), 404)
        assert event_list(client.get(f"{EPCIS}/{path}/events")) == []
    assert assert_problem(client.get(f"{EPCIS}/readPoints/x"), 400)["parameter"] == "EQ_readPoint"


def test_a_resource_path_refuses_its_filter_twice_and_bad_values(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    twice = client.get(f"{EPCIS}/bizSteps/shipping/events", params={"EQ_bizStep": "receiving"})
    assert assert_problem(twice, 400)["parameter"] == "EQ_bizStep"
    assert assert_problem(client.get(f"{EPCIS}/eventTypes/ObjectEvent/events?EQ_action=SHOUT"), 400)
    assert assert_problem(client.get(f"{EPCIS}/eventTypes/ObjectEvent/events?orderBy=eventTime"), 501)
    assert client.get(EVENTS).status_code == 200
