"""Re-verify stored records: every hash, link and signature.

Steps, for each stored entry in log order (the order the ledger sealed them):

1. SHA-256 of the stored record bytes equals the stored record hash.
2. The record bytes parse as a canonical record whose lot and sequence number
   are the ones the entry is indexed under.
3. SHA-256 of the stored event bytes equals the record's ``event`` hash; the
   event bytes parse as a canonical event of the same lot, and its id is the
   one the entry is indexed under.
4. The event's signature verifies under the actor key the event names, and the
   key was valid (registered, not expired, not revoked) when the record was sealed.
5. ``seq`` is one more than the lot's previous record (1 for the first) and
   ``prev`` is that record's hash (``GENESIS`` for the first).
6. The record's input links name the event's input lots, in order, and each
   ``head`` is the hash of that input lot's latest record at that point of
   the log (checked only when the input lot's records are being verified too).

The first entry that fails stops verification with a :class:`ChainBrokenError`
naming the record, the event, the lot, the check, what was expected and what
was found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .errors import Break, ChainBrokenError, MalformedError, SignatureError
from .keys import ActorKey
from .records import GENESIS, Record, SignedEvent, sha256_hex

KeyLookup = Callable[[str, str], ActorKey | None]
"""``(actor, key id hex) -> key with its validity``, or None when the ledger knows no such key."""


@dataclass(frozen=True)
class StoredEntry:
    """One stored record as the storage layer hands it over: index columns and stored bytes."""

    log_index: int
    event_id: str
    lot_id: str
    seq: int
    record_hash: str
    event_bytes: bytes
    record_bytes: bytes


@dataclass(frozen=True)
class Report:
    """What an intact verification covered."""

    records: int
    lots: tuple[str, ...]


@dataclass
class _Head:
    seq: int
    record_hash: str


class ChainVerifier:
    """Feed entries in log order; ``check`` raises at the first break."""

    def __init__(self, keys: KeyLookup, *, check_inputs_of: Callable[[str], bool] | None = None) -> None:
        self._keys = keys
        self._heads: dict[str, _Head] = {}
        self._count = 0
        self._check_inputs_of = check_inputs_of or (lambda _lot: True)

    def _fail(self, entry: StoredEntry, check: str, expected: object, found: object) -> ChainBrokenError:
        return ChainBrokenError(Break(entry.log_index, entry.event_id, entry.lot_id, check, str(expected), str(found)))

    def check(self, entry: StoredEntry) -> None:
        computed = sha256_hex(entry.record_bytes)
        if computed != entry.record_hash:
            raise self._fail(entry, "record hash", entry.record_hash, computed)
        try:
            record = Record.from_bytes(entry.record_bytes)
        except MalformedError as exc:
            raise self._fail(entry, "record bytes", "a canonical record", exc.diagnostics()) from None
        if (record.lot_id, record.seq) != (entry.lot_id, entry.seq):
            raise self._fail(
                entry, "record lot and seq", f"{entry.lot_id}#{entry.seq}", f"{record.lot_id}#{record.seq}"
            )
        event_hash = sha256_hex(entry.event_bytes)
        if event_hash != record.event_hash:
            raise self._fail(entry, "event hash", record.event_hash, event_hash)
        try:
            signed = SignedEvent.from_stored(entry.event_bytes, record.signature)
        except MalformedError as exc:
            raise self._fail(entry, "event bytes", "a canonical event", exc.diagnostics()) from None
        event = signed.event
        if (event.event_id, event.lot_id) != (entry.event_id, record.lot_id):
            raise self._fail(
                entry, "event id and lot", f"{entry.event_id} of {record.lot_id}", f"{event.event_id} of {event.lot_id}"
            )
        actor_key = self._keys(event.actor, event.key_id)
        if actor_key is None:
            raise self._fail(entry, "actor key", f"a registered key {event.actor}/{event.key_id}", "no such key")
        try:
            signed.verify(actor_key.key)
        except SignatureError as exc:
            raise self._fail(entry, "signature", "a valid Ed25519 signature", exc.diagnostics()) from None
        try:
            refusal = actor_key.refusal_at(record.recorded_at)
        except ValueError as exc:
            raise self._fail(entry, "recorded_at", "an RFC 3339 UTC time", exc) from None
        if refusal is not None:
            raise self._fail(entry, "key validity", f"a key valid at {record.recorded_at}", refusal)
        head = self._heads.get(record.lot_id)
        expected_seq, expected_prev = (head.seq + 1, head.record_hash) if head else (1, GENESIS)
        if record.seq != expected_seq:
            raise self._fail(entry, "sequence number", expected_seq, record.seq)
        if record.prev != expected_prev:
            raise self._fail(entry, "prev link", expected_prev, record.prev)
        linked = tuple(link.lot_id for link in record.inputs)
        if linked != event.inputs:
            raise self._fail(entry, "input lots", list(event.inputs), list(linked))
        for link in record.inputs:
            if not self._check_inputs_of(link.lot_id):
                continue
            input_head = self._heads.get(link.lot_id)
            expected_head = input_head.record_hash if input_head else "a record of that lot"
            if link.head != expected_head:
                raise self._fail(entry, f"input link to lot {link.lot_id!r}", expected_head, link.head)
        self._heads[record.lot_id] = _Head(record.seq, entry.record_hash)
        self._count += 1

    def accept(self, entry: StoredEntry) -> None:
        """Carry on past ``entry`` after :meth:`check` raised at it: the lot's later records are checked against
        it, so that one broken record is named once rather than again at every record after it."""
        self._heads[entry.lot_id] = _Head(entry.seq, entry.record_hash)
        self._count += 1

    def report(self) -> Report:
        return Report(self._count, tuple(sorted(self._heads)))


def verify_entries(
    entries: Iterable[StoredEntry],
    keys: KeyLookup,
    *,
    check_inputs_of: Callable[[str], bool] | None = None,
) -> Report:
    """Verify ``entries`` (in log order); return what was covered or raise :class:`ChainBrokenError`."""
    verifier = ChainVerifier(keys, check_inputs_of=check_inputs_of)
    for entry in entries:
        verifier.check(entry)
    return verifier.report()
