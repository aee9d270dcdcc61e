"""Append throughput of the ledger core, against two baselines measured in the same run.

    python bench/append.py [--events 20000] [--batch 500] [--lots 200]

For the embedded SQLite default and, when TRACE_TEST_POSTGRES_URL (or
TRACE_BENCH_POSTGRES_URL) is set, PostgreSQL, it prints:

- library ingest: client-signed events as they arrive on the wire (JSON
  envelopes), parsed strictly and appended through ``Services.append_batch``
  (signature verified, key validity checked, record sealed and chained, rows
  inserted, leaf appended to the Merkle tree, a checkpoint signed every 1000
  events as the service does), events/s;
- single appends: the same through ``Services.append``, one transaction each;
- plain INSERT: the same rows inserted with a plain executemany into a table
  with no chain, no signature check and no constraints but the primary key;
- the single-core Ed25519 verify rate, the physical bound per core;

and the ratios library/plain and library/Ed25519. Each figure is the best of
three rounds (Ed25519: of three passes), because this machine is shared and
noisy. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Column, Engine, Integer, LargeBinary, MetaData, String, Table, create_engine, text

from ginseng_trace.chain import Event, SignedEvent, SignerKey, parse_json, sign_event
from ginseng_trace.chain.records import SIGNING_CONTEXT
from ginseng_trace.events import private_fields
from ginseng_trace.service import Services
from ginseng_trace.store import Store, create_ledger_engine, migrate, sqlite_url_for

sys.path.insert(0, os.path.dirname(__file__))
from members import OPERATOR, enrol_all


def make_events(count: int, lots: int, key: SignerKey) -> list[SignedEvent]:
    """Realistic field-operation events spread over ``lots`` plots (each registered first), signed by the client."""
    key_id = key.verifier().key_id_hex
    events = []
    for i in range(count):
        first = i < lots  # each lot's first event registers its plot (the lifecycle rule)
        event = Event.from_json(
            {
                "event_id": f"bench-{i}",
                "lot_id": f"PLOT-{i % lots:05d}",
                "type": "register_plot" if first else "field_operation",
                "occurred_at": "2019-10-12T02:00:00Z" if first else "2025-06-20T01:00:00Z",
                "actor": key.name,
                "key_id": key_id,
                "payload": {"land_type": "farmland", "county": "抚松县", "area_mu": 12.5}
                if first
                else {
                    "operation": "pesticide",
                    "product": "Bacillus subtilis WP",
                    "active_ingredient": "Bacillus subtilis",
                    "pesticide_class": "biological",
                    "registration_number": "PD20171234",
                    "dose": {"value": 1500, "unit": "g a.i./hm2"},
                    "pre_harvest_interval_days": 14,
                    "note": f"spray round {i}",
                },
            }
        )
        events.append(sign_event(event, key, private=private_fields(event.type)))  # the note is private
    return events


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def best_of(runs: int, fn: Callable[[], float]) -> float:
    return max(fn() for _ in range(runs))


def ed25519_verify_rate(events: list[SignedEvent], key: SignerKey) -> float:
    public = Ed25519PrivateKey.from_private_bytes(key.seed).public_key()
    sample = events[:5000]

    def once() -> float:
        start = time.perf_counter()
        for e in sample:
            public.verify(e.signature, SIGNING_CONTEXT + e.signed_bytes)
        return rate(len(sample), time.perf_counter() - start)

    return best_of(3, once)


plain_meta = MetaData()
plain = Table(
    "bench_plain_events",
    plain_meta,
    Column("log_index", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String(128)),
    Column("lot_id", String(128)),
    Column("event_bytes", LargeBinary),
    Column("signature", LargeBinary),
)


ROUNDS = 3


def rounds(items: list[object], measure: Callable[[list[object]], float]) -> float:
    """Split ``items`` into ROUNDS parts, measure each, keep the best: the least disturbed by neighbours."""
    size = len(items) // ROUNDS
    parts = [items[r * size : (r + 1) * size] for r in range(ROUNDS - 1)] + [items[(ROUNDS - 1) * size :]]
    return max(measure(part) for part in parts)


def plain_insert_rate(engine: Engine, events: list[SignedEvent], batch: int) -> float:
    plain_meta.create_all(engine)
    rows: list[object] = [
        {
            "log_index": i,
            "event_id": e.event.event_id,
            "lot_id": e.event.lot_id,
            "event_bytes": e.signed_bytes,
            "signature": e.signature,
        }
        for i, e in enumerate(events)
    ]

    def measure(part: list[object]) -> float:
        start = time.perf_counter()
        for at in range(0, len(part), batch):
            with engine.begin() as conn:
                conn.execute(plain.insert(), part[at : at + batch])  # type: ignore[arg-type]
        return rate(len(part), time.perf_counter() - start)

    return rounds(rows, measure)


def wire(events: list[SignedEvent]) -> list[bytes]:
    """The events as clients send them: JSON envelopes {event, signature}."""
    return [json.dumps(e.envelope()).encode() for e in events]


def parse(envelope: bytes) -> SignedEvent:
    return SignedEvent.from_envelope(parse_json(envelope))


def ledger_batch_rate(ledger: Services, envelopes: list[bytes], batch: int) -> float:
    """Parse each wire envelope (strict JSON, validation, canonical bytes), then append in batches."""

    def measure(part: list[object]) -> float:
        start = time.perf_counter()
        for at in range(0, len(part), batch):
            ledger.events.append_batch([parse(e) for e in part[at : at + batch]])  # type: ignore[arg-type]
        return rate(len(part), time.perf_counter() - start)

    return rounds(list(envelopes), measure)


def ledger_single_rate(ledger: Services, envelopes: list[bytes]) -> float:
    def measure(part: list[object]) -> float:
        start = time.perf_counter()
        for e in part:
            ledger.events.append(parse(e))  # type: ignore[arg-type]
        return rate(len(part), time.perf_counter() - start)

    return rounds(list(envelopes), measure)


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield sqlite_url_for(Path(tmp))


@contextmanager
def postgres_database(base: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run_engine(
    name: str, url: str, events: list[SignedEvent], singles: list[SignedEvent], key: SignerKey, batch: int
) -> dict[str, float]:
    engine = create_ledger_engine(url)
    migrate(engine)
    # as the service runs: a log key, and a signed checkpoint (with its lot-heads map) every 1000 events
    ledger = Services(
        Store(engine), log_signer=SignerKey("bench.test/log", os.urandom(32)), checkpoint_every=1000, operator=OPERATOR
    )
    enrol_all(ledger, [key], lambda _name: ["grower"])
    figures = {
        "plain INSERT": plain_insert_rate(engine, events, batch),
        "library ingest (batches)": ledger_batch_rate(ledger, wire(events), batch),
        "library single appends": ledger_single_rate(ledger, wire(singles)),
    }
    assert ledger.checks.verify().records == 3 + len(events) + len(singles)  # + the grower's enrolment
    engine.dispose()
    print(f"\n[{name}]")
    for label, value in figures.items():
        print(f"  {label:28s} {value:10,.0f} events/s")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--lots", type=int, default=200)
    parser.add_argument("--singles", type=int, default=1000)
    args = parser.parse_args()

    key = SignerKey("bench.actor", os.urandom(32))
    events = make_events(args.events + args.singles, args.lots, key)
    batched, singles = events[: args.events], events[args.events :]
    bound = ed25519_verify_rate(events, key)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {args.events} events, {args.lots} lots")
    print(f"batches of {args.batch}; Ed25519 verify on one core: {bound:,.0f}/s (the physical bound per core)")

    engines = [("sqlite (embedded default)", sqlite_database())]
    pg = os.environ.get("TRACE_BENCH_POSTGRES_URL") or os.environ.get("TRACE_TEST_POSTGRES_URL")
    if pg:
        engines.append(("postgresql", postgres_database(pg)))
    else:
        print("(PostgreSQL skipped: set TRACE_TEST_POSTGRES_URL to include it)")
    summary = []
    for name, database in engines:
        bound = ed25519_verify_rate(events, key)  # again, next to this engine's run: the machine is noisy
        with database as url:
            figures = run_engine(name, url, batched, singles, key, args.batch)
        print(f"  {'Ed25519 verify, one core':28s} {bound:10,.0f} /s")
        ingest = figures["library ingest (batches)"]
        summary.append((name, ingest / figures["plain INSERT"], ingest / bound))
    print("\nratios (same run):")
    for name, vs_plain, vs_bound in summary:
        print(f"  {name:26s} library/plain INSERT {vs_plain:5.2f}   library/Ed25519 {vs_bound:5.2f} (target >= 0.50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
