"""Storage on both engines: migrations, and the database's own refusal of UPDATE and DELETE."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ginseng_trace.service import Services
from ginseng_trace.store import migrate
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
