"""epcis_index: the EPCIS 2.0 query index (GET /api/v1/epcis/events): each record's EPCIS event as
trace/epcis/mapping.py makes it, with its eventTime, bizStep, disposition, readPoint and bizLocation, its EPCs and
EPC classes one row each, and what the mapping names lots by (GTIN, species). The tables are created empty: the
backfill from the records (in log order, with the mapping of the code) is 0026's, which stores the events in the
form the code writes (it ran here until 0026 changed that form); the appender keeps the index from then on, in
the append transaction.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "epcis_events",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_time", sa.String(27), nullable=False),
        sa.Column("record_time", sa.String(27), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=True),
        sa.Column("biz_step", sa.Text(), nullable=True),
        sa.Column("disposition", sa.Text(), nullable=True),
        sa.Column("read_point", sa.Text(), nullable=True),
        sa.Column("biz_location", sa.Text(), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["log_index"], ["records.log_index"], name="fk_epcis_events_log_index_records"),
        sa.PrimaryKeyConstraint("log_index", name="pk_epcis_events"),
    )
    for name, columns in (
        ("event_time", ["event_time", "log_index"]),
        ("event_type", ["event_type", "log_index"]),
        ("biz_step", ["biz_step", "log_index"]),
        ("disposition", ["disposition", "log_index"]),
        ("read_point", ["read_point", "log_index"]),
        ("biz_location", ["biz_location", "log_index"]),
    ):
        op.create_index(f"ix_epcis_events_{name}", "epcis_events", columns)
    op.create_table(
        "epcis_event_epcs",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("field", sa.String(24), nullable=False),
        sa.Column("epc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_index"], ["epcis_events.log_index"], name="fk_epcis_event_epcs_log_index_epcis_events"
        ),
        sa.PrimaryKeyConstraint("log_index", "position", name="pk_epcis_event_epcs"),
    )
    op.create_index("ix_epcis_event_epcs_epc", "epcis_event_epcs", ["epc", "log_index"])
    op.create_table(
        "epcis_lots",
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("species", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("lot_id", name="pk_epcis_lots"),
    )


def downgrade() -> None:
    op.drop_index("ix_epcis_event_epcs_epc", table_name="epcis_event_epcs")
    op.drop_table("epcis_event_epcs")
    for name in ("event_time", "event_type", "biz_step", "disposition", "read_point", "biz_location"):
        op.drop_index(f"ix_epcis_events_{name}", table_name="epcis_events")
    op.drop_table("epcis_events")
    op.drop_table("epcis_lots")
