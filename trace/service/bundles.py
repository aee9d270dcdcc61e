"""A lot's offline proof bundle: its records and its ancestors', and the membership records of everyone who
signed them, proven into the latest checkpoint."""

from __future__ import annotations

from ..chain.bundle import Bundle, BundleEntry
from ..chain.merkle import inclusion_proof_from
from ..events.membership import AGREEMENT_TYPES, org_lot
from ..store import LedgerRepository, Store, StoredRecord
from .log import TransparencyLog, with_nodes
from .records import lot_and_ancestors
from .views import RecordView


class Bundles:
    """Builds bundles from the signed checkpoints only: a read never signs one."""

    def __init__(self, store: Store, log: TransparencyLog) -> None:
        self.store = store
        self.log = log

    def bundle(self, lot_id: str) -> Bundle:
        """The lot's proof bundle: its records and all its ancestors' that the latest checkpoint covers, each
        with an inclusion proof into that checkpoint, the whole membership chain of every organisation whose
        actors signed any of them (or of those membership records, or that a sample names as its lab, or an
        agreement as its cooperative), the
        checkpoint with its cosignatures and the lots' heads in the checkpoint's lot-heads map (see
        ``docs/FORMAT.md`` §7). Records newer than
        the checkpoint are left for the next bundle; while none of the lot's own records is covered, the
        bundle is refused with when to ask again. Built at the primary's latest checkpoint, even when a replica
        reads it (one that has not replayed that checkpoint leaves the bundle to the primary)."""

        published = self.store.read(lambda repo: repo.log.latest_checkpoint())  # the primary's: never older

        def read(repo: LedgerRepository) -> Bundle:
            latest = repo.log.checkpoint(published.size) if published is not None else None
            if published is not None and latest is None:  # a replica that has not replayed it: the primary's
                raise self.log.not_logged_yet(f"checkpoint {published.size}")
            every = lot_and_ancestors(repo, lot_id)
            first_own = min(s.log_index for s in every if s.lot_id == lot_id)
            checkpoint = self.log.covering(latest, first_own + 1, f"lot {lot_id}")
            stored = [s for s in every if s.log_index < checkpoint.size]
            members = _membership_of(repo, stored, checkpoint.size)
            stored = sorted({s.log_index: s for s in stored + members}.values(), key=lambda s: s.log_index)
            proofs = with_nodes(
                repo, lambda node: [inclusion_proof_from(s.log_index, checkpoint.size, node) for s in stored]
            )
            head_map = self.log.head_map(repo, checkpoint.size)
            heads = {lot: head_map.proof(lot) for lot in sorted({s.lot_id for s in stored})}
            entries = tuple(
                BundleEntry(s.log_index, s.event_bytes, s.record_bytes, tuple(p))
                for s, p in zip(stored, proofs, strict=True)
            )
            return Bundle(lot_id, checkpoint.cosigned, entries, heads)

        return self.store.read_published(read)


def _membership_of(repo: LedgerRepository, records: list[StoredRecord], size: int) -> list[StoredRecord]:
    """The membership records (before ``size``) of every organisation the records' signers belong to, or that
    a sample among them names as its lab or an agreement as its cooperative; and, again, of the signers of those,
    until no new one appears."""
    orgs: set[str] = set()
    found: list[StoredRecord] = []
    todo = records
    while todo:
        events = [RecordView.of(s).event for s in todo]
        actors = {str(e["actor"]) for e in events}
        named = {str(e["payload"]["lab"]) for e in events if e["type"] == "sample" and "lab" in e["payload"]}
        named |= {str(e["payload"]["cooperative"]) for e in events if e["type"] in AGREEMENT_TYPES}
        new = (set(repo.membership.org_ids_of(actors).values()) | named) - orgs
        orgs |= new
        todo = [s for s in repo.lot_records([org_lot(o) for o in sorted(new)]) if s.log_index < size]
        found += todo
    return found
