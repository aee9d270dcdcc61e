"""The transparency log, read side: its state, checkpoints, proofs, tiles and the lot-heads map.

Nothing here writes: checkpoints are signed by the checkpointer (``checkpoints``) only, so a read of a proof
or a tile answers from the checkpoints already signed, and says so when none covers what was asked for yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..chain.errors import Error, FieldProblem, MalformedError
from ..chain.keys import VerifierKey
from ..chain.lotheads import HeadEntry, HeadMap
from ..chain.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    SubtreeSource,
    consistency_proof_from,
    inclusion_proof_from,
    range_hash,
)
from ..store import LedgerRepository, Store, StoredCheckpoint
from .cache import BoundedCache
from .errors import IntegrityError, NotFoundError, NotLoggedYetError, RefusedError
from .views import CheckpointView, LogKeyPeriod

T = TypeVar("T")
TILE_WIDTH = 256
LOG_STATE_SECONDS = 1.0
"""How stale ``TransparencyLog.state`` may be (appends by other processes show on scan pages within this)."""
LogState = tuple[int, int, int]  # (tree size, latest checkpoint size, its cosignatures)


def with_nodes(repo: LedgerRepository, compute: Callable[[SubtreeSource], T]) -> T:
    """Run a tree computation with the stored subtree hashes it needs, read in one query.

    The computation's shape depends only on sizes and indexes, never on hash values, so a dry
    run that records the subtrees asked for gives exactly the set to read."""
    wanted: set[tuple[int, int]] = set()

    def plan(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return bytes(HASH_SIZE)

    compute(plan)
    nodes = repo.log.nodes(wanted)
    missing = wanted - nodes.keys()
    if missing:
        raise IntegrityError(f"the log's tree is missing subtrees {sorted(missing)[:3]}")
    return compute(lambda level, index: nodes[(level, index)])


def tree_root(repo: LedgerRepository, size: int) -> bytes:
    return EMPTY_ROOT if size == 0 else with_nodes(repo, lambda node: range_hash(0, size, node))


class TransparencyLog:
    """Reads of the log over one store. ``checkpoint_seconds`` is how often the checkpointer signs while the
    log grows: what a read that needs a newer checkpoint tells its caller to wait."""

    def __init__(self, store: Store, *, checkpoint_seconds: float = 5.0, signed: bool = True) -> None:
        self.store = store
        self.checkpoint_seconds = checkpoint_seconds
        self.signed = signed  # whether this ledger has a log key, so that checkpoints will come
        self._state: BoundedCache[str, LogState] = BoundedCache(1, max_age=LOG_STATE_SECONDS)
        self._head_maps: BoundedCache[int, HeadMap] = BoundedCache(4)

    def changed(self) -> None:
        """This process changed the log (or what its state describes): the next ``state`` reads it again."""
        self._state.clear()

    def state(self, max_age: float = LOG_STATE_SECONDS) -> LogState:
        """``(tree size, latest checkpoint size, its cosignatures)``, for caches of what derives from them
        (scan pages, bundles): read from the database at most every ``max_age`` seconds, and again at once
        after this process changed anything. Another process's appends show within ``max_age``."""

        def read(repo: LedgerRepository) -> LogState:
            latest = repo.log.latest_checkpoint()
            return (repo.next_log_index(), latest.size if latest else 0, len(latest.cosignatures) if latest else 0)

        return self._state.get_or_make("log", lambda: self.store.read(read), max_age=max_age)

    def tree_size(self) -> int:
        return self.store.read(LedgerRepository.next_log_index)

    def head_map(self, repo: LedgerRepository, size: int) -> HeadMap:
        """Every lot's latest record among the first ``size`` leaves, as the checkpoint of ``size`` commits to it.

        Built from the current heads, looking back in the records only for lots that moved since;
        the maps of the last few sizes are kept, since bundles ask for the latest checkpoint's."""

        def build() -> HeadMap:
            current = repo.all_lot_heads()
            entries = [HeadEntry(lot, seq, head) for lot, seq, head, index in current if index < size]
            moved = [lot for lot, _, _, index in current if index >= size]
            entries += [HeadEntry(lot, seq, head) for lot, seq, head in repo.heads_before(moved, size)]
            return HeadMap(tuple(sorted(entries)))

        return self._head_maps.get_or_make(size, build)

    def signing_keys(self) -> list[LogKeyPeriod]:
        """Every key this log has signed checkpoints with, and when: each until the next took over."""
        rows = self.store.read(lambda repo: repo.log.keys())
        ends: list[str | None] = [valid_from for _, valid_from in rows[1:]] + ([None] if rows else [])
        return [
            LogKeyPeriod(VerifierKey.parse(vkey), valid_from, end)
            for (vkey, valid_from), end in zip(rows, ends, strict=True)
        ]

    def latest_checkpoint(self) -> CheckpointView:
        latest = self.store.read(lambda repo: repo.log.latest_checkpoint())
        if latest is None:
            raise NotFoundError("the log has published no checkpoint yet")
        return CheckpointView.of(latest)

    def checkpoint(self, size: int) -> CheckpointView:

        def read(repo: LedgerRepository) -> StoredCheckpoint:
            found = repo.log.checkpoint(size)
            if found is None:  # refused inside the read: a replica lacking it leaves it to the primary
                raise NotFoundError(f"the log has published no checkpoint of size {size}")
            return found

        return CheckpointView.of(self.store.read_published(read))

    def covering(self, latest: StoredCheckpoint | None, size: int, what: str) -> CheckpointView:
        """``latest`` (the latest checkpoint), if its tree holds at least ``size`` leaves; otherwise a refusal
        saying that ``what`` is not logged yet and when to ask again. Never signs one."""
        if latest is None or latest.size < size:
            raise self.not_logged_yet(what)
        return CheckpointView.of(latest)

    def not_logged_yet(self, what: str) -> Error:
        """The refusal of a read that needs a checkpoint covering ``what`` while none does yet (or, on a ledger
        without a log key, ever)."""
        if not self.signed:
            return RefusedError("", f"this ledger has no log key: {what} cannot be proven into a checkpoint")
        return NotLoggedYetError(
            f"{what} is recorded but not yet in a signed checkpoint (the log signs one within "
            f"{self.checkpoint_seconds:g} s while it grows); ask again then",
            retry_after=max(1, round(self.checkpoint_seconds)),
        )

    def tile(self, level: int, index: int, width: int | None) -> bytes:
        """C2SP tlog-tiles: tile ``index`` at tile ``level`` (256 hashes, or ``width`` for a partial
        tile), from the stored subtree hashes; only within the latest checkpoint's tree."""
        count = TILE_WIDTH if width is None else width
        start = index * TILE_WIDTH

        def read(repo: LedgerRepository) -> list[bytes]:
            latest = repo.log.latest_checkpoint()
            if latest is None or (start + count) * TILE_WIDTH**level > latest.size:
                raise NotFoundError("no such tile in the latest checkpoint's tree")
            return repo.log.node_range(8 * level, start, count)

        hashes = self.store.read_published(read)
        if len(hashes) != count:
            raise IntegrityError(f"the log's tree is missing hashes of tile {level}/{index}")
        return b"".join(hashes)

    def entry_bundle(self, index: int, width: int | None) -> bytes:
        """C2SP tlog-tiles entry bundle: the record bytes of 256 (or ``width``) leaves, each prefixed
        with its length as a big-endian uint16."""
        count = TILE_WIDTH if width is None else width
        start = index * TILE_WIDTH

        def read(repo: LedgerRepository) -> list[bytes]:
            latest = repo.log.latest_checkpoint()
            if latest is None or start + count > latest.size:
                raise NotFoundError("no such entry bundle in the latest checkpoint's tree")
            return repo.log.record_bytes_range(start, count)

        entries = self.store.read_published(read)
        if len(entries) != count or any(len(e) >= 1 << 16 for e in entries):
            raise IntegrityError(f"entry bundle {index} cannot be served")
        return b"".join(len(e).to_bytes(2, "big") + e for e in entries)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The proof that leaf ``index`` is in the tree of ``size`` leaves."""

        def read(repo: LedgerRepository) -> list[bytes]:
            if not 0 <= index < size <= repo.next_log_index():
                raise MalformedError(FieldProblem("/size", f"leaf {index} is not in a tree of size {size} of this log"))
            return with_nodes(repo, lambda node: inclusion_proof_from(index, size, node))

        return self.store.read_published(read)

    def checkpointed_inclusion(self, index: int) -> tuple[CheckpointView, list[bytes]]:
        """The latest checkpoint and the proof that leaf ``index`` is in its tree; refused while no
        checkpoint covers the leaf yet."""

        def read(repo: LedgerRepository) -> tuple[CheckpointView, list[bytes]]:
            checkpoint = self.covering(repo.log.latest_checkpoint(), index + 1, f"record {index}")
            return checkpoint, with_nodes(repo, lambda node: inclusion_proof_from(index, checkpoint.size, node))

        return self.store.read_published(read)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """The proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2`` leaves."""

        def read(repo: LedgerRepository) -> list[bytes]:
            if not 0 < size1 <= size2 <= repo.next_log_index():
                problem = FieldProblem("/from", f"no consistency proof from size {size1} to {size2} in this log")
                raise MalformedError(problem)
            return with_nodes(repo, lambda node: consistency_proof_from(size1, size2, node))

        return self.store.read_published(read)


__all__ = ["TILE_WIDTH", "TransparencyLog", "tree_root", "with_nodes"]
