"""scans.visitor: a keyed hash of a scan's client address and day, so that a label counts distinct clients
per day; and lot states folded again, since they now remember each packaging run and the serials sold.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("visitor", sa.String(32), nullable=True))
    # Lot states are derived data (events/state.py): with none stored, the ledger folds every lot again from
    # its records when next opened (Checks.ensure_lot_states), so packaged lots learn their serial runs and
    # the serials already sold, and no serial sold before this upgrade can be sold again.
    op.execute("DELETE FROM lot_states")


def downgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("visitor")
