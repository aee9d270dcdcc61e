"""The log's signing keys with the time each came into use (rotation appends; nothing changes).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ginseng_trace.store.append_only import create_append_only_triggers

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_keys",
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.String(27), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_log_keys"),
    )
    create_append_only_triggers(("log_keys",))


def downgrade() -> None:
    op.drop_table("log_keys")
