"""findings.standard: the standard a quality finding's limit belongs to (an id of quality_limits.standards
in schemas/rules.yaml); NULL for findings of other rules and for those stored before it existed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("findings", sa.Column("standard", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("findings", "standard")
