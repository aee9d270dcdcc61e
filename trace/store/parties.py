"""Lot party rows: whom each lot concerns, by party and relation (``events.parties``). Derived from the lot
states, written by the appender beside them under the append lock, rebuilt with them."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, delete, func, select

from .tables import lot_parties

_CHUNK = 500


class LotPartyRepository:
    """Reads and writes lot party rows on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def put(self, lots: Sequence[tuple[str, Collection[tuple[str, str]]]]) -> None:
        """Replace the rows of each ``(lot, {(party, relation), ...})``."""
        ids = [lot for lot, _ in lots]
        for start in range(0, len(ids), _CHUNK):
            self.connection.execute(delete(lot_parties).where(lot_parties.c.lot_id.in_(ids[start : start + _CHUNK])))
        rows = [
            {"party": party, "relation": relation, "lot_id": lot}
            for lot, found in lots
            for party, relation in sorted(found)
        ]
        if rows:
            self.connection.execute(lot_parties.insert(), rows)

    def lots_of(self, party: str) -> dict[str, set[str]]:
        """``lot -> {relation, ...}`` of every lot that concerns ``party``."""
        query = select(lot_parties.c.lot_id, lot_parties.c.relation).where(lot_parties.c.party == party)
        found: dict[str, set[str]] = {}
        for lot, relation in self.connection.execute(query):
            found.setdefault(str(lot), set()).add(str(relation))
        return found

    def relations(self, lot_id: str, party: str) -> set[str]:
        """How ``lot_id`` concerns ``party`` (empty: not at all)."""
        query = select(lot_parties.c.relation).where(lot_parties.c.lot_id == lot_id, lot_parties.c.party == party)
        return {str(relation) for (relation,) in self.connection.execute(query)}

    def count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(lot_parties)).scalar_one())
