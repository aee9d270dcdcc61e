"""disclosures: the private payload members of events, kept apart from the records (docs/FORMAT.md §2a).

UPDATE is refused by a trigger; DELETE is allowed (an erasure leaves every record and proof valid).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("log_index", sa.BigInteger(), sa.ForeignKey("records.log_index"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("disclosure", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("log_index", "position", name="pk_disclosures"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER disclosures_no_update BEFORE UPDATE ON disclosures "
            "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER disclosures_no_update BEFORE UPDATE ON disclosures "
            "BEGIN SELECT RAISE(ABORT, 'ledger table disclosures is append-only: UPDATE refused'); END"
        )


def downgrade() -> None:
    op.drop_table("disclosures")
