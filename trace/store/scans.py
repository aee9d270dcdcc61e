"""Scan rows: one row per scan of a label (or place report), and the tallies and visitors read from them. Not
ledger data: written outside the append lock, never part of a record."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, case, func, select

from .tables import scans


class ScanRepository:
    """Reads and writes scan rows on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, rows: Sequence[tuple[str, str, str | None, str, str | None, int | None, bool, str | None]]) -> None:
        """Insert ``(gtin, lot, serial, scanned_at, city, place_id, counted, visitor)`` rows."""
        self.connection.execute(
            scans.insert(),
            [
                {
                    "gtin": g,
                    "lot_id": lot,
                    "serial": s,
                    "scanned_at": at,
                    "city": c,
                    "place_id": place,
                    "counted": counted,
                    "visitor": visitor,
                }
                for g, lot, s, at, c, place, counted, visitor in rows
            ],
        )

    def tallies(
        self, gtin: str | None = None, lot_id: str | None = None, serial: str | None = None, *, one: bool = False
    ) -> dict[tuple[str, str, str | None], list[tuple[str | None, int | None, int, str, str]]]:
        """``(gtin, lot, serial) -> [(city, place_id, scans, first, last), ...]``: each label's scans (place
        reports count no scan but name a city), per city (None for scans without one), of one label
        (``one``) or of every label, or every label of a lot."""
        query = select(
            scans.c.gtin,
            scans.c.lot_id,
            scans.c.serial,
            scans.c.city,
            scans.c.place_id,
            func.sum(case((scans.c.counted, 1), else_=0)),
            func.min(scans.c.scanned_at),
            func.max(scans.c.scanned_at),
        ).group_by(scans.c.gtin, scans.c.lot_id, scans.c.serial, scans.c.city, scans.c.place_id)
        if lot_id is not None:
            query = query.where(scans.c.lot_id == lot_id)
        if one:
            query = query.where((scans.c.gtin == gtin) & (scans.c.lot_id == lot_id))
            query = query.where(scans.c.serial.is_(None) if serial is None else scans.c.serial == serial)
        found: dict[tuple[str, str, str | None], list[tuple[str | None, int | None, int, str, str]]] = {}
        for g, lot, s, city, place, count, first, last in self.connection.execute(query):
            found.setdefault((g, lot, s), []).append((city, place, int(count), str(first), str(last)))
        return found

    def visitors(self, gtin: str, lot_id: str, serial: str | None, *, since: str) -> dict[str, str | None]:
        """One label's visitors since ``since`` (RFC 3339 UTC), each with a city it told (None if none)."""
        query = (
            select(scans.c.visitor, func.max(scans.c.city))
            .where((scans.c.gtin == gtin) & (scans.c.lot_id == lot_id) & (scans.c.scanned_at >= since))
            .where(scans.c.serial.is_(None) if serial is None else scans.c.serial == serial)
            .where(scans.c.visitor.is_not(None))
            .group_by(scans.c.visitor)
        )
        return {str(visitor): city for visitor, city in self.connection.execute(query)}
