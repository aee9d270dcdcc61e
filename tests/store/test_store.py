"""Storage on both engines: migrations, and the database's own refusal of UPDATE and DELETE."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ginseng_trace.chain import SignerKey
from ginseng_trace.service import Services
from ginseng_trace.store import Store, migrate, sqlite_url_for
from ginseng_trace.store.tables import LEDGER_TABLES, metadata

from ..conftest import Actor


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrating_twice_is_harmless(engine: Engine, ledger: Services, grower: Actor) -> None:
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    migrate(engine)
    assert ledger.records.count() == 3 + 1  # the grower's enrolment, its plot


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE records SET lot_id = 'PLOT-2'",
        "UPDATE records SET event_bytes = record_bytes",
        "DELETE FROM records",
        "DELETE FROM record_inputs",
        "UPDATE actor_keys SET public_key = public_key",
        "DELETE FROM actor_keys",
    ],
)
def test_raw_sql_cannot_change_or_remove_ledger_rows(
    engine: Engine, ledger: Services, grower: Actor, statement: str
) -> None:
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    ledger.events.append(grower.sign("PLOT-1", "sow"))
    ledger.events.append(grower.sign("HV-1", "harvest", inputs=["PLOT-1"]))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert ledger.records.count() == 3 + 3  # the grower's enrolment, its three events
    assert ledger.checks.verify().records == 3 + 3


def test_truncate_is_refused_on_postgresql(engine: Engine, ledger: Services, grower: Actor) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE statement")
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    for table in LEDGER_TABLES:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert ledger.records.count() == 3 + 1  # the grower's enrolment, its plot


def test_the_embedded_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The database holds private members and accounts' digests: 0600, as the key files are, its write-ahead
    log too; a database made readable by others before is made private again when opened."""
    path = tmp_path / "data" / "ledger.sqlite3"
    store = Store.open(sqlite_url_for(path.parent))
    store.write(
        lambda repo: repo.log.add_key(SignerKey.generate("ginseng.test/log").verifier(), "2025-01-01T00:00:00Z")
    )
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    assert modes["ledger.sqlite3"] == 0o600
    assert modes["ledger.sqlite3-wal"] == 0o600
    store.close()
    path.chmod(0o644)
    Store.open(sqlite_url_for(path.parent)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
