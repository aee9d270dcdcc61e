"""Verify a whole stored ledger against its transparency log, streaming (pure, no I/O).

Every record is a leaf of the log (docs/FORMAT.md §6) and every stored checkpoint is the log's signed word
about the first ``size`` of them, with the lot-heads map of those leaves. An attacker with write access to
the database can delete, reorder or rewrite rows so that each lot's chain still links (a lot's newest
record deleted leaves a shorter, intact chain), or replace a checkpoint row; the chains alone cannot show
that, the log can. Feed every stored record in log order (:meth:`LedgerVerifier.feed`), then
:meth:`LedgerVerifier.finish`. Steps, for each record:

1. its chain: every check of ``chain.verify`` (hashes, signature, key validity, seq, prev, input links);
2. its log index is the next one: a gap names the missing positions;
3. its leaf hash (SHA-256(0x00 ‖ record bytes)) is the one the log stored for its position, when the store
   hands that over: a record moved, replaced or rewritten since it was logged is named here;

and for each stored checkpoint, as soon as the records before its size have been fed:

4. its signed note verifies under one of the log's keys, and its tree size and root are the ones the row is
   filed under;
5. the records stored below its size are exactly ``size`` (none missing), the RFC 9162 root of their leaves
   is the checkpoint's root, and the map of each lot's latest record among them (``lotheads.HeadMap``) has
   the count and root of the checkpoint's ``lot-heads`` line;

and at the end:

6. no stored checkpoint is of a tree larger than the stored records (the newest records deleted).

Nothing stops at a failure: each is kept as a :class:`Break` naming the record, checkpoint or lot, the
check, what was expected and what was found (the first ``limit``; the rest are counted). The verifier keeps
only the tree's frontier (O(log n) hashes), each lot's head and the problems, never the records.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .errors import Break, ChainBrokenError, Error
from .keys import VerifierKey
from .lotheads import HeadEntry, HeadMap, parse_extension
from .merkle import leaf_hash, root_hash
from .monitor import Frontier
from .note import open_checkpoint
from .records import sha256_hex
from .verify import ChainVerifier, CheckedAlone, KeyLookup, StoredEntry

PROBLEM_LIMIT = 100
"""How many problems a report lists; beyond that they are only counted, so memory stays bounded."""
_FLUSH = 256  # leaves appended to the frontier at once


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@dataclass(frozen=True)
class LoggedCheckpoint:
    """A stored checkpoint: the tree size and root its row is filed under, and the signed note it holds."""

    size: int
    root: bytes
    note: str


@dataclass(frozen=True)
class LedgerReport:
    """What a verification covered and every problem it found (``unlisted``: problems beyond the limit)."""

    records: int
    lots: tuple[str, ...]
    checkpoints: int
    problems: tuple[Break, ...]
    unlisted: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    def raise_if_broken(self) -> LedgerReport:
        """This report, if intact; otherwise :class:`ChainBrokenError` carrying every problem."""
        if self.problems:
            raise ChainBrokenError(self.problems[0], self.problems[1:])
        return self


class ProblemList:
    """Problems as they are found: the first ``limit`` kept, the rest counted."""

    def __init__(self, limit: int = PROBLEM_LIMIT) -> None:
        self.limit = limit
        self.found: list[Break] = []
        self.unlisted = 0

    def add(self, brk: Break) -> None:
        if len(self.found) < self.limit:
            self.found.append(brk)
        else:
            self.unlisted += 1


def checkpoint_problem(size: int, check: str, expected: str, found: str) -> Break:
    return Break(None, None, None, check, expected, found, checkpoint=size)


def open_logged(
    checkpoint: LoggedCheckpoint, log_keys: Sequence[VerifierKey], problems: ProblemList
) -> tuple[int, bytes, tuple[str, ...]] | None:
    """Step 4: the checkpoint's signed ``(size, root, extension lines)``, or None (and a problem) when its note
    is not the log's signed word about the tree its row is filed under."""
    names = ", ".join(sorted({k.name for k in log_keys})) or "no key on record"
    try:
        signed, _note, _verified = open_checkpoint(checkpoint.note, log_keys)
    except (Error, ValueError) as exc:
        found = exc.diagnostics() if isinstance(exc, Error) else str(exc)
        expected = f"a note signed by the log's key ({names})"
        problems.add(checkpoint_problem(checkpoint.size, "signature", expected, found))
        return None
    if (signed.size, signed.root) != (checkpoint.size, checkpoint.root):
        problems.add(
            checkpoint_problem(
                checkpoint.size,
                "stored size and root",
                f"the signed size {signed.size} and root {b64(signed.root)}",
                f"size {checkpoint.size} and root {b64(checkpoint.root)} in its row",
            )
        )
        return None
    return signed.size, signed.root, signed.extensions


class LedgerVerifier:
    """Feed stored records in log order; checkpoints (sorted by size) are checked as the tree reaches them."""

    def __init__(
        self,
        keys: KeyLookup,
        log_keys: Sequence[VerifierKey],
        checkpoints: Iterable[LoggedCheckpoint],
        *,
        stored_map: tuple[int, HeadMap] | None = None,
        limit: int = PROBLEM_LIMIT,
    ) -> None:
        """``stored_map``: a tree size and the lot-heads map the store holds for it (built from its lot heads,
        not from the records): when it is the map the checkpoint of that size signed, each lot whose latest
        record differs from its entry is named (step 5)."""
        self._chain = ChainVerifier(keys)
        self._stored_map = stored_map
        self._log_keys = tuple(log_keys)
        self._checkpoints: Iterator[LoggedCheckpoint] = iter(checkpoints)
        self._next: LoggedCheckpoint | None = next(self._checkpoints, None)
        self._tree = Frontier()
        self._pending: list[bytes] = []
        self._position = 0  # the log index the next record should have
        self._heads: dict[str, tuple[int, str]] = {}  # lot -> (seq, record hash) of its latest record so far
        self._head_leaves: dict[str, bytes] = {}  # lot -> leaf hash of its lot-heads entry, while it stands
        self._records = 0
        self._checked = 0
        self.problems = ProblemList(limit)

    def feed(
        self, entry: StoredEntry, stored_leaf: bytes | None = None, alone: CheckedAlone | Break | None = None
    ) -> None:
        """Check one stored record (steps 1-3) after the checkpoints the records before it complete.
        ``stored_leaf``: the leaf hash the log stored at the record's index (``b""`` if it stored none), or
        None when the store does not say. ``alone``: the record's checks that need no other record, when they
        ran elsewhere (``chain.verify.check_each_alone``, e.g. in a pool of processes); else they run here."""
        self._reach(entry.log_index)
        if entry.log_index > self._position:
            missing = f"{self._position}" if entry.log_index == self._position + 1 else ""
            missing = missing or f"{self._position} to {entry.log_index - 1}"
            self.problems.add(
                Break(
                    entry.log_index,
                    entry.event_id,
                    entry.lot_id,
                    "log position",
                    f"log index {self._position} next",
                    f"log index {entry.log_index}: the record(s) at {missing} are missing",
                )
            )
        elif entry.log_index < self._position:
            self.problems.add(
                Break(
                    entry.log_index,
                    entry.event_id,
                    entry.lot_id,
                    "log position",
                    f"log index {self._position} or later",
                    "a record out of log order",
                )
            )
        leaf = leaf_hash(entry.record_bytes)
        try:
            self._chain.check(entry, alone)
            chained = True
        except ChainBrokenError as exc:
            self.problems.add(exc.brk)
            self._chain.accept(entry)
            chained = False
        if chained and stored_leaf is not None and stored_leaf != leaf:
            found = f"leaf hash {b64(stored_leaf)} in the log" if stored_leaf else "no leaf at that position"
            self.problems.add(
                Break(
                    entry.log_index,
                    entry.event_id,
                    entry.lot_id,
                    "log leaf",
                    f"the record's leaf hash {b64(leaf)} (moved or replaced since it was logged?)",
                    found,
                )
            )
        self._pending.append(leaf)
        if len(self._pending) >= _FLUSH:
            self._flush()
        self._heads[entry.lot_id] = (entry.seq, sha256_hex(entry.record_bytes))
        self._head_leaves.pop(entry.lot_id, None)
        self._position = max(self._position, entry.log_index + 1)
        self._records += 1

    def add(self, brk: Break) -> None:
        """A problem found outside the records' stream (e.g. by the store: a witness's orphaned cosignature)."""
        self.problems.add(brk)

    def finish(self) -> LedgerReport:
        """Check the checkpoints left (step 6 for those beyond the records) and report."""
        self._reach(None)
        return LedgerReport(
            self._records,
            tuple(sorted(self._heads)),
            self._checked,
            tuple(self.problems.found),
            self.problems.unlisted,
        )

    def _flush(self) -> None:
        if self._pending:
            self._tree.append(self._pending)
            self._pending = []

    def _reach(self, index: int | None) -> None:
        """Check every checkpoint whose tree ends at or before log index ``index`` (None: all that are left)."""
        while self._next is not None and (index is None or self._next.size <= index):
            self._check_checkpoint(self._next)
            self._next = next(self._checkpoints, None)

    def _check_checkpoint(self, checkpoint: LoggedCheckpoint) -> None:
        self._checked += 1
        signed = open_logged(checkpoint, self._log_keys, self.problems)
        if signed is None:
            return
        size, root, extensions = signed
        self._flush()
        self._name_lots(size, extensions)
        if self._tree.size != size:
            found = f"{self._tree.size} stored" + (
                " (the newest records deleted?)" if self._position < size else ": records missing among them"
            )
            self.problems.add(checkpoint_problem(size, "records", f"{size} records below log index {size}", found))
            return
        rebuilt = self._tree.root()
        if rebuilt != root:
            self.problems.add(
                checkpoint_problem(size, "root", f"the signed root {b64(root)}", f"{b64(rebuilt)} from the records")
            )
        try:
            claimed = parse_extension(extensions)
        except Error as exc:
            self.problems.add(checkpoint_problem(size, "lot-heads line", "a lot-heads line", exc.diagnostics()))
            return
        count, heads_root = self._head_map()
        if claimed is None:
            self.problems.add(checkpoint_problem(size, "lot-heads line", "a lot-heads line", "none"))
        elif claimed != (count, heads_root):
            self.problems.add(
                checkpoint_problem(
                    size,
                    "lot-heads map",
                    f"the signed map of {claimed[0]} lots, root {b64(claimed[1])}",
                    f"{count} lots, root {b64(heads_root)} from the records",
                )
            )

    def _name_lots(self, size: int, extensions: tuple[str, ...]) -> None:
        """Each lot whose latest record below ``size`` is not the one the signed map names, when the store's map
        for ``size`` is the signed one (its entries are then the log's word, lot by lot)."""
        if self._stored_map is None or self._stored_map[0] != size:
            return
        heads = self._stored_map[1]
        try:
            if parse_extension(extensions) != (len(heads.entries), heads.root()):
                return
        except Error:
            return
        signed = {e.lot: (e.seq, e.head) for e in heads.entries}
        for lot in sorted(signed.keys() | self._heads.keys()):
            entry, mine = signed.get(lot), self._heads.get(lot)
            if entry != mine:
                said = f"record #{entry[0]} {entry[1]}, as checkpoint {size}'s lot-heads map says" if entry else "none"
                self.problems.add(
                    Break(
                        None,
                        None,
                        lot,
                        "latest record",
                        said,
                        f"record #{mine[0]} {mine[1]} stored" if mine else "no record stored",
                    )
                )

    def _head_map(self) -> tuple[int, bytes]:
        """The lot-heads map of the records so far: its count and root (each entry's leaf hash kept until its
        lot moves on)."""
        leaves = []
        for lot in sorted(self._heads):
            leaf = self._head_leaves.get(lot)
            if leaf is None:
                seq, head = self._heads[lot]
                leaf = self._head_leaves[lot] = HeadEntry(lot, seq, head).leaf()
            leaves.append(leaf)
        return len(leaves), root_hash(leaves)


__all__ = ["PROBLEM_LIMIT", "LedgerReport", "LedgerVerifier", "LoggedCheckpoint", "ProblemList", "open_logged"]
