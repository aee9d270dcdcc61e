"""The transparency log: complete-subtree hashes, signed checkpoints and witness cosignatures,
append-only like the ledger; subtree hashes are built for records that already exist.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ginseng_trace.chain.merkle import append_leaves, leaf_hash
from ginseng_trace.store.append_only import create_append_only_triggers

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("log_nodes", "checkpoints", "cosignatures")


def upgrade() -> None:
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_log_nodes"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.PrimaryKeyConstraint("size", name="pk_checkpoints"),
    )
    op.create_table(
        "cosignatures",
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.String(255), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["size"], ["checkpoints.size"], name="fk_cosignatures_size_checkpoints"),
        sa.PrimaryKeyConstraint("size", "witness", name="pk_cosignatures"),
    )
    _build_nodes_for_existing_records()
    create_append_only_triggers(TABLES)


def _build_nodes_for_existing_records() -> None:
    bind = op.get_bind()
    nodes: dict[tuple[int, int], bytes] = {}
    size = 0
    rows = bind.execute(sa.text("SELECT record_bytes FROM records ORDER BY log_index"))
    leaves = [leaf_hash(bytes(row[0])) for row in rows]
    for level, index, value in append_leaves(size, leaves, lambda lv, ix: nodes[(lv, ix)]):
        nodes[(level, index)] = value
    if nodes:
        table = sa.table("log_nodes", sa.column("level"), sa.column("idx"), sa.column("hash"))
        op.bulk_insert(table, [{"level": lv, "idx": ix, "hash": h} for (lv, ix), h in nodes.items()])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
