"""complaints: consumers' complaints from the scan page, tied to a label (GTIN, lot, serial), by category,
with free text that only regulators and the lot's lineage partners read. Not ledger data, and not append-only:
the free text may hold a person's details, which a regulator may have to erase. And lot states folded again, since
they now remember what returns are judged by.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("received_at", sa.String(27), nullable=False),
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("serial", sa.String(20), nullable=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("visitor", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
    )
    op.create_index("ix_complaints_lot_id", "complaints", ["lot_id"])
    # Lot states are derived data (events/state.py): with none stored, the ledger folds every lot again from its
    # records when next opened (Checks.ensure_lot_states), so each lot learns whom its holders received it from,
    # how much each party sold and who sold each serial, which returns (退货) are judged by.
    op.execute("DELETE FROM lot_states")


def downgrade() -> None:
    op.drop_index("ix_complaints_lot_id", table_name="complaints")
    op.drop_table("complaints")
