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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .errors import Break, ChainBrokenError, MalformedError, SignatureError
from .keys import ActorKey, VerifierKey
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


def _fail(entry: StoredEntry, check: str, expected: object, found: object) -> ChainBrokenError:
    return ChainBrokenError(Break(entry.log_index, entry.event_id, entry.lot_id, check, str(expected), str(found)))


@dataclass(frozen=True)
class CheckedAlone:
    """What the checks of one entry that need no other record (steps 1-4 up to its signature: hashes, parsing,
    the named key on record and the signature under it) leave for the checks in log order."""

    actor: str
    key_id: str
    recorded_at: str
    seq: int
    prev: str
    inputs: tuple[tuple[str, str], ...]  # the record's input links: (lot, head)
    event_inputs: tuple[str, ...]


VerifierKeyLookup = Callable[[str, str], VerifierKey | None]


def check_alone(entry: StoredEntry, keys: VerifierKeyLookup) -> CheckedAlone:
    """Steps 1-4 up to the signature, needing no other record: raises :class:`ChainBrokenError` at the first."""
    computed = sha256_hex(entry.record_bytes)
    if computed != entry.record_hash:
        raise _fail(entry, "record hash", entry.record_hash, computed)
    try:
        record = Record.from_bytes(entry.record_bytes)
    except MalformedError as exc:
        raise _fail(entry, "record bytes", "a canonical record", exc.diagnostics()) from None
    if (record.lot_id, record.seq) != (entry.lot_id, entry.seq):
        raise _fail(entry, "record lot and seq", f"{entry.lot_id}#{entry.seq}", f"{record.lot_id}#{record.seq}")
    event_hash = sha256_hex(entry.event_bytes)
    if event_hash != record.event_hash:
        raise _fail(entry, "event hash", record.event_hash, event_hash)
    try:
        signed = SignedEvent.from_stored(entry.event_bytes, record.signature)
    except MalformedError as exc:
        raise _fail(entry, "event bytes", "a canonical event", exc.diagnostics()) from None
    event = signed.event
    if (event.event_id, event.lot_id) != (entry.event_id, record.lot_id):
        raise _fail(
            entry, "event id and lot", f"{entry.event_id} of {record.lot_id}", f"{event.event_id} of {event.lot_id}"
        )
    key = keys(event.actor, event.key_id)
    if key is None:
        raise _fail(entry, "actor key", f"a registered key {event.actor}/{event.key_id}", "no such key")
    try:
        signed.verify(key)
    except SignatureError as exc:
        raise _fail(entry, "signature", "a valid Ed25519 signature", exc.diagnostics()) from None
    links = tuple((link.lot_id, link.head) for link in record.inputs)
    return CheckedAlone(event.actor, event.key_id, record.recorded_at, record.seq, record.prev, links, event.inputs)


def check_alone_or_break(entry: StoredEntry, keys: VerifierKeyLookup) -> CheckedAlone | Break:
    """:func:`check_alone`, with its failure as the :class:`Break` it names."""
    try:
        return check_alone(entry, keys)
    except ChainBrokenError as exc:
        return exc.brk


def check_each_alone(
    keys: Mapping[tuple[str, str], VerifierKey], entries: Iterable[StoredEntry]
) -> list[CheckedAlone | Break]:
    """:func:`check_alone_or_break` of each entry under ``keys`` (``(actor, key id hex) -> key``): a plain
    function over values, so that a pool of processes can share a ledger's signatures out."""
    return [check_alone_or_break(entry, lambda actor, kid: keys.get((actor, kid))) for entry in entries]


class ChainVerifier:
    """Feed entries in log order; ``check`` raises at the first break."""

    def __init__(self, keys: KeyLookup, *, check_inputs_of: Callable[[str], bool] | None = None) -> None:
        self._keys = keys
        self._heads: dict[str, _Head] = {}
        self._count = 0
        self._check_inputs_of = check_inputs_of or (lambda _lot: True)

    def check(self, entry: StoredEntry, alone: CheckedAlone | Break | None = None) -> None:
        """Check ``entry``; ``alone``: what :func:`check_alone` gave for it (e.g. in another process), else it
        runs here. Raises :class:`ChainBrokenError` at the first failing check, in the order of the steps."""
        if alone is None:
            alone = check_alone_or_break(entry, self._verifier_key)
        if isinstance(alone, Break):
            raise ChainBrokenError(alone)
        actor_key = self._keys(alone.actor, alone.key_id)
        if actor_key is None:
            raise _fail(entry, "actor key", f"a registered key {alone.actor}/{alone.key_id}", "no such key")
        try:
            refusal = actor_key.refusal_at(alone.recorded_at)
        except ValueError as exc:
            raise _fail(entry, "recorded_at", "an RFC 3339 UTC time", exc) from None
        if refusal is not None:
            raise _fail(entry, "key validity", f"a key valid at {alone.recorded_at}", refusal)
        head = self._heads.get(entry.lot_id)
        expected_seq, expected_prev = (head.seq + 1, head.record_hash) if head else (1, GENESIS)
        if alone.seq != expected_seq:
            raise _fail(entry, "sequence number", expected_seq, alone.seq)
        if alone.prev != expected_prev:
            raise _fail(entry, "prev link", expected_prev, alone.prev)
        linked = tuple(lot for lot, _head in alone.inputs)
        if linked != alone.event_inputs:
            raise _fail(entry, "input lots", list(alone.event_inputs), list(linked))
        for lot, link_head in alone.inputs:
            if not self._check_inputs_of(lot):
                continue
            input_head = self._heads.get(lot)
            expected_head = input_head.record_hash if input_head else "a record of that lot"
            if link_head != expected_head:
                raise _fail(entry, f"input link to lot {lot!r}", expected_head, link_head)
        self._heads[entry.lot_id] = _Head(alone.seq, entry.record_hash)
        self._count += 1

    def _verifier_key(self, actor: str, key_id: str) -> VerifierKey | None:
        actor_key = self._keys(actor, key_id)
        return actor_key.key if actor_key is not None else None

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
