"""Actor keys get validity periods: an optional end chosen at registration, and revocations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ginseng_trace.store.append_only import create_append_only_triggers

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("actor_keys", sa.Column("valid_until", sa.String(27), nullable=True))
    op.create_table(
        "key_revocations",
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("revoked_at", sa.String(27), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key_id", name="pk_key_revocations"),
    )
    create_append_only_triggers(("key_revocations",))


def downgrade() -> None:
    op.drop_table("key_revocations")
    with op.batch_alter_table("actor_keys") as batch:
        batch.drop_column("valid_until")
    if op.get_bind().dialect.name == "sqlite":  # batch mode rebuilt the table, and its triggers went with it
        create_append_only_triggers(("actor_keys",))
