"""Actor keys: registering an actor's verifier key, revoking it, listing them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..chain.errors import FieldProblem, MalformedError
from ..chain.keys import ALG_ED25519, ActorKey, VerifierKey
from ..chain.times import format_utc, parse_utc
from ..store import LedgerRepository, Store
from .cache import BoundedCache
from .errors import ConflictError, NotFoundError
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

    def register(self, key: VerifierKey, *, valid_until: str | None = None) -> bool:
        """Register an actor's verifier key, valid from now (until ``valid_until``, if given);
        True if new, False if already registered."""
        if key.alg != ALG_ED25519:
            raise MalformedError(FieldProblem("/key", "an actor key must be an Ed25519 (type 0x01) verifier key"))
        now = format_utc(self.clock())
        if valid_until is not None:
            try:
                end = format_utc(parse_utc(valid_until))
            except ValueError as exc:
                raise MalformedError(FieldProblem("/valid_until", str(exc))) from None
            if end <= now:
                raise MalformedError(FieldProblem("/valid_until", f"{valid_until} is not in the future"))
            valid_until = end

        def add(repo: LedgerRepository) -> bool:
            known = repo.actor_key(key.name, key.key_id_hex)
            if known is not None:
                if known.key != key:
                    raise ConflictError("/key", f"key id {key.name}/{key.key_id_hex} is taken by another key")
                return False
            repo.add_actor_key(key, now, valid_until)
            return True

        try:
            return self.store.write(add)
        finally:
            self.log.changed()

    def revoke(self, actor: str, key_id: str, reason: str) -> ActorKey:
        """Revoke an actor's key from now on: it signs no new event; what it signed before stays verifiable."""
        if not reason.strip():
            raise MalformedError(FieldProblem("/reason", "say why the key is revoked"))

        def revoke(repo: LedgerRepository) -> ActorKey:  # under the append lock: no event sealed with it after
            known = repo.actor_key(actor, key_id)
            if known is None:
                raise NotFoundError(f"actor {actor!r} has no key {key_id}")
            if known.revoked_at is not None:
                raise ConflictError("/key_id", f"key {actor}/{key_id} was already revoked at {known.revoked_at}")
            repo.add_revocation(actor, key_id, format_utc(self.clock()), reason.strip())
            revoked = repo.actor_key(actor, key_id)
            assert revoked is not None  # noqa: S101 - just written under the same lock
            return revoked

        try:
            return self.store.write(revoke)
        finally:
            self.log.changed()

    def all(self, actors: Sequence[str] | None = None) -> list[ActorKey]:
        """Every registered key (of the named actors), with its validity and revocation."""
        return self.store.read(lambda repo: repo.actor_keys(actors))

    def public_key(self, repo: LedgerRepository, actor: str, key_id: str) -> VerifierKey | None:
        """The public key, for checking signatures before the append lock; validity is checked under it."""
        key = self._public.get((actor, key_id))
        if key is None:
            found = repo.actor_key(actor, key_id)
            if found is not None:  # public keys never change, so a found one can be kept
                key = self._public.put((actor, key_id), found.key)
        return key
