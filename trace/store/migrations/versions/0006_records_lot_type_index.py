"""An index on records (lot_id, type), so the rules read a lot's hold, release and recall events directly.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_lot_id_type", "records", ["lot_id", "type"])


def downgrade() -> None:
    op.drop_index("ix_records_lot_id_type", table_name="records")
