"""Durability of acknowledged events (issue 15): every commit reaches the disk before the ledger answers."""

from __future__ import annotations

from sqlalchemy import Engine, text


def test_every_commit_is_synced_before_it_returns(engine: Engine) -> None:
    """SQLite in WAL mode with synchronous=FULL (NORMAL may lose the last commits on power loss); PostgreSQL
    with synchronous_commit on, whatever the server's default."""
    with engine.connect() as conn:
        if engine.url.get_backend_name() == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # 2 = FULL, 1 = NORMAL
        else:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
