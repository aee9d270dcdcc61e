"""The HTTP API over real HTTP (uvicorn on a loopback port, httpx client), on both engines."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.bootstrap import enrol_dev_signer
from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, LiveServer, enrol, example_payload

PROBLEM = "application/problem+json"


@pytest.fixture
def client(ledger: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def envelope(signed: SignedEvent) -> dict[str, Any]:
    return signed.envelope()


def assert_problem(response: Any, status: int, pointer: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    doc: dict[str, Any] = response.json()
    assert doc["status"] == status
    assert doc["title"]
    assert doc["detail"]
    assert doc["type"].startswith("urn:ginseng-trace:problem:")
    if pointer is not None:
        assert pointer in [e["pointer"] for e in doc.get("errors", [])], doc
    return doc


def test_submit_get_history_and_verify(client: httpx.Client, grower: Actor) -> None:
    plot = client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "register_plot")))
    assert plot.status_code == 201, plot.text
    stored = plot.json()
    assert stored.pop("findings") == []  # what the soft rules found; a record fetched later has none inline
    assert plot.headers["location"] == f"/api/v1/events/{stored['record_hash']}"
    sown = client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "sow"))).json()
    harvest = client.post("/api/v1/events", json=envelope(grower.sign("HV-1", "harvest", inputs=["PLOT-1"])))
    assert harvest.json()["record"]["inputs"] == [{"lot": "PLOT-1", "head": sown["record_hash"]}]

    assert client.get(f"/api/v1/events/{stored['record_hash']}").json() == stored
    assert client.get(f"/api/v1/events/{stored['event_hash']}").json() == stored
    history = client.get("/api/v1/lots/HV-1/history").json()
    assert [r["record"]["seq"] for r in history["records"]] == [1]
    verified = client.get("/api/v1/lots/HV-1/verify").json()
    assert verified == {
        "lot_id": "HV-1",
        "ancestors": True,
        "intact": True,
        "records": 3,
        "lots": ["HV-1", "PLOT-1"],
        "problems": [],
    }
    assert client.get("/api/v1/lots/HV-1/verify?ancestors=false").json()["lots"] == ["HV-1"]


def test_retry_returns_200_and_conflict_returns_409(client: httpx.Client, grower: Actor) -> None:
    signed = grower.sign("PLOT-1", "register_plot", event_id="evt-7")
    first = client.post("/api/v1/events", json=envelope(signed))
    again = client.post("/api/v1/events", json=envelope(signed))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = grower.sign("PLOT-1", "register_plot", event_id="evt-7", payload={"note": "different"})
    assert_problem(client.post("/api/v1/events", json=envelope(other)), 409, "/event/event_id")


def bad_requests(grower: Actor) -> list[tuple[str, Any, int, str | None]]:
    good = envelope(grower.sign("PLOT-1", "register_plot"))
    stranger = Actor("stranger")
    wrong_sig = {**good, "signature": base64.b64encode(bytes(64)).decode()}
    tampered = {**good, "event": {**good["event"], "payload": {"n": -1}}}
    return [
        ("malformed JSON", b'{"event": ', 400, ""),
        ("duplicate keys", b'{"event": {}, "event": {}, "signature": ""}', 400, ""),
        ("not an object", [], 422, ""),
        ("missing signature", {"event": good["event"]}, 422, "/signature"),
        ("unknown top-level field", {**good, "extra": 1}, 422, "/extra"),
        ("unknown event type", envelope(grower.sign("PLOT-1", "teleport")), 422, "/event/type"),
        ("wrong type", {**good, "event": {**good["event"], "lot_id": 42}}, 422, "/event/lot_id"),
        ("bad time", {**good, "event": {**good["event"], "occurred_at": "yesterday"}}, 422, "/event/occurred_at"),
        ("signature not base64", {**good, "signature": "%%%"}, 422, "/signature"),
        ("short signature", {**good, "signature": "AAAA"}, 422, "/signature"),
        ("wrong signature", wrong_sig, 422, "/signature"),
        ("content changed after signing", tampered, 422, "/signature"),
        ("unknown key", envelope(stranger.sign("PLOT-1", "register_plot")), 422, "/event/key_id"),
        ("unknown input lot", envelope(grower.sign("HV-1", "harvest", inputs=["NOPE"])), 422, "/event/inputs/0"),
        ("huge number", {**good, "event": {**good["event"], "payload": {"n": 2**60}}}, 422, None),
        ("an input that is an object", {**good, "event": {**good["event"], "inputs": [{}]}}, 422, "/event/inputs/0"),
        ("inputs not a list", {**good, "event": {**good["event"], "inputs": {"a": 1}}}, 422, "/event/inputs"),
    ]


def test_bad_input_gets_a_problem_document_and_stores_nothing(
    client: httpx.Client, ledger: Services, grower: Actor
) -> None:
    client.post("/api/v1/events", json=envelope(grower.sign("BASE-1", "register_enterprise")))
    for name, body, status, pointer in bad_requests(grower):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = client.post("/api/v1/events", content=data, headers={"content-type": "application/json"})
        try:
            assert_problem(response, status, pointer)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
    assert ledger.records.count() == 3 + 1  # the grower's enrolment, its enterprise
    assert ledger.checks.verify().records == 3 + 1


def test_oversized_bodies_are_refused_with_413(client: httpx.Client, ledger: Services, grower: Actor) -> None:
    big = envelope(grower.sign("PLOT-1", "register_plot", payload={"note": "x" * (1 << 20)}))
    assert_problem(client.post("/api/v1/events", json=big), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        yield b'{"event": {"payload": "'
        for _ in range(70):
            yield b"y" * 16384
        yield b'"}}'

    assert_problem(client.post("/api/v1/events", content=chunks()), 413)
    assert ledger.records.count() == 3  # the grower's enrolment only


def test_lookups_that_find_nothing_are_404_and_bad_hashes_422(client: httpx.Client) -> None:
    assert_problem(client.get("/api/v1/events/" + "0" * 64), 404)
    assert_problem(client.get("/api/v1/events/not-a-hash"), 422, "/digest")
    assert_problem(client.get("/api/v1/lots/NOPE/history"), 404)
    assert_problem(client.get("/api/v1/lots/NOPE/verify"), 404)
    assert_problem(client.get("/api/v1/lots/X/verify?ancestors=maybe"), 422, "/ancestors")
    assert_problem(client.get("/api/v1/nowhere"), 404)


def test_openapi_describes_the_event_envelope(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SignedEventIn"}
    envelope_schema = spec["components"]["schemas"]["SignedEventIn"]
    assert envelope_schema["properties"]["event"] == {"$ref": "#/components/schemas/EventIn"}
    assert "occurred_at" in spec["components"]["schemas"]["EventIn"]["properties"]
    assert "/api/v1/dev/events" not in spec["paths"]
    assert {t["type"] for t in client.get("/api/v1/event-types").json()} >= {"harvest", "process", "sell"}


@pytest.mark.slow
def test_dev_signing_is_explicit_and_signed_by_a_registered_key(ledger: Services) -> None:
    dev = ledger.events.dev_signer = SignerKey.generate("dev-signer")
    enrol_dev_signer(ledger, dev)
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        event = {
            "event_id": "dev-1",
            "lot_id": "DEV-PLOT-9",  # the development signer's lot-id prefix
            "type": "register_plot",
            "occurred_at": "2025-01-01T00:00:00Z",
            "payload": example_payload("register_plot"),
        }
        response = client.post("/api/v1/dev/events", json={"event": event})
        assert response.status_code == 201, response.text
        assert response.json()["event"]["actor"] == "dev-signer"
        spoof = {**event, "event_id": "dev-2", "actor": "test-grower"}
        assert_problem(client.post("/api/v1/dev/events", json={"event": spoof}), 422, "/event/actor")
        assert_problem(client.post("/api/v1/dev/events", json={"event": {**event, "lot_id": ""}}), 422, "/event/lot_id")
    assert ledger.checks.verify().records == 3 + 1  # the dev signer's enrolment, its plot


def test_tampering_shows_in_the_verify_endpoint(client: httpx.Client, ledger: Services, grower: Actor) -> None:
    from ..service.test_ledger import tamper

    client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "register_plot", event_id="p1")))
    client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "sow", event_id="p2")))
    tamper(ledger.store.engine, "UPDATE records SET record_hash = :h WHERE event_id = 'p2'", h=bytes(32))
    doc = client.get("/api/v1/lots/PLOT-1/verify").json()
    assert doc["intact"] is False
    assert doc["failure"]["event_id"] == "p2"
    assert doc["failure"]["check"] == "record hash"


def test_log_endpoints_serve_checkpoints_and_verifiable_proofs(engine: Any) -> None:
    from ginseng_trace.chain.merkle import leaf_hash, verify_consistency, verify_inclusion
    from ginseng_trace.chain.note import open_checkpoint

    log_key = SignerKey("ginseng.test/log", bytes(range(32)))
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=log_key, checkpoint_every=1000)
    grower = Actor("test-grower")
    enrol(ledger, grower)  # log entries 0-2
    ledger.checkpointer.adopt_log_key()
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        [period] = client.get("/api/v1/log/keys").json()
        assert (period["key"], period["valid_until"]) == (log_key.verifier().text(), None)
        assert_problem(client.get("/api/v1/log/checkpoint"), 404)
        first = client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "register_plot"))).json()
        # a read never signs a checkpoint: until the checkpointer has, the proof is refused with when to ask again
        pending = client.get(f"/api/v1/log/inclusion/{first['record_hash']}")
        assert_problem(pending, 503)
        assert pending.headers["retry-after"] == "5"
        assert_problem(client.get("/api/v1/log/checkpoint"), 404)
        client.post("/api/v1/log/checkpoint")
        proof = client.get(f"/api/v1/log/inclusion/{first['record_hash']}").json()
        checkpoint, _, _ = open_checkpoint(proof["checkpoint"], [log_key.verifier()])
        assert (proof["log_index"], proof["tree_size"], checkpoint.size) == (3, 3 + 1, 3 + 1)  # after the enrolment
        for i in range(4):
            client.post(
                "/api/v1/events", json=envelope(grower.sign("PLOT-1", "field_operation", payload={"note": str(i)}))
            )
        published = client.post("/api/v1/log/checkpoint")
        assert published.headers["content-type"].startswith("text/plain")
        latest = client.get("/api/v1/log/checkpoint").text
        assert latest == published.text
        new, _, _ = open_checkpoint(latest, [log_key.verifier()])
        assert new.size == 3 + 5  # the enrolment, the plot and its four field operations
        assert client.get("/api/v1/log/checkpoints/4").text == proof["checkpoint"]

        record = ledger.records.history("PLOT-1")[2]
        got = client.get(f"/api/v1/log/inclusion/{record.event_hash}?size=8").json()
        leaf = leaf_hash(record.stored.record_bytes)
        assert base64.b64decode(got["leaf_hash"]) == leaf
        verify_inclusion(leaf, 3 + 2, 8, [base64.b64decode(p) for p in got["proof"]], new.root)

        cons = client.get("/api/v1/log/consistency?from=4&to=8").json()
        verify_consistency(4, 8, [base64.b64decode(p) for p in cons["proof"]], checkpoint.root, new.root)

        assert_problem(client.get("/api/v1/log/consistency?from=0&to=8"), 422, "/from")
        assert_problem(client.get("/api/v1/log/consistency?from=2&to=9"), 422, "/from")
        assert_problem(client.get("/api/v1/log/consistency?from=x&to=8"), 422, "/from")
        assert_problem(client.get(f"/api/v1/log/inclusion/{record.record_hash}?size=99"), 422, "/size")
        assert_problem(client.get("/api/v1/log/checkpoints/6"), 404)

        # what can never change says so, for browsers and CDNs; what grows is revalidated by ETag
        immutable = "public, max-age=31536000, immutable"
        assert client.get(f"/api/v1/log/inclusion/{record.event_hash}?size=8").headers["cache-control"] == immutable
        assert client.get(f"/api/v1/log/inclusion/{record.event_hash}").headers["cache-control"] == "no-cache"
        assert client.get("/api/v1/log/consistency?from=4&to=8").headers["cache-control"] == immutable
        assert client.get(f"/api/v1/events/{record.record_hash}").headers["cache-control"] == immutable
        assert "max-age" in client.get("/api/v1/log/checkpoints/4").headers["cache-control"]
        assert client.get("/api/v1/log/checkpoint").headers["cache-control"] == "no-cache"
        history = client.get("/api/v1/lots/PLOT-1/history")
        etag = history.headers["etag"]
        assert etag == f'"{ledger.records.history("PLOT-1")[-1].record_hash}"'
        assert client.get("/api/v1/lots/PLOT-1/history", headers={"If-None-Match": etag}).status_code == 304
        client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "field_operation")))
        grown = client.get("/api/v1/lots/PLOT-1/history", headers={"If-None-Match": etag})
        assert grown.status_code == 200
        assert len(grown.json()["records"]) == 6


@pytest.mark.slow
def test_checkpoints_are_published_on_a_timer(engine: Any) -> None:
    import time

    ledger = Services(
        Store(engine), operator=OPERATOR, log_signer=SignerKey("ginseng.test/log", bytes(32)), checkpoint_every=1000
    )
    grower = Actor("test-grower")
    enrol(ledger, grower)
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    ledger.events.append(grower.sign("PLOT-1", "sow"))
    with LiveServer(create_app(ledger, checkpoint_seconds=0.2)) as server, httpx.Client(base_url=server.url) as client:
        deadline = time.monotonic() + 10
        while (response := client.get("/api/v1/log/checkpoint")).status_code != 200:
            assert time.monotonic() < deadline, "no checkpoint was published by the timer"
            time.sleep(0.1)
        assert response.text.split("\n")[1] == str(3 + 2)  # the grower's enrolment, its plot and sowing


def test_the_bundle_endpoint_serves_a_verifiable_bundle(engine: Any) -> None:
    from ginseng_trace.events.audit import verify_bundle

    log_key = SignerKey("ginseng.test/log", bytes(range(32)))
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=log_key)
    grower = Actor("test-grower")
    enrol(ledger, grower)
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    ledger.events.append(grower.sign("PLOT-1", "sow"))
    ledger.events.append(grower.sign("HV-1", "harvest", inputs=["PLOT-1"]))
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        # no checkpoint covers the lot yet, and reading its bundle does not sign one
        assert_problem(client.get("/api/v1/lots/HV-1/bundle"), 503)
        assert_problem(client.get("/api/v1/log/checkpoint"), 404)
        ledger.checkpointer.publish()
        response = client.get("/api/v1/lots/HV-1/bundle")
        assert response.status_code == 200
        report = verify_bundle(response.content, [log_key.verifier()], anchors=[OPERATOR.verifier()])
        # the grower's organisation's three membership records, the plot's two, the harvest
        assert (report.lot, report.entries, report.lots) == ("HV-1", 3 + 3, ("HV-1", "PLOT-1", "org:test-grower"))
        assert report.organisations == ("test-grower",)
        assert_problem(client.get("/api/v1/lots/NOPE/bundle"), 404)
        # revalidation: 304 while nothing changed, a new bundle once the lot grows
        etag = response.headers["etag"]
        again = client.get("/api/v1/lots/HV-1/bundle", headers={"If-None-Match": etag})
        assert (again.status_code, again.content) == (304, b"")
        ledger.events.append(grower.sign("HV-1", "store"))
        unlogged = client.get("/api/v1/lots/HV-1/bundle")  # as of the latest checkpoint: not the new record yet
        assert verify_bundle(unlogged.content, [log_key.verifier()], anchors=[OPERATOR.verifier()]).entries == 3 + 3
        ledger.checkpointer.publish()
        grown = client.get("/api/v1/lots/HV-1/bundle", headers={"If-None-Match": etag})
        assert grown.status_code == 200
        assert grown.headers["etag"] != etag
        assert verify_bundle(grown.content, [log_key.verifier()], anchors=[OPERATOR.verifier()]).entries == 3 + 4


@pytest.mark.slow
def test_the_bundle_travels_gzipped_to_whoever_accepts_it(demo_site: tuple[httpx.Client, Services]) -> None:
    """A phone on a weak connection fetches the proof bundle compressed (once per log state); each
    representation has its own ETag."""
    import gzip

    client, _ledger = demo_site
    url = "/api/v1/lots/PK-2025-0931/bundle"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    refused = client.get(url, headers={"Accept-Encoding": "br, gzip;q=0"})
    with client.stream("GET", url, headers={"Accept-Encoding": "br;q=1, gzip;q=0.5"}) as response:
        packed = b"".join(response.iter_raw())
        zipped = response.headers
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped["etag"]})
    mismatched = client.get(url, headers={"Accept-Encoding": "identity", "If-None-Match": zipped["etag"]})
    assert "content-encoding" not in plain.headers
    assert "content-encoding" not in refused.headers
    assert zipped["content-encoding"] == "gzip"
    assert gzip.decompress(packed) == plain.content
    assert len(packed) < len(plain.content) / 2
    assert zipped["etag"] != plain.headers["etag"]
    assert "Accept-Encoding" in zipped["vary"]
    assert again.status_code == 304
    assert mismatched.status_code == 200


@pytest.mark.slow
def test_a_revoked_key_gets_a_problem_naming_the_key(client: httpx.Client, ledger: Services, grower: Actor) -> None:
    client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "register_plot")))
    ledger.membership.revoke_key(grower.name, grower.key_id, "device stolen")
    doc = assert_problem(
        client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "sow"))), 403, "/event/key_id"
    )
    assert doc["type"].endswith(":key-not-valid")
    assert "revoked" in doc["detail"]
    assert ledger.records.count() == 5  # enrolment (3), the plot, the revocation


def test_payloads_are_checked_against_their_schema(client: httpx.Client, ledger: Services, grower: Actor) -> None:
    bad = grower.sign(
        "HV-9", "harvest", raw_payload={"crop_age_years": "five", "fresh_weight": {"value": 1, "unit": "lb"}}
    )
    doc = assert_problem(client.post("/api/v1/events", json=envelope(bad)), 422, "/event/payload/crop_age_years")
    pointers = {e["pointer"] for e in doc["errors"]}
    assert "/event/payload/fresh_weight/unit" in pointers
    missing = grower.sign("PLOT-9", "field_operation", raw_payload={"operation": "pesticide"})
    doc = assert_problem(
        client.post("/api/v1/events", json=envelope(missing)), 422, "/event/payload/registration_number"
    )
    assert "/event/payload/pre_harvest_interval_days" in {e["pointer"] for e in doc["errors"]}
    assert ledger.records.count() == 3  # the grower's enrolment only


@pytest.mark.slow
def test_the_catalogue_is_served(client: httpx.Client) -> None:
    schemas = client.get("/api/v1/schemas").json()
    assert len(schemas) == 21 + 1 + 10 + 2 + 2 + 1  # the ginseng events (split and return too), sample, ten
    # membership events, certify and withdraw_certification, quality_release and destroy, epcis_event
    harvest = client.get("/api/v1/schemas/harvest").json()
    assert harvest == schemas["harvest"]
    assert harvest["x-title-zh"] == "采收"
    assert harvest["properties"]["crop_age_years"]["x-unit"] == "years"
    assert_problem(client.get("/api/v1/schemas/teleport"), 422, "/event_type")


def test_nobody_can_bloat_a_lot_with_a_large_event(client: httpx.Client, ledger: Services, grower: Actor) -> None:
    """Every record of a lot travels in every bundle made from it: a payload over the limit is refused by
    rule, in the language asked for, and nothing is stored."""
    client.post("/api/v1/events", json=envelope(grower.sign("PLOT-1", "register_plot")))
    reading = {"at": "2025-06-01T00:00:00Z", "temperature_c": 4.5, "humidity_pct": 60.5}
    readings = [reading] * 400
    big = grower.sign("PLOT-1", "store", raw_payload={"warehouse": "a barn", "readings": readings})
    answer = client.post("/api/v1/events", json=envelope(big), headers={"Accept-Language": "en"})
    problem = assert_problem(answer, 422, "/event/payload")
    assert (problem["rule"], problem["limit"]) == ("event_size", "<= 16384 bytes")
    assert ledger.records.count() == 3 + 1  # the grower's enrolment, its plot
    assert ledger.checks.verify().records == 3 + 1


def test_an_unreachable_database_is_a_503_that_names_no_host() -> None:
    """The driver's message names hosts, ports, tables: it goes to the log, never into the answer."""
    from ginseng_trace.store import create_ledger_engine

    engine = create_ledger_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with (
        LiveServer(create_app(Services(Store(engine), operator=OPERATOR))) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        answer = client.get("/api/v1/lots/PK-1/history")
    problem = assert_problem(answer, 503)
    assert problem["type"] == "urn:ginseng-trace:problem:database-unavailable"
    assert answer.headers["retry-after"] == "5"
    assert "127.0.0.1" not in answer.text
    assert "nobody" not in answer.text
    engine.dispose()
