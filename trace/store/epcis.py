"""The EPCIS 2.0 query index's rows (``epcis_events``, ``epcis_event_epcs``, ``epcis_lots``): written by the
appender in the append transaction, read by ``GET /epcis/events`` with keyset pagination on the log index. Each
event is stored in the compact form of :mod:`.epcis_codec`, read back with its ``records`` row."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, delete, func, or_, select

from ..epcis.index import IndexedEvent
from ..epcis.query import EventFilter
from .epcis_codec import RecordFacts, decode, encode
from .rows import StoredRecord, blob, bulk_insert
from .tables import epcis_event_epcs, epcis_events, epcis_lots, records

_CHUNK = 500
FACTS = (
    records.c.log_index,
    records.c.recorded_at,
    records.c.type,
    records.c.lot_id,
    records.c.actor,
    records.c.event_hash,
    records.c.record_hash,
)
"""The columns of a ``records`` row that :class:`.epcis_codec.RecordFacts` reads, in its order."""


def facts_of(row: Sequence[Any]) -> RecordFacts:
    """The :class:`RecordFacts` of a row selected with :data:`FACTS` (and anything after them)."""
    index, recorded_at, kind, lot, actor, event_hash, record_hash = row[: len(FACTS)]
    return RecordFacts(int(index), recorded_at, kind, lot, actor, blob(event_hash).hex(), blob(record_hash).hex())


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class EpcisIndexRepository:
    """Reads and writes the EPCIS query index on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _facts(self, log_indexes: Collection[int]) -> dict[int, RecordFacts]:
        """The records rows of ``log_indexes``, by one range query (an append's records are consecutive; the
        membership records among them are read too, and not used)."""
        query = select(*FACTS).where(records.c.log_index.between(min(log_indexes), max(log_indexes)))
        return {row.log_index: facts_of(row) for row in self.connection.execute(query)}

    def put(self, rows: Sequence[IndexedEvent]) -> None:
        """Index ``rows``, whose records are in ``records`` already (the same transaction)."""
        facts = self._facts([r.log_index for r in rows]) if rows else {}
        bulk_insert(
            self.connection,
            epcis_events.name,
            epcis_events.columns.keys(),
            [
                (
                    r.log_index,
                    r.event_time,
                    r.record_time,
                    r.event_type,
                    r.action,
                    r.biz_step,
                    r.disposition,
                    r.read_point,
                    r.biz_location,
                    encode(r.document, facts[r.log_index]),
                )
                for r in rows
            ],
        )
        bulk_insert(
            self.connection,
            epcis_event_epcs.name,
            epcis_event_epcs.columns.keys(),
            [(r.log_index, i, name, epc) for r in rows for i, (name, epc) in enumerate(r.epcs)],
        )

    def lots(self, lot_ids: Collection[str]) -> dict[str, tuple[str | None, str | None]]:
        """``lot -> (GTIN, species)`` of each named lot the index knows."""
        found: dict[str, tuple[str | None, str | None]] = {}
        ids = sorted(lot_ids)
        for start in range(0, len(ids), _CHUNK):
            query = select(epcis_lots.c.lot_id, epcis_lots.c.gtin, epcis_lots.c.species).where(
                epcis_lots.c.lot_id.in_(ids[start : start + _CHUNK])
            )
            found.update((lot, (gtin, species)) for lot, gtin, species in self.connection.execute(query))
        return found

    def put_lots(self, facts: Iterable[tuple[str, str | None, str | None]]) -> None:
        """Insert or replace ``(lot, GTIN, species)`` rows."""
        rows = [{"lot_id": lot, "gtin": gtin, "species": species} for lot, gtin, species in facts]
        ids = [r["lot_id"] for r in rows]
        for start in range(0, len(ids), _CHUNK):
            self.connection.execute(delete(epcis_lots).where(epcis_lots.c.lot_id.in_(ids[start : start + _CHUNK])))
        if rows:
            self.connection.execute(epcis_lots.insert(), rows)

    def last_indexed(self) -> int | None:
        """The log index of the last indexed record (None: none is)."""
        value = self.connection.execute(select(func.max(epcis_events.c.log_index))).scalar()
        return None if value is None else int(value)

    def count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(epcis_events)).scalar_one())

    def _conditions(self, f: EventFilter) -> list[ColumnElement[bool]]:
        e = epcis_events.c
        found: list[ColumnElement[bool]] = []
        for column, low, high in (
            (e.event_time, f.ge_event_time, f.lt_event_time),
            (e.record_time, f.ge_record_time, f.lt_record_time),
        ):
            if low is not None:
                found.append(column >= low)
            if high is not None:
                found.append(column < high)
        for column, values in (
            (e.event_type, f.event_types),
            (e.action, f.actions),
            (e.biz_step, f.biz_steps),
            (e.disposition, f.dispositions),
            (e.read_point, f.read_points),
            (e.biz_location, f.biz_locations),
        ):
            if values:
                found.append(column.in_(values))
        x = epcis_event_epcs.c
        for fields, keys, prefixes in f.epcs:
            matches = [x.epc.in_(keys)] if keys else []
            matches += [x.epc.like(_like(p), escape="\\") for p in prefixes]
            ours = select(x.log_index).where(x.field.in_(fields), or_(*matches))
            found.append(e.log_index.in_(ours))  # planned from the EPC index on both engines
        return found

    def _page_query(self, f: EventFilter, after: int | None, limit: int) -> Select[Any]:
        query = (
            select(*FACTS, epcis_events.c.document)
            .select_from(epcis_events.join(records, records.c.log_index == epcis_events.c.log_index))
            .where(*self._conditions(f))
        )
        if after is not None:
            query = query.where(epcis_events.c.log_index > after)
        return query.order_by(epcis_events.c.log_index).limit(limit)

    def page(self, f: EventFilter, after: int | None, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """``(log index, event)`` of up to ``limit`` matching events after log index ``after``, in log order
        (each event as the index made it, on its base: :func:`..epcis.index.indexed`)."""
        rows = self.connection.execute(self._page_query(f, after, limit))
        return [(int(row.log_index), decode(blob(row.document), facts_of(row))) for row in rows]

    def explain(self, f: EventFilter, limit: int) -> str:
        """The engine's plan for :meth:`page` (for bench/epcis_query.py and the README's cost)."""
        query = self._page_query(f, None, limit)
        compiled = query.compile(self.connection, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if self.connection.dialect.name == "sqlite" else "EXPLAIN "
        rows = self.connection.exec_driver_sql(prefix + str(compiled)).fetchall()
        return "\n".join(" ".join(str(c) for c in row) for row in rows)

    def distinct(self, column: str) -> list[str]:
        """The distinct non-null values of one indexed field (``event_type``, ``biz_step``, …), sorted."""
        col = epcis_events.c[column]
        query = select(col).where(col.is_not(None)).distinct().order_by(col)
        return [str(v) for (v,) in self.connection.execute(query)]

    def distinct_epcs(self, fields: Collection[str]) -> list[str]:
        """The distinct match keys of the EPCs (or EPC classes) in ``fields`` of indexed events, sorted."""
        x = epcis_event_epcs.c
        query = select(x.epc).where(x.field.in_(fields)).distinct().order_by(x.epc)
        return [str(v) for (v,) in self.connection.execute(query)]

    def records_between(self, ge_event_time: str, lt_event_time: str, types: Collection[str]) -> list[StoredRecord]:
        """The records (without disclosures) of indexed events of ledger ``types`` whose eventTime is in
        [``ge``, ``lt``), in log order: by the event-time index, not a scan of the records."""
        r = records.c
        query = (
            select(r.log_index, r.event_id, r.lot_id, r.seq, r.record_hash, r.event_hash, r.event_bytes, r.record_bytes)
            .select_from(records.join(epcis_events, epcis_events.c.log_index == r.log_index))
            .where(epcis_events.c.event_time >= ge_event_time, epcis_events.c.event_time < lt_event_time)
            .where(r.type.in_(sorted(types)))
            .order_by(r.log_index)
        )
        return [
            StoredRecord(
                int(row.log_index),
                row.event_id,
                row.lot_id,
                row.seq,
                blob(row.record_hash).hex(),
                blob(row.event_hash).hex(),
                blob(row.event_bytes),
                blob(row.record_bytes),
            )
            for row in self.connection.execute(query)
        ]
