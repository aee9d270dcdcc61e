"""Migration 0026 on both engines, on the demo: the EPCIS index converted to its compact form and back (the
text rows of 0025 exactly as the code of 0025 wrote them) and again, each row and query answer unchanged; and a
ledger migrated from before the index (0024) gets the same index, backfilled from its records by 0026."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text

from ginseng_trace.epcis.query import EventFilter
from ginseng_trace.service import Services
from ginseng_trace.store import db
from ginseng_trace.store.db import alembic_config
from ginseng_trace.store.epcis_codec import as_text

TABLES = ("epcis_events", "epcis_event_epcs", "epcis_lots")


def _rows(ledger: Services) -> list[list[tuple[Any, ...]]]:
    def read(repo: Any) -> list[list[tuple[Any, ...]]]:
        found = []
        for table in TABLES:
            rows = repo.connection.execute(text(f"SELECT * FROM {table}")).all()
            found.append(sorted(tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows))
        return found

    return ledger.store.read(read)


def _answers(ledger: Services) -> list[tuple[int, dict[str, Any]]]:
    return ledger.store.read(lambda repo: repo.epcis.page(EventFilter(), None, 10**6))


def test_0026_converts_the_index_both_ways(demo: Services, engine: Engine) -> None:
    rows, answers = _rows(demo), _answers(demo)
    assert len(answers) > 50
    config = alembic_config(engine)
    command.downgrade(config, "0025")
    documents = demo.store.read(
        lambda repo: repo.connection.execute(text("SELECT log_index, document FROM epcis_events")).all()
    )
    assert sorted((int(i), d) for i, d in documents) == [(i, as_text(e)) for i, e in answers]
    command.upgrade(config, "head")
    assert _rows(demo) == rows
    assert _answers(demo) == answers


def test_a_ledger_from_before_the_index_gets_it_backfilled(demo: Services, engine: Engine) -> None:
    rows, answers = _rows(demo), _answers(demo)
    config = alembic_config(engine)
    command.downgrade(config, "0024")
    command.upgrade(config, "head")
    assert _rows(demo) == rows
    assert _answers(demo) == answers


def test_a_sqlite_that_cannot_drop_columns_converts_the_index_in_place(
    demo: Services, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before 3.35.5 SQLite has no sound ALTER TABLE … DROP COLUMN: 0026 rewrites each stored event where it is,
    both ways, and every row and answer is the same as a newer SQLite's."""
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite version's limit")
    rows, answers = _rows(demo), _answers(demo)
    config = alembic_config(engine)
    command.downgrade(config, "0025")
    monkeypatch.setattr(db, "sqlite_drops_columns", lambda _connection: False)
    command.upgrade(config, "head")
    assert _rows(demo) == rows
    assert _answers(demo) == answers
    declared = demo.store.read(
        lambda repo: repo.connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'epcis_events'")
    ).scalar_one()
    assert "document TEXT" in declared  # converted where it was: the column was not replaced
    command.downgrade(config, "0025")
    documents = demo.store.read(
        lambda repo: repo.connection.execute(text("SELECT log_index, document FROM epcis_events")).all()
    )
    assert sorted((int(i), d) for i, d in documents) == [(i, as_text(e)) for i, e in answers]
