"""Drop ix_records_lot_id_type: the rules read each lot's state from lot_states (0007), not its hold,
release and recall records, so nothing reads this index any more and every append paid to maintain it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_records_lot_id_type", table_name="records")


def downgrade() -> None:
    op.create_index("ix_records_lot_id_type", "records", ["lot_id", "type"])
