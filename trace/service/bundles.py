"""A lot's offline proof bundle: its records and its ancestors', proven into the latest checkpoint."""

from __future__ import annotations

from ..chain.bundle import Bundle, BundleEntry
from ..chain.merkle import inclusion_proof_from
from ..store import LedgerRepository, Store
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
        with an inclusion proof into that checkpoint, the checkpoint with its cosignatures, the actors' keys
        and the lots' heads in the checkpoint's lot-heads map (see ``docs/FORMAT.md``). Records newer than
        the checkpoint are left for the next bundle; while none of the lot's own records is covered, the
        bundle is refused with when to ask again."""

        def read(repo: LedgerRepository) -> Bundle:
            latest = repo.latest_checkpoint()  # first: every record it covers is then read below
            every = lot_and_ancestors(repo, lot_id)
            first_own = min(s.log_index for s in every if s.lot_id == lot_id)
            checkpoint = self.log.covering(latest, first_own + 1, f"lot {lot_id}")
            stored = [s for s in every if s.log_index < checkpoint.size]
            proofs = with_nodes(
                repo, lambda node: [inclusion_proof_from(s.log_index, checkpoint.size, node) for s in stored]
            )
            head_map = self.log.head_map(repo, checkpoint.size)
            heads = {lot: head_map.proof(lot) for lot in sorted({s.lot_id for s in stored})}
            views = [RecordView.of(s) for s in stored]
            wanted = {(str(v.event["actor"]), str(v.event["key_id"])) for v in views}
            keys = [
                k for k in repo.actor_keys({actor for actor, _ in wanted}) if (k.key.name, k.key.key_id_hex) in wanted
            ]
            entries = tuple(
                BundleEntry(s.log_index, s.event_bytes, s.record_bytes, tuple(p))
                for s, p in zip(stored, proofs, strict=True)
            )
            return Bundle(lot_id, checkpoint.cosigned, entries, tuple(keys), heads)

        return self.store.read(read)
