"""Whole-ledger verification (``ginseng-trace verify``): records/s and peak memory, against the one-core and the
all-core Ed25519 bounds of the same run.

    python bench/verify.py [--events 20000] [--lots 200] [--database FILE] [--workers N]

Builds a SQLite ledger of ``--events`` client-signed field operations over ``--lots`` plots, with a signed
checkpoint (and its lot-heads map) every 1000 records as the service runs (kept in ``--database`` if given,
and reused when that file exists), then verifies the whole ledger in a fresh process that does nothing else
(``--verify-only``), so that its peak RSS is verification's; its signatures are checked in ``--workers``
processes (default one per core), whose peak RSS is given beside. The all-core bound: as many processes as
cores each verifying signatures at once, their sum. Prints figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.chain.records import SIGNING_CONTEXT
from ginseng_trace.service import Services
from ginseng_trace.store import Store, create_ledger_engine, migrate

sys.path.insert(0, os.path.dirname(__file__))
from append import best_of, ed25519_verify_rate, make_events, rate
from members import OPERATOR, enrol_all

CORES = os.cpu_count() or 1
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


def verify_only(path: Path, workers: int) -> int:
    """Verify the whole ledger at ``path``; print ``records seconds peak-KB peak-KB-of-a-worker``."""
    engine = create_ledger_engine(f"sqlite+pysqlite:///{path}")
    ledger = Services(Store(engine), log_signer=LOG, operator=OPERATOR)
    start = time.perf_counter()
    report = ledger.checks.verify(workers=workers)
    seconds = time.perf_counter() - start
    mine = high_water_kb()
    print(report.records, seconds, mine, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    engine.dispose()
    return 0


def high_water_kb() -> int:
    """This process's peak RSS in KB: Linux's ``VmHWM``, which starts afresh at ``exec`` (``ru_maxrss`` does
    not: a child forked from a parent holding a freshly built ledger reports the parent's peak)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))


def _verify_for(seconds: float) -> int:
    """In a worker: verify signatures for ``seconds``; the count."""
    key = SignerKey("bench.bound", bytes(range(32)))
    events = make_events(300, 20, key)
    public = Ed25519PrivateKey.from_private_bytes(key.seed).public_key()
    done, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for e in events:
            public.verify(e.signature, SIGNING_CONTEXT + e.signed_bytes)
        done += len(events)
    return done


def all_core_rate(seconds: float = 3.0) -> float:
    """Ed25519 verifies/s of one process per core, all at once (best of three)."""
    with ProcessPoolExecutor(CORES, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_verify_for, [0.1] * CORES))  # the workers started

        def once() -> float:
            start = time.perf_counter()
            total = sum(pool.map(_verify_for, [seconds] * CORES))
            return rate(total, time.perf_counter() - start)

        return best_of(3, once)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--lots", type=int, default=200)
    parser.add_argument("--database", help="keep the ledger in this SQLite file (reused if it exists)")
    parser.add_argument("--workers", type=int, default=CORES, help="processes checking signatures (one per core)")
    parser.add_argument("--verify-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify_only:
        return verify_only(Path(args.verify_only), args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.database) if args.database else Path(tmp) / "ledger.db"
        if not path.exists():
            build(path, args.events, args.lots)
        done = subprocess.run(  # noqa: S603 - this very script, by its own path
            [sys.executable, __file__, "--verify-only", str(path), "--workers", str(args.workers)],
            capture_output=True,
            text=True,
            check=True,
        )
        records, seconds, peak, worker_peak = done.stdout.split()
        key = SignerKey("bench.bound", os.urandom(32))
        bound = ed25519_verify_rate(make_events(2000, 20, key), key)
        all_cores = all_core_rate()
    verified = int(records) / float(seconds)
    print(f"python {sys.version.split()[0]}, {CORES} cores; {records} records, SQLite; {args.workers} worker(s)")
    print(f"  whole-ledger verify          {verified:10,.0f} records/s ({float(seconds):.2f} s)")
    print(f"  Ed25519 verify, one core     {bound:10,.0f} /s")
    print(f"  Ed25519 verify, {CORES} cores     {all_cores:10,.0f} /s")
    print(f"  verify / one-core bound      {verified / bound:10.2f}")
    print(f"  verify / all-core bound      {verified / all_cores:10.2f}")
    print(
        f"  peak RSS of the verifying process {int(peak) / 1024:,.0f} MB"
        f" (of the largest worker: {int(worker_peak) / 1024:,.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
