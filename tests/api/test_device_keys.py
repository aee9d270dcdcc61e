"""A person registers a key made on their device for their own actor (POST /api/v1/me/keys), over real HTTP on
both engines: a register_key membership event signed by the operator, after which events the device signs are
stored; never a key for another actor; the session's CSRF token is needed; a malformed key is a 422 naming the
field; at most MAX_LIVE_KEYS live keys per actor; a key registered before is not registered again."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.chain.times import format_utc
from ginseng_trace.service import Services
from ginseng_trace.service.membership import MAX_LIVE_KEYS

from ..conftest import Actor
from .test_api import assert_problem, envelope
from .test_home import GROWER, PASSWORD, WORKS, client, services  # noqa: F401 - the story's ledger fixtures


def session(client: httpx.Client, login: str) -> dict[str, str]:  # noqa: F811
    answer = client.post("/api/v1/session", json={"login": login, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"Cookie": f"gt_session={answer.cookies['gt_session']}", "X-CSRF-Token": answer.json()["csrf_token"]}


def register(client: httpx.Client, headers: dict[str, str], key: object) -> httpx.Response:  # noqa: F811
    return client.post("/api/v1/me/keys", json={"key": key}, headers=headers)


@pytest.mark.slow
def test_a_grower_registers_a_device_key_and_then_signs_with_it(client: httpx.Client, services: Services) -> None:  # noqa: F811
    device = Actor(GROWER.name, SignerKey.generate(GROWER.name))
    headers = session(client, GROWER.name)
    before = client.post("/api/v1/events", json=envelope(device.sign("PLOT-1", "field_operation")))
    assert assert_problem(before, 422)["type"].endswith("unknown-key")  # not registered yet
    answer = register(client, headers, device.key.verifier().text())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["actor"], body["key_id"]) == (GROWER.name, device.key_id)
    record = services.records.record(body["record_hash"])
    assert record.event["type"] == "register_key"
    assert record.event["actor"] == "operator"
    assert record.event["payload"] == {"actor": GROWER.name, "key": device.key.verifier().text()}
    now = format_utc(datetime.now(UTC).replace(microsecond=0))
    stored = client.post("/api/v1/events", json=envelope(device.sign("PLOT-1", "field_operation", occurred_at=now)))
    assert stored.status_code == 201, stored.text
    again = register(client, headers, device.key.verifier().text())  # the same key: nothing new recorded
    assert again.status_code == 200
    assert again.json()["record_hash"] is None
    services.checks.verify("PLOT-1")  # raises at a broken record


def test_only_ones_own_actor(client: httpx.Client) -> None:  # noqa: F811
    headers = session(client, GROWER.name)
    other = SignerKey.generate(WORKS.name).verifier().text()
    assert assert_problem(register(client, headers, other), 403, "/key")["detail"].startswith("a key named 'js-works'")


def test_the_csrf_token_is_needed(client: httpx.Client) -> None:  # noqa: F811
    headers = session(client, GROWER.name)
    key = SignerKey.generate(GROWER.name).verifier().text()
    for csrf in ({}, {"X-CSRF-Token": "wrong"}):
        answer = register(client, {"Cookie": headers["Cookie"], **csrf}, key)
        assert assert_problem(answer, 403)["type"] == "urn:ginseng-trace:problem:csrf"
    assert assert_problem(client.post("/api/v1/me/keys", json={"key": key}), 401)


@pytest.mark.parametrize(
    "key",
    [
        "fs-grower+00000000+AQ==",  # too short
        "not a key",
        42,
        "fs-grower+deadbeef+" + "A" * 44,  # a key id that does not match
        "fs-grower+49c5a953+AQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # the identity: anyone signs for it
    ],
)
@pytest.mark.slow
def test_a_malformed_key_is_a_422_naming_the_field(client: httpx.Client, key: object) -> None:  # noqa: F811
    assert_problem(register(client, session(client, GROWER.name), key), 422, "/key")


def test_an_actor_holds_at_most_so_many_live_keys(client: httpx.Client, services: Services) -> None:  # noqa: F811
    headers = session(client, GROWER.name)
    held = len([k for k in services.keys.all([GROWER.name]) if k.ends is None])
    for _ in range(MAX_LIVE_KEYS - held):
        assert register(client, headers, SignerKey.generate(GROWER.name).verifier().text()).status_code == 201
    refused = register(client, headers, SignerKey.generate(GROWER.name).verifier().text())
    assert "at most" in assert_problem(refused, 403, "/key")["detail"]


def test_the_app_is_installable_and_its_worker_controls_the_app_scope(client: httpx.Client) -> None:  # noqa: F811
    manifest = client.get("/app/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert (body["start_url"], body["scope"], body["display"]) == ("/app", "/app", "standalone")
    assert client.get(body["icons"][0]["src"]).status_code == 200
    worker = client.get("/app/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/app"
    assert '"/static/outbox.js"' in worker.text
    page = client.get("/app/record?type=field_operation&lot=PLOT-1")
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in page.text
    for script in ("verify-crypto.js", "verify-core.js", "sign-core.js", "outbox.js", "record.js"):
        assert f'src="/static/{script}" integrity="sha384-' in page.text
