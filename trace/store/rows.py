"""The stored forms of ledger rows, and the two helpers every repository shares: column bytes as bytes, and
the driver-level bulk insert of the append path."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from ..chain.verify import StoredEntry


@dataclass(frozen=True)
class StoredRecord:
    """A record row as stored: index columns and the exact signed and sealed bytes."""

    log_index: int
    event_id: str
    lot_id: str
    seq: int
    record_hash: str
    event_hash: str
    event_bytes: bytes
    record_bytes: bytes
    # the private members' disclosures, when the reader asked for them; not part of the record's identity
    disclosures: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    def entry(self) -> StoredEntry:
        return StoredEntry(
            self.log_index, self.event_id, self.lot_id, self.seq, self.record_hash, self.event_bytes, self.record_bytes
        )


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as the log signed it, with the cosignature lines witnesses returned for it."""

    size: int
    root: bytes
    note: str
    created_at: str
    cosignatures: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewRecord:
    """A sealed record to insert."""

    log_index: int
    event_id: str
    lot_id: str
    seq: int
    type: str
    actor: str
    occurred_at: str
    recorded_at: str
    record_hash: str
    event_hash: str
    event_bytes: bytes
    record_bytes: bytes
    inputs: tuple[tuple[str, str], ...]  # (input lot, head hash)
    disclosures: tuple[str, ...] = ()

    def stored(self) -> StoredRecord:
        """The record as it will read back once inserted."""
        return StoredRecord(
            self.log_index,
            self.event_id,
            self.lot_id,
            self.seq,
            self.record_hash,
            self.event_hash,
            self.event_bytes,
            self.record_bytes,
            self.disclosures,
        )


def blob(value: object) -> bytes:
    """Column bytes; SQLite hands back text if someone stored text in a blob column, and we keep it for the verifier."""
    return value.encode() if isinstance(value, str) else bytes(value)  # type: ignore[call-overload]


def bulk_insert(connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> None:
    """Insert many rows through the driver, in the caller's transaction: COPY on PostgreSQL,
    ``executemany`` on SQLite. Appends are the ledger's hot path, and this skips the
    per-row work of SQLAlchemy's parameter processing."""
    if not rows:
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101 - an open connection always has one
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        driver.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
