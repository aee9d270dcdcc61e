"""Storage: SQLAlchemy 2 tables, Alembic migrations, the ledger repository and the unit of work (``Store``).
Only this package knows SQL or imports SQLAlchemy."""

from .accounts import AccountRepository, StoredAccount, StoredAccountState, StoredHeldKey, StoredSession, StoredToken
from .capture_jobs import CaptureJobsRepository
from .complaints import ComplaintsRepository, StoredComplaint
from .db import create_ledger_engine, migrate, sqlite_url_for
from .reads import ReadRow, ReadsRepository
from .repository import LedgerRepository
from .rows import NewRecord, StoredCheckpoint, StoredRecord
from .unit import Store, StoreError, TransientStoreError

__all__ = [
    "AccountRepository",
    "CaptureJobsRepository",
    "ComplaintsRepository",
    "LedgerRepository",
    "NewRecord",
    "ReadRow",
    "ReadsRepository",
    "Store",
    "StoreError",
    "StoredAccount",
    "StoredAccountState",
    "StoredCheckpoint",
    "StoredComplaint",
    "StoredHeldKey",
    "StoredRecord",
    "StoredSession",
    "StoredToken",
    "TransientStoreError",
    "create_ledger_engine",
    "migrate",
    "sqlite_url_for",
]
