"""read_audit: every read of private members or of regulator and partner data (README "Reads by role").

Outside the ledger, but append-only like it: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ginseng_trace.store.append_only import create_append_only_triggers

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "read_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("read_at", sa.String(27), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("credential", sa.String(40), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("what", sa.String(32), nullable=False),
        sa.Column("lot_id", sa.String(128), nullable=True),
        sa.Column("event_ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_read_audit"),
    )
    op.create_index("ix_read_audit_read_at", "read_audit", ["read_at"])
    op.create_index("ix_read_audit_actor", "read_audit", ["actor"])
    op.create_index("ix_read_audit_lot_id", "read_audit", ["lot_id"])
    create_append_only_triggers(("read_audit",))


def downgrade() -> None:
    op.drop_table("read_audit")
