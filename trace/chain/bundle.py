"""Proof bundles: everything needed to verify a lot's history offline, in one JSON document.

A bundle (format ``ginseng-trace/bundle/v1``, specified in ``docs/FORMAT.md``)
holds every record of a lot and of all the lots it was made from, each with
the event's exact signed bytes and an inclusion proof into one checkpoint; the
checkpoint itself (a signed note, with any witness cosignatures); and the
actors' verifier keys.

:func:`verify_bundle` needs no database and no network. Its steps:

1. Parse the document strictly (exact members and types, canonical base64).
2. Verify the checkpoint note with the log's key: its origin must be the key's
   name. Every witness key given must have a valid cosignature on it.
3. Entries are in strictly increasing log order, inside the checkpoint's tree,
   and each record's leaf hash verifies against the checkpoint root with its
   inclusion proof (RFC 9162 §2.1.3.2).
4. The records form intact chains (``ginseng_trace.chain.verify``): hashes,
   signatures under the bundled actor keys, ``seq``/``prev`` from each lot's
   first record, and every input link to the input lot's head at that point.
5. The bundle's lot is present, and every lot any record consumed is in the
   bundle too, so the history reaches back to the plots; and for each lot the
   checkpoint's lot-heads map (``ginseng_trace.chain.lotheads``) shows that the
   bundle's last record of that lot is the lot's latest record at the checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .canonical import parse_json
from .errors import ChainBrokenError, MalformedError, VerificationError
from .keys import ALG_COSIGNATURE, ALG_ED25519, ActorKey, VerifierKey
from .lotheads import parse_extension, verify_head
from .merkle import leaf_hash, verify_inclusion
from .note import Checkpoint, NoteError, open_checkpoint, verify_note
from .records import Record, sha256_hex
from .times import parse_utc
from .verify import ChainVerifier, StoredEntry

FORMAT = "ginseng-trace/bundle/v1"
_FIELDS = {"format", "lot", "checkpoint", "entries", "actor_keys", "lot_heads"}
_ENTRY_FIELDS = {"log_index", "event", "record", "proof"}


class BundleError(VerificationError):
    """A bundle is malformed or does not verify; the message says where and why."""


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
    actor_keys: tuple[ActorKey, ...]
    lot_heads: Mapping[str, Any]  # lot -> its lot-heads map proof (see ginseng_trace.chain.lotheads)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "lot": self.lot,
            "checkpoint": self.checkpoint,
            "entries": [e.to_json() for e in self.entries],
            "actor_keys": [k.to_json() for k in self.actor_keys],
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
        if not isinstance(doc["entries"], list) or not isinstance(doc["actor_keys"], list):
            raise BundleError("bundle members 'entries' and 'actor_keys' must be arrays")
        if not isinstance(doc["lot_heads"], dict):
            raise BundleError("bundle member 'lot_heads' must be an object keyed by lot id")
        keys = tuple(_actor_key(i, value) for i, value in enumerate(doc["actor_keys"]))
        entries = tuple(_entry(i, e) for i, e in enumerate(doc["entries"]))
        return cls(doc["lot"], doc["checkpoint"], entries, keys, doc["lot_heads"])


_KEY_FIELDS = {"key", "valid_from", "valid_until", "revoked_at"}


def _actor_key(i: int, value: object) -> ActorKey:
    where = f"actor key {i}"
    if not isinstance(value, dict) or not {"key", "valid_from"} <= set(value) <= _KEY_FIELDS:
        raise BundleError(f"{where} must be an object with key, valid_from and optionally valid_until, revoked_at")
    if not all(isinstance(v, str) for v in value.values()):
        raise BundleError(f"{where}: every member must be a string")
    try:
        key = VerifierKey.parse(value["key"])
        for name in sorted(_KEY_FIELDS - {"key"}):
            if name in value:
                parse_utc(value[name])
    except MalformedError as exc:
        raise BundleError(f"{where}: {exc.diagnostics()}") from None
    except ValueError as exc:
        raise BundleError(f"{where}: {exc}") from None
    if key.alg != ALG_ED25519:
        raise BundleError(f"{where} must be an Ed25519 (type 0x01) verifier key")
    return ActorKey(key, value["valid_from"], value.get("valid_until"), value.get("revoked_at"))


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

    def summary(self) -> str:
        witnesses = ", ".join(f"{name} (cosigned at unix time {t})" for name, t in self.witnesses) or "none checked"
        return "\n".join(
            [
                f"verified: lot {self.lot}",
                f"  events:     {self.entries} records in {len(self.lots)} lot(s): {', '.join(self.lots)}",
                f"  checkpoint: {self.checkpoint.origin} at tree size {self.checkpoint.size}",
                f"  signers:    {', '.join(self.signers)}",
                f"  witnesses:  {witnesses}",
            ]
        )


def verify_bundle(
    data: bytes, log_keys: Sequence[VerifierKey], witness_keys: Sequence[VerifierKey] = ()
) -> BundleReport:
    """Verify a bundle offline; return what it proved or raise :class:`BundleError`."""
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
    keys = {(k.key.name, k.key.key_id_hex): k for k in bundle.actor_keys}
    stored = [_stored(i, e) for i, e in enumerate(bundle.entries)]
    lots = {e.lot_id for e in stored}
    verifier = ChainVerifier(lambda actor, key_id: keys.get((actor, key_id)))
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
    signers = sorted({json.loads(one.event_bytes)["actor"] for one in stored})
    return BundleReport(bundle.lot, checkpoint, len(stored), tuple(sorted(lots)), tuple(signers), tuple(witnesses))


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
