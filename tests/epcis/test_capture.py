"""EPCIS 2.0 capture over real HTTP, on both engines: ``POST /api/v1/epcis/capture`` (202, the job at Location,
all-or-nothing unless ``proceed``), ``POST /api/v1/epcis/events``, each bad input refused precisely with
nothing stored, custody of the lots an event names, and the round trip: the export gives back each captured
event with the CBV 2.0 hash it was captured with (GS1's examples after export→import→export too)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.epcis.capture import schema_problems
from ginseng_trace.epcis.hash import event_hashes
from ginseng_trace.service import NewActor, Services
from ginseng_trace.store import Store

from ..conftest import EVERY_PREFIX, OPERATOR, LiveServer

KEK = bytes(range(100, 132))
BASE = "https://trace.example.cn"
CAPTURE = "/api/v1/epcis/capture"
EXAMPLES = Path(__file__).parents[1] / "vectors" / "epcis" / "examples"  # GS1's, gs1/EPCIS @2b888bef
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://ns.example.com/epcis/"}]
PARTNER, OTHER, STRANGER, OWNER = "partner-exporter", "second-partner", "stranger-co", "plot-owner"


class Site:
    """A served ledger with three organisations, each with a server-held key and an ``events:write`` token."""

    def __init__(self, services: Services, client: httpx.Client) -> None:
        self.services = services
        self.client = client
        self.tokens: dict[str, str] = {}
        for actor in (PARTNER, OTHER, STRANGER):
            verifier = services.held_keys.create(actor)
            services.membership.enrol(actor, f"org {actor}", ["processor", "logistics"], (), [NewActor(verifier)])
            self.tokens[actor] = services.tokens.issue(actor, ["events:write"], timedelta(days=1))[1]
        services.membership.enrol(
            OWNER, "a grower", ["grower"], EVERY_PREFIX, [NewActor(services.held_keys.create(OWNER))]
        )
        self.tokens[OWNER] = services.tokens.issue(OWNER, ["events:write"], timedelta(days=1))[1]

    def headers(self, actor: str, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[actor]}", "Content-Type": "application/ld+json", **more}

    def capture(self, actor: str, document: Any, **headers: str) -> httpx.Response:
        return self.client.post(CAPTURE, content=json.dumps(document), headers=self.headers(actor, **headers))

    def job(self, actor: str, answer: httpx.Response) -> dict[str, Any]:
        assert answer.status_code == 202, answer.text
        polled = self.client.get(answer.headers["Location"], headers=self.headers(actor))
        assert polled.status_code == 200, polled.text
        job: dict[str, Any] = polled.json()
        assert job == answer.json()
        assert job["running"] is False
        return job

    def export(self, lot: str) -> dict[str, Any]:
        answer = self.client.get(f"/api/v1/lots/{lot}/epcis")
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        assert schema_problems(document) == []
        return document

    def plot(self, lot: str) -> None:
        """A plot of ``plot-owner``'s (its custodian)."""
        event = {
            "event_id": f"plot-{lot}",
            "lot_id": lot,
            "type": "register_plot",
            "occurred_at": "2026-04-01T02:00:00Z",
            "payload": {"land_type": "farmland", "county": "抚松县", "area_mu": 8},
        }
        answer = self.client.post("/api/v1/me/events", json={"event": event}, headers=self.headers(OWNER))
        assert answer.status_code == 201, answer.text


@pytest.fixture
def site(engine: Engine) -> Iterator[Site]:
    services = Services(Store(engine), key_encryption_key=KEK, operator=OPERATOR)
    app = create_app(services, public_base=BASE)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield Site(services, client)
    services.scans.flush()


def document(*events: dict[str, Any], context: list[Any] | None = None) -> dict[str, Any]:
    return {
        "@context": context or CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-05-01T00:00:00.000Z",
        "epcisBody": {"eventList": list(events)},
    }


def observation(epc: str, *, when: str = "2026-05-01T09:30:00.000+08:00", **more: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": when,
        "eventTimeZoneOffset": "+00:00" if when.endswith("Z") else when[-6:],
        "epcList": [epc],
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "active",
        "ex:dock": "D-4",
        **more,
    }


def foreign(n: int) -> str:
    return f"https://id.gs1.org/01/09521234543213/21/{n}"


def captured_lot(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if "gt:ledgerEventHash" not in e]


@pytest.mark.slow
def test_a_document_is_captured_and_exported_with_the_same_hashes(site: Site) -> None:
    site.plot("PLOT-CAP-1")
    sent = document(
        observation(foreign(1)),
        observation(f"{BASE}/lot/PLOT-CAP-1", when="2026-05-02T10:00:00+09:00"),
        observation(
            foreign(2),
            quantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 12.5, "uom": "KGM"}],
        ),
    )
    assert schema_problems(sent) == []
    before = site.services.records.count()
    job = site.job(OWNER, site.capture(OWNER, sent))
    assert (job["success"], job["captureErrorBehaviour"], job["errors"]) == (True, "rollback", []), job["errors"]
    assert [e["eventIndex"] for e in job["events"]] == [0, 1, 2]
    assert [e["eventID"] for e in job["events"]] == event_hashes(sent)
    assert [e["lot"] for e in job["events"]] == [f"epcis:{OWNER}", "PLOT-CAP-1", f"epcis:{OWNER}"]
    assert site.services.records.count() == before + 3
    assert site.services.checks.verify().records == before + 3  # signed, chained, logged like any record
    for entry in job["events"]:
        record = site.client.get(f"/api/v1/events/{entry['ledgerEventHash']}").json()
        assert record["event"]["type"] == "epcis_event"
        assert record["event"]["actor"] == OWNER

    on_plot = site.export("PLOT-CAP-1")
    plot_events = on_plot["epcisBody"]["eventList"]
    assert [e.get("gt:eventType") for e in plot_events] == ["register_plot", None]  # ours, then the captured
    captured = plot_events[1]
    assert {k: v for k, v in captured.items() if k not in ("eventID", "recordTime")} == sent["epcisBody"]["eventList"][
        1
    ]
    assert captured["eventID"] == event_hashes(on_plot)[1] == job["events"][1]["eventID"]
    chain = site.export(f"epcis:{OWNER}")
    assert event_hashes(chain) == [e["eventID"] for e in chain["epcisBody"]["eventList"]]
    assert event_hashes(chain) == [job["events"][0]["eventID"], job["events"][2]["eventID"]]

    again = site.job(OWNER, site.capture(OWNER, sent))  # an idempotent retry
    assert again["success"]
    assert [e["created"] for e in again["events"]] == [False] * 3
    assert site.services.records.count() == before + 3


def test_a_refused_document_names_each_failing_event_and_stores_nothing(site: Site) -> None:
    site.plot("PLOT-CAP-2")
    sent = document(
        observation(foreign(3)),
        observation(f"{BASE}/lot/PLOT-CAP-2"),  # the plot's, not the partner's
        observation(f"{BASE}/lot/NO-SUCH-LOT"),
        observation(foreign(4)),
    )
    before = site.services.records.count()
    answer = site.capture(PARTNER, sent)
    job = site.job(PARTNER, answer)
    assert job["success"] is False
    assert [(e["eventIndex"], e["status"]) for e in job["errors"]] == [(1, 403), (2, 422)]
    custody, unknown = job["errors"]
    assert custody["type"].startswith("urn:ginseng-trace:problem:")
    assert "PLOT-CAP-2" in custody["detail"]
    assert OWNER in custody["detail"]
    assert "NO-SUCH-LOT" in unknown["detail"]
    assert unknown["errors"][0]["pointer"] == "/epcisBody/eventList/2"
    assert job["events"] == []
    assert site.services.records.count() == before  # rollback: nothing half-stored

    proceed = site.job(PARTNER, site.capture(PARTNER, sent, **{"GS1-Capture-Error-Behaviour": "proceed"}))
    assert proceed["success"] is False
    assert proceed["captureErrorBehaviour"] == "proceed"
    assert [e["eventIndex"] for e in proceed["errors"]] == [1, 2]
    assert [e["eventIndex"] for e in proceed["events"]] == [0, 3]
    assert site.services.records.count() == before + 2

    # the plot's custodian may capture about it; a stranger may not read the partner's job
    assert site.job(OWNER, site.capture(OWNER, document(sent["epcisBody"]["eventList"][1])))["success"]
    assert site.client.get(answer.headers["Location"], headers=site.headers(STRANGER)).status_code == 404


def test_the_rules_judge_captured_events_too(site: Site) -> None:
    site.plot("PLOT-CAP-3")
    late, early = (
        observation(f"{BASE}/lot/PLOT-CAP-3", when=w) for w in ("2026-06-01T00:00:00Z", "2026-03-01T00:00:00Z")
    )
    future = observation(foreign(5), when="2999-01-01T00:00:00+08:00")
    job = site.job(OWNER, site.capture(OWNER, document(late, early, future)))
    assert [(e["eventIndex"], e["rule"]) for e in job["errors"]] == [(1, "chronology"), (2, "chronology")]
    assert "PLOT-CAP-3" in job["errors"][0]["detail_en"]


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (lambda d: d["epcisBody"]["eventList"][0].pop("eventTime"), "/epcisBody/eventList/0", "eventTime"),
        (lambda d: d["epcisBody"]["eventList"][0].update(type="PartyEvent"), "/epcisBody/eventList/0/type", "unknown EPCIS event type"),  # noqa: E501
        (lambda d: d["epcisBody"]["eventList"][0].update(eventTimeZoneOffset="+25:00"), "/epcisBody/eventList/0/eventTimeZoneOffset", "time-zone offset"),  # noqa: E501
        (lambda d: d["epcisBody"]["eventList"][0].update(eventTimeZoneOffset="0800"), "/epcisBody/eventList/0/eventTimeZoneOffset", "time-zone offset"),  # noqa: E501
        (lambda d: d["epcisBody"]["eventList"][0].update(eventTime="2026-05-01T09:30:00"), "/epcisBody/eventList/0/eventTime", "offset"),  # noqa: E501
        (lambda d: d["epcisBody"]["eventList"][0].update({"acme:lane": "7"}), "/epcisBody/eventList/0/acme:lane", "prefix 'acme'"),  # noqa: E501
        (lambda d: d["epcisBody"]["eventList"][0].update(ilmd={"acme:grade": "A"}, action="ADD"), "/epcisBody/eventList/0/ilmd/acme:grade", "prefix 'acme'"),  # noqa: E501
        (lambda d: d["epcisBody"]["eventList"][0].update(eventTime="0001-01-01T00:00:00+08:00", eventTimeZoneOffset="+08:00"), "/epcisBody/eventList/0/eventTime", "years"),  # noqa: E501
        (lambda d: d["epcisBody"]["eventList"][0].update(action="SHUFFLE"), "/epcisBody/eventList/0/action", ""),
        (lambda d: d.update(type="EPCISQueryDocument"), "/type", "EPCISDocument"),
    ],
)  # fmt: skip
@pytest.mark.slow
def test_bad_documents_are_refused_precisely_with_nothing_stored(
    site: Site, change: Any, pointer: str, words: str
) -> None:
    sent = document(observation(foreign(6)), observation(foreign(7)))
    change(sent)
    before = site.services.records.count()
    answer = site.capture(PARTNER, sent)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "urn:ginseng-trace:problem:epcis-invalid"
    assert any(e["pointer"].startswith(pointer) and words in e["detail"] + e["pointer"] for e in problem["errors"]), (
        problem
    )
    assert not any(e["pointer"].startswith("/epcisBody/eventList/1") for e in problem["errors"])  # the good one
    if pointer.startswith("/epcisBody"):  # the event alone, through POST /events
        event = {"@context": CONTEXT, **sent["epcisBody"]["eventList"][0]}
        single = site.client.post("/api/v1/epcis/events", content=json.dumps(event), headers=site.headers(PARTNER))
        assert single.status_code == 400, single.text
        relative = pointer.removeprefix("/epcisBody/eventList/0")
        assert any(e["pointer"].startswith(relative) for e in single.json()["errors"]), single.json()
    assert site.services.records.count() == before


def test_other_bad_requests(site: Site) -> None:
    before = site.services.records.count()
    big = document(*(observation(foreign(n), **{"ex:pad": "x" * 4000}) for n in range(300)))
    too_large = site.capture(PARTNER, big)
    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == "application/problem+json"
    wrong_type = site.client.post(
        CAPTURE, content=b"<epcis/>", headers={**site.headers(PARTNER), "Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    assert wrong_type.json()["status"] == 415
    not_json = site.client.post(CAPTURE, content=b"{", headers=site.headers(PARTNER))
    assert not_json.status_code == 400
    assert not_json.json()["status"] == 400
    nobody = site.client.post(
        CAPTURE, content=json.dumps(document(observation(foreign(8)))), headers={"Content-Type": "application/json"}
    )
    assert nobody.status_code == 401
    behaviour = site.capture(PARTNER, document(observation(foreign(8))), **{"GS1-Capture-Error-Behaviour": "maybe"})
    assert behaviour.status_code == 400
    assert "GS1-Capture-Error-Behaviour" in behaviour.text
    assert site.client.get(f"{CAPTURE}/{'0' * 32}", headers=site.headers(PARTNER)).status_code == 404
    assert site.services.records.count() == before


def test_one_event_is_captured_at_once(site: Site) -> None:
    site.plot("PLOT-CAP-4")
    event = {"@context": CONTEXT, **observation(f"{BASE}/lot/PLOT-CAP-4")}
    post = "/api/v1/epcis/events"
    stranger = site.client.post(post, content=json.dumps(event), headers=site.headers(STRANGER))
    assert stranger.status_code == 403, stranger.text
    assert "PLOT-CAP-4" in stranger.json()["detail"]
    answer = site.client.post(post, content=json.dumps(event), headers=site.headers(OWNER))
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"] == f"/api/v1/events/{answer.json()['record_hash']}"
    body = {k: v for k, v in event.items() if k != "@context"}
    assert answer.json()["eventID"] == event_hashes(document(body))[0]
    assert site.client.post(post, content=json.dumps(event), headers=site.headers(OWNER)).status_code == 200
    exported = site.export("PLOT-CAP-4")
    assert event_hashes(exported)[-1] == answer.json()["eventID"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.jsonld")), ids=lambda p: p.stem)
def test_gs1_examples_survive_export_import_export(site: Site, path: Path) -> None:
    original = json.loads(path.read_text(encoding="utf-8"))
    assert schema_problems(original) == []
    hashes = event_hashes(original)
    first = site.job(PARTNER, site.capture(PARTNER, original))
    assert first["success"], first["errors"]
    exported = site.export(f"epcis:{PARTNER}")
    assert event_hashes(exported) == hashes
    for sent, got in zip(original["epcisBody"]["eventList"], exported["epcisBody"]["eventList"], strict=True):
        assert {k: v for k, v in got.items() if k not in ("recordTime", "eventID")} == {
            k: v for k, v in sent.items() if k not in ("recordTime", "eventID")
        }
    second = site.job(OTHER, site.capture(OTHER, copy.deepcopy(exported)))
    assert second["success"], second["errors"]
    again = site.export(f"epcis:{OTHER}")
    assert event_hashes(again) == hashes
    assert [e["eventID"] for e in again["epcisBody"]["eventList"]] == [
        e["eventID"] for e in exported["epcisBody"]["eventList"]
    ]
