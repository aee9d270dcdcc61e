"""EPCIS 2.0 GET /api/v1/epcis/events over real HTTP on both engines: EPCISQueryDocuments that validate against
GS1's schema, the same events (and eventIDs) as the lot export, each filter against a Python filter of the
exported events (the oracle: the export reads the ledger, not the index), pagination by keyset (concatenated
pages = the unpaginated result, for random filters), and bad parameters as RFC 9457 problems naming them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.demo import LOTS
from ginseng_trace.service import Services
from ginseng_trace.service.epcis_index import index_stored
from ginseng_trace.store.tables import epcis_event_epcs, epcis_events, epcis_lots

from .test_export import schema_errors

EVENTS = "/api/v1/epcis/events"
EPC_FIELDS = ("epcList", "childEPCs")
ANY_EPC_FIELDS = ("epcList", "childEPCs", "parentID", "inputEPCList", "outputEPCList")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def exported(client: Any) -> list[dict[str, Any]]:
    """Every lot's events as the lot export gives them, in log order: the oracle."""
    found: dict[int, dict[str, Any]] = {}
    for lot in LOTS:
        for event in client.get(f"/api/v1/lots/{lot}/epcis").json()["epcisBody"]["eventList"]:
            found[event["gt:logIndex"]] = event
    return [found[i] for i in sorted(found)]


def pages(client: Any, params: dict[str, str], headers: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """Every page of a query, following the Link header; each answer checked as the binding says."""
    answer = client.get(EVENTS, params=params, headers=headers or {})
    while True:
        assert answer.status_code == 200, answer.text
        assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
        assert answer.headers["GS1-CBV-Version"] == "2.0.0"
        document = answer.json()
        assert document["type"] == "EPCISQueryDocument"
        yield document
        link = answer.headers.get("Link")
        if link is None:
            return
        assert link.endswith('>; rel="next"')
        assert link.startswith(f"<{EVENTS}?")
        answer = client.get(link[1 : -len('>; rel="next"')], headers=headers or {})


def queried(client: Any, params: dict[str, str]) -> list[dict[str, Any]]:
    return [e for d in pages(client, params) for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _uris(event: dict[str, Any], fields: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for name in fields:
        value = event.get(name)
        found.update([value] if isinstance(value, str) else value or [])
    return found


def _classes(event: dict[str, Any]) -> set[str]:
    return {q["epcClass"] for q in event.get("quantityList", [])}


def oracle(events: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    def keep(e: dict[str, Any]) -> bool:
        for name, value in params.items():
            values = set(value.split("|"))
            if name == "GE_eventTime" and not _utc(e["eventTime"]) >= _utc(value):
                return False
            if name == "LT_eventTime" and not _utc(e["eventTime"]) < _utc(value):
                return False
            if name == "EQ_bizStep" and e.get("bizStep") not in values:
                return False
            if name == "EQ_disposition" and e.get("disposition") not in values:
                return False
            if name == "eventType" and e["type"] not in values:
                return False
            if name == "MATCH_epc" and not _uris(e, EPC_FIELDS) & values:
                return False
            if name == "MATCH_anyEPC" and not _uris(e, ANY_EPC_FIELDS) & values:
                return False
            if name == "MATCH_epcClass" and not _classes(e) & values:
                return False
        return True

    return [e for e in events if keep(e)]


def test_the_query_serves_the_exported_events_valid(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    truth = exported(client)
    documents = list(pages(client, {"perPage": "20"}))
    assert len(documents) == -(-len(truth) // 20) > 1
    for document in documents:
        assert schema_errors(document) == []
    got = [e for d in documents for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert got == truth  # event for event, eventID for eventID, as the export (reading the ledger) gives them


@pytest.mark.parametrize(
    "params",
    [
        {"EQ_bizStep": "shipping"},
        {"EQ_bizStep": "shipping|receiving", "GE_eventTime": "2025-09-27T09:00:00+08:00"},
        {"EQ_disposition": "recalled"},
        {"eventType": "TransformationEvent"},
        {"GE_eventTime": "2025-09-01T00:00:00Z", "LT_eventTime": "2025-10-01T00:00:00Z"},
    ],
)
@pytest.mark.slow
def test_each_filter_as_the_oracle(demo_site: tuple[Any, Services], params: dict[str, str]) -> None:
    client, _ = demo_site
    expected = oracle(exported(client), params)
    assert expected, "the demo has events for each filter"
    assert queried(client, params) == expected


@pytest.mark.slow
def test_epc_matches(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    truth = exported(client)
    serial = next(e for e in truth if e.get("epcList"))["epcList"][0]
    other = next(s for e in truth for s in e.get("outputEPCList", []) if s != serial)
    box = next(e for e in truth if e["gt:eventType"] == "package")["outputQuantityList"][0]["epcClass"]
    harvest = next(e for e in truth if e["gt:eventType"] == "harvest")["quantityList"][0]["epcClass"]
    for params in (
        {"MATCH_epc": serial},
        {"MATCH_epc": f"{serial}|{other}"},
        {"MATCH_anyEPC": serial},
        {"MATCH_epcClass": harvest},
        {"MATCH_epcClass": f"{box}|{harvest}"},
    ):
        expected = oracle(truth, params)
        assert expected, params
        assert queried(client, params) == expected, params
    # an EPC URN names the same key as its Digital Link: urn:epc:class:lgtin matches the lot's class
    urn_class = "urn:epc:class:lgtin:6975123.040001." + box.rsplit("/10/", 1)[1]
    assert "/01/06975123400010/10/" in box
    assert queried(client, {"MATCH_epcClass": urn_class}) == oracle(truth, {"MATCH_epcClass": box})
    assert queried(client, {"MATCH_epc": "urn:epc:idpat:sgtin:6975123.040001.*"}) != []


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
@pytest.mark.slow
def test_concatenated_pages_are_the_unpaginated_result(demo_site: tuple[Any, Services], data: st.DataObject) -> None:
    client, _ = demo_site
    truth = getattr(test_concatenated_pages_are_the_unpaginated_result, "truth", None)
    if truth is None or truth[0] is not client:
        truth = (client, exported(client))
        test_concatenated_pages_are_the_unpaginated_result.truth = truth  # type: ignore[attr-defined]
    events = truth[1]
    times = sorted({e["eventTime"] for e in events})
    choices: dict[str, Any] = {
        "GE_eventTime": st.sampled_from(times),
        "LT_eventTime": st.sampled_from(times),
        "EQ_bizStep": st.sampled_from(sorted({e["bizStep"] for e in events if "bizStep" in e})),
        "EQ_disposition": st.sampled_from(sorted({e["disposition"] for e in events if "disposition" in e})),
        "eventType": st.sampled_from(sorted({e["type"] for e in events})),
        "MATCH_epcClass": st.sampled_from(sorted(set().union(*(_classes(e) for e in events)))),
        "MATCH_anyEPC": st.sampled_from(sorted(set().union(*(_uris(e, ANY_EPC_FIELDS) for e in events)))),
    }
    names = data.draw(st.lists(st.sampled_from(sorted(choices)), max_size=3, unique=True))
    params = {name: data.draw(choices[name]) for name in names}
    whole = queried(client, {**params, "perPage": "500"})
    assert whole == oracle(events, params)
    per_page = data.draw(st.integers(1, 12))
    assert queried(client, {**params, "perPage": str(per_page)}) == whole


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"GE_eventTime": "yesterday"}, 400, "GE_eventTime"),
        ({"LT_eventTime": "2025-09-01T00:00:00"}, 400, "LT_eventTime"),  # no offset
        ({"GE_eventTime": "2025-02-30T00:00:00Z"}, 400, "GE_eventTime"),
        ({"colour": "red"}, 400, "colour"),
        ({"perPage": "0"}, 400, "perPage"),
        ({"perPage": "501"}, 400, "perPage"),
        ({"perPage": "ten"}, 400, "perPage"),
        ({"nextPageToken": "not-ours"}, 400, "nextPageToken"),
        ({"EQ_action": "MOVE"}, 400, "EQ_action"),
        ({"MATCH_epc": "not a uri"}, 400, "MATCH_epc"),
        ({"EQ_bizStep": "shipping|"}, 400, "EQ_bizStep"),
        ({"EQ_quantity": "3"}, 501, "EQ_quantity"),
        ({"EQ_INNER_ILMD_gt:grade": "A"}, 501, "EQ_INNER_ILMD_gt:grade"),
    ],
)
@pytest.mark.slow
def test_bad_parameters_are_problems_naming_them(
    demo_site: tuple[Any, Services], params: dict[str, str], status: int, parameter: str
) -> None:
    client, _ = demo_site
    answer = client.get(EVENTS, params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["parameter"] == parameter
    assert problem["status"] == status
    assert parameter in problem["detail"]


@pytest.mark.slow
def test_a_repeated_parameter_and_a_token_of_another_query(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    twice = client.get(f"{EVENTS}?EQ_bizStep=shipping&EQ_bizStep=receiving")
    assert (twice.status_code, twice.json()["parameter"]) == (400, "EQ_bizStep")
    first = client.get(EVENTS, params={"perPage": "2", "EQ_bizStep": "shipping"})
    token = first.headers["Link"].split("nextPageToken=", 1)[1].split(">", 1)[0]
    other = client.get(EVENTS, params={"perPage": "2", "EQ_bizStep": "receiving", "nextPageToken": token})
    assert (other.status_code, other.json()["parameter"]) == (400, "nextPageToken")
    bad = client.get(EVENTS, headers={"GS1-EPC-Format": "Sometimes"})
    assert (bad.status_code, bad.json()["parameter"]) == (400, "GS1-EPC-Format")


def test_epc_urns_on_request(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    params = {"eventType": "TransformationEvent|AggregationEvent", "perPage": "500"}
    links = queried(client, params)
    answer = client.get(EVENTS, params=params, headers={"GS1-EPC-Format": "Always_EPC_URN"})
    assert answer.headers["GS1-EPC-Format"] == "Always_EPC_URN"
    document = answer.json()
    assert schema_errors(document) == []
    urns = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in urns] == [e["eventID"] for e in links]  # the hash reads both as one key
    package = next(e for e in urns if e["gt:eventType"] == "package")
    assert package["outputQuantityList"][0]["epcClass"] == f"urn:epc:class:lgtin:6975123.040001.{package['gt:lot']}"
    assert all(s.startswith("urn:epc:id:sgtin:6975123.040001.") for s in package["outputEPCList"])
    # a lot with no GTIN has no GS1 key: it stays the resolver's URI
    assert package["inputQuantityList"][0]["epcClass"].startswith("http")
    never = client.get(EVENTS, params=params, headers={"GS1-EPC-Format": "Never_Translates"}).json()
    assert never["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == links
    # the lot export too
    box = package["gt:lot"]
    exported_urns = client.get(f"/api/v1/lots/{box}/epcis", headers={"GS1-EPC-Format": "Always_EPC_URN"})
    assert exported_urns.headers["GS1-EPC-Format"] == "Always_EPC_URN"
    assert schema_errors(exported_urns.json()) == []
    assert package in exported_urns.json()["epcisBody"]["eventList"]


def test_resource_lists(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    truth = exported(client)
    steps = client.get("/api/v1/epcis/bizSteps")
    assert steps.headers["GS1-EPCIS-Version"] == "2.0.0"
    assert steps.json()["type"] == "Collection"
    assert steps.json()["member"] == sorted({e["bizStep"] for e in truth if "bizStep" in e})
    assert client.get("/api/v1/epcis/eventTypes").json()["member"] == sorted({e["type"] for e in truth})
    dispositions = client.get("/api/v1/epcis/dispositions").json()["member"]
    assert dispositions == sorted({e["disposition"] for e in truth if "disposition" in e})
    assert client.get("/api/v1/epcis/readPoints").json()["member"] == []


def test_the_backfill_rebuilds_the_index_the_appender_wrote(demo: Services) -> None:
    def snapshot() -> list[Any]:
        def read(repo: Any) -> list[Any]:
            return [
                sorted(tuple(r) for r in repo.connection.execute(t.select()))
                for t in (epcis_events, epcis_event_epcs, epcis_lots)
            ]

        return demo.store.read(read)

    written = snapshot()
    lots = demo.store.read(lambda repo: [r.lot_id for r in repo.all_records()])
    assert len(written[0]) == len([lot for lot in lots if not lot.startswith("org:")]) > 0

    def rebuild(repo: Any) -> int:
        for table in (epcis_event_epcs, epcis_events, epcis_lots):
            repo.connection.execute(table.delete())
        return index_stored(repo, batch=7)

    assert demo.store.write(rebuild) == len(written[0])
    assert snapshot() == written
