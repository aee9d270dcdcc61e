"""The records checked against the transparency log: the whole ledger streamed through ``chain.ledger``, or
one lot's records by inclusion proofs into the latest checkpoint and its head against that checkpoint's
lot-heads map (without rebuilding the whole tree)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from ..chain.errors import Break, Error, VerificationError
from ..chain.keys import VerifierKey
from ..chain.ledger import (
    LedgerReport,
    LedgerVerifier,
    LoggedCheckpoint,
    ProblemList,
    b64,
    checkpoint_problem,
    open_logged,
)
from ..chain.lotheads import parse_extension
from ..chain.merkle import inclusion_proof_from, leaf_hash, verify_inclusion
from ..chain.records import sha256_hex
from ..chain.verify import KeyLookup, StoredEntry
from ..store import LedgerRepository, StoredRecord
from .errors import IntegrityError
from .log import TransparencyLog, with_nodes
from .signature_workers import SignatureWorkers


def _checkpoints(repo: LedgerRepository) -> Iterator[LoggedCheckpoint]:
    """Every stored checkpoint, smallest tree first, read a page at a time."""
    size = -1
    while True:
        page = repo.log.checkpoints_after(size)
        yield from (LoggedCheckpoint(c.size, c.root, c.note) for c in page)
        if not page:
            return
        size = page[-1].size


def _with_leaves(repo: LedgerRepository) -> Iterator[tuple[StoredEntry, bytes]]:
    """Every record in log order, streamed a batch at a time, with the leaf hash the log stored for it."""
    for batch in repo.record_batches():
        leaves = repo.log.leaf_hashes(batch[0].log_index, batch[-1].log_index + 1)
        for record in batch:
            yield record.entry(), leaves.get(record.log_index, b"")


def whole_ledger(
    repo: LedgerRepository,
    log: TransparencyLog,
    keys: KeyLookup,
    log_keys: Sequence[VerifierKey],
    workers: SignatureWorkers | None = None,
) -> LedgerReport:
    """Every record in log order through :class:`LedgerVerifier`, with the leaf hashes the log stored for
    them and the latest checkpoint's lot-heads map as the store's lot heads give it (to name the lots that
    moved); then the witnesses' cosignatures of checkpoints that are no longer stored. With ``workers``, each
    record's checks that need no other record (its signature above all) run in their processes."""
    latest = repo.log.latest_checkpoint()
    stored_map = (latest.size, log.head_map(repo, latest.size)) if latest is not None else None
    verifier = LedgerVerifier(keys, log_keys, _checkpoints(repo), stored_map=stored_map)
    if workers is None:
        for entry, leaf in _with_leaves(repo):
            verifier.feed(entry, leaf)
    else:
        for entry, leaf, alone in workers.checked(_with_leaves(repo)):
            verifier.feed(entry, leaf, alone)
    for problem in orphaned_checkpoints(repo):
        verifier.add(problem)
    return verifier.finish()


def orphaned_checkpoints(repo: LedgerRepository) -> list[Break]:
    """A problem for each checkpoint a witness cosigned that is no longer stored (deleted, or rolled back)."""
    return [
        checkpoint_problem(size, "stored", f"the checkpoint witness {witness} cosigned", "no such checkpoint")
        for size, witness in repo.log.orphaned_cosignatures()
    ]


def lot_in_log(
    repo: LedgerRepository,
    log: TransparencyLog,
    stored: Sequence[StoredRecord],
    lots: Collection[str],
    log_keys: Sequence[VerifierKey],
    problems: ProblemList,
) -> int:
    """Check ``stored`` (the records of ``lots``, in log order) against the latest checkpoint: its signature,
    each record's inclusion proof at its log index, and each lot's latest record before the checkpoint against
    the checkpoint's lot-heads map. Adds what it finds to ``problems``; returns the checkpoints checked."""
    for problem in orphaned_checkpoints(repo):
        problems.add(problem)
    latest = repo.log.latest_checkpoint()
    if latest is None:
        return 0
    signed = open_logged(LoggedCheckpoint(latest.size, latest.root, latest.note), log_keys, problems)
    if signed is None:
        return 1
    size, root, extensions = signed
    held = repo.next_log_index()
    if held < size:
        problems.add(
            checkpoint_problem(size, "records", f"{size} records", f"{held} stored (the newest records deleted?)")
        )
    covered = [s for s in stored if s.log_index < size]
    _included(repo, covered, size, root, problems)
    try:
        claimed = parse_extension(extensions)
    except Error as exc:
        problems.add(checkpoint_problem(size, "lot-heads line", "a lot-heads line", exc.diagnostics()))
        return 1
    heads = log.head_map(repo, size)
    if claimed is not None and claimed != (len(heads.entries), heads.root()):
        problems.add(
            checkpoint_problem(
                size,
                "lot-heads map",
                f"the signed map of {claimed[0]} lots, root {b64(claimed[1])}",
                f"{len(heads.entries)} lots, root {b64(heads.root())} from the stored lot heads",
            )
        )
    entries = {e.lot: e for e in heads.entries}
    latest_of = {s.lot_id: s for s in covered}  # in log order: each lot's last record wins
    for lot in sorted(lots):
        entry, mine = entries.get(lot), latest_of.get(lot)
        if entry is None and mine is None:
            continue
        signed_head = (entry.seq, entry.head) if entry else None
        stored_head = (mine.seq, sha256_hex(mine.record_bytes)) if mine else None
        if signed_head != stored_head:
            expected = f"record #{entry.seq} {entry.head}, as checkpoint {size}'s lot-heads map says" if entry else ""
            found = f"record #{mine.seq} {stored_head and stored_head[1]} stored" if mine else "no record stored"
            problems.add(
                Break(None, None, lot, "latest record", expected or "no record (the lot-heads map has none)", found)
            )
    return 1


def _included(
    repo: LedgerRepository, covered: Sequence[StoredRecord], size: int, root: bytes, problems: ProblemList
) -> None:
    """Each record's inclusion proof, from the stored tree, against the checkpoint's signed root."""
    if not covered:
        return
    try:
        proofs = with_nodes(repo, lambda node: [inclusion_proof_from(s.log_index, size, node) for s in covered])
    except IntegrityError as exc:
        problems.add(checkpoint_problem(size, "log tree", "every subtree hash of its tree", exc.diagnostics()))
        return
    for record, proof in zip(covered, proofs, strict=True):
        try:
            verify_inclusion(leaf_hash(record.record_bytes), record.log_index, size, proof, root)
        except VerificationError as exc:
            problems.add(
                Break(
                    record.log_index,
                    record.event_id,
                    record.lot_id,
                    "log inclusion",
                    f"the record at log index {record.log_index} of checkpoint {size}'s tree",
                    exc.diagnostics(),
                )
            )


__all__ = ["lot_in_log", "whole_ledger"]
