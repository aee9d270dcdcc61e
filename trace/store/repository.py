"""The ledger repository: every read and write of ledger rows, over one connection.

The caller (the service layer) owns the transaction; this class never commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, any_, bindparam, case, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ..chain.keys import ActorKey, VerifierKey
from ..chain.verify import StoredEntry
from ..events.findings import Finding
from .membership import MembershipRepository
from .tables import (
    actor_keys,
    checkpoints,
    cosignatures,
    disclosures,
    findings,
    key_revocations,
    log_keys,
    log_nodes,
    lot_heads,
    lot_states,
    record_inputs,
    records,
    scans,
)

APPEND_LOCK = 0x6769_6E73_656E_67  # "ginseng": the advisory lock all PostgreSQL appenders take
_CHUNK = 500


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


def _blob(value: object) -> bytes:
    """Column bytes; SQLite hands back text if someone stored text in a blob column, and we keep it for the verifier."""
    return value.encode() if isinstance(value, str) else bytes(value)  # type: ignore[call-overload]


def _stored(row: Any) -> StoredRecord:  # a Row of _COLUMNS
    return StoredRecord(
        log_index=row.log_index,
        event_id=row.event_id,
        lot_id=row.lot_id,
        seq=row.seq,
        record_hash=_blob(row.record_hash).hex(),
        event_hash=_blob(row.event_hash).hex(),
        event_bytes=_blob(row.event_bytes),
        record_bytes=_blob(row.record_bytes),
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

    # -- appending -----------------------------------------------------------------

    def lock_for_append(self) -> None:
        """Serialise appenders for the rest of the transaction.

        On PostgreSQL a transaction-scoped advisory lock; on SQLite the write
        transaction already began with ``BEGIN IMMEDIATE``, which holds the
        database's single writer lock.
        """
        if self.connection.dialect.name == "postgresql":
            self.connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})

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
                found[lot_id] = (seq, _blob(record_hash).hex())
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
        self._bulk_insert(
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
        return [(lot, seq, _blob(h).hex(), index) for lot, seq, h, index in self.connection.execute(query)]

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
            found += [(lot, seq, _blob(h).hex()) for lot, seq, h in self.connection.execute(query)]
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
        self._bulk_insert(records.name, records.columns.keys(), rows)
        self._bulk_insert(record_inputs.name, record_inputs.columns.keys(), links)
        self._bulk_insert(disclosures.name, disclosures.columns.keys(), private)

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

    def _bulk_insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> None:
        """Insert many rows through the driver, in the caller's transaction: COPY on PostgreSQL,
        ``executemany`` on SQLite. Appends are the ledger's hot path, and this skips the
        per-row work of SQLAlchemy's parameter processing."""
        if not rows:
            return
        driver = self.connection.connection.driver_connection
        assert driver is not None  # noqa: S101 - an open connection always has one
        names = ", ".join(columns)
        if self.connection.dialect.name == "postgresql":
            with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            driver.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608

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

    def all_records(self, batch: int = 2000) -> Iterator[StoredRecord]:
        """Every record in log order, read in batches by index range."""
        start = 0
        while True:
            query = select(*_COLUMNS).where(records.c.log_index >= start).order_by(records.c.log_index).limit(batch)
            rows = [_stored(row) for row in self.connection.execute(query)]
            yield from rows
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

    def add_scans(
        self, rows: Sequence[tuple[str, str, str | None, str, str | None, int | None, bool, str | None]]
    ) -> None:
        """Insert ``(gtin, lot, serial, scanned_at, city, place_id, counted, visitor)`` rows."""
        self.connection.execute(
            scans.insert(),
            [
                {
                    "gtin": g,
                    "lot_id": lot,
                    "serial": s,
                    "scanned_at": at,
                    "city": c,
                    "place_id": place,
                    "counted": counted,
                    "visitor": visitor,
                }
                for g, lot, s, at, c, place, counted, visitor in rows
            ],
        )

    def scan_tallies(
        self, gtin: str | None = None, lot_id: str | None = None, serial: str | None = None, *, one: bool = False
    ) -> dict[tuple[str, str, str | None], list[tuple[str | None, int | None, int, str, str]]]:
        """``(gtin, lot, serial) -> [(city, place_id, scans, first, last), ...]``: each label's scans (place
        reports count no scan but name a city), per city (None for scans without one), of one label
        (``one``) or of every label, or every label of a lot."""
        query = select(
            scans.c.gtin,
            scans.c.lot_id,
            scans.c.serial,
            scans.c.city,
            scans.c.place_id,
            func.sum(case((scans.c.counted, 1), else_=0)),
            func.min(scans.c.scanned_at),
            func.max(scans.c.scanned_at),
        ).group_by(scans.c.gtin, scans.c.lot_id, scans.c.serial, scans.c.city, scans.c.place_id)
        if lot_id is not None:
            query = query.where(scans.c.lot_id == lot_id)
        if one:
            query = query.where((scans.c.gtin == gtin) & (scans.c.lot_id == lot_id))
            query = query.where(scans.c.serial.is_(None) if serial is None else scans.c.serial == serial)
        found: dict[tuple[str, str, str | None], list[tuple[str | None, int | None, int, str, str]]] = {}
        for g, lot, s, city, place, count, first, last in self.connection.execute(query):
            found.setdefault((g, lot, s), []).append((city, place, int(count), str(first), str(last)))
        return found

    def scan_visitors(self, gtin: str, lot_id: str, serial: str | None, *, since: str) -> dict[str, str | None]:
        """One label's visitors since ``since`` (RFC 3339 UTC), each with a city it told (None if none)."""
        query = (
            select(scans.c.visitor, func.max(scans.c.city))
            .where((scans.c.gtin == gtin) & (scans.c.lot_id == lot_id) & (scans.c.scanned_at >= since))
            .where(scans.c.serial.is_(None) if serial is None else scans.c.serial == serial)
            .where(scans.c.visitor.is_not(None))
            .group_by(scans.c.visitor)
        )
        return {str(visitor): city for visitor, city in self.connection.execute(query)}

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
            found.update((lot, _blob(data)) for lot, data in self.connection.execute(query))
        return found

    def count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(records)).scalar_one())

    # -- actor keys ----------------------------------------------------------------

    def _actor_key_query(self) -> Any:
        return (
            select(
                actor_keys.c.actor,
                actor_keys.c.public_key,
                actor_keys.c.registered_at,
                actor_keys.c.valid_until,
                key_revocations.c.revoked_at,
            )
            .select_from(
                actor_keys.outerjoin(
                    key_revocations,
                    (key_revocations.c.actor == actor_keys.c.actor) & (key_revocations.c.key_id == actor_keys.c.key_id),
                )
            )
            .order_by(actor_keys.c.actor, actor_keys.c.key_id)
        )

    @staticmethod
    def _actor_key(row: Any) -> ActorKey:
        return ActorKey(
            VerifierKey(row.actor, _blob(row.public_key)), row.registered_at, row.valid_until, row.revoked_at
        )

    def actor_key(self, actor: str, key_id: str) -> ActorKey | None:
        query = self._actor_key_query().where((actor_keys.c.actor == actor) & (actor_keys.c.key_id == key_id))
        row = self.connection.execute(query).first()
        return self._actor_key(row) if row else None

    def add_actor_key(self, key: VerifierKey, registered_at: str, valid_until: str | None = None) -> None:
        self.connection.execute(
            actor_keys.insert().values(
                actor=key.name,
                key_id=key.key_id_hex,
                public_key=key.public_key,
                registered_at=registered_at,
                valid_until=valid_until,
            )
        )

    def actor_keys(self, actors: Iterable[str] | None = None) -> list[ActorKey]:
        query = self._actor_key_query()
        if actors is not None:
            query = query.where(actor_keys.c.actor.in_(sorted(set(actors))))
        return [self._actor_key(row) for row in self.connection.execute(query)]

    def add_revocation(self, actor: str, key_id: str, revoked_at: str, reason: str) -> None:
        self.connection.execute(
            key_revocations.insert().values(actor=actor, key_id=key_id, revoked_at=revoked_at, reason=reason)
        )

    # -- the transparency log ----------------------------------------------------------

    def log_nodes(self, keys: Collection[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Stored complete-subtree hashes by ``(level, index)``; missing ones are absent.

        This is every proof's only read, so it goes straight to the driver with one statement
        phrased per level (``level = ? AND idx IN (...)`` joined by OR), which both engines answer
        from the primary key index (a row-value IN list is a table scan on SQLite)."""
        by_level: dict[int, list[int]] = {}
        for level, index in keys:
            by_level.setdefault(level, []).append(index)
        if not by_level:
            return {}
        mark = "%s" if self.connection.dialect.name == "postgresql" else "?"
        terms, params = [], []
        for level, indexes in sorted(by_level.items()):
            terms.append(f"(level = {mark} AND idx IN ({', '.join(mark for _ in indexes)}))")
            params += [level, *indexes]
        sql = f"SELECT level, idx, hash FROM {log_nodes.name} WHERE {' OR '.join(terms)}"  # noqa: S608 - only placeholders
        driver = self.connection.connection.driver_connection
        assert driver is not None  # noqa: S101 - an open connection always has one
        cursor = driver.cursor()
        try:
            cursor.execute(sql, params)
            return {(level, index): _blob(value) for level, index, value in cursor.fetchall()}
        finally:
            cursor.close()

    def log_node_range(self, level: int, start: int, count: int) -> list[bytes]:
        """The stored hashes of ``count`` consecutive complete subtrees at ``level`` from index ``start``."""
        query = (
            select(log_nodes.c.hash)
            .where((log_nodes.c.level == level) & (log_nodes.c.idx >= start) & (log_nodes.c.idx < start + count))
            .order_by(log_nodes.c.idx)
        )
        return [_blob(value) for value in self.connection.execute(query).scalars()]

    def record_bytes_range(self, start: int, count: int) -> list[bytes]:
        """The record bytes of leaves ``start`` .. ``start + count - 1``, in order."""
        query = (
            select(records.c.record_bytes)
            .where((records.c.log_index >= start) & (records.c.log_index < start + count))
            .order_by(records.c.log_index)
        )
        return [_blob(value) for value in self.connection.execute(query).scalars()]

    def add_log_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        self._bulk_insert(log_nodes.name, log_nodes.columns.keys(), nodes)

    def _checkpoint(self, query: Any) -> StoredCheckpoint | None:
        row = self.connection.execute(query.limit(1)).first()
        if row is None:
            return None
        lines = self.connection.execute(
            select(cosignatures.c.line).where(cosignatures.c.size == row.size).order_by(cosignatures.c.witness)
        ).scalars()
        return StoredCheckpoint(row.size, _blob(row.root), row.note, row.created_at, tuple(lines))

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return self._checkpoint(select(checkpoints).order_by(checkpoints.c.size.desc()))

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        return self._checkpoint(select(checkpoints).where(checkpoints.c.size == size))

    def first_checkpoint_covering(self, size: int) -> StoredCheckpoint | None:
        """The smallest checkpoint whose tree holds at least ``size`` leaves."""
        return self._checkpoint(select(checkpoints).where(checkpoints.c.size >= size).order_by(checkpoints.c.size))

    def add_checkpoint(self, size: int, root: bytes, note: str, created_at: str) -> None:
        self.connection.execute(checkpoints.insert().values(size=size, root=root, note=note, created_at=created_at))

    def add_cosignature(self, size: int, witness: str, line: str, timestamp: int) -> bool:
        """Store a witness's cosignature line for checkpoint ``size``; False if that witness already cosigned it."""
        exists = self.connection.execute(
            select(cosignatures.c.line).where((cosignatures.c.size == size) & (cosignatures.c.witness == witness))
        ).first()
        if exists:
            return False
        self.connection.execute(
            cosignatures.insert().values(size=size, witness=witness, line=line, timestamp=timestamp)
        )
        return True

    # -- the log's own keys -------------------------------------------------------------

    def log_keys(self) -> list[tuple[str, str]]:
        """``(vkey text, valid_from)`` of every key the log has signed with, oldest first."""
        query = select(log_keys.c.vkey, log_keys.c.valid_from).order_by(log_keys.c.valid_from, log_keys.c.key_id)
        return [(row.vkey, row.valid_from) for row in self.connection.execute(query)]

    def add_log_key(self, key: VerifierKey, valid_from: str) -> None:
        self.connection.execute(log_keys.insert().values(key_id=key.key_id_hex, vkey=key.text(), valid_from=valid_from))
