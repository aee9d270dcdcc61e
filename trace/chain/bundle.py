"""Proof bundles: everything needed to verify a lot's history offline, in one JSON document.

A bundle (format ``ginseng-trace/bundle/v2``, specified in ``docs/FORMAT.md`` §7)
holds every record of a lot and of all the lots it was made from, and the
membership records (``org:<id>`` chains) of every organisation whose actors
signed any of them or that they name as a lab, each with the event's exact
signed bytes and an inclusion proof into one checkpoint; and the checkpoint
itself (a signed note, with any witness cosignatures). The actors' keys are
not carried beside the records: they are the keys the membership records
register, and the trust anchors the verifier is given.

:func:`verify_bundle` needs no database and no network, and a
:class:`MembershipCheck` (``ginseng_trace.events.audit`` gives the ledger's):
it names the keys the membership records register and re-judges who was
allowed to record what. Its steps:

1. Parse the document strictly (exact members and types, canonical base64).
2. Verify the checkpoint note with the log's key: its origin must be the key's
   name. Every witness key given must have a valid cosignature on it.
3. Entries are in strictly increasing log order, inside the checkpoint's tree,
   and each record's leaf hash verifies against the checkpoint root with its
   inclusion proof (RFC 9162 §2.1.3.2).
4. The records form intact chains (``ginseng_trace.chain.verify``): hashes,
   signatures under the keys the membership records register (or the trust
   anchors'), ``seq``/``prev`` from each lot's first record, and every input
   link to the input lot's head at that point.
5. The bundle's lot is present, and every lot any record consumed is in the
   bundle too, so the history reaches back to the plots; and for each lot the
   checkpoint's lot-heads map (``ginseng_trace.chain.lotheads``) shows that the
   bundle's last record of that lot is the lot's latest record at the checkpoint
   (so an organisation's membership chain is whole: no revocation left out).
6. Authority: the membership check replays the records in log order and refuses
   the first whose key was not valid at its position or whose signer's role or
   relation to the lot did not allow it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .canonical import parse_json
from .errors import ChainBrokenError, MalformedError, VerificationError
from .keys import ALG_COSIGNATURE, VerifierKey
from .lotheads import parse_extension, verify_head
from .merkle import leaf_hash, verify_inclusion
from .note import Checkpoint, NoteError, open_checkpoint, verify_note
from .records import Record, sha256_hex
from .verify import ChainVerifier, KeyLookup, StoredEntry

FORMAT = "ginseng-trace/bundle/v2"
_FIELDS = {"format", "lot", "checkpoint", "entries", "lot_heads"}
_ENTRY_FIELDS = {"log_index", "event", "record", "proof"}


class BundleError(VerificationError):
    """A bundle is malformed or does not verify; the message says where and why."""


class MembershipCheck(Protocol):
    """Who may sign, from the bundle's own membership records (``ginseng_trace.events.audit``)."""

    def keys(self, entries: Sequence[StoredEntry]) -> KeyLookup:
        """The keys signatures are checked under: every key a membership record registers, and the anchors'."""
        ...

    def judge(self, entries: Sequence[StoredEntry]) -> tuple[str, ...]:
        """Raise :class:`BundleError` at the first record its signer was not allowed to record at its log
        position; return the organisations whose membership the bundle proves."""
        ...


@dataclass(frozen=True)
class BundleEntry:
    """One record in a bundle: its leaf index, the signed event bytes, the record bytes and its inclusion proof."""

    log_index: int
    event_bytes: bytes
    record_bytes: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "log_index": self.log_index,
            "event": self.event_bytes.decode(),
            "record": self.record_bytes.decode(),
            "proof": [base64.b64encode(p).decode() for p in self.proof],
        }


@dataclass(frozen=True)
class Bundle:
    """A lot's history with everything needed to verify it offline."""

    lot: str
    checkpoint: str
    entries: tuple[BundleEntry, ...]
    lot_heads: Mapping[str, Any]  # lot -> its lot-heads map proof (see ginseng_trace.chain.lotheads)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "lot": self.lot,
            "checkpoint": self.checkpoint,
            "entries": [e.to_json() for e in self.entries],
            "lot_heads": dict(self.lot_heads),
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=1).encode() + b"\n"

    @classmethod
    def parse(cls, data: bytes) -> Bundle:
        """Parse a bundle document strictly; raise :class:`BundleError` naming what is wrong."""
        try:
            doc = parse_json(data)
        except MalformedError as exc:
            raise BundleError(f"bundle is not JSON: {exc.diagnostics()}") from None
        if not isinstance(doc, dict) or set(doc) != _FIELDS:
            raise BundleError(f"a bundle is an object with exactly the members {sorted(_FIELDS)}")
        if doc["format"] != FORMAT:
            raise BundleError(f"unknown bundle format {str(doc['format'])[:60]!r}; this verifier reads {FORMAT}")
        for name in ("lot", "checkpoint"):
            if not isinstance(doc[name], str):
                raise BundleError(f"bundle member {name!r} must be a string")
        if not isinstance(doc["entries"], list):
            raise BundleError("bundle member 'entries' must be an array")
        if not isinstance(doc["lot_heads"], dict):
            raise BundleError("bundle member 'lot_heads' must be an object keyed by lot id")
        entries = tuple(_entry(i, e) for i, e in enumerate(doc["entries"]))
        return cls(doc["lot"], doc["checkpoint"], entries, doc["lot_heads"])


def _strict_b64(text: object, where: str) -> bytes:
    if not isinstance(text, str):
        raise BundleError(f"{where} must be a base64 string")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BundleError(f"{where} is not base64") from None
    if base64.b64encode(raw).decode() != text:
        raise BundleError(f"{where} is not canonical base64")
    return raw


def _entry(i: int, value: object) -> BundleEntry:
    where = f"entry {i}"
    if not isinstance(value, dict) or set(value) != _ENTRY_FIELDS:
        raise BundleError(f"{where} must be an object with exactly the members {sorted(_ENTRY_FIELDS)}")
    index = value["log_index"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise BundleError(f"{where}: log_index must be a whole number >= 0")
    if not isinstance(value["event"], str) or not isinstance(value["record"], str):
        raise BundleError(f"{where}: event and record must be strings (the exact JSON bytes, as UTF-8 text)")
    if not isinstance(value["proof"], list):
        raise BundleError(f"{where}: proof must be an array of base64 hashes")
    proof = tuple(_strict_b64(p, f"{where} proof hash {j}") for j, p in enumerate(value["proof"]))
    return BundleEntry(index, value["event"].encode(), value["record"].encode(), proof)


@dataclass(frozen=True)
class BundleReport:
    """What a verified bundle showed."""

    lot: str
    checkpoint: Checkpoint
    entries: int
    lots: tuple[str, ...]
    signers: tuple[str, ...]
    witnesses: tuple[tuple[str, int], ...]  # (witness name, cosignature time)
    organisations: tuple[str, ...] = ()  # whose membership records the bundle carries and the check replayed

    def summary(self) -> str:
        witnesses = ", ".join(f"{name} (cosigned at unix time {t})" for name, t in self.witnesses) or "none checked"
        return "\n".join(
            [
                f"verified: lot {self.lot}",
                f"  events:     {self.entries} records in {len(self.lots)} lot(s): {', '.join(self.lots)}",
                f"  checkpoint: {self.checkpoint.origin} at tree size {self.checkpoint.size}",
                f"  signers:    {', '.join(self.signers)}",
                f"  authority:  every signer's key and role checked at its log position against the membership "
                f"of {', '.join(self.organisations) or 'the trust anchors alone'}",
                f"  witnesses:  {witnesses}",
            ]
        )


def verify_bundle(
    data: bytes,
    log_keys: Sequence[VerifierKey],
    witness_keys: Sequence[VerifierKey] = (),
    *,
    membership: MembershipCheck,
) -> BundleReport:
    """Verify a bundle offline; return what it proved or raise :class:`BundleError`. (The ledger's whole
    check, membership included, is ``ginseng_trace.events.audit.verify_bundle``.)"""
    bundle = Bundle.parse(data)
    # 2. the checkpoint
    try:
        checkpoint, note, [logged, *_] = open_checkpoint(bundle.checkpoint, log_keys)
    except NoteError as exc:
        raise BundleError(f"checkpoint: {exc.diagnostics()}") from None
    if checkpoint.origin != logged.key.name:
        raise BundleError(f"checkpoint origin {checkpoint.origin!r} is not the log key's name {logged.key.name!r}")
    witnesses: list[tuple[str, int]] = []
    for key in witness_keys:
        if key.alg != ALG_COSIGNATURE:
            raise BundleError(f"witness key {key.name} is not a cosigner (type 0x04) key")
        try:
            [cosigned] = verify_note(note, [key])
        except NoteError as exc:
            raise BundleError(f"witness {key.name}: {exc.diagnostics()}") from None
        witnesses.append((key.name, cosigned.timestamp or 0))
    # 3. inclusion of every record
    previous = -1
    for i, entry in enumerate(bundle.entries):
        if entry.log_index <= previous:
            raise BundleError(f"entry {i}: log index {entry.log_index} is not after {previous}")
        previous = entry.log_index
        try:
            verify_inclusion(
                leaf_hash(entry.record_bytes), entry.log_index, checkpoint.size, entry.proof, checkpoint.root
            )
        except VerificationError as exc:
            raise BundleError(f"entry {i} (log index {entry.log_index}): {exc.diagnostics()}") from None
    # 4. the chains
    stored = [_stored(i, e) for i, e in enumerate(bundle.entries)]
    lots = {e.lot_id for e in stored}
    verifier = ChainVerifier(membership.keys(stored))
    try:
        for one in stored:
            verifier.check(one)
    except ChainBrokenError as exc:
        raise BundleError(exc.diagnostics()) from None
    # 5. completeness: every lot consumed is present, and each lot's last record is its head at the checkpoint
    if bundle.lot not in lots:
        raise BundleError(f"the bundle holds no record of its own lot {bundle.lot!r}")
    for one in stored:
        for link in Record.from_bytes(one.record_bytes).inputs:
            if link.lot_id not in lots:
                raise BundleError(f"lot {one.lot_id!r} consumed lot {link.lot_id!r}, whose history is missing")
    _check_heads(bundle, checkpoint, stored, lots)
    # 6. authority
    organisations = membership.judge(stored)
    signers = sorted({json.loads(one.event_bytes)["actor"] for one in stored})
    return BundleReport(
        bundle.lot, checkpoint, len(stored), tuple(sorted(lots)), tuple(signers), tuple(witnesses), organisations
    )


def _check_heads(bundle: Bundle, checkpoint: Checkpoint, stored: list[StoredEntry], lots: set[str]) -> None:
    try:
        committed = parse_extension(checkpoint.extensions)
    except VerificationError as exc:
        raise BundleError(f"checkpoint: {exc.diagnostics()}") from None
    if committed is None:
        raise BundleError("the checkpoint commits to no lot-heads map, so the bundle cannot show it is complete")
    size, root = committed
    if set(bundle.lot_heads) != lots:
        raise BundleError(f"lot_heads must prove exactly the bundle's lots {sorted(lots)}")
    last = {one.lot_id: one for one in stored}  # entries are in log order: the last one of each lot wins
    for lot in sorted(lots):
        try:
            entry = verify_head(bundle.lot_heads[lot], lot, size, root)
        except VerificationError as exc:
            raise BundleError(exc.diagnostics()) from None
        mine = last[lot]
        if (entry.seq, entry.head) != (mine.seq, mine.record_hash):
            raise BundleError(
                f"lot {lot!r}: the checkpoint's latest record is #{entry.seq} {entry.head}, "
                f"but the bundle ends at #{mine.seq} {mine.record_hash}: records are missing"
            )


def _stored(i: int, entry: BundleEntry) -> StoredEntry:
    """The chain verifier's view of a bundle entry: index fields come from the bytes themselves."""
    try:
        record = Record.from_bytes(entry.record_bytes)
        event = parse_json(entry.event_bytes)
    except MalformedError as exc:
        raise BundleError(f"entry {i} (log index {entry.log_index}): {exc.diagnostics()}") from None
    event_id = event.get("event_id") if isinstance(event, dict) else None
    if not isinstance(event_id, str):
        raise BundleError(f"entry {i} (log index {entry.log_index}): the event has no event_id")
    return StoredEntry(
        entry.log_index,
        event_id,
        record.lot_id,
        record.seq,
        sha256_hex(entry.record_bytes),
        entry.event_bytes,
        entry.record_bytes,
    )
