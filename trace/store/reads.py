"""The reads repository: who recorded on, held or made which lots (for ``events.visibility``), and the read
audit trail,
over the unit of work's connection (the same transaction as :class:`LedgerRepository`'s, see
:meth:`ReadsRepository.of`).

``read_audit`` is not ledger data: the use cases write it with ``append_lock=False``. The caller owns the
transaction; this class never commits.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from .repository import LedgerRepository
from .tables import org_members, read_audit, records

CHUNK = 500


@dataclass(frozen=True)
class ReadRow:
    """One audited read."""

    id: int
    read_at: str
    actor: str
    org_id: str
    credential: str
    endpoint: str
    what: str
    lot_id: str | None
    event_ids: tuple[str, ...]


def _chunks(items: Collection[str]) -> Iterator[Sequence[str]]:
    ordered = sorted(set(items))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


class ReadsRepository:
    """Reads recorders of lots and writes and reads ``read_audit`` rows on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @classmethod
    def of(cls, unit: LedgerRepository) -> ReadsRepository:
        """The reads repository over the same connection (and so the same transaction) as ``unit``."""
        return cls(unit.connection)

    def recorders(self, lots: Collection[str]) -> dict[str, set[str | None]]:
        """``lot -> organisations`` that recorded any of its records, as membership stands now (None for a
        signer of no organisation), for each named lot that has records."""
        found: dict[str, set[str | None]] = {}
        for chunk in _chunks(lots):
            query = (
                select(records.c.lot_id, org_members.c.org_id)
                .select_from(records.outerjoin(org_members, org_members.c.actor == records.c.actor))
                .where(records.c.lot_id.in_(chunk))
                .distinct()
            )
            for lot, org in self.connection.execute(query):
                found.setdefault(str(lot), set()).add(None if org is None else str(org))
        return found

    def holders(self, lot_id: str, types: Collection[str]) -> set[str | None]:
        """The organisations (as membership stands now; None for a signer of no organisation) that recorded an
        event of one of ``types`` on ``lot_id``."""
        query = (
            select(org_members.c.org_id)
            .select_from(records.outerjoin(org_members, org_members.c.actor == records.c.actor))
            .where(records.c.lot_id == lot_id, records.c.type.in_(sorted(types)))
            .distinct()
        )
        return {None if org is None else str(org) for (org,) in self.connection.execute(query)}

    def makers(self, lots: Collection[str], types: Collection[str]) -> dict[str, str]:
        """``lot -> organisation`` (as membership stands now) that made each named lot, for the lots whose first
        record is of one of ``types`` and whose maker belongs to an organisation."""
        found: dict[str, str] = {}
        for chunk in _chunks(lots):
            query = (
                select(records.c.lot_id, org_members.c.org_id)
                .select_from(records.join(org_members, org_members.c.actor == records.c.actor))
                .where(records.c.lot_id.in_(chunk), records.c.seq == 1, records.c.type.in_(sorted(types)))
            )
            found.update({str(lot): str(org) for lot, org in self.connection.execute(query)})
        return found

    def event_ids_at(self, log_indexes: Collection[int]) -> dict[int, str]:
        """``log index -> event id`` of the records at the named log positions."""
        found: dict[int, str] = {}
        ordered = sorted(set(log_indexes))
        for start in range(0, len(ordered), CHUNK):
            query = select(records.c.log_index, records.c.event_id).where(
                records.c.log_index.in_(ordered[start : start + CHUNK])
            )
            found.update({int(index): str(event) for index, event in self.connection.execute(query)})
        return found

    def add_read(
        self,
        read_at: str,
        actor: str,
        org_id: str,
        credential: str,
        endpoint: str,
        what: str,
        lot_id: str | None,
        event_ids: Sequence[str],
    ) -> None:
        self.connection.execute(
            read_audit.insert(),
            {
                "read_at": read_at,
                "actor": actor,
                "org_id": org_id,
                "credential": credential,
                "endpoint": endpoint,
                "what": what,
                "lot_id": lot_id,
                "event_ids": json.dumps(list(event_ids), ensure_ascii=False),
            },
        )

    def reads(
        self,
        *,
        actor: str | None = None,
        lot_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[ReadRow]:
        """Audited reads in the order they were written (after the row ``after``), at most ``limit``; by
        ``actor``, ``lot_id`` and ``since <= read_at < until`` (fixed-width RFC 3339: text order)."""
        query = select(read_audit).where(read_audit.c.id > after).order_by(read_audit.c.id).limit(limit)
        if actor is not None:
            query = query.where(read_audit.c.actor == actor)
        if lot_id is not None:
            query = query.where(read_audit.c.lot_id == lot_id)
        if since is not None:
            query = query.where(read_audit.c.read_at >= since)
        if until is not None:
            query = query.where(read_audit.c.read_at < until)
        return [
            ReadRow(
                int(r.id),
                r.read_at,
                r.actor,
                r.org_id,
                r.credential,
                r.endpoint,
                r.what,
                r.lot_id,
                tuple(json.loads(r.event_ids)),
            )
            for r in self.connection.execute(query)
        ]
