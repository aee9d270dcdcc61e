"""The complaints repository: consumers' complaints from the scan page, over the unit of work's connection.

Not ledger data: written with ``append_lock=False``. The caller owns the transaction; this class never commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from .repository import LedgerRepository
from .tables import complaints


@dataclass(frozen=True)
class StoredComplaint:
    """One complaint as stored (the visitor hash stays in the store)."""

    id: int
    received_at: str
    lot_id: str
    gtin: str | None
    serial: str | None
    category: str
    text: str


class ComplaintsRepository:
    """Writes complaints and reads them back, and their counts, on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @classmethod
    def of(cls, unit: LedgerRepository) -> ComplaintsRepository:
        return cls(unit.connection)

    def add(
        self,
        received_at: str,
        lot_id: str,
        gtin: str | None,
        serial: str | None,
        category: str,
        text: str,
        visitor: str | None,
    ) -> int:
        row = {
            "received_at": received_at,
            "lot_id": lot_id,
            "gtin": gtin,
            "serial": serial,
            "category": category,
            "text": text,
            "visitor": visitor,
        }
        key = self.connection.execute(complaints.insert(), row).inserted_primary_key
        if key is None:  # pragma: no cover - an insert of one row always has one
            raise RuntimeError("no id for the complaint inserted")
        return int(key[0])

    def counts(self, lot_id: str) -> dict[str, int]:
        """``category -> how many`` complaints name the lot."""
        query = (
            select(complaints.c.category, func.count())
            .where(complaints.c.lot_id == lot_id)
            .group_by(complaints.c.category)
        )
        return {str(category): int(n) for category, n in self.connection.execute(query)}

    def of_lots(self, lots: Collection[str], *, after: int = 0, limit: int = 100) -> list[StoredComplaint]:
        """The complaints naming any of ``lots``, oldest first, after the row ``after``, at most ``limit``."""
        query = (
            select(complaints)
            .where(complaints.c.lot_id.in_(sorted(set(lots))), complaints.c.id > after)
            .order_by(complaints.c.id)
            .limit(limit)
        )
        return [
            StoredComplaint(int(r.id), r.received_at, r.lot_id, r.gtin, r.serial, r.category, r.text)
            for r in self.connection.execute(query)
        ]
