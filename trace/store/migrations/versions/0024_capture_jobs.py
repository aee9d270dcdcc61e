"""capture_jobs: the outcome of each EPCIS 2.0 capture (REST binding ``GET /capture/{id}``), readable by the actor
that submitted it. Not ledger data: the captured events are records like any other.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capture_jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("job", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_capture_jobs"),
    )
    op.create_index("ix_capture_jobs_actor", "capture_jobs", ["actor"])


def downgrade() -> None:
    op.drop_index("ix_capture_jobs_actor", table_name="capture_jobs")
    op.drop_table("capture_jobs")
