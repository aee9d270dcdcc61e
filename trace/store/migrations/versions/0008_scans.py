"""scans: each scan of a label's Digital Link (time, and a coarse city only if the user allowed it).

Outside the ledger: counters for counterfeit signals, not evidence; rows hold no personal data.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.Column("serial", sa.String(20), nullable=True),
        sa.Column("scanned_at", sa.String(27), nullable=False),
        sa.Column("city", sa.String(64), nullable=True),
    )
    op.create_index("ix_scans_label", "scans", ["gtin", "lot_id", "serial"])


def downgrade() -> None:
    op.drop_table("scans")
