"""The rows a ledger archive copies (docs/FORMAT.md §9): every durable table that is not rebuilt from the
records, read in key order and inserted as read, and whether a database holds any ledger at all.

Records themselves go through :meth:`LedgerRepository.insert` (their other columns follow from their bytes);
the derived tables (lot heads, the log's tree, lot states and parties, membership, the EPCIS index) are
rebuilt by the service from the records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, LargeBinary, Table, func, select

from .tables import (
    actor_keys,
    checkpoints,
    cosignatures,
    findings,
    key_revocations,
    log_keys,
    monitor_reports,
    records,
)

# in the order an archive holds them: what the records need to verify before them, what refers to them after
COPIED_BEFORE_RECORDS: tuple[Table, ...] = (log_keys, actor_keys, key_revocations, checkpoints, cosignatures)
COPIED_AFTER_RECORDS: tuple[Table, ...] = (findings, monitor_reports)
COPIED = {t.name: t for t in COPIED_BEFORE_RECORDS + COPIED_AFTER_RECORDS}
# columns an archive leaves out: a serial id the target database numbers itself (rows are kept in id order)
_LEFT_OUT = {"monitor_reports": {"id"}}
# the tables whose rows say a database already holds a ledger (derived ones follow from these)
_HOLDING = (records, actor_keys, log_keys, checkpoints)
_PAGE = 2000


def copied_columns(table: str) -> list[str]:
    """The columns of ``table`` an archive holds, in table order."""
    left_out = _LEFT_OUT.get(table, set())
    return [c.name for c in COPIED[table].columns if c.name not in left_out]


def binary_columns(table: str) -> set[str]:
    """The columns of ``table`` that hold bytes (an archive writes them in base64)."""
    return {c.name for c in COPIED[table].columns if isinstance(c.type, LargeBinary)}


class ArchiveRepository:
    """Reads and inserts the copied tables' rows on ``connection``; never commits."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def rows_held(self) -> dict[str, int]:
        """``table -> row count`` of each table that says a ledger is stored here, those with rows only."""
        held = {}
        for table in _HOLDING:
            count = int(self.connection.execute(select(func.count()).select_from(table)).scalar() or 0)
            if count:
                held[table.name] = count
        return held

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of a copied table (its archived columns), in primary-key order, a page at a time."""
        t = COPIED[table]
        names = copied_columns(table)
        order = list(t.primary_key.columns)
        offset = 0
        while True:
            query = select(*(t.c[n] for n in names)).order_by(*order).limit(_PAGE).offset(offset)
            page = [dict(zip(names, row, strict=True)) for row in self.connection.execute(query)]
            yield from page
            if len(page) < _PAGE:
                return
            offset += _PAGE

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows of a copied table as they were archived."""
        if rows:
            self.connection.execute(COPIED[table].insert(), list(rows))
