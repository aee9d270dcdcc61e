"""The EPCIS 2.0 query's cost: GET /events served from the EPCIS index, not by scanning the ledger.

    python bench/epcis_query.py [--events 20000] [--lots 200] [--runs 50]

Loads the demo, then ``--events`` field operations over ``--lots`` plots (bench/append.py's events) through the
append path (which writes the index in the append transaction), and for SQLite and, when TRACE_TEST_POSTGRES_URL
(or TRACE_BENCH_POSTGRES_URL) is set, PostgreSQL prints: the append rate with the index; for each query the
median and p95 time of one page through the service (parse, one SQL statement, JSON, the CBV event hash of each
event) and the engine's plan for its SQL. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from ginseng_trace.chain import SignerKey
from ginseng_trace.demo import load_demo
from ginseng_trace.epcis.query import Query, parse
from ginseng_trace.service import Services
from ginseng_trace.store import LedgerRepository, Store, create_ledger_engine, migrate

sys.path.insert(0, os.path.dirname(__file__))
from append import make_events, postgres_database, sqlite_database
from members import OPERATOR, enrol_all

BASE = "http://127.0.0.1:8000"
QUERIES: list[tuple[str, list[tuple[str, str]]]] = [
    ("first page, no filter (perPage=30)", []),
    ("MATCH_epcClass one plot (~1/200 of events)", [("MATCH_epcClass", f"{BASE}/lot/PLOT-00007")]),
    ("MATCH_epcClass the demo box (GS1 key)", [("MATCH_epcClass", "urn:epc:class:lgtin:6975123.040001.PK-2025-0931")]),
    ("EQ_bizStep=shipping", [("EQ_bizStep", "shipping")]),
    (
        "eventTime in one month of 2025",
        [("GE_eventTime", "2025-09-01T00:00:00Z"), ("LT_eventTime", "2025-10-01T00:00:00Z")],
    ),
    ("EQ_bizStep=commissioning, perPage=500", [("EQ_bizStep", "commissioning"), ("perPage", "500")]),
]


def run(name: str, url: str, events: int, lots: int, runs: int) -> None:
    engine = create_ledger_engine(url)
    migrate(engine)
    ledger = Services(Store(engine), operator=OPERATOR)
    load_demo(ledger)
    key = SignerKey("bench.actor", os.urandom(32))
    # the bench's plots (PLOT-00000, …) beside the demo's organisations: a lot-id prefix of its own, no GS1 prefix
    enrol_all(ledger, [key], lambda _name: ["grower"], lambda _name: ["PLOT-0"], lambda _name: [])
    batch = make_events(events, lots, key)
    start = time.perf_counter()
    for i in range(0, len(batch), 500):
        ledger.events.append_batch(batch[i : i + 500])
    appended = time.perf_counter() - start
    indexed = ledger.store.read(lambda repo: repo.epcis.count())
    print(f"\n[{name}] {ledger.records.count()} records, {indexed} indexed events")
    print(f"  append with the index: {events / appended:,.0f} events/s (batches of 500)")
    for label, items in QUERIES:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            page = ledger.epcis_query.events(items, BASE, "Always_GS1_Digital_Link")
            times.append((time.perf_counter() - t) * 1000)
        served = len(page.document["epcisBody"]["queryResults"]["resultsBody"]["eventList"])
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"  {label:45s} {served:4d} events  median {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms")
        query = parse(items, BASE)

        def plan_of(repo: LedgerRepository, q: Query = query) -> str:
            return repo.epcis.explain(q.filter, q.per_page + 1)

        plan = ledger.store.read(plan_of)
        for line in plan.splitlines():
            print(f"      {line}")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--lots", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; demo + {args.events} events over {args.lots} plots"
    )
    engines = [("sqlite (embedded default)", sqlite_database())]
    pg = os.environ.get("TRACE_BENCH_POSTGRES_URL") or os.environ.get("TRACE_TEST_POSTGRES_URL")
    if pg:
        engines.append(("postgresql", postgres_database(pg)))
    else:
        print("(PostgreSQL skipped: set TRACE_TEST_POSTGRES_URL to include it)")
    for name, database in engines:
        with database as url:
            run(name, url, args.events, args.lots, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
