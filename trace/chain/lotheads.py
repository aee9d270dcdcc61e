"""The lot-heads map: every lot's latest record as of a checkpoint, committed to by that checkpoint.

A bundle's inclusion proofs show that its records were logged; they cannot show
that the bundle holds a lot's *latest* records. The lot-heads map closes that
gap. At each checkpoint the log lists, sorted by lot id, one entry per lot:
``{"head": <record hash>, "lot": <lot id>, "seq": <its seq>}`` (RFC 8785 bytes),
builds an RFC 9162 tree over those entries, and adds the extension line
``lot-heads <entries> <base64 root>`` to the checkpoint text, which the log
signs and witnesses cosign.

A bundle then proves, for each of its lots, the lot's entry with an inclusion
proof, plus the entries on either side: their lot ids sort strictly below and
above, so no second entry for the lot can hide in the map. The last record of
the lot in the bundle must be the entry's head. Anyone holding the log's
entries (its tiles) can recompute the map and check the log's honesty.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .canonical import canonical_bytes
from .errors import VerificationError
from .merkle import HASH_SIZE, inclusion_proof, leaf_hash, root_hash, verify_inclusion

EXTENSION = "lot-heads"
_LINE = re.compile(r"lot-heads (0|[1-9][0-9]{0,19}) ([A-Za-z0-9+/]{43}=)")
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, order=True)
class HeadEntry:
    """One lot's latest record: its id (the sort key), the record's seq and hash."""

    lot: str
    seq: int
    head: str

    def to_bytes(self) -> bytes:
        return canonical_bytes({"head": self.head, "lot": self.lot, "seq": self.seq})

    def leaf(self) -> bytes:
        return leaf_hash(self.to_bytes())


@dataclass(frozen=True)
class HeadMap:
    """The map's entries, sorted by lot id, and the tree over them."""

    entries: tuple[HeadEntry, ...]

    def __post_init__(self) -> None:
        lots = [e.lot for e in self.entries]
        if lots != sorted(set(lots)):
            raise ValueError("lot-heads entries must be sorted by lot id, one per lot")

    @property
    def leaves(self) -> list[bytes]:
        return [e.leaf() for e in self.entries]

    def root(self) -> bytes:
        return root_hash(self.leaves)

    def extension_line(self) -> str:
        return f"{EXTENSION} {len(self.entries)} {base64.b64encode(self.root()).decode()}"

    def proof(self, lot: str) -> dict[str, Any]:
        """The bundle's proof for ``lot``: its entry and its neighbours, each with an inclusion proof."""
        lots = [e.lot for e in self.entries]
        index = lots.index(lot)
        leaves = self.leaves

        def entry(i: int) -> dict[str, Any] | None:
            if not 0 <= i < len(self.entries):
                return None
            e = self.entries[i]
            proof = [base64.b64encode(p).decode() for p in inclusion_proof(leaves, i)]
            return {"lot": e.lot, "seq": e.seq, "head": e.head, "index": i, "proof": proof}

        found = entry(index)
        assert found is not None  # noqa: S101 - index came from the list itself
        return {**found, "left": entry(index - 1), "right": entry(index + 1)}


def parse_extension(extensions: Sequence[str]) -> tuple[int, bytes] | None:
    """``(entries, root)`` from a checkpoint's ``lot-heads`` extension line, or None if it has none."""
    lines = [line for line in extensions if line.startswith(EXTENSION + " ")]
    if not lines:
        return None
    match = _LINE.fullmatch(lines[0]) if len(lines) == 1 else None
    if match is None:
        raise VerificationError(f"malformed {EXTENSION} extension line in the checkpoint")
    return int(match.group(1)), base64.b64decode(match.group(2))


def _entry(value: object, where: str) -> tuple[HeadEntry, int, list[bytes]]:
    if not isinstance(value, dict) or not {"lot", "seq", "head", "index", "proof"} <= set(value):
        raise VerificationError(f"{where} must have lot, seq, head, index and proof")
    lot, seq, head, index, proof = (value[k] for k in ("lot", "seq", "head", "index", "proof"))
    ok = (
        isinstance(lot, str)
        and isinstance(seq, int)
        and not isinstance(seq, bool)
        and isinstance(head, str)
        and _HASH.fullmatch(head) is not None
        and isinstance(index, int)
        and not isinstance(index, bool)
        and isinstance(proof, list)
    )
    if not ok:
        raise VerificationError(f"{where} has a member of the wrong type")
    hashes = []
    for p in proof:
        try:
            raw = base64.b64decode(p, validate=True) if isinstance(p, str) else b""
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != HASH_SIZE or base64.b64encode(raw).decode() != p:
            raise VerificationError(f"{where} proof holds something that is not a canonical base64 hash")
        hashes.append(raw)
    return HeadEntry(lot, seq, head), index, hashes


def verify_head(value: object, lot: str, size: int, root: bytes) -> HeadEntry:
    """Check a bundle's proof that ``lot``'s latest record is the entry shown; return the entry."""
    where = f"lot-heads proof for {lot!r}"
    if not isinstance(value, dict) or not {"left", "right"} <= set(value):
        raise VerificationError(f"{where} must have left and right neighbours (null at the ends)")
    entry, index, proof = _entry(value, where)
    if entry.lot != lot:
        raise VerificationError(f"{where} shows lot {entry.lot!r}")
    try:
        verify_inclusion(entry.leaf(), index, size, proof, root)
    except VerificationError as exc:
        raise VerificationError(f"{where}: {exc}") from None
    for side, offset, at_end in (("left", -1, index == 0), ("right", 1, index == size - 1)):
        neighbour = value[side]
        if neighbour is None:
            if not at_end:
                raise VerificationError(f"{where}: the {side} neighbour is missing")
            continue
        other, other_index, other_proof = _entry(neighbour, f"{where}, {side} neighbour")
        if other_index != index + offset:
            raise VerificationError(f"{where}: the {side} neighbour is not next to the entry")
        if (other.lot < lot) != (offset < 0) or other.lot == lot:
            raise VerificationError(f"{where}: the {side} neighbour's lot {other.lot!r} is out of order")
        try:
            verify_inclusion(other.leaf(), other_index, size, other_proof, root)
        except VerificationError as exc:
            raise VerificationError(f"{where}, {side} neighbour: {exc}") from None
    return entry
