"""The transparency log's rows: the tree's complete-subtree hashes, the leaves' record bytes by index,
checkpoints with their cosignatures, and the keys the log has signed with."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from ..chain.keys import VerifierKey
from .rows import StoredCheckpoint, blob, bulk_insert
from .tables import checkpoints, cosignatures, log_keys, log_nodes, monitor_reports, records


class LogRepository:
    """Reads and writes the log's rows on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def nodes(self, keys: Collection[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Stored complete-subtree hashes by ``(level, index)``; missing ones are absent.

        This is every proof's only read, so it goes straight to the driver with one statement
        phrased per level (``level = ? AND idx IN (...)`` joined by OR), which both engines answer
        from the primary key index (a row-value IN list is a table scan on SQLite)."""
        by_level: dict[int, list[int]] = {}
        for level, index in keys:
            by_level.setdefault(level, []).append(index)
        if not by_level:
            return {}
        mark = "%s" if self.connection.dialect.name == "postgresql" else "?"
        terms, params = [], []
        for level, indexes in sorted(by_level.items()):
            terms.append(f"(level = {mark} AND idx IN ({', '.join(mark for _ in indexes)}))")
            params += [level, *indexes]
        sql = f"SELECT level, idx, hash FROM {log_nodes.name} WHERE {' OR '.join(terms)}"  # noqa: S608 - only placeholders
        driver = self.connection.connection.driver_connection
        assert driver is not None  # noqa: S101 - an open connection always has one
        cursor = driver.cursor()
        try:
            cursor.execute(sql, params)
            return {(level, index): blob(value) for level, index, value in cursor.fetchall()}
        finally:
            cursor.close()

    def node_range(self, level: int, start: int, count: int) -> list[bytes]:
        """The stored hashes of ``count`` consecutive complete subtrees at ``level`` from index ``start``."""
        query = (
            select(log_nodes.c.hash)
            .where((log_nodes.c.level == level) & (log_nodes.c.idx >= start) & (log_nodes.c.idx < start + count))
            .order_by(log_nodes.c.idx)
        )
        return [blob(value) for value in self.connection.execute(query).scalars()]

    def record_bytes_range(self, start: int, count: int) -> list[bytes]:
        """The record bytes of leaves ``start`` .. ``start + count - 1``, in order."""
        query = (
            select(records.c.record_bytes)
            .where((records.c.log_index >= start) & (records.c.log_index < start + count))
            .order_by(records.c.log_index)
        )
        return [blob(value) for value in self.connection.execute(query).scalars()]

    def leaf_hashes(self, start: int, end: int) -> dict[int, bytes]:
        """``index -> stored leaf hash`` of the leaves ``start`` .. ``end - 1`` the tree holds."""
        query = select(log_nodes.c.idx, log_nodes.c.hash).where(
            (log_nodes.c.level == 0) & (log_nodes.c.idx >= start) & (log_nodes.c.idx < end)
        )
        return {int(index): blob(value) for index, value in self.connection.execute(query)}

    def checkpoints_after(self, size: int, limit: int = 500) -> list[StoredCheckpoint]:
        """Up to ``limit`` checkpoints of trees larger than ``size``, smallest first (without cosignatures)."""
        query = select(checkpoints).where(checkpoints.c.size > size).order_by(checkpoints.c.size).limit(limit)
        rows = self.connection.execute(query)
        return [StoredCheckpoint(row.size, blob(row.root), row.note, row.created_at) for row in rows]

    def orphaned_cosignatures(self) -> list[tuple[int, str]]:
        """``(size, witness)`` of every stored cosignature whose checkpoint is not stored."""
        query = (
            select(cosignatures.c.size, cosignatures.c.witness)
            .where(cosignatures.c.size.not_in(select(checkpoints.c.size)))
            .order_by(cosignatures.c.size, cosignatures.c.witness)
        )
        return [(int(size), str(witness)) for size, witness in self.connection.execute(query)]

    def add_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        bulk_insert(self.connection, log_nodes.name, log_nodes.columns.keys(), nodes)

    def _checkpoint(self, query: Any) -> StoredCheckpoint | None:
        row = self.connection.execute(query.limit(1)).first()
        if row is None:
            return None
        lines = self.connection.execute(
            select(cosignatures.c.line).where(cosignatures.c.size == row.size).order_by(cosignatures.c.witness)
        ).scalars()
        return StoredCheckpoint(row.size, blob(row.root), row.note, row.created_at, tuple(lines))

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return self._checkpoint(select(checkpoints).order_by(checkpoints.c.size.desc()))

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        return self._checkpoint(select(checkpoints).where(checkpoints.c.size == size))

    def first_checkpoint_covering(self, size: int) -> StoredCheckpoint | None:
        """The smallest checkpoint whose tree holds at least ``size`` leaves."""
        return self._checkpoint(select(checkpoints).where(checkpoints.c.size >= size).order_by(checkpoints.c.size))

    def add_checkpoint(self, size: int, root: bytes, note: str, created_at: str) -> None:
        self.connection.execute(checkpoints.insert().values(size=size, root=root, note=note, created_at=created_at))

    def witnesses(self) -> dict[str, tuple[int, int]]:
        """``witness -> (the largest checkpoint size it cosigned, its latest cosignature's timestamp)``."""
        query = select(cosignatures.c.witness, func.max(cosignatures.c.size), func.max(cosignatures.c.timestamp))
        rows = self.connection.execute(query.group_by(cosignatures.c.witness))
        return {str(witness): (int(size), int(timestamp)) for witness, size, timestamp in rows}

    def add_cosignature(self, size: int, witness: str, line: str, timestamp: int) -> bool:
        """Store a witness's cosignature line for checkpoint ``size``; False if that witness already cosigned it."""
        exists = self.connection.execute(
            select(cosignatures.c.line).where((cosignatures.c.size == size) & (cosignatures.c.witness == witness))
        ).first()
        if exists:
            return False
        self.connection.execute(
            cosignatures.insert().values(size=size, witness=witness, line=line, timestamp=timestamp)
        )
        return True

    def add_monitor_report(self, **row: Any) -> None:
        """Keep one monitor's report (the columns of ``monitor_reports`` but its id)."""
        self.connection.execute(monitor_reports.insert().values(**row))

    def latest_monitor_check(self, monitor: str) -> int | None:
        """The newest ``checked_at`` this monitor has reported, or None."""
        query = select(func.max(monitor_reports.c.checked_at)).where(monitor_reports.c.monitor == monitor)
        found = self.connection.execute(query).scalar()
        return None if found is None else int(found)

    def latest_monitor_reports(self) -> list[Any]:
        """Each monitor's newest report (by the time it checked), by monitor name."""
        newest = (
            select(monitor_reports.c.monitor, func.max(monitor_reports.c.id).label("id"))
            .group_by(monitor_reports.c.monitor)
            .subquery()
        )
        query = select(monitor_reports).join(newest, monitor_reports.c.id == newest.c.id)
        return list(self.connection.execute(query.order_by(monitor_reports.c.monitor)))

    def keys(self) -> list[tuple[str, str]]:
        """``(vkey text, valid_from)`` of every key the log has signed with, oldest first."""
        query = select(log_keys.c.vkey, log_keys.c.valid_from).order_by(log_keys.c.valid_from, log_keys.c.key_id)
        return [(row.vkey, row.valid_from) for row in self.connection.execute(query)]

    def add_key(self, key: VerifierKey, valid_from: str) -> None:
        self.connection.execute(log_keys.insert().values(key_id=key.key_id_hex, vkey=key.text(), valid_from=valid_from))
