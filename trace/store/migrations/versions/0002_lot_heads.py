"""lot_heads: each lot's latest record, so that sealing reads one row per lot.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_heads",
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("record_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", name="pk_lot_heads"),
    )
    op.execute(
        "INSERT INTO lot_heads (lot_id, seq, record_hash, log_index) "
        "SELECT r.lot_id, r.seq, r.record_hash, r.log_index FROM records r "
        "WHERE r.seq = (SELECT max(m.seq) FROM records m WHERE m.lot_id = r.lot_id)"
    )


def downgrade() -> None:
    op.drop_table("lot_heads")
