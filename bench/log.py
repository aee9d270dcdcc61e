"""Transparency-log costs at a million leaves, against raw SHA-256 and pymerkle in the same run.

    python bench/log.py [--leaves 1000000]

Prints (figures, not pass/fail; the machine is shared and noisy):

- raw SHA-256 rate on node-sized inputs (0x01 || 64 bytes), the physical bound;
- append: leaves/s through ``merkle.append_leaves`` (leaf hashing + new subtree hashes,
  no database commit), and pymerkle's ``InmemoryTree.append_entry`` on the same entries;
- inclusion and consistency proof generation, from memory and from SQLite (the ledger's
  own path: a dry run finds the O(log n) subtree hashes needed, one query reads them);
  pymerkle's ``prove_inclusion`` beside it;
- proof verification (``verify_inclusion``);
- verification of a 200-event proof bundle (``verify_bundle``), which is bounded by its
  200 Ed25519 signature checks.
Targets: proof generation <= 2 ms, verification <= 0.1 ms, 200-event bundle <= 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ginseng_trace.chain import Event, SignerKey, sign_event
from ginseng_trace.chain.merkle import (
    append_leaves,
    consistency_proof_from,
    inclusion_proof_from,
    leaf_hash,
    range_hash,
    verify_inclusion,
)
from ginseng_trace.chain.monitor import LogMonitor
from ginseng_trace.chain.records import GENESIS, Record, sha256_hex
from ginseng_trace.events import private_fields
from ginseng_trace.events.audit import verify_bundle
from ginseng_trace.service import Services
from ginseng_trace.service.log import with_nodes
from ginseng_trace.store import LedgerRepository, Store, create_ledger_engine, migrate, sqlite_url_for

sys.path.insert(0, os.path.dirname(__file__))
from members import OPERATOR, enrol_all


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def sha256_rate() -> float:
    data = b"\x01" + os.urandom(64)
    n = 300_000

    def run() -> None:
        for _ in range(n):
            hashlib.sha256(data).digest()

    return n / timed(run, 3)


def entries(count: int) -> list[bytes]:
    """Record-sized leaves (350 bytes), distinct."""
    pad = os.urandom(342)
    return [i.to_bytes(8, "big") + pad for i in range(count)]


def per_call_ms(fn: Callable[[int], object], count: int, seed: int) -> float:
    rng = random.Random(seed)
    args = [rng.randrange(1 << 62) for _ in range(count)]
    start = time.perf_counter()
    for a in args:
        fn(a)
    return (time.perf_counter() - start) / count * 1000


def bundle_verify_ms(tmp: Path) -> tuple[int, float]:
    engine = create_ledger_engine(sqlite_url_for(tmp))
    migrate(engine)
    log_key = SignerKey("bench.test/log", os.urandom(32))
    grower = SignerKey("bench.grower", os.urandom(32))
    ledger = Services(Store(engine), log_signer=log_key, checkpoint_every=10**9, operator=OPERATOR)
    enrol_all(ledger, [grower], lambda _name: ["grower"])
    kid = grower.verifier().key_id_hex
    events = []

    def add(i: int, lot: str, kind: str, at: str, payload: dict[str, Any], inputs: list[str]) -> None:
        body = {
            "event_id": f"b{i}",
            "lot_id": lot,
            "type": kind,
            "occurred_at": at,
            "actor": grower.name,
            "key_id": kid,
            "payload": payload,
            "inputs": inputs,
        }
        events.append(sign_event(Event.from_json(body), grower, private=private_fields(kind)))

    # a valid lifecycle: a plot registered and sown, inspected 117 times, harvested; the harvest stored
    plot = {"land_type": "farmland", "county": "抚松县", "area_mu": 12.5}
    add(0, "PLOT-1", "register_plot", "2019-10-12T02:00:00Z", plot, [])
    add(1, "PLOT-1", "sow", "2020-10-20T00:30:00Z", {"variety": "大马牙"}, [])
    for i in range(2, 119):
        note = {"operation": "inspect", "note": f"round {i} " + "x" * 80}
        add(i, "PLOT-1", "field_operation", f"2025-06-{1 + i // 5:02d}T{i % 5:02d}:00:00Z", note, [])
    harvest = {"crop_age_years": 5, "fresh_weight": {"value": 1450, "unit": "kg"}, "root_count": 21800}
    add(119, "HV-1", "harvest", "2025-09-18T00:00:00Z", harvest, ["PLOT-1"])
    for i in range(120, 200):
        reading = {"warehouse": "cold store", "readings": [{"at": "2025-09-19T00:00:00Z", "temperature_c": 3.0}]}
        add(i, "HV-1", "store", f"2025-09-{19 + (i - 120) // 8:02d}T{(i - 120) % 8:02d}:00:00Z", reading, [])
    ledger.events.append_batch(events)
    ledger.checkpointer.publish()
    data = ledger.bundles.bundle("HV-1").to_bytes()
    keys = [log_key.verifier()]
    anchors = [OPERATOR.verifier()]
    report = verify_bundle(data, keys, anchors=anchors)
    engine.dispose()
    return report.entries, timed(lambda: verify_bundle(data, keys, anchors=anchors), 5) * 1000


def monitor_rate(count: int) -> tuple[int, float]:
    """``ginseng-trace monitor``'s replay (chain checks, leaf hashes, frontier) of ``count`` records over
    1000 lots, fed 256 at a time as entry tiles come, then checked against their lot-heads map."""
    heads: dict[str, tuple[int, str]] = {}
    records = []
    for i in range(count):
        lot = f"LOT-{i % 1000:04d}"
        seq, prev = heads.get(lot, (0, GENESIS))
        data = Record(
            event_hash=f"{i:064x}",
            signature=bytes(64),
            lot_id=lot,
            seq=seq + 1,
            prev=prev,
            recorded_at="2026-12-01T00:00:00.000000Z",
        ).to_bytes()
        heads[lot] = (seq + 1, sha256_hex(data))
        records.append(data)
    monitor = LogMonitor()
    start = time.perf_counter()
    for at in range(0, count, 256):
        monitor.feed(records[at : at + 256])
    monitor.head_map().root()
    return count, count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2000)
    args = parser.parse_args()
    n = args.leaves
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {n:,} leaves")

    sha = sha256_rate()
    print(f"raw SHA-256 (65-byte inputs):        {sha:12,.0f} hashes/s  (the bound)")

    data = entries(n)
    store: dict[tuple[int, int], bytes] = {}

    def ours_append() -> None:
        for level, index, value in append_leaves(0, [leaf_hash(d) for d in data], lambda lv, ix: store[(lv, ix)]):
            store[(level, index)] = value

    t_ours = timed(ours_append)
    ours_rate = n / t_ours
    print(
        f"append, ours (no commit):            {ours_rate:12,.0f} leaves/s  "
        f"({2 * n / t_ours / sha:.2f} of the SHA-256 bound at 2 hashes per leaf)"
    )

    import pymerkle

    tree = pymerkle.InmemoryTree(algorithm="sha256")

    def theirs_append() -> None:
        for d in data:
            tree.append_entry(d)

    theirs_rate = n / timed(theirs_append)
    ratio = ours_rate / theirs_rate
    print(f"append, pymerkle InmemoryTree:       {theirs_rate:12,.0f} leaves/s  (ours/pymerkle = {ratio:.1f})")
    assert tree.get_root() == range_hash(0, n, lambda lv, ix: store[(lv, ix)]), "roots differ"

    node = store.__getitem__

    def mem_node(level: int, index: int) -> bytes:
        return node((level, index))

    ours_proof = per_call_ms(lambda r: inclusion_proof_from(r % n, n, mem_node), args.proofs, 1)
    theirs_proof = per_call_ms(lambda r: tree.prove_inclusion(r % n + 1, n), args.proofs // 4, 1)
    ours_cons = per_call_ms(lambda r: consistency_proof_from(r % n + 1, n, mem_node), args.proofs, 2)
    print(f"inclusion proof, ours in memory:     {ours_proof:12.4f} ms")
    ratio = theirs_proof / ours_proof
    print(f"inclusion proof, pymerkle:           {theirs_proof:12.4f} ms  (pymerkle/ours = {ratio:.1f})")
    print(f"consistency proof, ours in memory:   {ours_cons:12.4f} ms")

    root = range_hash(0, n, mem_node)
    rng = random.Random(3)
    samples = [(i, inclusion_proof_from(i, n, mem_node)) for i in (rng.randrange(n) for _ in range(args.proofs))]
    start = time.perf_counter()
    for i, proof in samples:
        verify_inclusion(leaf_hash(data[i]), i, n, proof, root)
    verify_ms = (time.perf_counter() - start) / len(samples) * 1000
    print(f"inclusion proof verification:        {verify_ms:12.4f} ms  (includes hashing the 350-byte leaf)")

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_ledger_engine(sqlite_url_for(Path(tmp)))
        migrate(engine)
        rows = [(lv, ix, h) for (lv, ix), h in store.items()]
        start = time.perf_counter()
        with engine.begin() as conn:
            LedgerRepository(conn).log.add_nodes(rows)
        persist = len(rows) / (time.perf_counter() - start)
        print(f"persist subtree hashes to SQLite:    {persist:12,.0f} rows/s  ({len(rows):,} rows, with commit)")
        store.clear()
        with engine.connect() as conn:
            repo = LedgerRepository(conn)
            db_proof = per_call_ms(
                lambda r: with_nodes(repo, lambda nd: inclusion_proof_from(r % n, n, nd)),
                500,
                4,
            )
            db_cons = per_call_ms(
                lambda r: with_nodes(repo, lambda nd: consistency_proof_from(r % n + 1, n, nd)),
                500,
                5,
            )
        engine.dispose()
        print(f"inclusion proof from SQLite:         {db_proof:12.4f} ms  (target <= 2 ms)")
        print(f"consistency proof from SQLite:       {db_cons:12.4f} ms")
        count, bundle_ms = bundle_verify_ms(Path(tmp) / "bundle")
    print(f"verify a {count}-event bundle:          {bundle_ms:12.1f} ms  (target <= 100 ms)")
    records, replay = monitor_rate(max(1000, n // 10))
    print(
        f"monitor replay of {records:,} records:    {replay:12,.0f} records/s  "
        f"(a year of Jilin's ~2 M events in {2_000_000 / replay:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
