"""The ledger: records, their input links and actor keys, append-only on both engines.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ginseng_trace.store.append_only import create_append_only_function, create_append_only_triggers

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEDGER_TABLES = ("records", "record_inputs", "actor_keys")


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("record_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("event_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.String(27), nullable=False),
        sa.Column("recorded_at", sa.String(27), nullable=False),
        sa.Column("event_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("record_bytes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("log_index", name="pk_records"),
        sa.UniqueConstraint("record_hash", name="uq_records_record_hash"),
        sa.UniqueConstraint("event_hash", name="uq_records_event_hash"),
        sa.UniqueConstraint("event_id", name="uq_records_event_id"),
        sa.UniqueConstraint("lot_id", "seq", name="uq_records_lot_id_seq"),
    )
    op.create_table(
        "record_inputs",
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("input_lot_id", sa.String(128), nullable=False),
        sa.Column("head", sa.LargeBinary(32), nullable=False),
        sa.ForeignKeyConstraint(["log_index"], ["records.log_index"], name="fk_record_inputs_log_index_records"),
        sa.PrimaryKeyConstraint("log_index", "position", name="pk_record_inputs"),
    )
    op.create_index("ix_record_inputs_input_lot_id", "record_inputs", ["input_lot_id"])
    op.create_table(
        "actor_keys",
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("registered_at", sa.String(27), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key_id", name="pk_actor_keys"),
    )
    create_append_only_function()
    create_append_only_triggers(LEDGER_TABLES)


def downgrade() -> None:
    for table in reversed(LEDGER_TABLES):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_append_only()")
