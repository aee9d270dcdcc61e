"""lot_states: each lot's state as the rules see it (derived, rebuilt from the records when missing);
findings: what the soft rules found, append-only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ginseng_trace.store.append_only import create_append_only_triggers

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_states",
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", name="pk_lot_states"),
    )
    op.create_table(
        "findings",
        sa.Column("log_index", sa.BigInteger(), sa.ForeignKey("records.log_index"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("pointer", sa.Text(), nullable=False),
        sa.Column("limit_text", sa.Text(), nullable=False),
        sa.Column("value_text", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("found_at", sa.String(27), nullable=False),
        sa.PrimaryKeyConstraint("log_index", "position", name="pk_findings"),
    )
    op.create_index("ix_findings_lot_id", "findings", ["lot_id"])
    op.create_index("ix_findings_rule", "findings", ["rule"])
    create_append_only_triggers(("findings",))


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("lot_states")
