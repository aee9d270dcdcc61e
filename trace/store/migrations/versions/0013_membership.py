"""organisations, org_members: membership as the rules see it (derived from the membership events in the
log, like lot_states; rebuilt from the records when missing).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_organisations"),
    )
    op.create_table(
        "org_members",
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("actor", name="pk_org_members"),
    )


def downgrade() -> None:
    op.drop_table("org_members")
    op.drop_table("organisations")
