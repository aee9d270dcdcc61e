"""Database triggers that refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of ledger and log rows.

Used by the migrations; verification never relies on them, because anyone with
enough rights on the database can drop them.
"""

from __future__ import annotations

from alembic import op


def create_append_only_function() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END
            $$
            """
        )


def create_append_only_triggers(tables: tuple[str, ...]) -> None:
    """The database itself refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of these tables' rows."""
    if op.get_bind().dialect.name == "postgresql":
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
            )
    else:
        for table in tables:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: {verb} refused'); END"
                )
