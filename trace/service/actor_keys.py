"""Actor keys as signature checks read them: derived from the membership events (``membership``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..chain.keys import ActorKey, VerifierKey
from ..store import LedgerRepository, Store
from .cache import BoundedCache
from .log import TransparencyLog

PUBLIC_KEYS_CACHED = 100_000


class ActorKeys:
    """The actors' keys over one store; public keys once read are kept (they never change), validity is
    always read in the transaction that relies on it."""

    def __init__(self, store: Store, log: TransparencyLog, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.log = log
        self.clock = clock
        self._public: BoundedCache[tuple[str, str], VerifierKey] = BoundedCache(PUBLIC_KEYS_CACHED)

    def all(self, actors: Sequence[str] | None = None) -> list[ActorKey]:
        """Every registered key (of the named actors), with its validity and revocation."""
        return self.store.read(lambda repo: repo.keys.all(actors))

    def public_key(self, repo: LedgerRepository, actor: str, key_id: str) -> VerifierKey | None:
        """The public key, for checking signatures before the append lock; validity is checked under it."""
        key = self._public.get((actor, key_id))
        if key is None:
            found = repo.keys.get(actor, key_id)
            if found is not None:  # public keys never change, so a found one can be kept
                key = self._public.put((actor, key_id), found.key)
        return key
