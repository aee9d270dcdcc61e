"""Engines for the two supported databases, and migrations to head.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``: every commit syncs the
write-ahead log before it returns, so an event the service acknowledged survives a power loss or a kernel
crash (``NORMAL`` syncs only at checkpoints and may lose the last commits; see README, Performance, for what
FULL costs). Write transactions start with ``BEGIN IMMEDIATE`` so that concurrent appenders queue instead of
failing. PostgreSQL sessions set ``synchronous_commit=on``, whatever the server's default, for the same
reason.
PostgreSQL appenders serialise on a transaction-scoped advisory lock (see
:meth:`LedgerRepository.lock_for_append`).

Every wait is bounded (:class:`Timeouts`): a lock wait (SQLite's ``busy_timeout``, PostgreSQL's
``lock_timeout``, which the advisory lock obeys too) gives up after a few seconds, and on PostgreSQL so does a
statement (``statement_timeout``), set on each connection; the error that follows is answered 503 with
``Retry-After`` (``unit.TransientStoreError``), never a hang. Reads never wait for the write lock: a WAL
snapshot on SQLite, MVCC on PostgreSQL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event

MIGRATIONS = Path(__file__).parent / "migrations"
WRITE = {"ledger_write": True}
"""Execution options of a connection that will append (``BEGIN IMMEDIATE`` on SQLite)."""


LOCK_TIMEOUT = 5.0
"""Seconds a transaction waits for a lock (the write lock, a row) before it gives up (TRACE_LOCK_TIMEOUT)."""


@dataclass(frozen=True)
class Timeouts:
    """How long one connection waits: ``lock`` seconds for a lock, ``statement`` seconds for a statement
    (PostgreSQL; None: no bound)."""

    lock: float = LOCK_TIMEOUT
    statement: float | None = None


_TIMEOUTS: WeakKeyDictionary[Engine, Timeouts] = WeakKeyDictionary()


def timeouts_of(engine: Engine) -> Timeouts:
    """The timeouts the connections of ``engine`` run with (the defaults for an engine made elsewhere)."""
    return _TIMEOUTS.get(engine, Timeouts())


def sqlite_url_for(data_dir: Path) -> str:
    return f"sqlite+pysqlite:///{data_dir / 'ledger.sqlite3'}"


def create_ledger_engine(url: str, *, timeouts: Timeouts | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite+pysqlite:///…`` or ``postgresql+psycopg://…``) whose connections wait
    at most as long as ``timeouts`` say (by default a lock :data:`LOCK_TIMEOUT` seconds, statements unbounded)."""
    timeouts = timeouts or Timeouts()
    engine = _engine(url, timeouts, **kwargs)
    _TIMEOUTS[engine] = timeouts
    return engine


def _engine(url: str, timeouts: Timeouts, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's begin hook below opens transactions
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={round(timeouts.lock * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get("ledger_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_pre_ping=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_connection: Any, _record: Any) -> None:
            # a commit returns once its WAL record is on disk, even where the server's default is off
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = on")
                cursor.execute(f"SET lock_timeout = {round(timeouts.lock * 1000)}")
                cursor.execute(f"SET statement_timeout = {round((timeouts.statement or 0) * 1000)}")
            dbapi_connection.commit()

        return engine
    raise ValueError(f"unsupported database URL {url!r}: use sqlite+pysqlite:/// or postgresql+psycopg://")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def _private_file(path: Path) -> None:
    """Make the embedded database file readable by its owner only (0600), before SQLite first opens it; its
    write-ahead log and shared-memory files take the database file's permissions."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """``(the database's Alembic revision, the package's head revision)``: equal when migrations are current
    (the database's is None before its first migration)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head


def sqlite_drops_columns(connection: Connection) -> bool:
    """Whether this SQLite drops columns with ALTER TABLE soundly (3.35.5 and later: 3.35.0-3.35.4 had faults);
    a migration that would drop one does its work another way where it cannot."""
    version = connection.exec_driver_sql("SELECT sqlite_version()").scalar_one()
    return tuple(int(part) for part in str(version).split(".")[:3]) >= (3, 35, 5)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (idempotent)."""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        _private_file(Path(database))
    command.upgrade(alembic_config(engine), revision)
