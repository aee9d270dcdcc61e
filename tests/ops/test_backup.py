"""Backup and restore (``ginseng-trace export`` / ``import``, docs/FORMAT.md §9): the demo ledger round-trips
SQLite → PostgreSQL and PostgreSQL → SQLite with the same records, root, size and checkpoint, and verifies;
the derived tables come back rebuilt; a tampered archive is refused naming its line and restores nothing; a
database that holds a ledger is refused."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ginseng_trace import bootstrap, cli
from ginseng_trace.bootstrap import open_ledger
from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.service import Services
from ginseng_trace.settings import Settings
from ginseng_trace.store import Store, sqlite_url_for
from ginseng_trace.store.tables import (
    disclosures,
    epcis_event_epcs,
    epcis_events,
    epcis_lots,
    findings,
    lot_heads,
    lot_parties,
    lot_states,
    org_members,
    organisations,
    records,
)

from ..conftest import fresh_postgres_schema

pytestmark = pytest.mark.slow  # the demo loaded and the ledger verified twice: seconds


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema of the test server, dropped afterwards."""
    with fresh_postgres_schema() as url:
        yield url


def _url(engine: str, tmp: Path, postgres: str | None, name: str) -> str:
    if engine == "sqlite":
        return sqlite_url_for(tmp / name)
    assert postgres is not None
    return postgres


_OPENED: list[Services] = []


@pytest.fixture(autouse=True)
def _closing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's ledgers are closed after each command, as the command's process would on exit."""

    def opening(*args: Any, **kwargs: Any) -> Services:
        _OPENED.append(bootstrap.open_ledger(*args, **kwargs))
        return _OPENED[-1]

    monkeypatch.setattr(cli, "open_ledger", opening)


def _cli(capsys: pytest.CaptureFixture[str], data: Path, url: str, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main([*argv[:1], "--data-dir", str(data), "--database-url", url, *argv[1:]])
    finally:
        while _OPENED:
            _OPENED.pop().store.close()
    out, err = capsys.readouterr()
    return code, out, err


DERIVED = (lot_heads, lot_states, lot_parties, organisations, org_members, epcis_events, epcis_event_epcs, epcis_lots)


def _counts(url: str) -> dict[str, int]:
    store = Store.open(url, migrate_first=False)
    try:
        with store.engine.connect() as conn:
            every = (records, disclosures, findings, *DERIVED)
            return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0) for t in every}
    finally:
        store.close()


def _archive_lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines(keepends=True)


@pytest.mark.postgres
@pytest.mark.parametrize(("source", "target"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_the_demo_ledger_round_trips_between_engines(
    source: str, target: str, tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"  # the data directory's keys (log, operator) go with the ledger; the archive holds none
    from_url, to_url = _url(source, tmp_path, postgres_url, "a"), _url(target, tmp_path, postgres_url, "b")
    assert _cli(capsys, data, from_url, "demo")[0] == 0
    served = open_ledger(Settings(data_dir=data, database_url=from_url), migrate_first=False)
    checkpoint = served.log.latest_checkpoint()
    served.store.close()
    archive = tmp_path / "ledger.archive.gz"
    code, out, _ = _cli(capsys, data, from_url, "export", "--output", str(archive))
    assert code == 0, out
    assert f"tree size {checkpoint.size}" in out
    assert archive.stat().st_mode & 0o777 == 0o600

    code, out, err = _cli(capsys, data, to_url, "import", str(archive))
    assert code == 0, err
    assert out.startswith(f"imported {archive}: tree size {checkpoint.size}")
    code, out, _ = _cli(capsys, data, to_url, "verify")
    assert code == 0, out
    assert out.startswith(f"intact: whole ledger: {checkpoint.size} records")

    restored = open_ledger(Settings(data_dir=data, database_url=to_url), migrate_first=False)
    try:
        again = restored.log.latest_checkpoint()
        assert (again.size, again.root, again.note) == (checkpoint.size, checkpoint.root, checkpoint.note)
        report = restored.checks.check()  # the rules replayed agree with the copied findings
        assert report.unstored == ()
        assert report.unreproduced == ()
        assert restored.log.tree_size() == checkpoint.size
    finally:
        restored.store.close()
    before, after = _counts(from_url), _counts(to_url)
    assert after == before  # the derived tables rebuilt to as many rows
    assert all(after[t.name] > 0 for t in DERIVED)
    copy = tmp_path / "again.archive.gz"
    assert _cli(capsys, data, to_url, "export", "-o", str(copy))[0] == 0
    assert _archive_lines(copy) == _archive_lines(archive)  # the restored ledger exports byte for byte the same


@pytest.fixture
def archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """The demo ledger's archive (from SQLite), and the data directory whose keys it was made with."""
    data = tmp_path / "data"
    url = sqlite_url_for(tmp_path / "source")
    assert _cli(capsys, data, url, "demo")[0] == 0
    path = tmp_path / "demo.archive.gz"
    assert _cli(capsys, data, url, "export", "-o", str(path))[0] == 0
    return path, data


def test_a_tampered_record_line_is_refused_naming_it_and_nothing_is_restored(
    archive: tuple[Path, Path], database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = archive
    lines = _archive_lines(path)
    number = next(n for n, line in enumerate(lines, 1) if b'"log_index":40,' in line)
    line = lines[number - 1]
    at = line.index(b"occurred_at") + len(b'occurred_at\\":\\"') + 3  # a year's last digit, inside the event
    assert line[at : at + 1].isdigit()
    lines[number - 1] = line[:at] + (b"7" if line[at : at + 1] != b"7" else b"8") + line[at + 1 :]
    tampered = tmp_path / "tampered.archive.gz"
    tampered.write_bytes(gzip.compress(b"".join(lines)))

    code, out, err = _cli(capsys, data, database_url, "import", str(tampered))
    assert code == 1
    assert out == ""
    assert len(err.splitlines()) == 1
    assert f"line {number}: record 40 " in err
    assert "nothing was restored" in err
    counts = _counts(database_url)
    assert set(counts.values()) == {0}, counts
    code, out, _ = _cli(capsys, data, database_url, "import", str(path))  # still empty: the honest one goes in
    assert code == 0, out


def test_a_database_holding_a_ledger_is_refused(
    archive: tuple[Path, Path], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = archive
    assert _cli(capsys, data, database_url, "init-db")[0] == 0  # the operator's key and the log key stored
    code, out, err = _cli(capsys, data, database_url, "import", str(path))
    assert code == 1
    assert out == ""
    assert err.startswith("refused: the database already holds a ledger (")
    assert len(err.splitlines()) == 1
    assert _counts(database_url)["records"] == 0


def test_an_archive_without_private_members_restores_the_records_without_them(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    url = sqlite_url_for(tmp_path / "source")
    assert _cli(capsys, data, url, "demo")[0] == 0
    public = tmp_path / "public.archive.gz"
    code, out, _ = _cli(capsys, data, url, "export", "--without-private", "-o", str(public))
    assert code == 0
    assert "without private members" in out
    rows = [json.loads(line) for line in _archive_lines(public)]
    assert rows[0]["private"] is False
    assert all(r["disclosures"] == [] for r in rows if r.get("table") == "records")
    assert _counts(url)["disclosures"] > 0
    assert _cli(capsys, data, database_url, "import", str(public))[0] == 0
    code, out, _ = _cli(capsys, data, database_url, "verify")
    assert code == 0, out
    counts = _counts(database_url)
    assert counts["disclosures"] == 0
    assert counts["records"] == _counts(url)["records"]


def test_an_archive_that_is_not_one_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, url = tmp_path / "data", sqlite_url_for(tmp_path / "target")
    wrong = tmp_path / "wrong.gz"
    wrong.write_bytes(gzip.compress(b'{"format":"something/else"}\n'))
    code, _, err = _cli(capsys, data, url, "import", str(wrong))
    assert code == 1
    assert "line 1: not a ginseng-trace/archive/v1 archive" in err
    wrong.write_bytes(b"not gzip at all")
    code, _, err = _cli(capsys, data, url, "import", str(wrong))
    assert code == 1
    assert "line 1: the archive is not a whole gzip stream" in err


def test_checkpoints_not_signed_by_the_pinned_log_key_are_refused(
    archive: tuple[Path, Path], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = archive
    stranger = SignerKey("localhost/ginseng-trace", bytes(range(100, 132))).verifier()  # the origin, not the key
    code, _, err = _cli(capsys, data, database_url, "import", str(path), "--log-key", stranger.text())
    assert code == 1
    checkpoint = next(n for n, line in enumerate(_archive_lines(path), 1) if b'"table":"checkpoints"' in line)
    assert f"line {checkpoint}: checkpoint of size " in err
    assert "signature" in err
    assert set(_counts(database_url).values()) == {0}
    own = open_ledger(Settings(data_dir=data, database_url=sqlite_url_for(data / "own")), migrate_first=False)
    key = own.log_signer.verifier().text()  # type: ignore[union-attr]
    own.store.close()
    code, _, err = _cli(capsys, data, database_url, "import", str(path), "--log-key", key)
    assert code == 0, err
