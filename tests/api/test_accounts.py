"""Accounts over real HTTP, on both engines: logging in and out, the session cookie and its CSRF token, API
tokens failing each way, brute force answered 429, and an event signed with the person's server-held key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain import SignedEvent
from ginseng_trace.service import NewActor, Services
from ginseng_trace.store import Store

from ..conftest import EVERY_PREFIX, OPERATOR, LiveServer, example_payload
from .test_api import assert_problem

KEK = bytes(range(100, 132))
PASSWORD = "correct horse battery staple"
ACTOR = "fusong-wang-farm"
PLOT = {
    "event_id": "wang-2026-0001",
    "lot_id": "PLOT-FS-0042",
    "type": "register_plot",
    "occurred_at": "2026-04-01T02:00:00Z",
    "payload": {"land_type": "farmland", "county": "抚松县", "area_mu": 8},
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(engine: Engine, clock: Clock) -> Iterator[Services]:
    services = Services(Store(engine), clock=clock, key_encryption_key=KEK, operator=OPERATOR)
    services.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # quick, still argon2id
    services.accounts.create("wang", ACTOR, PASSWORD)
    yield services
    services.scans.flush()


@pytest.fixture
def client(services: Services) -> Iterator[httpx.Client]:
    app = create_app(services, login_limit="5/minute")
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        yield client


def log_in(client: httpx.Client, login: str = "wang", password: str = PASSWORD) -> tuple[dict[str, str], str]:
    """(the cookie header to send back, the CSRF token). The cookie is Secure, so httpx would not send it over
    the test's plain HTTP by itself."""
    answer = client.post("/api/v1/session", json={"login": login, "password": password})
    assert answer.status_code == 201, answer.text
    token = answer.cookies["gt_session"]
    return {"Cookie": f"gt_session={token}"}, answer.json()["csrf_token"]


def unauthenticated(answer: httpx.Response) -> dict[str, Any]:
    problem = assert_problem(answer, 401)
    assert answer.headers["www-authenticate"].startswith("Bearer")
    return problem


def test_logging_in_sets_a_strict_cookie_and_answers_who_i_am(client: httpx.Client) -> None:
    answer = client.post("/api/v1/session", json={"login": "wang", "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["actor"] == ACTOR
    assert body["permissions"] == ["events:write"]
    assert len(body["csrf_token"]) >= 43
    cookie = answer.headers["set-cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert attributes[0].startswith("gt_session=")
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= set(attributes)
    assert answer.cookies["gt_session"] not in answer.text  # the session token is in the cookie only

    me = client.get("/api/v1/session", headers={"Cookie": f"gt_session={answer.cookies['gt_session']}"})
    assert me.status_code == 200, me.text
    assert (me.json()["actor"], me.json()["login"]) == (ACTOR, "wang")
    assert "csrf_token" not in me.json()
    unauthenticated(client.get("/api/v1/session"))
    unauthenticated(client.get("/api/v1/session", headers={"Cookie": "gt_session=" + "A" * 43}))


def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(client: httpx.Client) -> None:
    wrong = client.post("/api/v1/session", json={"login": "wang", "password": PASSWORD + "!"})
    unknown = client.post("/api/v1/session", json={"login": "li", "password": PASSWORD})
    assert unauthenticated(wrong) == unauthenticated(unknown)
    assert wrong.content == unknown.content
    assert "set-cookie" not in wrong.headers


def test_guessing_passwords_is_answered_429_with_retry_after(client: httpx.Client) -> None:
    for _ in range(5):
        unauthenticated(client.post("/api/v1/session", json={"login": "wang", "password": "guess-guess-guess"}))
    blocked = client.post("/api/v1/session", json={"login": "wang", "password": PASSWORD})  # even the right one
    problem = assert_problem(blocked, 429)
    assert problem["type"] == "urn:ginseng-trace:problem:rate-limited"
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert client.get("/api/v1/event-types").status_code == 200  # requests without credentials go on


def test_guessing_tokens_is_answered_429(client: httpx.Client) -> None:
    for i in range(5):
        unauthenticated(client.post("/api/v1/me/events", json={"event": PLOT}, headers=bearer(f"gt_{i:016x}_x")))
    assert_problem(client.post("/api/v1/me/events", json={"event": PLOT}, headers=bearer("gt_1_x")), 429)


def test_unsafe_requests_on_a_session_need_its_csrf_token(client: httpx.Client) -> None:
    cookie, csrf = log_in(client)
    _, other_csrf = log_in(client)
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": other_csrf}):
        refused = client.delete("/api/v1/session", headers={**cookie, **headers})
        assert assert_problem(refused, 403)["type"] == "urn:ginseng-trace:problem:csrf"
        refused = client.post("/api/v1/tokens", json={"permissions": ["events:write"]}, headers={**cookie, **headers})
        assert_problem(refused, 403)
    assert client.get("/api/v1/session", headers=cookie).status_code == 200  # still logged in

    ended = client.delete("/api/v1/session", headers={**cookie, "X-CSRF-Token": csrf})
    assert ended.status_code == 204
    assert "max-age=0" in ended.headers["set-cookie"].lower()
    unauthenticated(client.get("/api/v1/session", headers=cookie))
    unauthenticated(client.delete("/api/v1/session", headers={**cookie, "X-CSRF-Token": csrf}))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_fail_each_way_with_a_problem_document(client: httpx.Client, services: Services, clock: Clock) -> None:
    cookie, csrf = log_in(client)
    issued = client.post(
        "/api/v1/tokens",
        json={"permissions": ["events:write"], "days": 30, "label": "field app"},
        headers={**cookie, "X-CSRF-Token": csrf},
    )
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert token.startswith(f"gt_{issued.json()['token_id']}_")
    too_much = client.post("/api/v1/tokens", json={"permissions": ["admin"]}, headers={**cookie, "X-CSRF-Token": csrf})
    assert_problem(too_much, 403)
    for body, pointer in [
        ({"permissions": "events:write"}, "/permissions"),
        ({"permissions": ["events:write"], "days": 10**12}, "/days"),
        ({"permissions": ["events:write"], "days": True}, "/days"),
        ({"permissions": ["root"]}, "/permissions/0"),
        ({"permissions": ["events:write"], "label": 7}, "/label"),
    ]:
        assert_problem(client.post("/api/v1/tokens", json=body, headers={**cookie, "X-CSRF-Token": csrf}), 422, pointer)

    post = "/api/v1/me/events"
    missing = unauthenticated(client.post(post, json={"event": PLOT}))
    malformed = unauthenticated(client.post(post, json={"event": PLOT}, headers=bearer("gt_nonsense")))
    not_bearer = unauthenticated(client.post(post, json={"event": PLOT}, headers={"Authorization": "Basic eDp5"}))
    unknown = unauthenticated(client.post(post, json={"event": PLOT}, headers=bearer(token[:-2] + "xx")))
    assert missing["detail"] != malformed["detail"]
    assert not_bearer["detail"]
    _, scoped = services.tokens.issue(ACTOR, ["private:read"], timedelta(days=1))
    wrong_scope = client.post(post, json={"event": PLOT}, headers=bearer(scoped))
    assert assert_problem(wrong_scope, 403)["type"] == "urn:ginseng-trace:problem:insufficient-scope"

    clock.now += timedelta(days=30)
    expired = unauthenticated(client.post(post, json={"event": PLOT}, headers=bearer(token)))
    clock.now -= timedelta(days=2)
    revoked = client.delete(f"/api/v1/tokens/{issued.json()['token_id']}", headers=bearer(token))
    assert revoked.status_code == 204, revoked.text
    after = unauthenticated(client.post(post, json={"event": PLOT}, headers=bearer(token)))
    assert expired["detail"] == unknown["detail"] == after["detail"]  # never says which
    assert services.records.count() == 0


def test_an_event_signed_with_the_held_key_verifies_with_its_public_key(
    client: httpx.Client, services: Services
) -> None:
    verifier = services.held_keys.create(ACTOR)
    services.membership.enrol(ACTOR, "test organisation", ["grower"], EVERY_PREFIX, [NewActor(verifier)])
    cookie, csrf = log_in(client)
    assert_problem(client.post("/api/v1/me/events", json={"event": PLOT}, headers=cookie), 403)  # no CSRF token
    answer = client.post("/api/v1/me/events", json={"event": PLOT}, headers={**cookie, "X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["event"]["actor"], body["event"]["key_id"]) == (ACTOR, verifier.key_id_hex)
    SignedEvent.from_json(body["event"], body["record"]["sig"]).verify(verifier)
    assert services.checks.verify().records == 3 + 1  # the enrolment, the plot

    _, token = services.tokens.issue(ACTOR, ["events:write"], timedelta(days=1))
    sow = {**PLOT, "event_id": "wang-2026-0002", "type": "sow", "occurred_at": "2026-04-20T00:30:00Z"}
    sow["payload"] = example_payload("sow")
    by_token = client.post("/api/v1/me/events", json={"event": sow}, headers=bearer(token))
    assert by_token.status_code == 201, by_token.text
    assert services.checks.verify().records == 3 + 2  # the enrolment, the plot, the sowing


def test_without_a_held_key_nothing_is_signed(engine: Engine) -> None:
    services = Services(Store(engine), operator=OPERATOR)
    services.accounts.create("li", "ji-an-farm", PASSWORD)
    with LiveServer(create_app(services)) as server, httpx.Client(base_url=server.url) as client:
        cookie, csrf = log_in(client, "li")
        disabled = client.post("/api/v1/me/events", json={"event": PLOT}, headers={**cookie, "X-CSRF-Token": csrf})
        assert assert_problem(disabled, 503)["type"] == "urn:ginseng-trace:problem:held-keys-disabled"
    assert services.records.count() == 0


@pytest.fixture
def roomy(services: Services) -> Iterator[httpx.Client]:
    """A client whose failed-credential limit is out of the way, for tests that fail many credentials."""
    app = create_app(services, login_limit="1000/minute")
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        yield client


def enrol_with_held_key(services: Services) -> None:
    verifier = services.held_keys.create(ACTOR)
    services.membership.enrol(ACTOR, "test organisation", ["grower"], EVERY_PREFIX, [NewActor(verifier)])


def submit(client: httpx.Client, headers: dict[str, str], n: int) -> httpx.Response:
    """A plot of the person's, numbered ``n``, for the server to sign with their held key: what their scripts do."""
    plot = {**PLOT, "event_id": f"wang-2026-{n:04}", "lot_id": f"PLOT-FS-{n:04}"}
    return client.post("/api/v1/me/events", json={"event": plot}, headers=headers)


def test_disabling_an_account_ends_its_sessions_and_the_tokens_it_issued_at_once(
    roomy: httpx.Client, services: Services
) -> None:
    enrol_with_held_key(services)
    first, csrf = log_in(roomy)
    second, _ = log_in(roomy)
    issued = roomy.post(
        "/api/v1/tokens", json={"permissions": ["events:write"]}, headers={**first, "X-CSRF-Token": csrf}
    )
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    operators_id, operators = services.tokens.issue(ACTOR, ["events:write"], timedelta(days=1), "operator's")
    assert submit(roomy, bearer(token), 1).status_code == 201
    wrong = roomy.post("/api/v1/session", json={"login": "wang", "password": PASSWORD + "!"})

    change = services.accounts.disable("wang")  # what `ginseng-trace admin account disable wang` does
    assert (change.sessions_ended, change.tokens_revoked, change.other_tokens) == (2, 1, (operators_id,))
    for cookie in (first, second):
        assert unauthenticated(roomy.get("/api/v1/session", headers=cookie))["detail"].startswith("the session is")
    assert_problem(roomy.delete("/api/v1/session", headers={**first, "X-CSRF-Token": csrf}), 401)
    unauthenticated(submit(roomy, bearer(token), 2))  # the person's scripts stop
    disabled = roomy.post("/api/v1/session", json={"login": "wang", "password": PASSWORD})
    assert unauthenticated(disabled) == unauthenticated(wrong)
    assert disabled.content == wrong.content  # a disabled account is not told apart from a wrong password
    assert "set-cookie" not in disabled.headers
    # the operator's token for the actor is the operator's to revoke (admin account disable names it)
    assert submit(roomy, bearer(operators), 3).status_code == 201

    services.accounts.enable("wang")
    unauthenticated(roomy.get("/api/v1/session", headers=first))  # enabling revives nothing
    unauthenticated(submit(roomy, bearer(token), 4))
    again, _ = log_in(roomy)
    assert roomy.get("/api/v1/session", headers=again).json()["login"] == "wang"


NEW_PASSWORD = "a much longer passphrase, 2026"


def test_a_person_changes_their_password_and_every_other_session_ends(roomy: httpx.Client, services: Services) -> None:
    enrol_with_held_key(services)
    cookie, csrf = log_in(roomy)
    elsewhere, _ = log_in(roomy)
    _, other_csrf = log_in(roomy)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    for headers in ({}, {"X-CSRF-Token": other_csrf}):
        refused = roomy.post("/api/v1/me/password", json=change, headers={**cookie, **headers})
        assert assert_problem(refused, 403)["type"] == "urn:ginseng-trace:problem:csrf"
    unauthenticated(roomy.post("/api/v1/me/password", json=change))
    _, token = issued_over_http(roomy, cookie, csrf)
    unauthenticated(roomy.post("/api/v1/me/password", json=change, headers=bearer(token)))  # a session's, not a token's

    changed = roomy.post("/api/v1/me/password", json=change, headers={**cookie, "X-CSRF-Token": csrf})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["login"], body["actor"]) == ("wang", ACTOR)
    assert body["csrf_token"] != csrf
    attributes = [part.strip().lower() for part in changed.headers["set-cookie"].split(";")]
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= set(attributes)
    renewed = {"Cookie": f"gt_session={changed.cookies['gt_session']}"}
    assert renewed != cookie
    assert changed.headers["cache-control"] == "no-store"

    for old in (cookie, elsewhere):  # this session is renewed, every other one ends
        unauthenticated(roomy.get("/api/v1/session", headers=old))
    assert roomy.get("/api/v1/session", headers=renewed).json()["login"] == "wang"
    sessions = roomy.get("/api/v1/me/sessions", headers=renewed)
    assert sessions.status_code == 200, sessions.text
    assert [s["current"] for s in sessions.json()["sessions"]] == [True]
    unauthenticated(roomy.post("/api/v1/session", json={"login": "wang", "password": PASSWORD}))
    log_in(roomy, password=NEW_PASSWORD)
    assert submit(roomy, bearer(token), 1).status_code == 201  # a token is a credential of its own: it goes on
    stale = roomy.post("/api/v1/me/password", json=change, headers={**renewed, "X-CSRF-Token": csrf})
    assert_problem(stale, 403)  # the old CSRF token went with the old session
    ok = roomy.post(
        "/api/v1/me/password",
        json={"current_password": NEW_PASSWORD, "new_password": PASSWORD},
        headers={**renewed, "X-CSRF-Token": body["csrf_token"]},
    )
    assert ok.status_code == 200, ok.text


def issued_over_http(client: httpx.Client, cookie: dict[str, str], csrf: str) -> tuple[str, str]:
    issued = client.post(
        "/api/v1/tokens", json={"permissions": ["events:write"]}, headers={**cookie, "X-CSRF-Token": csrf}
    )
    assert issued.status_code == 201, issued.text
    return issued.json()["token_id"], issued.json()["token"]


def test_a_bad_password_change_is_a_problem_naming_the_field_and_changes_nothing(
    roomy: httpx.Client, services: Services
) -> None:
    cookie, csrf = log_in(roomy)
    headers = {**cookie, "X-CSRF-Token": csrf}
    for body, status, pointer in [
        ({"current_password": PASSWORD + "!", "new_password": NEW_PASSWORD}, 401, "/current_password"),
        ({"current_password": "x" * 5000, "new_password": NEW_PASSWORD}, 401, "/current_password"),
        ({"current_password": "", "new_password": NEW_PASSWORD}, 401, "/current_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, 422, "/new_password"),
        ({"current_password": PASSWORD, "new_password": "x" * 1025}, 422, "/new_password"),
        ({"current_password": PASSWORD, "new_password": PASSWORD}, 422, "/new_password"),
        ({"current_password": PASSWORD, "new_password": None}, 422, "/new_password"),
        ({"current_password": 12, "new_password": NEW_PASSWORD}, 422, "/current_password"),
        ({"current_password": PASSWORD}, 422, "/new_password"),
        ({"new_password": NEW_PASSWORD}, 422, "/current_password"),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "login": "li"}, 422, "/login"),
        ([PASSWORD, NEW_PASSWORD], 422, ""),
    ]:
        answer = roomy.post("/api/v1/me/password", json=body, headers=headers)
        problem = assert_problem(answer, status, pointer)
        if status == 401:
            assert problem["type"] == "urn:ginseng-trace:problem:wrong-password"
            assert answer.headers["www-authenticate"].startswith("Bearer")
    not_json = roomy.post("/api/v1/me/password", content=b"{", headers={**headers, "Content-Type": "application/json"})
    assert_problem(not_json, 400)
    assert roomy.get("/api/v1/session", headers=cookie).status_code == 200  # wrong guesses do not end the session
    assert services.accounts.login("wang", PASSWORD).login == "wang"  # nothing changed


def test_guessing_the_current_password_is_answered_429(client: httpx.Client) -> None:
    cookie, csrf = log_in(client)
    guess = {"current_password": "guess-guess-guess", "new_password": NEW_PASSWORD}
    for _ in range(5):
        answer = client.post("/api/v1/me/password", json=guess, headers={**cookie, "X-CSRF-Token": csrf})
        assert_problem(answer, 401, "/current_password")
    right = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    blocked = client.post("/api/v1/me/password", json=right, headers={**cookie, "X-CSRF-Token": csrf})
    assert assert_problem(blocked, 429)["type"] == "urn:ginseng-trace:problem:rate-limited"
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert client.get("/api/v1/event-types").status_code == 200  # requests without credentials go on


def test_my_sessions_lists_the_live_ones_and_marks_this_one(roomy: httpx.Client) -> None:
    cookie, _ = log_in(roomy)
    other, other_csrf = log_in(roomy)
    ended, ended_csrf = log_in(roomy)
    assert roomy.delete("/api/v1/session", headers={**ended, "X-CSRF-Token": ended_csrf}).status_code == 204
    answer = roomy.get("/api/v1/me/sessions", headers=cookie)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    listed = answer.json()["sessions"]
    assert sorted(s["current"] for s in listed) == [False, True]
    assert all(set(s) == {"created_at", "expires_at", "current"} for s in listed)
    assert other["Cookie"].split("=", 1)[1] not in answer.text
    unauthenticated(roomy.get("/api/v1/me/sessions"))
    unauthenticated(roomy.get("/api/v1/me/sessions", headers=ended))
    _, token = issued_over_http(roomy, other, other_csrf)
    unauthenticated(roomy.get("/api/v1/me/sessions", headers=bearer(token)))
