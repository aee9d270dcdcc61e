"""monitor_reports: the signed status reports of the log's monitors, every one kept (append-only), so the
regulator's console can show what each monitor last found.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ginseng_trace.store.append_only import create_append_only_triggers

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("monitor", sa.String(255), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("checked_at", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("agrees", sa.Boolean, nullable=True),
        sa.Column("received_at", sa.String(27), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_monitor_reports_monitor_checked", "monitor_reports", ["monitor", "checked_at"])
    create_append_only_triggers(("monitor_reports",))


def downgrade() -> None:
    op.drop_index("ix_monitor_reports_monitor_checked", table_name="monitor_reports")
    op.drop_table("monitor_reports")  # its triggers go with it
