"""``ginseng-trace admin``, in-process on both engines: accounts (the password from standard input, never an
argument), tokens printed once and revocable, held keys printing the verifier key to register."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ginseng_trace.chain import VerifierKey
from ginseng_trace.cli import main
from ginseng_trace.service import BadCredentialsError, NewActor, Permission, Services
from ginseng_trace.store import Store, create_ledger_engine

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
