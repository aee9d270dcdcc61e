"""The checkpointer: the one use case that signs the log's checkpoints, and the log key it signs with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..chain.errors import VerificationError
from ..chain.keys import SignerKey, VerifierKey
from ..chain.merkle import consistency_proof_from, verify_consistency
from ..chain.note import Checkpoint, Note, sign_note
from ..chain.times import format_utc
from ..store import LedgerRepository, Store
from .errors import IntegrityError, RefusedError
from .log import TransparencyLog, tree_root, with_nodes
from .views import CheckpointView


class Checkpointer:
    """Signs checkpoints of the whole tree with ``signer``: on demand, on a timer while serving, and after
    appends once ``every`` records are not covered yet."""

    def __init__(
        self,
        store: Store,
        log: TransparencyLog,
        signer: SignerKey | None,
        *,
        clock: Callable[[], datetime],
        every: int = 1000,
    ) -> None:
        self.store = store
        self.log = log
        self.signer = signer
        self.clock = clock
        self.every = every
        self._checkpointed: int | None = None  # size of the latest checkpoint this process knows of

    def publish(self) -> CheckpointView:
        """Sign a checkpoint of the whole tree now (or return the latest if the tree has not grown).

        Before signing, the new root is checked against the latest checkpoint with a consistency
        proof, so this log never signs two inconsistent checkpoints."""
        signer = self.signer
        if signer is None:
            raise RefusedError("", "this ledger has no log key: it cannot sign checkpoints")

        def sign(repo: LedgerRepository) -> CheckpointView:
            size = repo.next_log_index()
            latest = repo.log.latest_checkpoint()
            if latest is not None and latest.size == size:
                return CheckpointView.of(latest)
            root = tree_root(repo, size)
            if latest is not None and latest.size > 0:
                proof = with_nodes(repo, lambda node: consistency_proof_from(latest.size, size, node))
                try:
                    verify_consistency(latest.size, size, proof, latest.root, root)
                except VerificationError as exc:
                    raise IntegrityError(f"refusing to sign an inconsistent checkpoint: {exc}") from None
            head_map = self.log.head_map(repo, size)
            text = Checkpoint(signer.name, size, root, (head_map.extension_line(),)).text()
            note = Note(text, (sign_note(text, signer),)).to_text()
            created_at = format_utc(self.clock())
            repo.log.add_checkpoint(size, root, note, created_at)
            return CheckpointView(size, root, note, created_at)

        try:
            checkpoint = self.store.write(sign)
        finally:
            self.log.changed()
        self._checkpointed = checkpoint.size
        return checkpoint

    def after_append(self, tree_size: int) -> None:
        """Publish a checkpoint if ``every`` records or more are not covered by one yet."""
        if self.signer is None:
            return
        if self._checkpointed is None:
            latest = self.store.read(lambda repo: repo.log.latest_checkpoint())
            self._checkpointed = latest.size if latest else 0
        if tree_size - self._checkpointed >= self.every:
            self.publish()

    def adopt_log_key(self) -> None:
        """Record the configured log key as the current one, if it is new; refuse a retired key."""
        signer = self.signer
        if signer is None:
            return
        current = signer.verifier()

        def adopt(repo: LedgerRepository) -> None:
            known = repo.log.keys()
            ids = [VerifierKey.parse(vkey).key_id_hex for vkey, _ in known]
            if current.key_id_hex in ids[:-1]:
                retired_at = known[ids.index(current.key_id_hex) + 1][1]
                raise RefusedError("", f"log key {current.key_id_hex} was retired at {retired_at}; use the current one")
            if not ids or ids[-1] != current.key_id_hex:
                repo.log.add_key(current, format_utc(self.clock()))

        self.store.write(adopt)
        self.log.changed()
