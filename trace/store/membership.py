"""Membership rows: each organisation's folded membership (JSON) and each actor's organisation. Derived from
the membership events in the log, written by the appender under the append lock, rebuilt when missing."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from .tables import org_members, organisations


class MembershipRepository:
    """Reads and writes the derived membership tables on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def organisations(self, org_ids: Collection[str]) -> dict[str, str]:
        """``org id -> state`` (JSON text) of each named organisation that is registered."""
        if not org_ids:
            return {}
        query = select(organisations.c.org_id, organisations.c.state).where(
            organisations.c.org_id.in_(sorted(set(org_ids)))
        )
        return {str(org): str(state) for org, state in self.connection.execute(query)}

    def all_organisations(self) -> dict[str, str]:
        query = select(organisations.c.org_id, organisations.c.state).order_by(organisations.c.org_id)
        return {str(org): str(state) for org, state in self.connection.execute(query)}

    def count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(organisations)).scalar_one())

    def org_ids_of(self, actors: Collection[str]) -> dict[str, str]:
        """``actor -> org id`` of each named actor that is a member of an organisation."""
        if not actors:
            return {}
        query = select(org_members.c.actor, org_members.c.org_id).where(org_members.c.actor.in_(sorted(set(actors))))
        return {str(actor): str(org) for actor, org in self.connection.execute(query)}

    def put(self, states: Sequence[tuple[str, str]], members: Sequence[tuple[str, str]]) -> None:
        """Insert or replace ``(org id, state JSON)`` rows and ``(actor, org id)`` rows."""
        for table, key, value, rows in (
            (organisations, "org_id", "state", states),
            (org_members, "actor", "org_id", members),
        ):
            if not rows:
                continue
            dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
            upsert = dialect.insert(table)
            self.connection.execute(
                upsert.on_conflict_do_update(index_elements=[table.c[key]], set_={value: upsert.excluded[value]}),
                [{key: k, value: v} for k, v in rows],
            )
