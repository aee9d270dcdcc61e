"""``ginseng-trace admin``, in-process on both engines: accounts (the password from standard input, never an
argument), tokens printed once and revocable, held keys printing the verifier key to register."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from ginseng_trace.chain import VerifierKey
from ginseng_trace.cli import main
from ginseng_trace.service import BadCredentialsError, NewActor, Permission, Services
from ginseng_trace.store import Store, create_ledger_engine, migrate

from ..conftest import OPERATOR

PASSWORD = "correct horse battery staple"


@pytest.fixture
def db(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("TRACE_KEY_ENCRYPTION_KEY", base64.b64encode(bytes(range(100, 132))).decode())
    return [f"--database-url={database_url}", f"--data-dir={tmp_path / 'data'}"]


@pytest.fixture
def ledger(database_url: str) -> Iterator[Services]:
    store = Store(create_ledger_engine(database_url))
    yield Services(store, operator=OPERATOR)
    store.close()


def test_an_account_made_on_the_command_line_can_log_in(
    db: list[str],
    database_url: str,
    ledger: Services,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "account", "create", "wang", "--actor", "fusong-wang-farm", *db]) == 0
    assert "acting as fusong-wang-farm" in capsys.readouterr().out
    assert ledger.accounts.login("wang", PASSWORD).actor == "fusong-wang-farm"
    with pytest.raises(BadCredentialsError):
        ledger.accounts.login("wang", PASSWORD + "\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["admin", "account", "create", "li", "--actor", "ji-an-farm", *db]) == 2
    assert "/password" in capsys.readouterr().err


def test_a_token_is_printed_once_and_can_be_revoked(
    db: list[str], database_url: str, ledger: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["admin", "token", "issue", "fusong-wang-farm", "--permission", "events:write", "--days", "7", *db]) == 0
    )
    out, err = capsys.readouterr()
    token = out.strip()
    token_id = token.split("_")[1]
    assert token_id in err
    assert token not in err
    assert ledger.tokens.check(token, Permission.EVENTS_WRITE).actor == "fusong-wang-farm"
    with ledger.store.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(text("SELECT * FROM api_tokens")) for v in row)
    assert token.split("_", 2)[2] not in stored
    assert main(["admin", "token", "revoke", token_id, *db]) == 0
    with pytest.raises(BadCredentialsError):
        ledger.tokens.check(token, Permission.EVENTS_WRITE)
    assert main(["admin", "token", "revoke", token_id, *db]) == 2


def test_a_held_key_prints_its_verifier_key(
    db: list[str],
    database_url: str,
    ledger: Services,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["admin", "held-key", "create", "fusong-wang-farm", *db]) == 0
    key = VerifierKey.parse(capsys.readouterr().out.strip())
    assert key.name == "fusong-wang-farm"
    assert ledger.membership.enrol(key.name, "test organisation", ["grower"], ["PLOT-"], [NewActor(key)])
    monkeypatch.delenv("TRACE_KEY_ENCRYPTION_KEY")
    assert main(["admin", "held-key", "create", "fusong-wang-farm", *db]) == 2
    assert "TRACE_KEY_ENCRYPTION_KEY" in capsys.readouterr().err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.slow
def test_an_account_is_disabled_and_enabled_on_the_command_line(
    db: list[str], ledger: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate(ledger.store.engine)
    ledger.accounts.create("wang", "fusong-wang-farm", PASSWORD)
    session = ledger.accounts.login("wang", PASSWORD)
    _, own = ledger.tokens.issue("fusong-wang-farm", ["events:write"], timedelta(days=7), issued_by="wang")
    assert main(["admin", "token", "issue", "fusong-wang-farm", "--permission", "events:write", *db]) == 0
    operators = capsys.readouterr().out.strip()
    operators_id = operators.split("_")[1]

    assert main(["admin", "account", "disable", "wang", *db]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "account wang disabled: 1 session ended, 1 token it issued revoked"
    assert operators_id in one_line(err)  # the operator's token for the actor is named, to revoke
    assert ledger.accounts.session(session.token) is None
    with pytest.raises(BadCredentialsError, match="the login name or the password is wrong"):
        ledger.accounts.login("wang", PASSWORD)
    with pytest.raises(BadCredentialsError):
        ledger.tokens.check(own, Permission.EVENTS_WRITE)
    assert ledger.tokens.check(operators, Permission.EVENTS_WRITE).token_id == operators_id

    assert main(["admin", "account", "list", *db]) == 0
    listed = capsys.readouterr().out.strip()
    assert listed.startswith("wang: acting as fusong-wang-farm; disabled since 20")
    assert listed.endswith("; 0 live sessions")
    assert main(["admin", "token", "list", "fusong-wang-farm", *db]) == 0
    (line,) = capsys.readouterr().out.strip().splitlines()  # the revoked one is gone
    assert line.startswith(f"{operators_id}: events:write; issued by the operator")
    assert operators.split("_", 2)[2] not in line
    assert main(["admin", "account", "disable", "wang", *db]) == 0
    assert "was already disabled (since 20" in capsys.readouterr().out

    assert main(["admin", "account", "enable", "wang", *db]) == 0
    assert "account wang enabled" in capsys.readouterr().out
    assert ledger.accounts.session(session.token) is None  # nothing comes back
    assert ledger.accounts.session(ledger.accounts.login("wang", PASSWORD).token) is not None
    assert main(["admin", "account", "enable", "wang", *db]) == 0
    assert capsys.readouterr().out.strip() == "account wang was not disabled"

    for command in ("disable", "enable"):
        assert main(["admin", "account", command, "li", *db]) == 2
        assert one_line(capsys.readouterr().err) == "ginseng-trace: error: no account 'li'"


@pytest.mark.slow
def test_the_operator_sets_a_password_from_stdin_and_every_session_ends(
    db: list[str], ledger: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate(ledger.store.engine)
    ledger.accounts.create("wang", "fusong-wang-farm", PASSWORD)
    sessions = [ledger.accounts.login("wang", PASSWORD) for _ in range(2)]
    monkeypatch.setattr("sys.stdin", io.StringIO("set by the operator\n"))
    assert main(["admin", "account", "password", "wang", *db]) == 0
    assert capsys.readouterr().out.strip() == "password of wang set: 2 sessions ended"
    assert all(ledger.accounts.session(s.token) is None for s in sessions)
    assert ledger.accounts.login("wang", "set by the operator").login == "wang"
    with pytest.raises(BadCredentialsError):
        ledger.accounts.login("wang", PASSWORD)

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["admin", "account", "password", "wang", *db]) == 2
    assert "/password" in one_line(capsys.readouterr().err)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "account", "password", "li", *db]) == 2
    assert one_line(capsys.readouterr().err) == "ginseng-trace: error: no account 'li'"
    with pytest.raises(SystemExit):  # never an argument
        main(["admin", "account", "password", "wang", PASSWORD, *db])
    assert "unrecognized arguments" in capsys.readouterr().err

    prompts = iter(["typed at a terminal", "typed at a terminaL"])
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(prompts))
    assert main(["admin", "account", "password", "wang", *db]) == 2
    assert one_line(capsys.readouterr().err) == "ginseng-trace: error: the two passwords differ"
    assert ledger.accounts.login("wang", "set by the operator").login == "wang"  # nothing changed


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True
