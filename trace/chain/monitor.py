"""A log monitor: what a witness cannot check, recomputed from the log's entries (pure, no I/O).

A witness checks that each checkpoint extends the last one it cosigned. It
cannot check what the entries say, nor the checkpoint's ``lot-heads`` line
(docs/FORMAT.md §6): the log could sign a map that leaves out a lot's newest
record, and every bundle built on it would still verify. A monitor replays
every entry (each is a sealed record's exact bytes) in log order and checks,
in this order:

1. for each record: it parses as a canonical record; its seq is its lot's
   previous seq + 1 (1 for a lot's first record); its ``prev`` is the hash of
   the lot's previous record (GENESIS for the first); every input link names
   a lot that has records and that lot's latest record at that point;
2. at a checkpoint: the monitor has replayed exactly ``size`` entries; the
   RFC 9162 root over their leaf hashes is the checkpoint's root; the
   checkpoint's ``lot-heads`` line counts every lot replayed and its root is
   that of the map of each lot's latest record (lotheads.HeadMap).

The first failure raises :class:`MonitorError` naming the entry or the
checkpoint line, what was expected and what was found. The monitor keeps only
the tree's frontier (O(log n) hashes) and each lot's head, so it resumes from
a saved :meth:`LogMonitor.to_json` state and reads only new entries.
Signatures of events are not checked here: the log's entries hold records, not
events; a bundle or ``ginseng-trace verify`` checks those.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import MalformedError, SignatureError, VerificationError
from .keys import VerifierKey
from .lotheads import HeadEntry, HeadMap, parse_extension
from .membership import AGREEMENT_TYPES, MEMBERSHIP_TYPES, Membership, Organisation, agreement_parties
from .merkle import EMPTY_ROOT, HASH_SIZE, append_leaves, frontier, leaf_hash, range_hash
from .note import Checkpoint
from .records import GENESIS, Record, SignedEvent, sha256_hex
from .times import parse_utc

AUTHORITY_ROLES = ("operator", "regulator")
"""The roles whose organisations record membership events (schemas/rules.yaml ``authority``)."""
AGREEMENT_ROLES = ("operator",)
"""Who, besides the organisations an agreement concerns (``agreement_parties``), records agreement events."""


class MonitorError(VerificationError):
    """The log's entries or its checkpoint are not what an honest log would serve."""


@dataclass(frozen=True)
class MonitorReport:
    size: int
    lots: int
    root: bytes


TILE_WIDTH = 256


def tile_path(index: int, width: int | None = None) -> str:
    """The C2SP tlog-tiles path of tile ``index``: 1234067 is ``x001/x234/067``, a partial one ``.p/<width>``."""
    digits = f"{index:03d}"
    digits = digits.rjust(-(-len(digits) // 3) * 3, "0")
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]]) + (f".p/{width}" if width else "")


def parse_entry_bundle(data: bytes, expected: int) -> list[bytes]:
    """The entries of a C2SP tlog-tiles entry bundle (each a big-endian uint16 length, then that many
    bytes); :class:`MonitorError` unless it holds exactly ``expected`` entries."""
    entries: list[bytes] = []
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise MonitorError("entry bundle ends inside a length prefix")
        length = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + length > len(data):
            raise MonitorError("entry bundle ends inside an entry")
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    if len(entries) != expected:
        raise MonitorError(f"entry bundle holds {len(entries)} entries, expected {expected}")
    return entries


class Frontier:
    """A tree known only by its complete subtrees on the right edge (``merkle.frontier``): O(log n) hashes
    from which leaves are appended and the RFC 9162 root computed, without the leaves themselves."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        nodes = frontier(size)
        if size < 0 or len(hashes) != len(nodes) or any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError(f"{len(hashes)} hashes are not the frontier of a tree of size {size}")
        self.size = size
        self._nodes = dict(zip(nodes, hashes, strict=True))

    @property
    def hashes(self) -> list[bytes]:
        return [self._nodes[node] for node in frontier(self.size)]

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        created = append_leaves(self.size, leaf_hashes, lambda level, i: self._nodes[(level, i)])
        nodes = {**self._nodes, **{(level, i): h for level, i, h in created}}
        self.size += len(leaf_hashes)
        self._nodes = {node: nodes[node] for node in frontier(self.size)}

    def root(self) -> bytes:
        if self.size == 0:
            return EMPTY_ROOT
        return range_hash(0, self.size, lambda level, i: self._nodes[(level, i)])


class LogMonitor:
    """Feed entries in log order (:meth:`feed`), then :meth:`check` a checkpoint of that size."""

    def __init__(self, tree: Frontier | None = None, heads: Mapping[str, tuple[int, str]] | None = None) -> None:
        self._tree = tree or Frontier()
        self._heads: dict[str, tuple[int, str]] = dict(heads or {})  # lot -> (seq, hash) of its latest record

    @property
    def size(self) -> int:
        return self._tree.size

    def feed(self, entries: Iterable[bytes]) -> None:
        """Check each record against the chains so far (step 1) and add its leaf to the tree; all of them,
        or (at the first that fails) none."""
        leaves: list[bytes] = []
        moved: dict[str, tuple[int, str]] = {}  # the heads these entries move, kept apart until all pass
        for data in entries:
            self._check_record(self.size + len(leaves), data, moved)
            leaves.append(leaf_hash(data))
        self._heads.update(moved)
        self._tree.append(leaves)

    def _check_record(self, index: int, data: bytes, moved: dict[str, tuple[int, str]]) -> None:
        def head(lot: str) -> tuple[int, str] | None:
            return moved.get(lot) or self._heads.get(lot)

        try:
            record = Record.from_bytes(data)
        except MalformedError as exc:
            raise MonitorError(f"entry {index}: not a canonical record: {exc.diagnostics()}") from None
        seq, prev = head(record.lot_id) or (0, GENESIS)
        if record.seq != seq + 1:
            raise MonitorError(f"entry {index}: lot {record.lot_id} record seq {record.seq}, expected {seq + 1}")
        if record.prev != prev:
            raise MonitorError(f"entry {index}: lot {record.lot_id} #{record.seq} prev {record.prev}, expected {prev}")
        for link in record.inputs:
            found = head(link.lot_id)
            if found is None or link.head != found[1]:
                expected = found[1] if found else "a lot with records"
                raise MonitorError(
                    f"entry {index}: lot {record.lot_id} #{record.seq} input {link.lot_id} head {link.head}, "
                    f"expected {expected}"
                )
        moved[record.lot_id] = (record.seq, sha256_hex(data))

    def root(self) -> bytes:
        """The RFC 9162 root of the entries fed so far, from the frontier alone."""
        return self._tree.root()

    def head_map(self) -> HeadMap:
        return HeadMap(tuple(HeadEntry(lot, seq, head) for lot, (seq, head) in sorted(self._heads.items())))

    def check(self, checkpoint: Checkpoint) -> MonitorReport:
        """Step 2: the checkpoint (its signature already verified) describes exactly the entries fed."""
        if checkpoint.size != self.size:
            raise MonitorError(f"checkpoint of size {checkpoint.size}, but {self.size} entries were replayed")
        root = self.root()
        if checkpoint.root != root:
            raise MonitorError(
                f"checkpoint root {base64.b64encode(checkpoint.root).decode()} at size {self.size}, "
                f"but the entries give {base64.b64encode(root).decode()}"
            )
        claimed = parse_extension(checkpoint.extensions)
        heads = self.head_map()
        if claimed is None:
            raise MonitorError("the checkpoint has no lot-heads line")
        if claimed != (len(heads.entries), heads.root()):
            raise MonitorError(
                f"the checkpoint's lot-heads line is {claimed[0]} {base64.b64encode(claimed[1]).decode()}, "
                f"but the entries give {heads.extension_line().removeprefix('lot-heads ')}"
            )
        return MonitorReport(self.size, len(self._heads), root)

    def to_json(self) -> dict[str, Any]:
        """The state to resume from: the tree size, its frontier hashes, each lot's head."""
        return {
            "size": self.size,
            "frontier": [base64.b64encode(h).decode() for h in self._tree.hashes],
            "heads": {lot: [seq, head] for lot, (seq, head) in sorted(self._heads.items())},
        }

    @classmethod
    def from_json(cls, state: Mapping[str, Any]) -> LogMonitor:
        """Resume from :meth:`to_json`'s state; :class:`MonitorError` if it is not one."""
        try:
            tree = Frontier(state["size"], [base64.b64decode(h, validate=True) for h in state["frontier"]])
            heads = {str(lot): (int(seq), str(head)) for lot, (seq, head) in state["heads"].items()}
        except (KeyError, TypeError, ValueError, binascii.Error, AttributeError) as exc:
            raise MonitorError(f"not a monitor state: {exc}") from None
        return cls(tree, heads)


class MembershipReplay:
    """Rebuilds who held which key and role at every point of the log from its membership records (the
    ``org:<id>`` chains, docs/FORMAT.md §8), given the trust anchors: each record's event must be the one the
    record seals, signed by a key valid at its position, by an operator or a regulator (or an anchor); an
    agreement by the grower whose chain it is on (or, ending it, the cooperative it names) or an operator."""

    def __init__(self, anchors: Sequence[VerifierKey], orgs: Mapping[str, Organisation] | None = None) -> None:
        self.anchors = tuple(anchors)
        self.membership = Membership(self.anchors, orgs)

    def feed(self, index: int, record_bytes: bytes, event_bytes: bytes) -> None:
        """Check and fold the membership record at log position ``index``; :class:`MonitorError` if the log's
        event is not the sealed one or its signer was not allowed to sign it there."""
        record = Record.from_bytes(record_bytes)
        where = f"entry {index} (membership of {record.lot_id})"
        if sha256_hex(event_bytes) != record.event_hash:
            raise MonitorError(f"{where}: the log served an event whose hash is not the record's {record.event_hash}")
        try:
            signed = SignedEvent.from_stored(event_bytes, record.signature)
        except MalformedError as exc:
            raise MonitorError(f"{where}: the event is malformed: {exc.diagnostics()}") from None
        event = signed.event
        if event.lot_id != record.lot_id or event.type not in MEMBERSHIP_TYPES:
            raise MonitorError(f"{where}: a {event.type} event of lot {event.lot_id} is no membership record of it")
        signer = self.membership.signer(event.actor, event.key_id, index, parse_utc(record.recorded_at))
        if isinstance(signer, str):
            raise MonitorError(f"{where}: {signer}")
        if event.type in AGREEMENT_TYPES:
            parties = agreement_parties(event)
            if not signer.holds(AGREEMENT_ROLES) and signer.org not in parties:
                raise MonitorError(
                    f"{where}: {event.actor} ({signer.org}) may not record {event.type}: only "
                    f"{' or '.join(sorted(parties))}, or an operator"
                )
        elif not signer.holds(AUTHORITY_ROLES):
            raise MonitorError(f"{where}: {event.actor} holds the role {signer.describe()}, not operator or regulator")
        key = self._key(event.actor, event.key_id)
        try:
            signed.verify(key)
        except SignatureError as exc:
            raise MonitorError(f"{where}: {exc.diagnostics()}") from None
        self.membership.apply(event, index)

    def _key(self, actor: str, key_id: str) -> VerifierKey:
        for anchor in self.anchors:
            if (anchor.name, anchor.key_id_hex) == (actor, key_id):
                return anchor
        org = self.membership.org_of(actor)
        assert org is not None  # noqa: S101 - signer() found it
        return VerifierKey.parse(org.actors[actor].keys[key_id].key)

    def summary(self) -> str:
        orgs = self.membership.orgs.values()
        keys = [g for org in orgs for member in org.actors.values() for g in member.keys.values()]
        revoked = sum(g.revoked_index is not None for g in keys)
        suspended = sum(org.suspended for org in orgs)
        return (
            f"membership of {len(orgs)} organisations rebuilt: {len(keys)} keys ({revoked} revoked), "
            f"{suspended} organisations suspended"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "anchors": [k.text() for k in self.anchors],
            "organisations": {org: json.loads(o.to_json()) for org, o in sorted(self.membership.orgs.items())},
        }

    @classmethod
    def from_json(cls, state: Mapping[str, Any]) -> MembershipReplay:
        try:
            anchors = [VerifierKey.parse(k) for k in state["anchors"]]
            orgs = {org: Organisation.from_json(json.dumps(o)) for org, o in state["organisations"].items()}
        except (KeyError, TypeError, ValueError, MalformedError) as exc:
            raise MonitorError(f"not a monitor state: {exc}") from None
        return cls(anchors, orgs)


__all__ = [
    "TILE_WIDTH",
    "Frontier",
    "LogMonitor",
    "MembershipReplay",
    "MonitorError",
    "MonitorReport",
    "parse_entry_bundle",
    "tile_path",
]
