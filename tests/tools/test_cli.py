"""The ginseng-trace command, run as a user would: a separate process, on both engines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from ginseng_trace.demo import PACKAGING_RUNS
from ginseng_trace.store import create_ledger_engine

from ..conftest import demo_chains, demo_lineage, demo_size
from ..service.test_ledger import drop_append_only_triggers

pytestmark = pytest.mark.slow  # a separate process or a whole bench per test


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys the commands create (the log key) go to the test's own folder, never the user's."""
    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ginseng_trace.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        timeout=120,
        check=False,
        env=os.environ.copy(),
    )


def test_demo_verify_and_tamper(database_url: str, tmp_path: Path) -> None:
    db = f"--database-url={database_url}"
    manifest = tmp_path / "manifest.json"
    loaded = run("demo", db, "--manifest", str(manifest))
    assert loaded.returncode == 0, loaded.stderr
    assert f"{demo_size()} new events" in loaded.stdout  # the membership records and the demo's events
    again = run("demo", db)
    assert "0 new events" in again.stdout

    data = json.loads(manifest.read_text())
    kinds = {lot["lot_id"]: lot["kind"] for lot in data["lots"]}
    assert kinds["PK-2025-0931"] == "packaged_product"
    assert {a["role"] for a in data["actors"]} >= {"grower", "processor", "logistics", "retailer", "lab"}
    assert len(data["packaged_units"]) == sum(units for _gtin, _lot, units in PACKAGING_RUNS) == 200 + 120

    whole = run("verify", db)
    # the lots and each organisation's membership chain
    assert (whole.returncode, whole.stdout.strip()) == (
        0,
        f"intact: whole ledger: {demo_size()} records in {demo_chains()} lot(s), against 1 checkpoint(s)",
    )
    lot = run("verify", db, "--lot", "PK-2025-0931")
    assert lot.returncode == 0
    lineage = demo_lineage("PK-2025-0931")  # with the two samples sent to the lab
    assert f"{lineage.records} records in {len(lineage.lots)} lot(s)" in lot.stdout

    engine = create_ledger_engine(database_url)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        where = " FROM records WHERE event_id = 'demo-fs-009'"
        stored = bytes(conn.execute(text("SELECT event_bytes" + where)).scalar_one())
        forged = stored.replace(b'"crop_age_years":5', b'"crop_age_years":6')
        assert forged != stored
        conn.execute(text("UPDATE records SET event_bytes = :b" + where.replace(" FROM records", "")), {"b": forged})
    engine.dispose()
    broken = run("verify", db, "--lot", "PK-2025-0931")
    assert broken.returncode == 1
    assert broken.stdout.count("\n") == 1
    assert broken.stdout.startswith("BROKEN: ")
    assert "demo-fs-009" in broken.stdout
    assert "event hash" in broken.stdout
    assert run("verify", db, "--lot", "PLOT-JY-0003").returncode == 0


def test_keygen_register_sign_append(database_url: str, tmp_path: Path) -> None:
    db = f"--database-url={database_url}"
    keygen = run("keygen", "lab.two", "-o", str(tmp_path / "lab.key"))
    assert keygen.returncode == 0, keygen.stderr
    vkey = keygen.stdout.strip()
    assert vkey.startswith("lab.two+")
    assert (tmp_path / "lab.key").stat().st_mode & 0o777 == 0o600
    assert run("keygen", "lab.two", "-o", str(tmp_path / "lab.key")).returncode == 2  # never overwrites

    # the operator enrols the lab with its first key (membership events signed by the operator key) ...
    lab = ["--name", "吉林省中药材检测中心二部", "--role", "lab", "--lot-prefix", "LAB-TWO"]
    enrolled = run("admin", "org", db, "lab.two", *lab, "--actor-key", vkey)
    assert enrolled.returncode == 0, enrolled.stderr
    assert [line.split(" on ")[0] for line in enrolled.stdout.splitlines()] == [
        "recorded: register_organisation 吉林省中药材检测中心二部",
        "recorded: register_actor lab.two",
        "recorded: register_key lab.two",
    ]
    # ... and registers another key of the lab's actor, which signs the lab's first event
    second = run("keygen", "lab.two", "-o", str(tmp_path / "lab-2.key")).stdout.strip()
    registered = run("register-key", db, second)
    assert registered.stdout.startswith(f"registered: lab.two/{second.split('+')[1]} (log position 3)")
    event = {
        "event_id": "lab-1",
        "lot_id": "LAB-TWO",
        "type": "register_enterprise",
        "occurred_at": "2025-10-01T00:00:00Z",
        "payload": {"name": "吉林省中药材检测中心二部", "kind": "lab", "county": "长春市"},
    }
    signed = run("sign", "--key", str(tmp_path / "lab-2.key"), "-", stdin=json.dumps(event))
    assert signed.returncode == 0, signed.stderr
    envelope = tmp_path / "envelope.json"
    envelope.write_text(signed.stdout)
    appended = run("append", db, str(envelope))
    assert appended.returncode == 0, appended.stderr
    assert appended.stdout.startswith("appended: lot LAB-TWO #1 record ")
    assert run("append", db, str(envelope)).stdout.startswith("already recorded: ")


def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    db = f"--database-url=sqlite+pysqlite:///{tmp_path / 'x.sqlite3'}"
    (tmp_path / "bad.json").write_text('{"event": ')
    cases = [
        run("register-key", db, "not-a-key"),
        run("append", db, str(tmp_path / "bad.json")),
        run("append", db, str(tmp_path / "missing.json")),
        run("verify", db, "--lot", "NOPE"),
        run("sign", "--key", str(tmp_path / "missing.key"), "-", stdin="{}"),
        run("verify", "--database-url=sqlite+pysqlite:///" + str(tmp_path / "empty.sqlite3")),
        run("demo", "--database-url=mysql://nowhere/x"),
    ]
    for result in cases:
        assert result.returncode == 2, result
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("ginseng-trace: error: ")


def test_a_refused_command_line_is_one_line_naming_the_argument_and_where_help_is(tmp_path: Path) -> None:
    """argparse's own refusals (a bad value, a missing argument, an unknown command) are one line too."""
    db = f"--database-url=sqlite+pysqlite:///{tmp_path / 'x.sqlite3'}"
    cases = {
        ("verify", db, "--workers", "0"): "ginseng-trace verify: error: argument --workers: 0 is less than 1",
        ("append", db): "ginseng-trace append: error: the following arguments are required: envelope",
        ("no-such-command",): "ginseng-trace: error: argument command: invalid choice: 'no-such-command'",
        ("admin", "token", "frob"): "ginseng-trace admin token: error: argument what: invalid choice: 'frob'",
    }
    for args, start in cases.items():
        result = run(*args)
        assert result.returncode == 2, result
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(start), result.stderr
        assert "--help)" in result.stderr
        assert "usage:" not in result.stderr


def test_log_key_checkpoint_and_note_verify(database_url: str, tmp_path: Path) -> None:
    db = f"--database-url={database_url}"
    assert run("demo", db).returncode == 0
    vkey = run("log-key", db).stdout.strip()
    assert vkey.startswith("localhost/ginseng-trace+")
    published = run("checkpoint", db)
    assert published.returncode == 0, published.stderr
    lines = published.stdout.split("\n")
    assert lines[:2] == ["localhost/ginseng-trace", str(demo_size())]
    note = tmp_path / "checkpoint.note"
    note.write_text(published.stdout)
    ok = run("note", "verify", str(note), "--key", vkey)
    assert (ok.returncode, ok.stdout) == (0, "verified: localhost/ginseng-trace\n")

    other = run("keygen", "someone.else", "-o", str(tmp_path / "other.key")).stdout.strip()
    unknown = run("note", "verify", str(note), "--key", other)
    assert unknown.returncode == 1
    assert unknown.stdout.startswith("NOT VERIFIED: no signature by a known key")
    note.write_text(published.stdout.replace(f"\n{demo_size()}\n", f"\n{demo_size() + 1}\n"))
    forged = run("note", "verify", str(note), "--key", vkey)
    assert (forged.returncode, forged.stdout.count("\n")) == (1, 1)
    assert "does not verify" in forged.stdout
    note.write_text("garbage")
    assert "malformed note" in run("note", "verify", str(note), "--key", vkey).stdout
    bad_key = run("note", "verify", str(note), "--key", "nonsense")
    assert bad_key.returncode == 2


def test_note_verify_accepts_the_signed_note_specs_own_example() -> None:
    from ..conftest import VECTORS

    vkey = (VECTORS / "checkpoint" / "c2sp_signed_note_example.vkey").read_text().strip()
    result = run("note", "verify", str(VECTORS / "checkpoint" / "c2sp_signed_note_example.note"), "--key", vkey)
    assert (result.returncode, result.stdout) == (0, "verified: example.com/foo\n")
