"""compact_epcis_index: ``epcis_events.document`` becomes binary, each event in the compact form of
trace/store/epcis_codec.py (the members its records row gives not stored again, the rest DEFLATE-compressed with a
preset dictionary); the indexes of the optional fields (bizStep, disposition, readPoint, bizLocation) hold only
the events that have them. Existing rows are converted in place, both ways, and the index is then completed from
the records (the backfill of 0025, which runs here now that the index is stored in the form of this code).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_BATCH = 2000
_OPTIONAL = ("biz_step", "disposition", "read_point", "biz_location")


def upgrade() -> None:
    from ginseng_trace.service.epcis_index import index_stored
    from ginseng_trace.store import LedgerRepository
    from ginseng_trace.store.epcis_codec import encode

    _convert(sa.LargeBinary(), lambda text, facts: encode(json.loads(text), facts))
    _reindex(partial=True)
    index_stored(LedgerRepository(op.get_bind()), batch=_BATCH)


def downgrade() -> None:
    from ginseng_trace.store.epcis_codec import as_text, decode
    from ginseng_trace.store.rows import blob

    _convert(sa.Text(), lambda data, facts: as_text(decode(blob(data), facts)))
    _reindex(partial=False)


def _convert(kind: sa.types.TypeEngine[Any], convert: Callable[[Any, Any], object]) -> None:
    """Rewrite every ``document`` with ``convert(old value, the row's RecordFacts)`` into a new column of type
    ``kind`` that then takes the name. SQLite adds a NOT NULL column only with a default, and cannot drop it
    without rebuilding the table, which the foreign key of epcis_event_epcs forbids inside the migration's
    transaction: there the column keeps an empty default that no insert uses. A SQLite that cannot drop columns
    soundly (before 3.35.5) rewrites each ``document`` where it is: the column keeps its declared type (SQLite
    keeps a BLOB in a TEXT column as it is given and reads it back as bytes), all that differs from a newer
    SQLite's database."""
    from ginseng_trace.store import db

    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    in_place = sqlite and not db.sqlite_drops_columns(connection)
    if not in_place:
        empty = sa.text("x''" if isinstance(kind, sa.LargeBinary) else "''") if sqlite else None
        op.add_column("epcis_events", sa.Column("compact", kind, nullable=not sqlite, server_default=empty))
    _rewrite(connection, "document" if in_place else "compact", convert)
    if in_place:
        return
    if sqlite:  # native ALTER TABLE (SQLite >= 3.35.5): no rebuild
        op.execute("ALTER TABLE epcis_events DROP COLUMN document")
        op.execute("ALTER TABLE epcis_events RENAME COLUMN compact TO document")
    else:
        op.drop_column("epcis_events", "document")
        op.alter_column("epcis_events", "compact", new_column_name="document", nullable=False)


def _rewrite(connection: sa.Connection, target: str, convert: Callable[[Any, Any], object]) -> None:
    """``target`` of every row set to ``convert(document, the row's RecordFacts)``, in batches of log order."""
    from ginseng_trace.store.epcis import FACTS, facts_of
    from ginseng_trace.store.tables import records

    events = sa.table("epcis_events", *(sa.column(name) for name in dict.fromkeys(("log_index", "document", target))))
    after = -1
    while True:
        rows = connection.execute(
            sa.select(*FACTS, events.c.document)
            .select_from(events.join(records, records.c.log_index == events.c.log_index))
            .where(events.c.log_index > after)
            .order_by(events.c.log_index)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            events.update().where(events.c.log_index == sa.bindparam("index")).values({target: sa.bindparam("new")}),
            [{"index": row.log_index, "new": convert(row.document, facts_of(row))} for row in rows],
        )
        after = rows[-1].log_index


def _reindex(*, partial: bool) -> None:
    for name in _OPTIONAL:
        op.drop_index(f"ix_epcis_events_{name}", table_name="epcis_events")
        present = sa.text(f"{name} IS NOT NULL") if partial else None
        op.create_index(
            f"ix_epcis_events_{name}",
            "epcis_events",
            [name, "log_index"],
            sqlite_where=present,
            postgresql_where=present,
        )
