"""Use cases: the only place that combines the chain, the ginseng domain and storage.

Each public method is one use case and runs in one transaction that it opens
and commits itself; nothing below it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Engine

from .chain.canonical import JSONValue, parse_json
from .chain.errors import Error, FieldProblem, MalformedError, SignatureError, VerificationError
from .chain.keys import SignerKey, VerifierKey
from .chain.records import GENESIS, Event, SignedEvent, format_utc, seal, sign_event
from .chain.verify import Report, verify_entries
from .events.types import check_event_type
from .store.db import WRITE
from .store.repository import LedgerRepository, NewRecord, StoredRecord

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class RefusedError(Error):
    """A well-formed request the ledger refuses; ``pointer`` names the field at fault."""

    def __init__(self, pointer: str, detail: str) -> None:
        self.pointer = pointer
        super().__init__(detail)


class UnknownKeyError(RefusedError):
    """The event names an actor key the ledger does not know."""


class UnknownLotError(RefusedError):
    """The event names an input lot that has no record."""


class ConflictError(RefusedError):
    """The event id is taken by an event with different content."""


class NotFoundError(Error):
    """No such record or lot."""


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
        return self._parse(self.stored.event_bytes)

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
class Appended:
    """The outcome of one submission: the stored record, and whether this call created it."""

    record: RecordView
    created: bool


class Ledger:
    """The ledger's use cases over one database."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now, dev_signer: SignerKey | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.dev_signer = dev_signer
        self._keys: dict[tuple[str, str], VerifierKey] = {}

    # -- actor keys ---------------------------------------------------------------

    def register_key(self, key: VerifierKey) -> bool:
        """Register an actor's verifier key; True if new, False if already registered."""
        with self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            repo = LedgerRepository(conn)
            known = repo.actor_key(key.name, key.key_id_hex)
            if known is not None:
                if known != key:
                    raise ConflictError("/key", f"key id {key.name}/{key.key_id_hex} is taken by another key")
                return False
            repo.add_actor_key(key, format_utc(self.clock()))
            return True

    def actor_keys(self, actors: Sequence[str] | None = None) -> list[VerifierKey]:
        with self.engine.connect() as conn:
            return LedgerRepository(conn).actor_keys(actors)

    def _key(self, repo: LedgerRepository, actor: str, key_id: str) -> VerifierKey | None:
        key = self._keys.get((actor, key_id))
        if key is None:
            key = repo.actor_key(actor, key_id)
            if key is not None:  # keys are append-only, so a found key can be cached
                self._keys[(actor, key_id)] = key
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
        return sign_event(parsed, signer)

    def append(self, signed: SignedEvent) -> Appended:
        """Append one client-signed event (idempotent on its event id)."""
        return self.append_batch([signed], pointer=lambda _i: "/event")[0]

    def append_batch(
        self, batch: Sequence[SignedEvent], *, pointer: Callable[[int], str] = lambda i: f"/{i}/event"
    ) -> list[Appended]:
        """Append events in order, in one transaction: all are stored, or none.

        Signatures are checked before the append lock is taken; the lock then
        serialises sealing so that every lot's chain stays linear.
        """
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
            conn.rollback()
            with conn.execution_options(**WRITE).begin():
                repo.lock_for_append()
                return self._seal_and_insert(repo, batch, pointer)

    def _seal_and_insert(
        self, repo: LedgerRepository, batch: Sequence[SignedEvent], pointer: Callable[[int], str]
    ) -> list[Appended]:
        existing = repo.by_event_ids({s.event.event_id for s in batch})
        heads = repo.heads({lot for s in batch for lot in (s.event.lot_id, *s.event.inputs)})
        index = repo.next_log_index()
        recorded_at = format_utc(self.clock())
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
            for j, lot in enumerate(event.inputs):
                if lot not in heads:
                    raise UnknownLotError(f"{pointer(i)}/inputs/{j}", f"input lot {lot!r} has no record in this ledger")
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
            )
            fresh[event.event_id] = stored
            results.append(Appended(RecordView.of(stored), created=True))
            index += 1
        repo.insert(new)
        return results

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

    def history(self, lot_id: str) -> list[RecordView]:
        """Every record of one lot, in order."""
        with self.engine.connect() as conn:
            stored = LedgerRepository(conn).lot_records([lot_id])
        if not stored:
            raise NotFoundError(f"lot {lot_id!r} has no record")
        return [RecordView.of(s) for s in stored]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return LedgerRepository(conn).count()

    # -- verifying ----------------------------------------------------------------

    def verify(self, lot_id: str | None = None, *, ancestors: bool = True) -> Report:
        """Re-check every hash, link and signature of the whole ledger, or of one lot
        (with all its ancestor lots, following input links, unless ``ancestors`` is False).
        Raises :class:`ChainBrokenError` at the first broken record."""
        with self.engine.connect() as conn:
            repo = LedgerRepository(conn)
            keys = {(k.name, k.key_id_hex): k for k in repo.actor_keys()}

            def lookup(actor: str, key_id: str) -> VerifierKey | None:
                return keys.get((actor, key_id))

            if lot_id is None:
                return verify_entries((r.entry() for r in repo.all_records()), lookup)
            lots = self._lineage(repo, lot_id) if ancestors else {lot_id}
            stored = repo.lot_records(lots)
            if not any(s.lot_id == lot_id for s in stored):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return verify_entries((s.entry() for s in stored), lookup, check_inputs_of=lots.__contains__)

    @staticmethod
    def _lineage(repo: LedgerRepository, lot_id: str) -> set[str]:
        """The lot and every lot it was made from, transitively."""
        lots, frontier = {lot_id}, {lot_id}
        while frontier:
            frontier = repo.input_lots(frontier) - lots
            lots |= frontier
        return lots


__all__ = [
    "Appended",
    "ConflictError",
    "IntegrityError",
    "Ledger",
    "NotFoundError",
    "RecordView",
    "RefusedError",
    "SignatureError",
    "UnknownKeyError",
    "UnknownLotError",
    "utc_now",
]
