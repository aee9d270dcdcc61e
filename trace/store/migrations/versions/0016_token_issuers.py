"""api_tokens.issued_by: the account whose session issued a token, so that disabling the account stops it.

A token issued by the operator (``ginseng-trace admin token issue``) or before this revision has none: it
belongs to its actor alone. Tokens issued from a session before this revision cannot be told apart from
the operator's (an actor may have several accounts), so they are left without an issuer.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("issued_by", sa.String(64), nullable=True))
        batch.create_foreign_key("fk_api_tokens_issued_by_accounts", "accounts", ["issued_by"], ["login"])
        batch.create_index("ix_api_tokens_issued_by", ["issued_by"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_issued_by")
        batch.drop_constraint("fk_api_tokens_issued_by_accounts", type_="foreignkey")
        batch.drop_column("issued_by")
