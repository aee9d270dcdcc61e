"""The ledger repository: records, lot heads and states, findings and the lot graph, over one connection;
its parts for the other aggregates share that connection (``membership``, ``keys``, ``log``, ``scans``,
``parties``).

The caller (the service layer) owns the transaction; this class never commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, any_, bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ..events.findings import Finding
from .archive import ArchiveRepository
from .epcis import EpcisIndexRepository
from .keys import ActorKeyRepository
from .log import LogRepository
from .membership import MembershipRepository
from .parties import LotPartyRepository
from .rows import NewRecord, StoredRecord, blob, bulk_insert
from .scans import ScanRepository
from .tables import (
    disclosures,
    findings,
    lot_heads,
    lot_states,
    record_inputs,
    records,
)

APPEND_LOCK = 0x6769_6E73_656E_67  # "ginseng": the advisory lock all PostgreSQL appenders take
_APPEND_LOCK_SQL = text(
    # one lock per ledger: a ledger in another schema of the same database (as the tests make them) has a key
    # of its own, so that a held lock there never runs this ledger's lock timeout out; `public` keeps the key
    "SELECT pg_advisory_xact_lock(CASE WHEN current_schema() = 'public' THEN :key"
    " ELSE :key # hashtext(current_schema())::bigint END)"
)
_CHUNK = 500


_COLUMNS = (
    records.c.log_index,
    records.c.event_id,
    records.c.lot_id,
    records.c.seq,
    records.c.record_hash,
    records.c.event_hash,
    records.c.event_bytes,
    records.c.record_bytes,
)


def _stored(row: Any) -> StoredRecord:  # a Row of _COLUMNS
    return StoredRecord(
        log_index=row.log_index,
        event_id=row.event_id,
        lot_id=row.lot_id,
        seq=row.seq,
        record_hash=blob(row.record_hash).hex(),
        event_hash=blob(row.event_hash).hex(),
        event_bytes=blob(row.event_bytes),
        record_bytes=blob(row.record_bytes),
    )


def _finding(row: Any) -> Finding:  # a Row of findings' columns, in order
    log_index, position, lot_id, rule, severity, pointer, limit, value, message, message_zh, found_at, standard = row
    return Finding(
        rule, severity, pointer, limit, value, message, message_zh, log_index, lot_id, found_at, position, standard
    )


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class LedgerRepository:
    """Reads and appends ledger rows on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.membership = MembershipRepository(connection)
        self.keys = ActorKeyRepository(connection)
        self.log = LogRepository(connection)
        self.scans = ScanRepository(connection)
        self.parties = LotPartyRepository(connection)
        self.epcis = EpcisIndexRepository(connection)
        self.archive = ArchiveRepository(connection)

    # -- appending -----------------------------------------------------------------

    def lock_for_append(self) -> None:
        """Serialise appenders for the rest of the transaction.

        On PostgreSQL a transaction-scoped advisory lock; on SQLite the write
        transaction already began with ``BEGIN IMMEDIATE``, which holds the
        database's single writer lock.
        """
        if self.connection.dialect.name == "postgresql":
            self.connection.execute(_APPEND_LOCK_SQL, {"key": APPEND_LOCK})

    def next_log_index(self) -> int:
        last = self.connection.execute(select(func.max(records.c.log_index))).scalar()
        return 0 if last is None else int(last) + 1

    def heads(self, lots: Collection[str]) -> dict[str, tuple[int, str]]:
        """``lot -> (seq, record hash)`` of each named lot's latest record; unknown lots are absent."""
        found: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(sorted(lots)):
            query = select(lot_heads.c.lot_id, lot_heads.c.seq, lot_heads.c.record_hash).where(
                self._among(lot_heads.c.lot_id, chunk)
            )
            for lot_id, seq, record_hash in self.connection.execute(query):
                found[lot_id] = (seq, blob(record_hash).hex())
        return found

    def _among(self, column: ColumnElement[str], values: Sequence[str]) -> ColumnElement[bool]:
        """``column IN values``; on PostgreSQL one array parameter, which plans and caches far better."""
        if self.connection.dialect.name == "postgresql":
            return column == any_(bindparam("values", list(values), type_=postgresql.ARRAY(String)))
        return column.in_(values)

    def lot_states(self, lots: Collection[str]) -> dict[str, str]:
        """``lot -> state`` (JSON text) of each named lot that has one."""
        found: dict[str, str] = {}
        for chunk in _chunks(sorted(lots)):
            query = select(lot_states.c.lot_id, lot_states.c.state).where(self._among(lot_states.c.lot_id, chunk))
            found.update((lot, state) for lot, state in self.connection.execute(query))
        return found

    def count_lot_states(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(lot_states)).scalar_one())

    def put_lot_states(self, states: Sequence[tuple[str, str]]) -> None:
        """Insert or replace ``(lot, state JSON)`` rows."""
        if not states:
            return
        upsert = (
            postgresql.insert(lot_states) if self.connection.dialect.name == "postgresql" else sqlite.insert(lot_states)
        )
        self.connection.execute(
            upsert.on_conflict_do_update(index_elements=[lot_states.c.lot_id], set_={"state": upsert.excluded.state}),
            [{"lot_id": lot, "state": state} for lot, state in states],
        )

    def add_findings(self, rows: Sequence[Finding]) -> None:
        """Store placed findings (each with its record's log index, lot and time)."""
        bulk_insert(
            self.connection,
            findings.name,
            findings.columns.keys(),
            [
                (
                    f.log_index,
                    f.position,
                    f.lot_id,
                    f.rule,
                    f.severity,
                    f.pointer,
                    f.limit,
                    f.value,
                    *f.messages,
                    f.found_at,
                    f.standard,
                )
                for f in rows
            ],
        )

    def findings(self, lots: Collection[str] | None = None, rule: str | None = None) -> list[Finding]:
        """Stored findings in log order, of the named lots (all lots if None) and rule (any if None)."""
        query = select(*findings.columns).order_by(findings.c.log_index, findings.c.position)
        if rule is not None:
            query = query.where(findings.c.rule == rule)
        if lots is None:
            return [_finding(row) for row in self.connection.execute(query)]
        found: list[Finding] = []
        for chunk in _chunks(sorted(lots)):
            found += [_finding(row) for row in self.connection.execute(query.where(findings.c.lot_id.in_(chunk)))]
        return sorted(found, key=lambda f: (f.log_index, f.position))

    def all_lot_heads(self) -> list[tuple[str, int, str, int]]:
        """``(lot, seq, record hash, log index)`` of every lot's latest record."""
        query = select(lot_heads.c.lot_id, lot_heads.c.seq, lot_heads.c.record_hash, lot_heads.c.log_index)
        return [(lot, seq, blob(h).hex(), index) for lot, seq, h, index in self.connection.execute(query)]

    def heads_before(self, lots: Collection[str], size: int) -> list[tuple[str, int, str]]:
        """``(lot, seq, record hash)`` of each named lot's latest record among the first ``size`` leaves;
        lots with no record there are absent."""
        found: list[tuple[str, int, str]] = []
        for chunk in _chunks(sorted(lots)):
            latest = (
                select(records.c.lot_id, func.max(records.c.seq).label("seq"))
                .where(records.c.lot_id.in_(chunk) & (records.c.log_index < size))
                .group_by(records.c.lot_id)
                .subquery()
            )
            query = select(records.c.lot_id, records.c.seq, records.c.record_hash).join(
                latest, (records.c.lot_id == latest.c.lot_id) & (records.c.seq == latest.c.seq)
            )
            found += [(lot, seq, blob(h).hex()) for lot, seq, h in self.connection.execute(query)]
        return found

    def by_event_ids(self, event_ids: Collection[str]) -> dict[str, StoredRecord]:
        found: dict[str, StoredRecord] = {}
        for chunk in _chunks(sorted(event_ids)):
            for row in self.connection.execute(select(*_COLUMNS).where(self._among(records.c.event_id, chunk))):
                stored = _stored(row)
                found[stored.event_id] = stored
        return found

    def insert(self, new: Sequence[NewRecord]) -> None:
        if not new:
            return
        rows = [
            (
                r.log_index,
                bytes.fromhex(r.record_hash),
                bytes.fromhex(r.event_hash),
                r.event_id,
                r.lot_id,
                r.seq,
                r.type,
                r.actor,
                r.occurred_at,
                r.recorded_at,
                r.event_bytes,
                r.record_bytes,
            )
            for r in new
        ]
        links = [(r.log_index, i, lot, bytes.fromhex(head)) for r in new for i, (lot, head) in enumerate(r.inputs)]
        private = [(r.log_index, i, d) for r in new for i, d in enumerate(r.disclosures)]
        self._move_heads(new)
        bulk_insert(self.connection, records.name, records.columns.keys(), rows)
        bulk_insert(self.connection, record_inputs.name, record_inputs.columns.keys(), links)
        bulk_insert(self.connection, disclosures.name, disclosures.columns.keys(), private)

    def _move_heads(self, new: Sequence[NewRecord]) -> None:
        latest = {r.lot_id: r for r in new}  # in append order, so the last record of each lot wins
        rows = [
            {"lot_id": r.lot_id, "seq": r.seq, "record_hash": bytes.fromhex(r.record_hash), "log_index": r.log_index}
            for r in latest.values()
        ]
        upsert = (
            postgresql.insert(lot_heads) if self.connection.dialect.name == "postgresql" else sqlite.insert(lot_heads)
        )
        self.connection.execute(
            upsert.on_conflict_do_update(
                index_elements=[lot_heads.c.lot_id],
                set_={
                    "seq": upsert.excluded.seq,
                    "record_hash": upsert.excluded.record_hash,
                    "log_index": upsert.excluded.log_index,
                },
            ),
            rows,
        )

    # -- reading -------------------------------------------------------------------

    def by_hash(self, digest: str) -> StoredRecord | None:
        """The record whose record hash or event hash is ``digest`` (64 hex digits)."""
        raw = bytes.fromhex(digest)
        row = self.connection.execute(
            select(*_COLUMNS).where((records.c.record_hash == raw) | (records.c.event_hash == raw))
        ).first()
        return _stored(row) if row else None

    def lot_records(self, lots: Collection[str], *, private: bool = False) -> list[StoredRecord]:
        """Every record of the named lots, in log order (with their disclosures when ``private``)."""
        found: list[StoredRecord] = []
        for chunk in _chunks(sorted(lots)):
            query = select(*_COLUMNS).where(records.c.lot_id.in_(chunk))
            found.extend(_stored(row) for row in self.connection.execute(query))
        if private and found:
            held: dict[int, tuple[str, ...]] = {}
            for chunk in _chunks(sorted(lots)):
                ours = select(records.c.log_index).where(self._among(records.c.lot_id, chunk))
                held.update(self._disclosures(disclosures.c.log_index.in_(ours.scalar_subquery())))
            found = [dataclasses.replace(r, disclosures=held.get(r.log_index, ())) for r in found]
        return sorted(found, key=lambda r: r.log_index)

    def _disclosures(self, where: ColumnElement[bool]) -> dict[int, tuple[str, ...]]:
        """``log_index -> disclosures`` (in their submitted order) of the records ``where`` selects."""
        query = (
            select(disclosures.c.log_index, disclosures.c.disclosure)
            .where(where)
            .order_by(disclosures.c.log_index, disclosures.c.position)
        )
        held: dict[int, list[str]] = {}
        for index, text_ in self.connection.execute(query):
            held.setdefault(int(index), []).append(str(text_))
        return {index: tuple(found) for index, found in held.items()}

    def disclosures_between(self, first: int, last: int) -> dict[int, tuple[str, ...]]:
        """``log_index -> disclosures`` of the records from ``first`` to ``last`` (both included)."""
        return self._disclosures(disclosures.c.log_index.between(first, last))

    def all_records(self, batch: int = 2000) -> Iterator[StoredRecord]:
        """Every record in log order, read in batches by index range."""
        for rows in self.record_batches(batch):
            yield from rows

    def record_batches(self, batch: int = 2000) -> Iterator[list[StoredRecord]]:
        """Every record in log order, ``batch`` at a time (each batch read by one query on the index range)."""
        start = 0
        while True:
            query = select(*_COLUMNS).where(records.c.log_index >= start).order_by(records.c.log_index).limit(batch)
            rows = [_stored(row) for row in self.connection.execute(query)]
            if rows:
                yield rows
            if len(rows) < batch:
                return
            start = rows[-1].log_index + 1

    def replay(
        self, lots: Collection[str] | None = None, batch: int = 5000
    ) -> Iterator[tuple[int, bytes, str, tuple[str, ...]]]:
        """``(log_index, event bytes, recorded_at, disclosures)`` of every record (of the named lots), in log
        order."""
        start = 0
        while True:
            query = (
                select(records.c.log_index, records.c.event_bytes, records.c.recorded_at)
                .where(records.c.log_index >= start)
                .order_by(records.c.log_index)
                .limit(batch)
            )
            if lots is not None:
                query = query.where(self._among(records.c.lot_id, sorted(lots)))
            rows = [(int(i), bytes(b), str(t)) for i, b, t in self.connection.execute(query)]
            if rows:
                held = self._disclosures(disclosures.c.log_index.between(rows[0][0], rows[-1][0]))
                yield from ((i, b, t, held.get(i, ())) for i, b, t in rows)
            if len(rows) < batch:
                return
            start = rows[-1][0] + 1

    def input_lots(self, lots: Collection[str]) -> set[str]:
        """The lots consumed by any record of the named lots."""
        return self._linked(record_inputs.c.input_lot_id, records.c.lot_id, lots)

    def consuming_lots(self, lots: Collection[str]) -> set[str]:
        """The lots any of whose records consumed one of the named lots."""
        return self._linked(records.c.lot_id, record_inputs.c.input_lot_id, lots)

    def consumers(self, lots: Collection[str]) -> dict[str, set[str]]:
        """For each named lot that some record consumed, the lots of those records (one hop down the graph)."""
        found: dict[str, set[str]] = {}
        for chunk in _chunks(sorted(lots)):
            query = (
                select(record_inputs.c.input_lot_id, records.c.lot_id)
                .select_from(records.join(record_inputs, records.c.log_index == record_inputs.c.log_index))
                .where(record_inputs.c.input_lot_id.in_(chunk))
                .distinct()
            )
            for source, consumer in self.connection.execute(query):
                found.setdefault(str(source), set()).add(str(consumer))
        return found

    def _linked(self, wanted: ColumnElement[str], known: ColumnElement[str], lots: Collection[str]) -> set[str]:
        """One hop along the input links between records and their input lots, in either direction."""
        found: set[str] = set()
        for chunk in _chunks(sorted(lots)):
            query = (
                select(wanted)
                .select_from(records.join(record_inputs, records.c.log_index == record_inputs.c.log_index))
                .where(known.in_(chunk))
                .distinct()
            )
            found.update(self.connection.execute(query).scalars())
        return found

    def first_events(self, lots: Collection[str]) -> dict[str, bytes]:
        """The signed bytes of each named lot's first event."""
        found: dict[str, bytes] = {}
        for chunk in _chunks(sorted(lots)):
            query = select(records.c.lot_id, records.c.event_bytes).where(
                records.c.lot_id.in_(chunk) & (records.c.seq == 1)
            )
            found.update((lot, blob(data)) for lot, data in self.connection.execute(query))
        return found

    def count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(records)).scalar_one())
