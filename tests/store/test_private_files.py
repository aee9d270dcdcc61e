"""The data directory is 0700 and every key file in it 0600 (issue 15): made so, and made so again when the
ledger is opened if someone loosened them; on both engines (the keys live in the data directory either way)."""

from __future__ import annotations

import stat
from pathlib import Path

from ginseng_trace.bootstrap import open_ledger, rotate_log_key
from ginseng_trace.settings import Settings

KEYS = ("log.key", "operator.key", "scan.key")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_and_the_data_directory_are_private(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    embedded = database_url.startswith("sqlite")
    settings = Settings(data_dir=data, database_url=None if embedded else database_url)  # SQLite in data/
    open_ledger(settings).store.close()
    files = [data / name for name in KEYS]
    if embedded:
        files.append(data / "ledger.sqlite3")
    assert mode(data) == 0o700
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    _new, retired = rotate_log_key(settings)
    assert mode(retired.parent) == 0o700
    assert mode(retired) == 0o600
    data.chmod(0o755)
    for f in files:
        f.chmod(0o644)
    open_ledger(settings).store.close()
    assert mode(data) == 0o700
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
