"""lot_parties: whom each lot concerns (its creator, holders, consignees under way, labs sent a sample), by
party, derived from the lot states for people's home pages. Lot states are deleted so that the ledger folds
every lot again when next opened (Checks.ensure_lot_states), which writes both.

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_parties",
        sa.Column("party", sa.String(128), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("party", "relation", "lot_id", name="pk_lot_parties"),
    )
    op.create_index("ix_lot_parties_lot_id", "lot_parties", ["lot_id"])
    op.execute("DELETE FROM lot_states")


def downgrade() -> None:
    op.drop_index("ix_lot_parties_lot_id", table_name="lot_parties")
    op.drop_table("lot_parties")
