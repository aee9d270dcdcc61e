"""Single-event HTTP ingest with concurrent clients, and the database's bytes per event after it.

    python bench/http_ingest.py [--events 2000] [--clients 32] [--lots 30] [--workers 1,2] [--library 300]

For the embedded SQLite default and, when TRACE_TEST_POSTGRES_URL (or TRACE_BENCH_POSTGRES_URL) is set,
PostgreSQL, and for each ``--workers`` count, on a fresh database each time:

- the bench's actor is enrolled (by the data directory's operator, as ``ginseng-trace`` would) and
  ``ginseng-trace serve --workers W`` starts as its own process;
- each lot's first event (its plot's registration) is POSTed first, one after the other, as warm-up; then
  ``--clients`` clients in a load generator of their own (one process, asyncio, one keep-alive HTTP/1.1
  connection each, closed loop) POST the other events to ``POST /api/v1/events``, one client-signed envelope
  per request (signed and encoded before the clock starts, so the clients cost little besides their sockets);
- it prints acknowledged events per second (201 answers over the wall time from the first request to the
  last answer), the p50/p99 latency of those answers, and the other answers (503: shed or the write lock's
  patience ran out; those events are not retried);
- after the server stops, the database's size over the records it holds (SQLite: ``PRAGMA
  wal_checkpoint(TRUNCATE)``, then the pages of every table and index, ``dbstat``; PostgreSQL:
  ``pg_total_relation_size`` summed over the schema's tables, indexes and TOAST included), in total and beyond
  the empty ledger's (measured after the enrolment, before any event), the tables that grew most, and the
  event's own envelope on the wire for comparison;
- and, as the comparison of the same run, ``--library`` single appends through ``Services.append`` in this
  process on the same database (one transaction each: what one request costs without HTTP), with the
  one-core Ed25519 verify rate.

Target (issue 15): >= 500 events/s with p99 <= 100 ms at 32 clients on both engines; <= 2 KB per event.
Figures, not pass/fail. The load generator shares the machine's cores with the service (and PostgreSQL's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from ginseng_trace.bootstrap import open_ledger
from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.settings import Settings

sys.path.insert(0, os.path.dirname(__file__))
from append import ed25519_verify_rate, make_events, parse, postgres_database
from members import enrol_all
from scan import answered, serve
from storage import relation_bytes

PATH = "/api/v1/events"


async def _post_all(url: str, bodies: list[bytes], clients: int) -> dict[str, Any]:
    """``clients`` connections, each POSTing the next body as soon as its previous answer is in; the latency
    of a request runs from its first byte sent to the last byte of its answer."""
    host, port = url.removeprefix("http://").split(":")
    queue = list(reversed(bodies))
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                body = queue.pop()
                head = f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                start = time.perf_counter()
                writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
                try:
                    answer = await reader.readuntil(b"\r\n\r\n")
                    length = int(answer.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
                    await reader.readexactly(length)
                except (OSError, asyncio.IncompleteReadError, IndexError, ValueError) as exc:
                    kind = f"error ({type(exc).__name__})"
                    statuses[kind] = statuses.get(kind, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                    continue
                status = answer[9:12].decode()
                statuses[status] = statuses.get(status, 0) + 1
                if status == "201":
                    latencies.append(time.perf_counter() - start)
                if b"connection: close" in answer.lower():
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
        finally:
            writer.close()

    begin = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(clients))), timeout=1800)
    return {"latencies": latencies, "statuses": statuses, "elapsed": time.perf_counter() - begin}


def post_all(args: tuple[str, list[bytes], int]) -> dict[str, Any]:
    """Runs in the load generator's own process."""
    return asyncio.run(_post_all(*args))


def table_bytes(database_url: str) -> dict[str, int]:
    """Each table's bytes on disk, its indexes (and PostgreSQL's TOAST) included: SQLite's ``dbstat`` after a
    truncating WAL checkpoint; PostgreSQL's ``pg_total_relation_size`` of the URL's schema (its search_path)."""
    if database_url.startswith("sqlite"):  # each relation's pages (storage.py), summed by its table
        tables: dict[str, int] = {}
        for (table, _relation), size in relation_bytes(database_url).items():
            tables[table] = tables.get(table, 0) + size
        return tables
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
                )
            ).all()
    finally:
        engine.dispose()
    return {str(name): int(size) for name, size in rows}


def records_held(database_url: str, data_dir: str) -> int:
    return open_ledger(Settings(data_dir=Path(data_dir), database_url=database_url)).records.count()


def library_single_rate(database_url: str, data_dir: str, envelopes: list[bytes]) -> float:
    """``Services.append`` of each envelope in turn, one transaction each, in this process."""
    ledger = open_ledger(Settings(data_dir=Path(data_dir), database_url=database_url))
    start = time.perf_counter()
    for envelope in envelopes:
        ledger.events.append(parse(envelope))
    return len(envelopes) / (time.perf_counter() - start)


class Runs:
    """One engine and worker count at a time, on a fresh database each; the storage and library figures are
    printed after every run's HTTP row."""

    def __init__(self, key: SignerKey, events: list[SignedEvent], extra: list[SignedEvent], args: Any) -> None:
        self.key, self.events, self.extra = key, events, extra
        self.clients, self.lots = args.clients, args.lots
        self.storage: list[str] = []
        self.library: list[tuple[str, float, float]] = []

    def run(self, engine: str, database_url: str, data_dir: str, workers: int) -> None:
        ledger = open_ledger(Settings(data_dir=Path(data_dir), database_url=database_url))
        enrol_all(ledger, [self.key], lambda _name: ["grower"])
        ledger.checkpointer.publish()
        before = ledger.records.count()  # the anchor's key, the actor's organisation and key
        empty = table_bytes(database_url)
        bodies = [json.dumps(e.envelope()).encode() for e in self.events]
        warm, load = bodies[: self.lots], bodies[self.lots :]
        server, url = serve(database_url, data_dir, workers, demo=False)
        try:
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                pool.apply(post_all, ((url, warm, 1),))  # the plots' registrations, in order: the lifecycle rule
                result = pool.apply(post_all, ((url, load, self.clients),))
        finally:
            server.terminate()
            server.wait(30)
        acknowledged, p50, p99 = answered(result)
        others = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()) if k != "201")
        served = f"{workers} worker{'s' if workers > 1 else ''}"
        print(
            f"| {engine} | {served} | {self.clients} | {acknowledged:,.0f}/s | {p50:.1f} ms | {p99:.1f} ms "
            f"| {len(result['latencies'])}/{len(load)} | {others or '-'} |",
            flush=True,
        )
        held = records_held(database_url, data_dir)
        tables = table_bytes(database_url)
        size, events = sum(tables.values()), max(1, held - before)
        grown = sorted(((n, b - empty.get(n, 0)) for n, b in tables.items()), key=lambda t: -t[1])
        largest = ", ".join(f"{name} {grew / events:,.0f}" for name, grew in grown[:4])
        wire = statistics.mean(len(b) for b in bodies)
        self.storage.append(
            f"| {engine}, {served} | {held:,} | {size / 1e6:.1f} MB | {size / held:,.0f} B "
            f"| {(size - sum(empty.values())) / events:,.0f} B | {largest} | {wire:,.0f} B |"
        )
        if self.extra:
            envelopes = [json.dumps(e.envelope()).encode() for e in self.extra]
            self.library.append(
                (f"{engine}, {served}", library_single_rate(database_url, data_dir, envelopes), acknowledged)
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events per run (the lots' registrations included)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--lots", type=int, default=30)
    parser.add_argument("--workers", default="1,2", help="serve --workers, one run each (comma-separated)")
    parser.add_argument("--library", type=int, default=300, help="single library appends to compare (0: none)")
    args = parser.parse_args()
    key = SignerKey("bench.http", os.urandom(32))
    events = make_events(args.events + args.library, args.lots, key)
    events, extra = events[: args.events], events[args.events :]
    bound = ed25519_verify_rate(events, key)
    print(f"{os.cpu_count()} cores; {args.events} events over {args.lots} lots per run, one per request")
    print(f"Ed25519 verify on one core: {bound:,.0f}/s (the physical bound per core)")
    print()
    print("| engine | serve | clients | acknowledged (201) | p50 | p99 | answered 201 | other answers |")
    print("|---|---|---|---|---|---|---|---|")
    pg = os.environ.get("TRACE_BENCH_POSTGRES_URL") or os.environ.get("TRACE_TEST_POSTGRES_URL")
    runs = Runs(key, events, extra, args)
    for workers in [int(w) for w in args.workers.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            runs.run("SQLite", f"sqlite+pysqlite:///{Path(tmp) / 'ledger.sqlite3'}", tmp, workers)
        if pg:
            with postgres_database(pg) as url, tempfile.TemporaryDirectory() as tmp:
                runs.run("PostgreSQL", url, tmp, workers)
    if not pg:
        print("(PostgreSQL skipped: set TRACE_TEST_POSTGRES_URL to include it)")
    print("\nstorage after each run (target <= 2 KB per event):\n")
    print(
        "| run | records | database | bytes/record | bytes/event beyond the empty ledger "
        "| of which, the largest tables (bytes/event) | envelope on the wire |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(runs.storage))
    if runs.library:
        print(f"\nthe same appends without HTTP ({args.library} library single appends, one transaction each):")
        for name, single, http in runs.library:
            print(f"  {name:28s} library {single:7,.0f} events/s   HTTP/library {http / single:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
