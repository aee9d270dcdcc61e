"""Accounts, sessions, API tokens and server-held keys over the store, on both engines: what is stored is
never the secret, and every way a credential can fail fails with its own error."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text

from ginseng_trace.chain import SignerKey
from ginseng_trace.chain.errors import MalformedError
from ginseng_trace.service import (
    BadCredentialsError,
    HeldKeysDisabledError,
    HeldKeyUnreadableError,
    MissingCredentialsError,
    Permission,
    Services,
    WrongPasswordError,
    WrongScopeError,
)
from ginseng_trace.service.errors import ConflictError, NotFoundError
from ginseng_trace.service.held_keys import HeldKeys, parse_key_encryption_key
from ginseng_trace.store import Store

from ..conftest import OPERATOR, enrol

KEK = bytes(range(100, 132))
PASSWORD = "correct horse battery staple"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(engine: Engine, clock: Clock) -> Iterator[Services]:
    services = Services(Store(engine), clock=clock, key_encryption_key=KEK, session_hours=12, operator=OPERATOR)
    yield services
    services.scans.flush()


def rows(engine: Engine, *tables: str) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = []
    with engine.connect() as conn:
        for table in tables:
            found += [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    assert found, f"no rows in {tables}"
    return found


def as_bytes(value: object) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return str(value).encode()


def test_passwords_are_argon2id_and_a_login_opens_a_session(services: Services, engine: Engine) -> None:
    account = services.accounts.create("wang@fusong", "fusong-wang-farm", PASSWORD)
    assert account.actor == "fusong-wang-farm"
    (stored,) = rows(engine, "accounts")
    assert str(stored[2]).startswith("$argon2id$")
    assert PASSWORD not in str(stored)
    session = services.accounts.login("wang@fusong", PASSWORD)
    assert len(base64.urlsafe_b64decode(session.token + "=")) == 32
    found = services.accounts.session(session.token)
    assert found is not None
    assert (found.actor, found.login, found.expires_at) == ("fusong-wang-farm", "wang@fusong", session.expires_at)
    assert found.csrf_matches(session.csrf_token)
    assert not found.csrf_matches("")
    assert not found.csrf_matches(session.csrf_token[:-1] + "x")
    with pytest.raises(ConflictError, match="taken"):
        services.accounts.create("wang@fusong", "other", PASSWORD)


@pytest.mark.slow
def test_a_wrong_password_and_an_unknown_login_fail_alike(services: Services) -> None:
    services.accounts.create("wang", "fusong-wang-farm", PASSWORD)
    with pytest.raises(BadCredentialsError) as wrong:
        services.accounts.login("wang", PASSWORD + "!")
    with pytest.raises(BadCredentialsError) as unknown:
        services.accounts.login("li", PASSWORD)
    with pytest.raises(BadCredentialsError) as odd:
        services.accounts.login("NOT A LOGIN", PASSWORD)
    assert wrong.value.diagnostics() == unknown.value.diagnostics() == odd.value.diagnostics()


def test_a_hash_with_old_parameters_is_replaced_at_login(services: Services, engine: Engine) -> None:
    services.accounts.hasher = CHEAP
    services.accounts.create("wang", "fusong-wang-farm", PASSWORD)
    (before,) = rows(engine, "accounts")
    assert "m=8,t=1,p=1" in str(before[2])
    services.accounts.hasher = PasswordHasher()  # today's parameters
    services.accounts.login("wang", PASSWORD)
    (after,) = rows(engine, "accounts")
    assert str(after[2]).startswith("$argon2id$")
    assert "m=8,t=1,p=1" not in str(after[2])
    assert services.accounts.hasher.verify(str(after[2]), PASSWORD)
    assert services.accounts.login("wang", PASSWORD).actor == "fusong-wang-farm"


def test_sessions_expire_and_end_at_logout(services: Services, clock: Clock) -> None:
    services.accounts.hasher = CHEAP
    services.accounts.create("wang", "fusong-wang-farm", PASSWORD)
    first = services.accounts.login("wang", PASSWORD)
    second = services.accounts.login("wang", PASSWORD)
    assert services.accounts.logout(first.token)
    assert services.accounts.session(first.token) is None
    assert not services.accounts.logout(first.token)
    assert services.accounts.session(second.token) is not None
    clock.now += timedelta(hours=12)
    assert services.accounts.session(second.token) is None
    assert services.accounts.session("not a token") is None
    assert services.accounts.session("A" * 43) is None


def test_a_disabled_account_neither_logs_in_nor_keeps_its_sessions(services: Services, engine: Engine) -> None:
    services.accounts.hasher = CHEAP
    services.accounts.create("wang", "fusong-wang-farm", PASSWORD)
    session = services.accounts.login("wang", PASSWORD)
    with engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET disabled_at = '2026-12-01T09:00:00.000000Z'"))
    assert services.accounts.session(session.token) is None
    with pytest.raises(BadCredentialsError):
        services.accounts.login("wang", PASSWORD)


def test_weak_input_is_refused_by_field(services: Services) -> None:
    for login, actor, password, pointer in [
        ("Wang Farm", "fusong-wang-farm", PASSWORD, "/login"),
        ("wang", "Fusong Wang", PASSWORD, "/actor"),
        ("wang", "fusong-wang-farm", "short", "/password"),
    ]:
        with pytest.raises(MalformedError) as refused:
            services.accounts.create(login, actor, password)
        assert [p.pointer for p in refused.value.problems] == [pointer]


def test_tokens_fail_each_way_with_their_own_error(services: Services, clock: Clock) -> None:
    token_id, token = services.tokens.issue("fusong-wang-farm", ["events:write"], timedelta(days=90), "field app")
    assert token.startswith(f"gt_{token_id}_")
    assert len(token.split("_", 2)[2]) >= 43  # 256 random bits
    grant = services.tokens.check(token, Permission.EVENTS_WRITE)
    assert (grant.actor, grant.permissions) == ("fusong-wang-farm", (Permission.EVENTS_WRITE,))

    for missing in (None, "", "gt_nothing", "Basic abc", token + "x"):
        with pytest.raises(MissingCredentialsError):
            services.tokens.check(missing, Permission.EVENTS_WRITE)
    other_secret = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    unknown = f"gt_{'0' * 16}_{token.split('_', 2)[2]}"
    for bad in (other_secret, unknown):
        with pytest.raises(BadCredentialsError):
            services.tokens.check(bad, Permission.EVENTS_WRITE)
    with pytest.raises(WrongScopeError, match="private:read"):
        services.tokens.check(token, Permission.PRIVATE_READ)

    clock.now += timedelta(days=90)
    with pytest.raises(BadCredentialsError):
        services.tokens.check(token, Permission.EVENTS_WRITE)
    clock.now -= timedelta(days=1)
    assert services.tokens.check(token, Permission.EVENTS_WRITE).token_id == token_id
    services.tokens.revoke(token_id)
    with pytest.raises(BadCredentialsError):
        services.tokens.check(token, Permission.EVENTS_WRITE)
    with pytest.raises(NotFoundError):
        services.tokens.revoke(token_id)


def test_admin_covers_every_permission_and_unknown_ones_are_refused(services: Services) -> None:
    _, admin = services.tokens.issue("regulator", ["admin"], timedelta(days=1))
    for needed in Permission:
        assert services.tokens.check(admin, needed).actor == "regulator"
    with pytest.raises(MalformedError, match="unknown permission"):
        services.tokens.issue("regulator", ["events:write", "root"], timedelta(days=1))
    with pytest.raises(MalformedError, match="at least one"):
        services.tokens.issue("regulator", [], timedelta(days=1))
    with pytest.raises(WrongScopeError):
        services.tokens.issue("regulator", ["admin"], timedelta(days=1), within=(Permission.EVENTS_WRITE,))


def test_no_stored_column_holds_a_secret(services: Services, engine: Engine) -> None:
    services.accounts.hasher = CHEAP
    services.accounts.create("wang", "fusong-wang-farm", PASSWORD)
    session = services.accounts.login("wang", PASSWORD)
    _, token = services.tokens.issue("fusong-wang-farm", ["events:write"], timedelta(days=1))
    verifier = services.held_keys.create("fusong-wang-farm")
    seed = services.held_keys.signer("fusong-wang-farm", verifier.key_id_hex).seed
    secret = token.split("_", 2)[2]
    raw_session = base64.urlsafe_b64decode(session.token + "=")
    secrets = [PASSWORD.encode(), token.encode(), secret.encode(), session.token.encode(), raw_session, seed]
    secrets += [session.csrf_token.encode(), base64.b64encode(seed), seed.hex().encode()]
    for row in rows(engine, "accounts", "sessions", "api_tokens", "held_keys"):
        for column in row:
            stored = as_bytes(column)
            for value in secrets:
                assert value not in stored, (value, column)


def test_a_held_key_signs_as_its_actor_and_only_under_its_kek(services: Services, engine: Engine) -> None:
    verifier = services.held_keys.create("fusong-wang-farm")
    assert verifier.name == "fusong-wang-farm"
    signer = services.held_keys.signer("fusong-wang-farm")
    assert signer.verifier() == verifier
    assert verifier.verifies(signer.sign(b"message"), b"message")
    assert "seed" not in repr(services.held_keys)
    assert signer.seed.hex() not in repr(signer)
    assert repr(signer.seed) not in repr(signer)
    (row,) = rows(engine, "held_keys")
    assert signer.seed not in as_bytes(row[3])

    other = HeldKeys(services.store, bytes(range(1, 33)))
    with pytest.raises(HeldKeyUnreadableError, match="does not decrypt") as unreadable:
        other.signer("fusong-wang-farm")
    assert signer.seed.hex() not in unreadable.value.diagnostics()
    with pytest.raises(HeldKeysDisabledError, match="TRACE_KEY_ENCRYPTION_KEY"):
        HeldKeys(services.store, None, clock=services.clock).create("fusong-wang-farm")
    with pytest.raises(NotFoundError):
        services.held_keys.signer("nobody")


def test_a_held_key_row_moved_to_another_actor_does_not_decrypt(services: Services, engine: Engine) -> None:
    verifier = services.held_keys.create("fusong-wang-farm")
    with engine.begin() as conn:
        conn.execute(text("UPDATE held_keys SET actor = 'ji-an-farm'"))
    with pytest.raises(HeldKeyUnreadableError):
        services.held_keys.signer("ji-an-farm", verifier.key_id_hex)


def test_the_key_encryption_key_is_32_random_bytes_in_base64() -> None:
    good = base64.b64encode(KEK).decode()
    assert parse_key_encryption_key(good) == KEK
    for bad in ("not base64!", base64.b64encode(KEK[:16]).decode(), base64.b64encode(bytes(32)).decode()):
        with pytest.raises(MalformedError, match="key_encryption_key"):
            parse_key_encryption_key(bad)


def test_sign_as_signs_with_the_given_key(ledger: Services) -> None:
    key = SignerKey.generate("fusong-wang-farm")
    enrol(ledger, key)
    body = {
        "event_id": "wang-1",
        "lot_id": "PLOT-1",
        "type": "register_plot",
        "occurred_at": "2026-04-01T02:00:00Z",
        "payload": {"land_type": "farmland", "county": "抚松县", "area_mu": 8},
    }
    signed = ledger.events.sign_as(key, body)
    signed.verify(key.verifier())
    assert ledger.events.append(signed).created
    with pytest.raises(MalformedError, match="set by the server"):
        ledger.events.sign_as(key, {**body, "actor": "someone-else"})


# -- disabling, enabling, changing and resetting passwords ---------------------------------------------------


@pytest.fixture
def wang(services: Services) -> Services:
    """``services`` with the account ``wang`` (actor fusong-wang-farm), quick to hash."""
    services.accounts.hasher = CHEAP
    services.accounts.create("wang", "fusong-wang-farm", PASSWORD)
    return services


def test_disabling_ends_the_sessions_and_the_tokens_the_account_issued_for_good(wang: Services, clock: Clock) -> None:
    first = wang.accounts.login("wang", PASSWORD)
    second = wang.accounts.login("wang", PASSWORD)
    _, own = wang.tokens.issue("fusong-wang-farm", ["events:write"], timedelta(days=9), issued_by="wang")
    operators_id, operators = wang.tokens.issue("fusong-wang-farm", ["events:write"], timedelta(days=9))
    with pytest.raises(BadCredentialsError) as wrong:
        wang.accounts.login("wang", PASSWORD + "!")

    clock.now += timedelta(minutes=1)
    change = wang.accounts.disable("wang")
    assert (change.changed, change.sessions_ended, change.tokens_revoked) == (True, 2, 1)
    assert change.disabled_at == "2026-12-01T08:01:00.000000Z"
    assert change.other_tokens == (operators_id,)  # the operator's token for the actor is the operator's to revoke
    assert wang.accounts.session(first.token) is None
    assert wang.accounts.session(second.token) is None
    with pytest.raises(BadCredentialsError) as disabled:
        wang.accounts.login("wang", PASSWORD)
    assert disabled.value.diagnostics() == wrong.value.diagnostics()
    with pytest.raises(BadCredentialsError) as refused:
        wang.tokens.check(own, Permission.EVENTS_WRITE)
    assert refused.value.diagnostics() == "the token is unknown, expired or revoked"
    assert wang.tokens.check(operators, Permission.EVENTS_WRITE).token_id == operators_id
    assert [t.token_id for t in wang.tokens.live("fusong-wang-farm")] == [operators_id]

    again = wang.accounts.disable("wang")  # idempotent: the first time stays
    assert (again.changed, again.disabled_at, again.sessions_ended, again.tokens_revoked) == (
        False,
        change.disabled_at,
        0,
        0,
    )
    assert wang.accounts.states()[0].disabled_at == change.disabled_at

    enabled = wang.accounts.enable("wang")
    assert (enabled.changed, enabled.disabled_at) == (True, None)
    assert not wang.accounts.enable("wang").changed
    assert wang.accounts.session(first.token) is None  # enabling revives nothing
    with pytest.raises(BadCredentialsError):
        wang.tokens.check(own, Permission.EVENTS_WRITE)
    assert wang.accounts.session(wang.accounts.login("wang", PASSWORD).token) is not None


def test_a_token_whose_issuing_account_is_disabled_is_refused_even_unrevoked(wang: Services, engine: Engine) -> None:
    _, own = wang.tokens.issue("fusong-wang-farm", ["events:write"], timedelta(days=9), issued_by="wang")
    with engine.begin() as conn:  # disabled behind the service's back: nothing was revoked
        conn.execute(text("UPDATE accounts SET disabled_at = '2026-12-01T09:00:00.000000Z'"))
    with pytest.raises(BadCredentialsError):
        wang.tokens.check(own, Permission.EVENTS_WRITE)
    assert wang.tokens.live("fusong-wang-farm") == []


def test_an_unknown_account_is_not_found(wang: Services) -> None:
    for change in (wang.accounts.disable, wang.accounts.enable):
        for login in ("li", "NOT A LOGIN", ""):
            with pytest.raises(NotFoundError, match="no account"):
                change(login)
    with pytest.raises(NotFoundError):
        wang.accounts.reset_password("li", PASSWORD)


def test_changing_the_password_ends_every_session_and_renews_the_current_one(wang: Services, clock: Clock) -> None:
    current = wang.accounts.login("wang", PASSWORD)
    elsewhere = wang.accounts.login("wang", PASSWORD)
    token_id, token = wang.tokens.issue("fusong-wang-farm", ["events:write"], timedelta(days=9), issued_by="wang")
    renewed = wang.accounts.change_password(current.token, PASSWORD, "a new and longer passphrase")
    assert (renewed.login, renewed.actor) == ("wang", "fusong-wang-farm")
    assert renewed.token != current.token
    assert renewed.csrf_token != current.csrf_token
    assert wang.accounts.session(current.token) is None
    assert wang.accounts.session(elsewhere.token) is None
    found = wang.accounts.session(renewed.token)
    assert found is not None
    assert found.csrf_matches(renewed.csrf_token)
    assert not found.csrf_matches(current.csrf_token)
    with pytest.raises(BadCredentialsError):
        wang.accounts.login("wang", PASSWORD)
    clock.now += timedelta(minutes=1)
    assert wang.accounts.login("wang", "a new and longer passphrase").actor == "fusong-wang-farm"
    assert wang.tokens.check(token, Permission.EVENTS_WRITE).token_id == token_id  # a token is its own credential
    assert [s.current for s in wang.accounts.sessions(renewed.token)] == [False, True]  # newest first


def test_a_password_change_is_refused_by_field_and_a_wrong_current_one_is_a_failed_credential(
    wang: Services,
) -> None:
    session = wang.accounts.login("wang", PASSWORD)
    for current, new, pointer in [
        (PASSWORD, "short", "/new_password"),
        (PASSWORD, None, "/new_password"),
        (PASSWORD, "x" * 1025, "/new_password"),
        (7, "a new and longer passphrase", "/current_password"),
        (PASSWORD, PASSWORD, "/new_password"),
    ]:
        with pytest.raises(MalformedError) as refused:
            wang.accounts.change_password(session.token, current, new)
        assert [p.pointer for p in refused.value.problems] == [pointer]
    for wrong in (PASSWORD + "!", "", "x" * 5000):
        with pytest.raises(WrongPasswordError) as failed:
            wang.accounts.change_password(session.token, wrong, "a new and longer passphrase")
        assert failed.value.pointer == "/current_password"
        assert isinstance(failed.value, BadCredentialsError)
    assert wang.accounts.session(session.token) is not None  # a wrong guess does not end the session
    wang.accounts.logout(session.token)
    for token in (session.token, "not a token"):
        with pytest.raises(BadCredentialsError):
            wang.accounts.change_password(token, PASSWORD, "a new and longer passphrase")
    assert wang.accounts.login("wang", PASSWORD).actor == "fusong-wang-farm"  # nothing changed


def test_the_operator_resets_a_password_and_every_session_ends(wang: Services) -> None:
    sessions = [wang.accounts.login("wang", PASSWORD) for _ in range(3)]
    change = wang.accounts.reset_password("wang", "set by the operator")
    assert change.sessions_ended == 3
    assert all(wang.accounts.session(s.token) is None for s in sessions)
    assert wang.accounts.login("wang", "set by the operator").login == "wang"
    with pytest.raises(MalformedError) as refused:
        wang.accounts.reset_password("wang", "short")
    assert [p.pointer for p in refused.value.problems] == ["/password"]
    wang.accounts.disable("wang")
    assert wang.accounts.reset_password("wang", "another from the operator").disabled_at is not None
    with pytest.raises(BadCredentialsError):
        wang.accounts.login("wang", "another from the operator")  # a reset does not enable


class Racing(PasswordHasher):
    """A hasher that, between checking a password and the session's write, lets ``meanwhile`` happen: what a
    concurrent request does in the gap."""

    def __init__(self, meanwhile: Callable[[], object]) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.meanwhile: Callable[[], object] | None = meanwhile

    def check_needs_rehash(self, hash: str | bytes) -> bool:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return super().check_needs_rehash(hash)


@pytest.mark.parametrize("meanwhile", ["disable", "reset"])
def test_a_login_racing_a_disable_or_a_reset_opens_no_session(wang: Services, engine: Engine, meanwhile: str) -> None:
    def race() -> object:
        if meanwhile == "disable":
            return wang.accounts.disable("wang")
        return wang.accounts.reset_password("wang", "set by the operator")

    wang.accounts.hasher = Racing(race)
    with pytest.raises(BadCredentialsError):
        wang.accounts.login("wang", PASSWORD)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 0
    wang.accounts.enable("wang")
    if meanwhile == "reset":
        with pytest.raises(BadCredentialsError):
            wang.accounts.login("wang", PASSWORD)
    else:  # the password still holds; a new login opens a session as ever
        assert wang.accounts.session(wang.accounts.login("wang", PASSWORD).token) is not None


def test_the_operator_lists_accounts_with_their_live_sessions(wang: Services, clock: Clock) -> None:
    wang.accounts.create("li", "ji-an-farm", PASSWORD)
    wang.accounts.login("wang", PASSWORD)
    ended = wang.accounts.login("wang", PASSWORD)
    wang.accounts.login("wang", PASSWORD)
    wang.accounts.logout(ended.token)
    wang.accounts.disable("li")
    states = {s.login: s for s in wang.accounts.states()}
    assert list(states) == ["li", "wang"]
    assert (states["wang"].live_sessions, states["wang"].disabled_at, states["wang"].actor) == (
        2,
        None,
        "fusong-wang-farm",
    )
    assert states["li"].disabled_at is not None
    clock.now += timedelta(hours=12)
    assert [s.live_sessions for s in wang.accounts.states()] == [0, 0]
