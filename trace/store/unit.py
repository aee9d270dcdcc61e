"""The unit of work: read and write transactions over one database, and the only place that opens them.

A write transaction starts with ``BEGIN IMMEDIATE`` on SQLite (the database's single writer lock) and takes
the append lock on PostgreSQL (a transaction-scoped advisory lock), so that appenders, checkpoints and
membership changes are serialised and every lot's chain stays linear. A write that the database aborts for
a reason that may pass (a deadlock, a serialisation failure) is run again from the start, a few times; a
lock wait or a statement that ran out of time (``db.Timeouts``) is not (it has waited already) and reaches
the caller as :class:`TransientStoreError`, as does a connection the database dropped (the pool replaces it:
``pool_pre_ping``, and a read is run once more on a new connection). A full disk is
:class:`StorageFullError`. Any other database failure reaches the caller as :class:`StoreError`, never as a
driver exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..chain.errors import Error
from .db import WRITE, Timeouts, create_ledger_engine, migrate, schema_revisions, timeouts_of
from .repository import LedgerRepository

T = TypeVar("T")
WRITE_ATTEMPTS = 3
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
TIMED_OUT_SQLSTATES = frozenset({"55P03", "57014"})  # lock_not_available (lock_timeout), query_canceled
STORAGE_FULL_SQLSTATES = frozenset({"53100"})  # disk_full


class StoreError(Error):
    """The database could not do what was asked (unreachable, refused, or failed); nothing was changed."""


class TransientStoreError(StoreError):
    """The database aborted a transaction for a reason that may pass: worth trying again."""


class StorageFullError(StoreError):
    """The database has no room left to write (its disk, or its size limit, is full); nothing was changed."""


def _retryable(exc: BaseException | None) -> bool:
    """An abort that running the transaction again resolves (a deadlock, a serialisation failure)."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in TRANSIENT_SQLSTATES


def _sqlstate(exc: BaseException | None) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


def _transient(exc: DBAPIError) -> bool:
    """A failure that may pass: a retryable abort, a lock wait or statement that ran out of time (SQLite's
    busy timeout, PostgreSQL's lock and statement timeouts), or a connection the database dropped."""
    return (
        _retryable(exc)
        or _sqlstate(exc) in TIMED_OUT_SQLSTATES
        or _dropped(exc)
        or "database is locked" in str(exc.orig or "")
    )


def _full(exc: DBAPIError) -> bool:
    """No room left: SQLite's SQLITE_FULL (a full disk or ``max_page_count``), PostgreSQL's disk_full."""
    code = getattr(exc.orig, "sqlite_errorname", None)
    return code == "SQLITE_FULL" or _sqlstate(exc) in STORAGE_FULL_SQLSTATES


DROPPED_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})  # admin_shutdown, crash_shutdown, cannot_connect_now
DROPPED_WORDS = ("server closed the connection", "the connection is lost", "connection is closed")


def _dropped(exc: BaseException | None) -> bool:
    """The database dropped the connection (a restart, a terminated backend): a new one may well work."""
    if not isinstance(exc, DBAPIError):
        return False
    state = _sqlstate(exc) or ""
    words = str(exc.orig or "")
    return (
        exc.connection_invalidated
        or state in DROPPED_SQLSTATES
        or state.startswith("08")  # connection_exception
        or any(w in words for w in DROPPED_WORDS)
    )


@contextmanager
def _mapped() -> Iterator[None]:
    """Driver errors as store errors: the edges (HTTP, CLI) map one store-level error."""
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        text = f"database: {reason[0] if reason else type(exc).__name__}"
        if isinstance(exc, DBAPIError) and _full(exc):
            raise StorageFullError(text) from exc
        if isinstance(exc, DBAPIError) and _transient(exc):
            raise TransientStoreError(text) from exc
        raise StoreError(text) from exc


class Store:
    """One ledger database: its engine, and read and write transactions over it; optionally a read replica
    (a PostgreSQL streaming standby of it) that answers reads of published data (:meth:`read_published`)."""

    def __init__(self, engine: Engine, replica: Engine | None = None) -> None:
        self.engine = engine
        self.replica = replica

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrate_first: bool = True,
        timeouts: Timeouts | None = None,
        replica_url: str | None = None,
    ) -> Store:
        """The store at ``url`` (``sqlite+pysqlite:///…`` or ``postgresql+psycopg://…``), migrated to head,
        whose connections wait as long as ``timeouts`` say; with ``replica_url``, a standby of it that
        :meth:`read_published` reads first (never migrated: it follows the primary)."""
        with _mapped():
            engine = create_ledger_engine(url, timeouts=timeouts)
            if migrate_first:
                migrate(engine)
            replica = create_ledger_engine(replica_url, timeouts=timeouts) if replica_url else None
        return cls(engine, replica)

    @property
    def engine_name(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()
        if self.replica is not None:
            self.replica.dispose()

    def schema_revisions(self) -> tuple[str | None, str | None]:
        """``(the database's migration revision, the code's head revision)``."""
        with _mapped():
            return schema_revisions(self.engine)

    @contextmanager
    def reading(self, engine: Engine | None = None) -> Iterator[LedgerRepository]:
        """A read transaction: one consistent view of the ledger for all its statements (a WAL snapshot on
        SQLite, REPEATABLE READ on PostgreSQL), never waiting for a writer, rolled back at the end. On the
        primary unless ``engine`` names another (the replica)."""
        engine = engine or self.engine
        with _mapped(), engine.connect() as conn:
            if engine.dialect.name == "postgresql":  # one snapshot for the whole transaction
                conn.execution_options(isolation_level="REPEATABLE READ")  # (sets it on conn itself)
            yield LedgerRepository(conn)

    @contextmanager
    def writing(self, *, append_lock: bool = True) -> Iterator[LedgerRepository]:
        """A write transaction holding the append lock; committed when the block ends, rolled back if it
        raises. Without ``append_lock`` (scan tallies, which are not ledger data) it is a plain transaction
        that never queues behind appends. Prefer :meth:`write`, which also retries transient failures."""
        if not append_lock:
            with _mapped(), self.engine.begin() as conn:
                yield LedgerRepository(conn)
            return
        with _mapped(), self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            repo = LedgerRepository(conn)
            repo.lock_for_append()
            yield repo

    @property
    def timeouts(self) -> Timeouts:
        """How long this store's connections wait for a lock or a statement."""
        return timeouts_of(self.engine)

    def read(self, work: Callable[[LedgerRepository], T]) -> T:
        """Run ``work`` in one read transaction and return what it returns; once more on a new connection if
        the database dropped the one it had (a restart, a terminated backend)."""
        try:
            with self.reading() as repo:
                return work(repo)
        except TransientStoreError as exc:
            if not _dropped(exc.__cause__):
                raise
        with self.reading() as repo:
            return work(repo)

    def read_published(self, work: Callable[[LedgerRepository], T]) -> T:
        """Run ``work``, a read of what the ledger publishes to anyone (records, histories, proofs, tiles,
        bundles, pages), on the replica if there is one, else as :meth:`read`. A standby holds a consistent
        prefix of the primary's ledger, at most its replication lag behind; so ``work`` sees one state of the
        ledger that was true a moment ago. Only a success is taken from the replica: any refusal (a lot, a
        record or a checkpoint it does not hold yet, a proof beyond its tree) and any failure of the replica
        itself is the primary's to answer, so a replica that lags or is down costs a second read, never a
        wrong 404. Reads that decide who may see or do what (roles, keys, private members) stay on the
        primary: use :meth:`read`."""
        if self.replica is not None:
            try:
                with self.reading(self.replica) as repo:
                    return work(repo)
            except Error:
                pass
        return self.read(work)

    def write(
        self, work: Callable[[LedgerRepository], T], *, attempts: int = WRITE_ATTEMPTS, append_lock: bool = True
    ) -> T:
        """Run ``work`` in one write transaction (under the append lock) and commit; all of it is stored or
        none. A transient abort runs ``work`` again from the start, so ``work`` must read what it decides on
        inside the transaction."""
        for attempt in range(1, attempts + 1):
            try:
                with self.writing(append_lock=append_lock) as repo:
                    return work(repo)
            except TransientStoreError as exc:
                if attempt == attempts or not _retryable(exc.__cause__):  # a lock wait already waited
                    raise
                time.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover
