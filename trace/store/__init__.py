"""Storage: SQLAlchemy 2 tables, Alembic migrations, the ledger repository and the unit of work (``Store``).
Only this package knows SQL or imports SQLAlchemy."""

from .accounts import AccountRepository, StoredAccount, StoredAccountState, StoredHeldKey, StoredSession, StoredToken
from .capture_jobs import CaptureJobsRepository
from .complaints import ComplaintsRepository, StoredComplaint
from .db import LOCK_TIMEOUT, Timeouts, create_ledger_engine, migrate, sqlite_url_for
from .reads import ReadRow, ReadsRepository
from .repository import LedgerRepository
from .rows import NewRecord, StoredCheckpoint, StoredRecord
from .unit import StorageFullError, Store, StoreError, TransientStoreError

__all__ = [
    "LOCK_TIMEOUT",
    "AccountRepository",
    "CaptureJobsRepository",
    "ComplaintsRepository",
    "LedgerRepository",
    "NewRecord",
    "ReadRow",
    "ReadsRepository",
    "StorageFullError",
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
    "Timeouts",
    "TransientStoreError",
    "create_ledger_engine",
    "migrate",
    "sqlite_url_for",
]
