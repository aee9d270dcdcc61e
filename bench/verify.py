"""Whole-ledger verification (``ginseng-trace verify``): records/s and peak memory, against the one-core
Ed25519 bound of the same run.

    python bench/verify.py [--events 20000] [--lots 200] [--database FILE]

Builds a SQLite ledger of ``--events`` client-signed field operations over ``--lots`` plots, with a signed
checkpoint (and its lot-heads map) every 1000 records as the service runs (kept in ``--database`` if given,
and reused when that file exists), then verifies the whole ledger in a fresh process that does nothing else
(``--verify-only``), so that its peak RSS is verification's. Prints figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.service import Services
from ginseng_trace.store import Store, create_ledger_engine, migrate

sys.path.insert(0, os.path.dirname(__file__))
from append import ed25519_verify_rate, make_events
from members import OPERATOR, enrol_all

WORKERS = os.cpu_count() or 1
LOG = SignerKey("bench.test/log", bytes(range(7, 39)))


def build(path: Path, events: int, lots: int) -> None:
    key = SignerKey("bench.actor", os.urandom(32))
    engine = create_ledger_engine(f"sqlite+pysqlite:///{path}")
    migrate(engine)
    ledger = Services(Store(engine), log_signer=LOG, checkpoint_every=1000, operator=OPERATOR)
    ledger.checkpointer.adopt_log_key()
    enrol_all(ledger, [key], lambda _name: ["grower"])
    signed = make_events(events, lots, key)
    for start in range(0, len(signed), 500):
        ledger.events.append_batch(signed[start : start + 500])
    ledger.checkpointer.publish()
    engine.dispose()


def verify_only(path: Path) -> int:
    """Verify the whole ledger at ``path``; print ``records seconds peak-KB``."""
    engine = create_ledger_engine(f"sqlite+pysqlite:///{path}")
    ledger = Services(Store(engine), log_signer=LOG, operator=OPERATOR)
    start = time.perf_counter()
    report = ledger.checks.verify(workers=WORKERS)
    seconds = time.perf_counter() - start
    print(report.records, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    engine.dispose()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--lots", type=int, default=200)
    parser.add_argument("--database", help="keep the ledger in this SQLite file (reused if it exists)")
    parser.add_argument("--verify-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify_only:
        return verify_only(Path(args.verify_only))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.database) if args.database else Path(tmp) / "ledger.db"
        if not path.exists():
            build(path, args.events, args.lots)
        done = subprocess.run(  # noqa: S603 - this very script, by its own path
            [sys.executable, __file__, "--verify-only", str(path)], capture_output=True, text=True, check=True
        )
        records, seconds, peak = done.stdout.split()
        key = SignerKey("bench.bound", os.urandom(32))
        bound = ed25519_verify_rate(make_events(2000, 20, key), key)
    rate = int(records) / float(seconds)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {records} records, SQLite")
    print(f"  whole-ledger verify        {rate:10,.0f} records/s ({float(seconds):.2f} s)")
    print(f"  Ed25519 verify, one core   {bound:10,.0f} /s")
    print(f"  verify / Ed25519 bound     {rate / bound:10.2f}")
    print(f"  peak RSS of the verifying process {int(peak) / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
