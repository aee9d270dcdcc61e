"""Where a ledger's bytes go: each table and each of its indexes, per event, after single appends.

    python bench/storage.py [--events 2000] [--lots 30]

The events of ``bench/http_ingest.py`` (``append.make_events``), appended one transaction each through
``Services.append`` on a fresh database of each engine (SQLite, and PostgreSQL when TRACE_TEST_POSTGRES_URL or
TRACE_BENCH_POSTGRES_URL is set), after the bench actor's enrolment; then each relation's growth over the events
appended: SQLite's ``dbstat`` pages after ``PRAGMA wal_checkpoint(TRUNCATE)``, PostgreSQL's ``pg_relation_size``
of each table, index and TOAST relation (without VACUUM: as a serving database holds them). The HTTP bench's
"bytes per event" is the same growth summed per table (its appends come in groups instead, which changes
PostgreSQL's dead tuples a little). Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, text

from ginseng_trace.bootstrap import open_ledger
from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.settings import Settings

sys.path.insert(0, os.path.dirname(__file__))
from append import make_events, postgres_database
from members import enrol_all

_PG_RELATIONS = """
SELECT coalesce(t.relname, c.relname), c.relname, pg_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')
UNION ALL
SELECT c.relname, c.relname || ' (TOAST)', pg_total_relation_size(c.reltoastrelid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.reltoastrelid <> 0
"""


def relation_bytes(database_url: str) -> dict[tuple[str, str], int]:
    """``(table, relation) -> bytes`` of every table, index and (PostgreSQL) TOAST relation of the database."""
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(database_url.split("///", 1)[1])) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            rows = conn.execute(
                "SELECT coalesce(s.tbl_name, d.name), d.name, sum(d.pgsize) FROM dbstat d "
                "LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY d.name"
            ).fetchall()
    else:
        engine = create_engine(database_url)
        try:
            with engine.connect() as conn:
                rows = [tuple(r) for r in conn.execute(text(_PG_RELATIONS)).all()]
        finally:
            engine.dispose()
    return {(str(table), str(name)): int(size) for table, name, size in rows}


def run(engine: str, database_url: str, data_dir: str, key: SignerKey, events: list[SignedEvent]) -> None:
    ledger = open_ledger(Settings(data_dir=Path(data_dir), database_url=database_url))
    enrol_all(ledger, [key], lambda _name: ["grower"])
    ledger.checkpointer.publish()
    before, empty = ledger.records.count(), relation_bytes(database_url)
    for event in events:
        ledger.events.append(event)
    ledger.checkpointer.publish()
    count = ledger.records.count() - before
    grown = {k: v - empty.get(k, 0) for k, v in relation_bytes(database_url).items()}
    tables: dict[str, dict[str, int]] = {}
    for (table, name), size in grown.items():
        tables.setdefault(table, {})[name] = size
    print(f"\n{engine}: {count:,} events, {sum(grown.values()) / count:,.0f} B/event beyond the empty ledger\n")
    print("| table | B/event | of which (relation: B/event) |\n|---|---|---|")
    for table, sizes in sorted(tables.items(), key=lambda t: -sum(t[1].values())):
        if sum(sizes.values()) > 0:
            parts = ", ".join(f"{n} {s / count:,.0f}" for n, s in sorted(sizes.items(), key=lambda t: -t[1]) if s)
            print(f"| {table} | {sum(sizes.values()) / count:,.0f} | {parts} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--lots", type=int, default=30)
    args = parser.parse_args()
    key = SignerKey("bench.http", os.urandom(32))
    events = make_events(args.events, args.lots, key)
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite+pysqlite:///{Path(tmp) / 'ledger.sqlite3'}", tmp, key, events)
    pg = os.environ.get("TRACE_BENCH_POSTGRES_URL") or os.environ.get("TRACE_TEST_POSTGRES_URL")
    if pg:
        with postgres_database(pg) as url, tempfile.TemporaryDirectory() as tmp:
            run("PostgreSQL", url, tmp, key, events)
    else:
        print("(PostgreSQL skipped: set TRACE_TEST_POSTGRES_URL to include it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
