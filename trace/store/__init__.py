"""Storage: SQLAlchemy 2 tables, Alembic migrations and the ledger repository. Only this package knows SQL."""

from .db import create_ledger_engine, migrate, sqlite_url_for
from .repository import LedgerRepository, StoredRecord

__all__ = ["LedgerRepository", "StoredRecord", "create_ledger_engine", "migrate", "sqlite_url_for"]
