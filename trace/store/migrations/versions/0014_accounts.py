"""accounts, sessions, api_tokens, held_keys: people's logins, their sessions, API tokens, server-held keys.

Outside the ledger (plain tables, rows may change: a session or token is revoked, an account disabled).
Secrets are stored only as hashes (argon2id passwords, SHA-256 of session and token secrets) or encrypted
under a key the database does not hold (held keys' seeds, AES-256-GCM).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("disabled_at", sa.String(27), nullable=True),
        sa.PrimaryKeyConstraint("login", name="pk_accounts"),
    )
    op.create_index("ix_accounts_actor", "accounts", ["actor"])
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("expires_at", sa.String(27), nullable=False),
        sa.Column("csrf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("revoked_at", sa.String(27), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
        sa.ForeignKeyConstraint(["login"], ["accounts.login"], name="fk_sessions_login_accounts"),
    )
    op.create_index("ix_sessions_login", "sessions", ["login"])
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("permissions", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("expires_at", sa.String(27), nullable=False),
        sa.Column("revoked_at", sa.String(27), nullable=True),
        sa.PrimaryKeyConstraint("token_id", name="pk_api_tokens"),
    )
    op.create_index("ix_api_tokens_actor", "api_tokens", ["actor"])
    op.create_table(
        "held_keys",
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("nonce", sa.LargeBinary(12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key_id", name="pk_held_keys"),
    )


def downgrade() -> None:
    op.drop_table("held_keys")
    op.drop_table("api_tokens")
    op.drop_table("sessions")
    op.drop_table("accounts")
