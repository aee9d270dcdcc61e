"""Use cases: the only place that combines the chain, the ginseng domain and storage.

Each public method is one use case and runs in one transaction that it opens
and commits itself; nothing below it commits.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine

from .chain.bundle import Bundle, BundleEntry
from .chain.canonical import JSONValue, parse_json
from .chain.disclosure import reveal_stored
from .chain.errors import Error, FieldProblem, MalformedError, SignatureError, VerificationError
from .chain.keys import ALG_ED25519, ActorKey, SignerKey, VerifierKey
from .chain.lotheads import HeadEntry, HeadMap
from .chain.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    SubtreeSource,
    append_leaves,
    consistency_proof_from,
    frontier,
    inclusion_proof_from,
    leaf_hash,
    range_hash,
    verify_consistency,
)
from .chain.note import Checkpoint, Note, NoteError, NoteSignature, Verified, sign_note, verify_note
from .chain.records import GENESIS, Event, SignedEvent, seal, sign_event
from .chain.times import format_utc, parse_utc
from .chain.verify import Report, verify_entries
from .events.catalogue import check_event_type, check_submitted, private_fields
from .events.lineage import lot_kind, walk
from .events.public import PublicHistory, public_history
from .events.rules import Inspector, RuleViolationError, Violation
from .events.state import LotState
from .labels.places import Place, gazetteer
from .labels.signals import LabelScans
from .store.db import WRITE
from .store.repository import LedgerRepository, NewRecord, StoredCheckpoint, StoredFinding, StoredRecord

Clock = Callable[[], datetime]
TILE_WIDTH = 256
SCAN_FLUSH_SECONDS = 0.2
SCAN_PENDING_LIMIT = 100_000
SCAN_TALLY_SECONDS = 5.0
"""How long a label's stored scan tally, once read, is trusted before it is read again (so that scans
counted by other processes serving the same database show within seconds)."""
SCAN_TALLY_LABELS = 100_000

LOG_STATE_SECONDS = 1.0
"""How stale ``Ledger.log_state`` may be (appends by other processes show on scan pages within this)."""

Label = tuple[str, str, str | None]  # (gtin, lot, serial)
ScanRow = tuple[str | None, int | None, int, str, str]  # (city, place id, scans, first, last)
PendingScan = tuple[str, str, str | None, str, str | None, int | None, bool]
"""(gtin, lot, serial, at, city, place id, counted)"""
logger = logging.getLogger(__name__)
T = TypeVar("T")


def finding_rows(
    log_index: int, lot_id: str, findings: Sequence[Violation], found_at: str, pointer: str = "/event"
) -> list[StoredFinding]:
    """The rows that store ``findings`` of the record at ``log_index``, with pointers relative to its event."""
    return [
        StoredFinding(
            log_index,
            position,
            lot_id,
            v.rule,
            v.severity,
            "/event" + v.pointer.removeprefix(pointer),
            v.limit,
            v.value,
            v.message,
            v.message_zh,
            found_at,
        )
        for position, v in enumerate(findings)
    ]


def utc_now() -> datetime:
    return datetime.now(UTC)


class RefusedError(Error):
    """A well-formed request the ledger refuses; ``pointer`` names the field at fault."""

    def __init__(self, pointer: str, detail: str) -> None:
        self.pointer = pointer
        super().__init__(detail)


class UnknownKeyError(RefusedError):
    """The event names an actor key the ledger does not know."""


class KeyNotValidError(RefusedError):
    """The event's key was revoked, has expired, or is not valid yet."""


class UnknownLotError(RefusedError):
    """The event names an input lot that has no record."""


class ConflictError(RefusedError):
    """The event id is taken by an event with different content."""


class NotFoundError(Error):
    """No such record or lot."""


P = ParamSpec("P")
R = TypeVar("R")


def _changes_the_ledger(method: Callable[Concatenate[Ledger, P], R]) -> Callable[Concatenate[Ledger, P], R]:
    """Mark a method that changes what ``log_state`` describes: its cached value is dropped afterwards."""

    def changing(self: Ledger, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        finally:
            self._log_state = None

    changing.__name__, changing.__qualname__, changing.__doc__ = method.__name__, method.__qualname__, method.__doc__
    return changing


def _scan_row(scan: PendingScan) -> ScanRow:
    """A pending scan as one row of its label's tally."""
    _gtin, _lot, _serial, at, city, place, counted = scan
    return (city, place, int(counted), at, at)


def _label_scans(rows: Sequence[ScanRow]) -> LabelScans:
    """One label's scans from ``(city, place id, scans, first, last)`` rows (a city may come more than
    once); the cities that resolved to a gazetteer place carry it, for distances."""
    cities: dict[str, str] = {}
    places: dict[str, Place] = {}
    known = gazetteer().by_id
    for city, place_id, _n, _first, last in rows:
        if city is not None:
            cities[city] = max(cities.get(city, last), last)
            if place_id is not None and place_id in known:
                places[city] = known[place_id]
    return LabelScans(
        count=sum(row[2] for row in rows),
        first=min((row[3] for row in rows), default=None),
        last=max((row[4] for row in rows), default=None),
        cities=cities,
        places=places,
    )


class IntegrityError(VerificationError):
    """Stored bytes could not even be read back; the ledger has been tampered with."""


@dataclass(frozen=True)
class RecordView:
    """A stored record as clients see it: its place, its hashes, the sealed record and the signed event.

    The stored bytes are parsed when first asked for, so appending in bulk does not pay for views
    nobody reads.
    """

    stored: StoredRecord

    @property
    def log_index(self) -> int:
        return self.stored.log_index

    @property
    def record_hash(self) -> str:
        return self.stored.record_hash

    @property
    def event_hash(self) -> str:
        return self.stored.event_hash

    @cached_property
    def record(self) -> dict[str, JSONValue]:
        return self._parse(self.stored.record_bytes)

    @cached_property
    def event(self) -> dict[str, JSONValue]:
        """The event as its actor signed it: private members appear only as digests in ``payload._sd``."""
        return self._parse(self.stored.event_bytes)

    @cached_property
    def facts(self) -> dict[str, JSONValue]:
        """The event with the private members the reader fetched put back (an erased one stays absent)."""
        payload = self.event.get("payload")
        if not isinstance(payload, dict):
            return self.event
        try:
            return {**self.event, "payload": dict(reveal_stored(payload, self.stored.disclosures))}
        except MalformedError as exc:
            raise IntegrityError(
                f"record {self.log_index}: a stored disclosure does not match: {exc.diagnostics()}"
            ) from None

    def _parse(self, data: bytes) -> dict[str, JSONValue]:
        try:
            value = parse_json(data)
        except MalformedError as exc:
            raise IntegrityError(f"record {self.log_index} is unreadable: {exc.diagnostics()}") from None
        if not isinstance(value, dict):
            raise IntegrityError(f"record {self.log_index} is unreadable: not a JSON object")
        return value

    @classmethod
    def of(cls, stored: StoredRecord) -> RecordView:
        return cls(stored)

    def to_json(self) -> dict[str, Any]:
        return {
            "log_index": self.log_index,
            "record_hash": self.record_hash,
            "event_hash": self.event_hash,
            "record": self.record,
            "event": self.event,
        }


@dataclass(frozen=True)
class LotInfo:
    """A lot in another lot's lineage: its id, its kind and how many processing steps away it is."""

    lot_id: str
    kind: str
    depth: int


@dataclass(frozen=True)
class LogKeyPeriod:
    """A key the log signed checkpoints with, from ``valid_from`` until ``valid_until`` (None: still in use)."""

    key: VerifierKey
    valid_from: str
    valid_until: str | None

    def to_json(self) -> dict[str, str | None]:
        return {"key": self.key.text(), "valid_from": self.valid_from, "valid_until": self.valid_until}


@dataclass(frozen=True)
class Appended:
    """The outcome of one submission: the stored record, whether this call created it, and what the soft
    rules found (only for a record this call created)."""

    record: RecordView
    created: bool
    findings: tuple[Violation, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A rule an event breaks, found by recomputing from the records."""

    log_index: int
    lot_id: str
    violation: Violation

    def key(self) -> tuple[int, str, str, str, str]:
        v = self.violation
        return (self.log_index, v.rule, v.pointer, v.limit, v.value)


def _stored_key(f: StoredFinding) -> tuple[int, str, str, str, str]:
    return (f.log_index, f.rule, f.pointer, f.limit, f.value)


@dataclass(frozen=True)
class CheckReport:
    """The rules re-run over the whole ledger: what they find now, and how that differs from what is stored.

    ``unstored``: soft findings recomputed now but not stored (the rules file changed, or the records
    predate a rule). ``unreproduced``: stored findings the rules no longer produce (kept: a finding is
    never dropped). ``hard``: stored events that today's hard rules would refuse.
    """

    events: int
    lots: frozenset[str] | None
    findings: tuple[Finding, ...]
    unstored: tuple[Finding, ...]
    unreproduced: tuple[StoredFinding, ...]

    @property
    def hard(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.violation.hard)

    @property
    def ok(self) -> bool:
        return not self.hard and not self.unstored and not self.unreproduced


class Ledger:
    """The ledger's use cases over one database."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utc_now,
        dev_signer: SignerKey | None = None,
        log_signer: SignerKey | None = None,
        checkpoint_every: int = 1000,
        witness_keys: Sequence[VerifierKey] = (),
    ) -> None:
        self.engine = engine
        self.clock = clock
        self._scan_lock = threading.Lock()  # held for memory only, never across a database call
        self._scan_flush_lock = threading.Lock()  # held while scans are written, or a stored tally read
        self._scans_pending: list[PendingScan] = []
        self._scan_flusher: threading.Timer | None = None
        self._tallies: dict[Label, tuple[float, list[ScanRow]]] = {}  # stored tallies as last read (+ since written)
        self._unwritten: dict[Label, list[ScanRow]] = {}  # this process's scans not written yet
        self._log_state: tuple[float, tuple[int, int, int]] | None = None
        self.dev_signer = dev_signer
        self.log_signer = log_signer
        self.checkpoint_every = checkpoint_every
        self.witness_keys = tuple(witness_keys)
        self._keys: dict[tuple[str, str], VerifierKey] = {}
        self._checkpointed: int | None = None  # size of the latest checkpoint this process knows of
        self._head_maps: dict[int, HeadMap] = {}  # lot-heads maps of recent checkpoints, by tree size

    # -- actor keys ---------------------------------------------------------------

    @_changes_the_ledger
    def register_key(self, key: VerifierKey, *, valid_until: str | None = None) -> bool:
        """Register an actor's verifier key, valid from now (until ``valid_until``, if given);
        True if new, False if already registered."""
        if key.alg != ALG_ED25519:
            raise MalformedError(FieldProblem("/key", "an actor key must be an Ed25519 (type 0x01) verifier key"))
        now = format_utc(self.clock())
        if valid_until is not None:
            try:
                end = format_utc(parse_utc(valid_until))
            except ValueError as exc:
                raise MalformedError(FieldProblem("/valid_until", str(exc))) from None
            if end <= now:
                raise MalformedError(FieldProblem("/valid_until", f"{valid_until} is not in the future"))
            valid_until = end
        with self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            repo = LedgerRepository(conn)
            known = repo.actor_key(key.name, key.key_id_hex)
            if known is not None:
                if known.key != key:
                    raise ConflictError("/key", f"key id {key.name}/{key.key_id_hex} is taken by another key")
                return False
            repo.add_actor_key(key, now, valid_until)
            return True

    @_changes_the_ledger
    def revoke_key(self, actor: str, key_id: str, reason: str) -> ActorKey:
        """Revoke an actor's key from now on: it signs no new event; what it signed before stays verifiable."""
        if not reason.strip():
            raise MalformedError(FieldProblem("/reason", "say why the key is revoked"))
        with self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            repo = LedgerRepository(conn)
            repo.lock_for_append()  # no event is sealed with this key after the revocation commits
            known = repo.actor_key(actor, key_id)
            if known is None:
                raise NotFoundError(f"actor {actor!r} has no key {key_id}")
            if known.revoked_at is not None:
                raise ConflictError("/key_id", f"key {actor}/{key_id} was already revoked at {known.revoked_at}")
            repo.add_revocation(actor, key_id, format_utc(self.clock()), reason.strip())
            revoked = repo.actor_key(actor, key_id)
        assert revoked is not None  # noqa: S101 - just read under the same lock
        return revoked

    def actor_keys(self, actors: Sequence[str] | None = None) -> list[ActorKey]:
        with self.engine.connect() as conn:
            return LedgerRepository(conn).actor_keys(actors)

    def _key(self, repo: LedgerRepository, actor: str, key_id: str) -> VerifierKey | None:
        """The public key, for checking signatures before the append lock; validity is checked under it."""
        key = self._keys.get((actor, key_id))
        if key is None:
            found = repo.actor_key(actor, key_id)
            if found is not None:  # public keys never change, so a found one can be cached
                key = self._keys[(actor, key_id)] = found.key
        return key

    # -- appending ----------------------------------------------------------------

    def sign_as_dev(self, event: JSONValue) -> SignedEvent:
        """Sign an event with the server's development key (only when one is configured)."""
        if self.dev_signer is None:
            raise RefusedError("", "server-side signing is disabled on this ledger")
        if not isinstance(event, dict):
            raise MalformedError(FieldProblem("/event", "an event must be a JSON object"))
        taken = sorted({"actor", "key_id"} & set(event))
        if taken:
            raise MalformedError(
                [FieldProblem(f"/event/{k}", "is set by the server for dev-signed events") for k in taken]
            )
        signer = self.dev_signer
        try:
            parsed = Event.from_json({**event, "actor": signer.name, "key_id": signer.verifier().key_id_hex})
        except MalformedError as exc:
            raise exc.at("/event") from None
        return sign_event(parsed, signer, private=private_fields(parsed.type))

    def append(self, signed: SignedEvent) -> Appended:
        """Append one client-signed event (idempotent on its event id)."""
        return self.append_batch([signed], pointer=lambda _i: "/event")[0]

    @_changes_the_ledger
    def append_batch(
        self, batch: Sequence[SignedEvent], *, pointer: Callable[[int], str] = lambda i: f"/{i}/event"
    ) -> list[Appended]:
        """Append events in order, in one transaction: all are stored, or none.

        Signatures are checked before the append lock is taken; the lock then
        serialises sealing so that every lot's chain stays linear.
        """
        revealed: list[Event] = []
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            for i, signed in enumerate(batch):
                event = signed.event
                check_event_type(event.type, pointer(i) + "/type")
                key = self._key(repo, event.actor, event.key_id)
                if key is None:
                    raise UnknownKeyError(
                        pointer(i) + "/key_id", f"actor {event.actor!r} has no registered key {event.key_id}"
                    )
                signed.verify(key)
                revealed.append(check_submitted(signed, pointer(i)))
            conn.rollback()
            with conn.execution_options(**WRITE).begin():
                repo.lock_for_append()
                results = self._seal_and_insert(repo, batch, revealed, pointer)
        if self.log_signer is not None and any(r.created for r in results):
            size = max(r.record.log_index for r in results) + 1
            if self._checkpointed is None:
                with self.engine.connect() as conn:
                    latest = LedgerRepository(conn).latest_checkpoint()
                self._checkpointed = latest.size if latest else 0
            if size - self._checkpointed >= self.checkpoint_every:
                self.publish_checkpoint()
        return results

    def _seal_and_insert(
        self,
        repo: LedgerRepository,
        batch: Sequence[SignedEvent],
        revealed: Sequence[Event],
        pointer: Callable[[int], str],
    ) -> list[Appended]:
        existing = repo.by_event_ids({s.event.event_id for s in batch})
        heads = repo.heads({lot for s in batch for lot in (s.event.lot_id, *s.event.inputs)})
        index = tree_size = repo.next_log_index()
        now = self.clock()
        recorded_at = format_utc(now)
        inspector = Inspector(
            {
                lot: LotState.from_json(text)
                for lot, text in repo.lot_states(
                    {lot for s in batch for lot in (s.event.lot_id, *s.event.inputs)}
                ).items()
            }
        )
        found: list[StoredFinding] = []
        validity = {(k.key.name, k.key.key_id_hex): k for k in repo.actor_keys({s.event.actor for s in batch})}
        results: list[Appended] = []
        new: list[NewRecord] = []
        fresh: dict[str, StoredRecord] = {}
        for i, signed in enumerate(batch):
            event = signed.event
            prior = existing.get(event.event_id) or fresh.get(event.event_id)
            if prior is not None:
                if prior.event_hash != signed.event_hash:
                    raise ConflictError(
                        pointer(i) + "/event_id",
                        f"event id {event.event_id!r} is already recorded with different content "
                        f"(event hash {prior.event_hash})",
                    )
                results.append(Appended(RecordView.of(prior), created=False))
                continue
            actor_key = validity.get((event.actor, event.key_id))
            if actor_key is None:
                raise UnknownKeyError(pointer(i) + "/key_id", f"actor {event.actor!r} has no key {event.key_id}")
            refusal = actor_key.refusal_at(recorded_at)
            if refusal is not None:
                raise KeyNotValidError(pointer(i) + "/key_id", refusal)
            for j, lot in enumerate(event.inputs):
                if lot not in heads:
                    raise UnknownLotError(f"{pointer(i)}/inputs/{j}", f"input lot {lot!r} has no record in this ledger")
            findings = tuple(inspector.enforce(revealed[i], now, pointer(i)))
            found += finding_rows(index, event.lot_id, findings, recorded_at, pointer(i))
            seq, prev = heads.get(event.lot_id, (0, GENESIS))
            sealed = seal(
                signed,
                seq=seq + 1,
                prev=prev,
                input_heads={lot: heads[lot][1] for lot in event.inputs},
                recorded_at=recorded_at,
            )
            heads[event.lot_id] = (seq + 1, sealed.record_hash)
            row = NewRecord(
                log_index=index,
                event_id=event.event_id,
                lot_id=event.lot_id,
                seq=seq + 1,
                type=event.type,
                actor=event.actor,
                occurred_at=format_utc(event.occurred),
                recorded_at=sealed.record.recorded_at,
                record_hash=sealed.record_hash,
                event_hash=signed.event_hash,
                event_bytes=signed.signed_bytes,
                record_bytes=sealed.record_bytes,
                inputs=tuple((link.lot_id, link.head) for link in sealed.record.inputs),
                disclosures=tuple(d.encoded for d in signed.disclosures),
            )
            new.append(row)
            stored = StoredRecord(
                index,
                event.event_id,
                event.lot_id,
                seq + 1,
                sealed.record_hash,
                signed.event_hash,
                signed.signed_bytes,
                sealed.record_bytes,
                row.disclosures,
            )
            fresh[event.event_id] = stored
            results.append(Appended(RecordView.of(stored), created=True, findings=findings))
            index += 1
        repo.insert(new)
        repo.put_lot_states([(lot, inspector.states[lot].to_json()) for lot in sorted(inspector.changed)])
        repo.add_findings(found)
        if new:
            self._grow_tree(repo, tree_size, [leaf_hash(r.record_bytes) for r in new])
        return results

    @staticmethod
    def _grow_tree(repo: LedgerRepository, size: int, leaves: list[bytes]) -> None:
        """Append the new records' leaves to the log's Merkle tree (O(log n) reads, amortised O(1) writes)."""
        edge = repo.log_nodes(frontier(size))
        try:
            created = append_leaves(size, leaves, lambda level, index: edge[(level, index)])
        except KeyError as missing:
            raise IntegrityError(f"the log's tree is missing subtree {missing} of size {size}") from None
        repo.add_log_nodes(created)

    # -- reading ------------------------------------------------------------------

    def record(self, digest: str) -> RecordView:
        """The record whose record hash or event hash is ``digest``."""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise MalformedError(FieldProblem("/hash", "must be 64 lower-case hex digits (a record or event hash)"))
        with self.engine.connect() as conn:
            stored = LedgerRepository(conn).by_hash(digest)
        if stored is None:
            raise NotFoundError(f"no record or event with hash {digest}")
        return RecordView.of(stored)

    def history(self, lot_id: str, *, private: bool = False) -> list[RecordView]:
        """Every record of one lot, in order; with ``private``, each view's ``facts`` hold the private members
        (for the ledger's own readers: nothing served over the API carries them)."""
        with self.engine.connect() as conn:
            stored = LedgerRepository(conn).lot_records([lot_id], private=private)
        if not stored:
            raise NotFoundError(f"lot {lot_id!r} has no record")
        return [RecordView.of(s) for s in stored]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return LedgerRepository(conn).count()

    def record_scan(
        self,
        gtin: str,
        lot_id: str,
        serial: str | None,
        city: str | None = None,
        *,
        place: Place | None = None,
        counted: bool = True,
    ) -> LabelScans:
        """Count one scan of a label (outside the ledger: no record, no signature) and return its tally.
        With ``counted`` false it is a place report: the city of a scan already counted, which the person
        scanning chose to tell; it adds the city, not a scan. A typed ``city`` that names one place of the
        gazetteer is kept as that place (长春市 and Changchun as 长春); ``place`` is a city already found
        (from the browser's position), and replaces ``city``.

        Scans are written behind, in batches (``flush_scans``, at most ``SCAN_FLUSH_SECONDS`` later), so
        that a burst of scans costs no write transaction each; a label's stored tally is read once and then
        kept in memory for ``SCAN_TALLY_SECONDS`` (scans counted by other processes on the same database
        show after at most that long), so a repeated scan costs no read either, and no scan waits for a
        write. The tally counts the scans not yet written too. A crash loses at most
        ``SCAN_FLUSH_SECONDS`` of counts, never ledger data."""
        at = format_utc(self.clock())
        city = "".join(c for c in city if c.isprintable()).strip()[:64] or None if city else None
        if place is None and city is not None:
            place = gazetteer().find(city)
        if place is not None:
            city = place.name()
        label = (gtin, lot_id, serial)
        now = time.monotonic()
        with self._scan_lock:
            if counted or city is not None:  # (a place report without a place tells nothing)
                scan = (gtin, lot_id, serial, at, city, place.id if place else None, counted)
                self._scans_pending.append(scan)
                self._unwritten.setdefault(label, []).append(_scan_row(scan))
            if self._scan_flusher is None:
                self._scan_flusher = threading.Timer(SCAN_FLUSH_SECONDS, self._flush_scans_in_background)
                self._scan_flusher.daemon = True
                self._scan_flusher.start()
            cached = self._tallies.get(label)
            if cached is not None and now - cached[0] < SCAN_TALLY_SECONDS:
                return _label_scans(cached[1] + self._unwritten.get(label, []))
        # Read the stored tally while no flush is writing, so that a row is either stored or unwritten,
        # never both; only this label's first scan (or its first after SCAN_TALLY_SECONDS) comes here. If a
        # flush is writing just then, a label already tallied answers from that tally (a few seconds older,
        # this process's scans all counted) rather than wait for the database's commit.
        if not self._scan_flush_lock.acquire(blocking=cached is None):
            assert cached is not None  # noqa: S101 - a blocking acquire always succeeds
            with self._scan_lock:
                return _label_scans(cached[1] + self._unwritten.get(label, []))
        try:
            with self.engine.connect() as conn:
                stored = LedgerRepository(conn).scan_tallies(gtin, lot_id, serial, one=True).get(label, [])
            with self._scan_lock:
                self._tallies.pop(label, None)
                if len(self._tallies) >= SCAN_TALLY_LABELS:
                    self._tallies.pop(next(iter(self._tallies)))
                self._tallies[label] = (now, stored)
                return _label_scans(stored + self._unwritten.get(label, []))
        finally:
            self._scan_flush_lock.release()

    def scan_report(self, lot_id: str | None = None) -> list[tuple[str, str, str | None, LabelScans]]:
        """Every scanned label (of one lot), with its scans: ``(gtin, lot, serial, scans)``, written and
        pending alike."""
        with self._scan_flush_lock:  # no flush writing: every scan is either stored or pending
            with self.engine.connect() as conn:
                tallies = LedgerRepository(conn).scan_tallies(lot_id=lot_id)
            with self._scan_lock:
                pending = list(self._scans_pending)
        for scan in pending:
            if lot_id is None or scan[1] == lot_id:
                tallies.setdefault(scan[:3], []).append(_scan_row(scan))
        return [(g, lot, s, _label_scans(rows)) for (g, lot, s), rows in sorted(tallies.items(), key=str)]

    def flush_scans(self) -> int:
        """Write the scans counted but not yet stored, in one transaction; return how many. Scans go on
        being counted while it writes. If the write fails the scans stay pending (up to
        ``SCAN_PENDING_LIMIT``) for the next flush, and the error is raised to the caller (the background
        flusher logs it)."""
        with self._scan_flush_lock:
            with self._scan_lock:
                rows, self._scans_pending = self._scans_pending, []
                self._scan_flusher = None
                writing = {label: len(unwritten) for label, unwritten in self._unwritten.items()}
            if not rows:
                return 0
            try:
                with self.engine.begin() as conn:
                    LedgerRepository(conn).add_scans(rows)
            except Exception:
                with self._scan_lock:
                    dropped = len(rows) + len(self._scans_pending) > SCAN_PENDING_LIMIT
                    self._scans_pending = (rows + self._scans_pending)[-SCAN_PENDING_LIMIT:]
                    if dropped:  # the oldest were dropped: forget them everywhere
                        self._unwritten = {}
                        for scan in self._scans_pending:
                            self._unwritten.setdefault(scan[:3], []).append(_scan_row(scan))
                raise
            with self._scan_lock:  # written: they move from this process's unwritten to its stored tallies
                for label, count in writing.items():
                    written, self._unwritten[label] = self._unwritten[label][:count], self._unwritten[label][count:]
                    if not self._unwritten[label]:
                        del self._unwritten[label]
                    cached = self._tallies.get(label)
                    if cached is not None:
                        cached[1].extend(written)
        return len(rows)

    def _flush_scans_in_background(self) -> None:
        try:
            self.flush_scans()
        except Exception:  # a counter outside the ledger: log, keep the rows, retry with the next scan
            logger.exception("writing scan counts failed; they stay pending")

    def public_history(self, lot_id: str) -> PublicHistory:
        """What a consumer may see of the lot (``events.public``), from its and its ancestors' events."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            stored = repo.lot_records(self._lineage(repo, lot_id), private=True)
        if not any(s.lot_id == lot_id for s in stored):
            raise NotFoundError(f"lot {lot_id!r} has no record")
        return public_history(lot_id, [RecordView.of(s).facts for s in stored])

    # -- semantic checks ------------------------------------------------------------

    def findings(
        self, lot_id: str | None = None, *, ancestors: bool = False, rule: str | None = None
    ) -> list[StoredFinding]:
        """Stored findings (all, or of ``lot_id`` and, with ``ancestors``, every lot it was made from)."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            if lot_id is None:
                return repo.findings(rule=rule)
            if not repo.heads([lot_id]):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return repo.findings(self._lineage(repo, lot_id) if ancestors else {lot_id}, rule)

    @_changes_the_ledger
    def check(self, lot_id: str | None = None, *, record: bool = False) -> CheckReport:
        """Re-run every rule over the whole ledger from its records alone, in log order, and compare with
        the stored findings. With ``lot_id`` the report covers that lot and every lot it was made from
        (the replay is still whole: a lot's state depends on its siblings). With ``record``, store the
        findings not stored yet and every lot's recomputed state (under the append lock)."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            if record:
                conn.rollback()
                with conn.execution_options(**WRITE).begin():
                    repo.lock_for_append()
                    return self._check(repo, lot_id, record=True)
            return self._check(repo, lot_id, record=False)

    def _check(self, repo: LedgerRepository, lot_id: str | None, *, record: bool) -> CheckReport:
        lots: frozenset[str] | None = None
        if lot_id is not None:
            if not repo.heads([lot_id]):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            lots = frozenset(self._lineage(repo, lot_id))
        inspector = Inspector()
        found: list[Finding] = []
        events = 0
        for index, event_bytes, recorded_at, private in repo.replay():
            try:
                signed = Event.from_json(parse_json(event_bytes))
                payload = reveal_stored(signed.payload, private)
                event = signed if payload is signed.payload else dataclasses.replace(signed, payload=payload)
            except MalformedError as exc:
                raise IntegrityError(f"record {index} is unreadable: {exc.diagnostics()}") from None
            violations = inspector.judge(event, parse_utc(recorded_at))
            inspector.admit(event)
            events += 1
            found += [Finding(index, event.lot_id, v) for v in violations]
        stored = repo.findings()
        stored_keys = {_stored_key(f) for f in stored}
        found_keys = {f.key() for f in found}
        unstored = [f for f in found if not f.violation.hard and f.key() not in stored_keys]
        unreproduced = [f for f in stored if _stored_key(f) not in found_keys]
        if record:
            repo.put_lot_states([(lot, state.to_json()) for lot, state in sorted(inspector.states.items())])
            repo.add_findings(self._new_finding_rows(stored, unstored))
        if lots is not None:
            found = [f for f in found if f.lot_id in lots]
            unstored = [f for f in unstored if f.lot_id in lots]
            unreproduced = [f for f in unreproduced if f.lot_id in lots]
        return CheckReport(events, lots, tuple(found), tuple(unstored), tuple(unreproduced))

    def _new_finding_rows(self, stored: Sequence[StoredFinding], new: Sequence[Finding]) -> list[StoredFinding]:
        position: dict[int, int] = {}
        for old in stored:
            position[old.log_index] = max(position.get(old.log_index, -1), old.position)
        now = format_utc(self.clock())
        rows = []
        for f in new:
            position[f.log_index] = position.get(f.log_index, -1) + 1
            rows += [
                dataclasses.replace(row, position=position[f.log_index])
                for row in finding_rows(f.log_index, f.lot_id, [f.violation], now)
            ]
        return rows

    def ensure_lot_states(self) -> bool:
        """Rebuild every lot's state (and store any findings missing) if the ledger has records but no
        states, as after upgrading from a version without them. Returns whether it rebuilt."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            if repo.count_lot_states() or not repo.count():
                return False
        self.check(record=True)
        return True

    # -- verifying ----------------------------------------------------------------

    def verify(self, lot_id: str | None = None, *, ancestors: bool = True) -> Report:
        """Re-check every hash, link and signature of the whole ledger, or of one lot
        (with all its ancestor lots, following input links, unless ``ancestors`` is False).
        Raises :class:`ChainBrokenError` at the first broken record."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            keys = {(k.key.name, k.key.key_id_hex): k for k in repo.actor_keys()}

            def lookup(actor: str, key_id: str) -> ActorKey | None:
                return keys.get((actor, key_id))

            if lot_id is None:
                return verify_entries((r.entry() for r in repo.all_records()), lookup)
            lots = self._lineage(repo, lot_id) if ancestors else {lot_id}
            stored = repo.lot_records(lots)
            if not any(s.lot_id == lot_id for s in stored):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return verify_entries((s.entry() for s in stored), lookup, check_inputs_of=lots.__contains__)

    # -- the transparency log ------------------------------------------------------

    @staticmethod
    def _with_nodes(repo: LedgerRepository, compute: Callable[[SubtreeSource], T]) -> T:
        """Run a tree computation with the stored subtree hashes it needs, read in one query.

        The computation's shape depends only on sizes and indexes, never on hash values, so a dry
        run that records the subtrees asked for gives exactly the set to read."""
        wanted: set[tuple[int, int]] = set()

        def plan(level: int, index: int) -> bytes:
            wanted.add((level, index))
            return bytes(HASH_SIZE)

        compute(plan)
        nodes = repo.log_nodes(wanted)
        missing = wanted - nodes.keys()
        if missing:
            raise IntegrityError(f"the log's tree is missing subtrees {sorted(missing)[:3]}")
        return compute(lambda level, index: nodes[(level, index)])

    def _root(self, repo: LedgerRepository, size: int) -> bytes:
        return EMPTY_ROOT if size == 0 else self._with_nodes(repo, lambda node: range_hash(0, size, node))

    def _head_map(self, repo: LedgerRepository, size: int) -> HeadMap:
        """Every lot's latest record among the first ``size`` leaves, as the checkpoint of ``size`` commits to it.

        Built from the current heads, looking back in the records only for lots that moved since;
        the maps of the last few sizes are kept, since bundles ask for the latest checkpoint's."""
        cached = self._head_maps.get(size)
        if cached is not None:
            return cached
        current = repo.all_lot_heads()
        entries = [HeadEntry(lot, seq, head) for lot, seq, head, index in current if index < size]
        moved = [lot for lot, _, _, index in current if index >= size]
        entries += [HeadEntry(lot, seq, head) for lot, seq, head in repo.heads_before(moved, size)]
        head_map = HeadMap(tuple(sorted(entries)))
        self._head_maps[size] = head_map
        for old in sorted(self._head_maps)[:-4]:
            self._head_maps.pop(old, None)
        return head_map

    def log_state(self, max_age: float = LOG_STATE_SECONDS) -> tuple[int, int, int]:
        """``(tree size, latest checkpoint size, its cosignatures)``, for caches of what derives from them
        (scan pages, bundles): read from the database at most every ``max_age`` seconds, and again at once
        after this ledger object changed anything. Another process's appends show within ``max_age``."""
        now = time.monotonic()
        cached = self._log_state
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            size, latest = repo.next_log_index(), repo.latest_checkpoint()
        state = (size, latest.size if latest else 0, len(latest.cosignatures) if latest else 0)
        self._log_state = (now, state)
        return state

    def tree_size(self) -> int:
        with self.engine.connect() as conn:
            return LedgerRepository(conn).next_log_index()

    @_changes_the_ledger
    def publish_checkpoint(self) -> StoredCheckpoint:
        """Sign a checkpoint of the whole tree now (or return the latest if the tree has not grown).

        Before signing, the new root is checked against the latest checkpoint with a consistency
        proof, so this log never signs two inconsistent checkpoints."""
        signer = self.log_signer
        if signer is None:
            raise RefusedError("", "this ledger has no log key: it cannot sign checkpoints")
        with self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            repo = LedgerRepository(conn)
            repo.lock_for_append()
            size = repo.next_log_index()
            latest = repo.latest_checkpoint()
            if latest is not None and latest.size == size:
                self._checkpointed = size
                return latest
            root = self._root(repo, size)
            if latest is not None and latest.size > 0:
                proof = self._with_nodes(repo, lambda node: consistency_proof_from(latest.size, size, node))
                try:
                    verify_consistency(latest.size, size, proof, latest.root, root)
                except VerificationError as exc:
                    raise IntegrityError(f"refusing to sign an inconsistent checkpoint: {exc}") from None
            head_map = self._head_map(repo, size)
            text = Checkpoint(signer.name, size, root, (head_map.extension_line(),)).text()
            note = Note(text, (sign_note(text, signer),)).to_text()
            created_at = format_utc(self.clock())
            repo.add_checkpoint(size, root, note, created_at)
        self._checkpointed = size
        return StoredCheckpoint(size, root, note, created_at)

    def log_keys(self) -> list[LogKeyPeriod]:
        """Every key this log has signed checkpoints with, and when: each until the next took over."""
        with self.engine.connect() as conn:
            rows = LedgerRepository(conn).log_keys()
        ends: list[str | None] = [valid_from for _, valid_from in rows[1:]] + ([None] if rows else [])
        return [
            LogKeyPeriod(VerifierKey.parse(vkey), valid_from, end)
            for (vkey, valid_from), end in zip(rows, ends, strict=True)
        ]

    @_changes_the_ledger
    def adopt_log_key(self) -> None:
        """Record the configured log key as the current one, if it is new; refuse a retired key."""
        signer = self.log_signer
        if signer is None:
            return
        current = signer.verifier()
        with self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            repo = LedgerRepository(conn)
            repo.lock_for_append()
            known = repo.log_keys()
            ids = [VerifierKey.parse(vkey).key_id_hex for vkey, _ in known]
            if current.key_id_hex in ids[:-1]:
                retired_at = known[ids.index(current.key_id_hex) + 1][1]
                raise RefusedError("", f"log key {current.key_id_hex} was retired at {retired_at}; use the current one")
            if not ids or ids[-1] != current.key_id_hex:
                repo.add_log_key(current, format_utc(self.clock()))

    def tile(self, level: int, index: int, width: int | None) -> bytes:
        """C2SP tlog-tiles: tile ``index`` at tile ``level`` (256 hashes, or ``width`` for a partial
        tile), from the stored subtree hashes; only within the latest checkpoint's tree."""
        count = TILE_WIDTH if width is None else width
        start = index * TILE_WIDTH
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            latest = repo.latest_checkpoint()
            if latest is None or (start + count) * TILE_WIDTH**level > latest.size:
                raise NotFoundError("no such tile in the latest checkpoint's tree")
            hashes = repo.log_node_range(8 * level, start, count)
        if len(hashes) != count:
            raise IntegrityError(f"the log's tree is missing hashes of tile {level}/{index}")
        return b"".join(hashes)

    def entry_bundle(self, index: int, width: int | None) -> bytes:
        """C2SP tlog-tiles entry bundle: the record bytes of 256 (or ``width``) leaves, each prefixed
        with its length as a big-endian uint16."""
        count = TILE_WIDTH if width is None else width
        start = index * TILE_WIDTH
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            latest = repo.latest_checkpoint()
            if latest is None or start + count > latest.size:
                raise NotFoundError("no such entry bundle in the latest checkpoint's tree")
            entries = repo.record_bytes_range(start, count)
        if len(entries) != count or any(len(e) >= 1 << 16 for e in entries):
            raise IntegrityError(f"entry bundle {index} cannot be served")
        return b"".join(len(e).to_bytes(2, "big") + e for e in entries)

    def latest_checkpoint(self) -> StoredCheckpoint:
        with self.engine.connect() as conn:
            latest = LedgerRepository(conn).latest_checkpoint()
        if latest is None:
            raise NotFoundError("the log has published no checkpoint yet")
        return latest

    def checkpoint(self, size: int) -> StoredCheckpoint:
        with self.engine.connect() as conn:
            found = LedgerRepository(conn).checkpoint(size)
        if found is None:
            raise NotFoundError(f"the log has published no checkpoint of size {size}")
        return found

    def covering_checkpoint(self, size: int) -> StoredCheckpoint:
        """A checkpoint whose tree holds at least ``size`` leaves, publishing one if none does yet."""
        with self.engine.connect() as conn:
            found = LedgerRepository(conn).latest_checkpoint()
        if found is not None and found.size >= size:
            return found
        return self.publish_checkpoint()

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The proof that leaf ``index`` is in the tree of ``size`` leaves."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            if not 0 <= index < size <= repo.next_log_index():
                raise MalformedError(FieldProblem("/size", f"leaf {index} is not in a tree of size {size} of this log"))
            return self._with_nodes(repo, lambda node: inclusion_proof_from(index, size, node))

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """The proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2`` leaves."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            if not 0 < size1 <= size2 <= repo.next_log_index():
                problem = FieldProblem("/from", f"no consistency proof from size {size1} to {size2} in this log")
                raise MalformedError(problem)
            return self._with_nodes(repo, lambda node: consistency_proof_from(size1, size2, node))

    @_changes_the_ledger
    def add_cosignatures(self, size: int, lines: str) -> list[Verified]:
        """Attach witness cosignature lines (tlog-witness response body) to the checkpoint of ``size``.

        Each line must be a valid cosignature of that checkpoint by a configured witness key; lines by
        unknown keys are refused, since nobody could check them."""
        checkpoint = self.checkpoint(size)
        try:
            note = Note.parse(checkpoint.note)
            extra = [NoteSignature.parse_line(line) for line in lines.splitlines() if line]
        except NoteError as exc:
            raise MalformedError(FieldProblem("", exc.diagnostics())) from None
        if not extra:
            raise MalformedError(FieldProblem("", "no cosignature lines"))
        known = {(k.name, k.key_id): k for k in self.witness_keys}
        verified: list[Verified] = []
        for signature in extra:
            key = known.get((signature.name, signature.key_id))
            if key is None:
                raise RefusedError("", f"{signature.name} is not a witness this log accepts")
            try:
                [one] = verify_note(Note(note.text, (signature,)), [key])
            except NoteError as exc:
                raise MalformedError(FieldProblem("", exc.diagnostics())) from None
            verified.append(one)
        with self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            repo = LedgerRepository(conn)
            for signature, one in zip(extra, verified, strict=True):
                repo.add_cosignature(size, one.key.name, signature.line(), one.timestamp or 0)
        return verified

    def bundle(self, lot_id: str) -> Bundle:
        """The lot's proof bundle: its records and all its ancestors', each with an inclusion proof into one
        checkpoint, the checkpoint with its cosignatures, and the actors' keys (see ``docs/FORMAT.md``)."""
        with self.engine.connect() as conn:
            stored = LedgerRepository(conn).lot_records(self._lineage(LedgerRepository(conn), lot_id))
        if not any(s.lot_id == lot_id for s in stored):
            raise NotFoundError(f"lot {lot_id!r} has no record")
        checkpoint = self.covering_checkpoint(stored[-1].log_index + 1)
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            proofs = self._with_nodes(
                repo, lambda node: [inclusion_proof_from(s.log_index, checkpoint.size, node) for s in stored]
            )
            views = [RecordView.of(s) for s in stored]
            head_map = self._head_map(repo, checkpoint.size)
            heads = {lot: head_map.proof(lot) for lot in sorted({s.lot_id for s in stored})}
            wanted = {(str(v.event["actor"]), str(v.event["key_id"])) for v in views}
            keys = [
                k for k in repo.actor_keys({actor for actor, _ in wanted}) if (k.key.name, k.key.key_id_hex) in wanted
            ]
        entries = tuple(
            BundleEntry(s.log_index, s.event_bytes, s.record_bytes, tuple(p))
            for s, p in zip(stored, proofs, strict=True)
        )
        return Bundle(lot_id, checkpoint.note + "".join(checkpoint.cosignatures), entries, tuple(keys), heads)

    @staticmethod
    def _lineage(repo: LedgerRepository, lot_id: str) -> set[str]:
        """The lot and every lot it was made from, transitively."""
        return set(walk(lot_id, repo.input_lots))

    def lineage(self, lot_id: str, direction: str) -> list[LotInfo]:
        """The lots ``lot_id`` was made from (``ancestors``) or went into (``descendants``), transitively,
        nearest first, with their kinds. For a recall: every lot downstream of a harvest, in one call."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            step = {"ancestors": repo.input_lots, "descendants": repo.consuming_lots}.get(direction)
            if step is None:
                raise MalformedError(FieldProblem("/direction", "must be 'ancestors' or 'descendants'"))
            depth = walk(lot_id, step)
            firsts = repo.first_events(depth)
        if lot_id not in firsts:
            raise NotFoundError(f"lot {lot_id!r} has no record")
        found = []
        for lot, hops in depth.items():
            if lot == lot_id:
                continue
            event = parse_json(firsts[lot]) if lot in firsts else {}
            kind = lot_kind(str(event.get("type", "")), event.get("payload") or {}) if lot in firsts else "unknown"
            found.append(LotInfo(lot, kind, hops))
        return sorted(found, key=lambda info: (info.depth, info.lot_id))


__all__ = [
    "Appended",
    "CheckReport",
    "ConflictError",
    "Finding",
    "IntegrityError",
    "KeyNotValidError",
    "Ledger",
    "NotFoundError",
    "RecordView",
    "RefusedError",
    "RuleViolationError",
    "SignatureError",
    "UnknownKeyError",
    "UnknownLotError",
    "utc_now",
]
