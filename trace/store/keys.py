"""Actor key rows: each actor's registered public keys with their validity, and key revocations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from ..chain.keys import ActorKey, VerifierKey
from .rows import blob
from .tables import actor_keys, key_revocations


class ActorKeyRepository:
    """Reads and writes actor keys and revocations on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _query(self) -> Any:
        return (
            select(
                actor_keys.c.actor,
                actor_keys.c.public_key,
                actor_keys.c.registered_at,
                actor_keys.c.valid_until,
                key_revocations.c.revoked_at,
            )
            .select_from(
                actor_keys.outerjoin(
                    key_revocations,
                    (key_revocations.c.actor == actor_keys.c.actor) & (key_revocations.c.key_id == actor_keys.c.key_id),
                )
            )
            .order_by(actor_keys.c.actor, actor_keys.c.key_id)
        )

    @staticmethod
    def _key(row: Any) -> ActorKey:
        return ActorKey(
            VerifierKey(row.actor, blob(row.public_key)), row.registered_at, row.valid_until, row.revoked_at
        )

    def get(self, actor: str, key_id: str) -> ActorKey | None:
        query = self._query().where((actor_keys.c.actor == actor) & (actor_keys.c.key_id == key_id))
        row = self.connection.execute(query).first()
        return self._key(row) if row else None

    def add(self, key: VerifierKey, registered_at: str, valid_until: str | None = None) -> None:
        self.connection.execute(
            actor_keys.insert().values(
                actor=key.name,
                key_id=key.key_id_hex,
                public_key=key.public_key,
                registered_at=registered_at,
                valid_until=valid_until,
            )
        )

    def all(self, actors: Iterable[str] | None = None) -> list[ActorKey]:
        query = self._query()
        if actors is not None:
            query = query.where(actor_keys.c.actor.in_(sorted(set(actors))))
        return [self._key(row) for row in self.connection.execute(query)]

    def revoke(self, actor: str, key_id: str, revoked_at: str, reason: str) -> None:
        self.connection.execute(
            key_revocations.insert().values(actor=actor, key_id=key_id, revoked_at=revoked_at, reason=reason)
        )
