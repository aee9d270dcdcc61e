"""What the ginseng rules cost: per event, at ingest, and for a full re-check, against the ledger core.

    python bench/rules.py [--groups 250] [--batch 500]

The workload is ``groups`` realistic chains of four lots each (a plot, its harvest, a red-ginseng batch,
a packaged product), 100 events per lot: 10^5 events over 10^3 lots at the default, every one valid and
passing every rule, recorded by growers, a processor, a lab and a shop, in time order. For the embedded
SQLite default and, when TRACE_TEST_POSTGRES_URL (or TRACE_BENCH_POSTGRES_URL) is set, PostgreSQL:

- core ingest: ``Services.append_batch`` with the rules switched off (the inspector replaced by one that
  judges nothing), i.e. signature, key validity, sealing, inserts, Merkle tree, checkpoints: events/s;
- ingest with rules: the same with every rule judged and lot states read and written: events/s;
- rules' share of ingest time, 1 - core/with-rules time (target <= 0.5: the rules never cost more
  than half of ingest);
- full re-check: ``Services.check()`` over the whole ledger (replay from the records, every rule): seconds;

and, in memory, the rules alone (judge and fold each event): microseconds per event. Figures, not
pass/fail; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ginseng_trace.chain import Event, SignedEvent, SignerKey, sign_event
from ginseng_trace.chain.times import format_utc
from ginseng_trace.events import private_fields
from ginseng_trace.events.findings import Finding
from ginseng_trace.events.membership import KeyGrant, Member, Membership, Organisation
from ginseng_trace.events.rules import Inspector, rules_config
from ginseng_trace.service import Services
from ginseng_trace.service import decision as service
from ginseng_trace.store import Store, create_ledger_engine, migrate

sys.path.insert(0, os.path.dirname(__file__))
from append import postgres_database, rate, sqlite_database
from members import GS1, LAB_NAME, OPERATOR, enrol_all

WORKS, LAB, SHOP = "bench-works", "bench-lab", "bench-shop"
GROWERS = tuple(f"bench-grower-{i}" for i in range(10))
ROLES = {"bench-grower": ["grower"], WORKS: ["processor"], LAB: ["lab"], SHOP: ["retailer"]}


def in_memory_members(events: list[SignedEvent]) -> Membership:
    """The workload's actors as members from the start of the log, for the rules alone (no database)."""
    keys = {(s.event.actor, s.event.key_id) for s in events}
    orgs = {
        actor: Organisation(
            actor,
            LAB_NAME if actor == LAB else actor,
            roles_of(actor),
            prefixes_of(actor),
            gs1_company_prefixes=GS1 if actor == WORKS else [],
            actors={actor: Member("person", keys={key_id: KeyGrant(f"{actor}+{key_id}+", -1)})},
        )
        for actor, key_id in keys
    }
    return Membership(orgs=orgs)


TEST_OF_BATCH = "<the batch's test>"
"""Stands in a release's payload for the event id of its batch's test until the workload is signed."""


def roles_of(actor: str) -> list[str]:
    return ROLES[actor.rsplit("-", 1)[0] if actor.startswith("bench-grower") else actor]


def prefixes_of(actor: str) -> list[str]:
    """Each party's own lot-id prefixes (identifier spaces are disjoint): a grower's plots and harvests carry
    its number, the works makes the batches and boxes, the lab and the shop create nothing."""
    if actor.startswith("bench-grower"):
        n = actor.rsplit("-", 1)[1]
        return [f"PLOT-{n}-", f"HV-{n}-"]
    return ["RG-", "PK-"] if actor == WORKS else []


def _t(base: str, step: timedelta, k: int) -> datetime:
    return datetime.fromisoformat(base).replace(tzinfo=UTC) + step * k


def chain(g: int) -> Iterator[tuple[datetime, str, str, str, dict[str, Any], tuple[str, ...]]]:
    """(when, actor, lot, type, payload, inputs) of group ``g``: 400 events over 4 lots."""
    grower = GROWERS[g % len(GROWERS)]
    n = g % len(GROWERS)
    plot, hv, rg, pk = f"PLOT-{n}-{g:04d}", f"HV-{n}-{g:04d}", f"RG-{g:04d}", f"PK-{g:04d}"
    yield (
        _t("2019-10-12", timedelta(minutes=1), g),
        grower,
        plot,
        "register_plot",
        {
            "land_type": "farmland",
            "county": "抚松县",
            "area_mu": 12.5,
        },
        (),
    )
    yield _t("2020-10-20", timedelta(minutes=1), g), grower, plot, "sow", {"variety": "大马牙"}, ()
    for k in range(98):
        op = ("inspect", "weed", "irrigate")[k % 3]
        yield _t("2024-05-01", timedelta(hours=3), k), grower, plot, "field_operation", {"operation": op}, ()
    yield (
        _t("2025-09-15", timedelta(minutes=1), g),
        grower,
        hv,
        "harvest",
        {
            "crop_age_years": 5,
            "fresh_weight": {"value": 1200, "unit": "kg"},
        },
        (plot,),
    )
    yield (
        _t("2025-09-20", timedelta(minutes=1), g),
        grower,
        hv,
        "ship",
        {
            "from": grower,
            "to": WORKS,
            "net_weight_kg": 1200,
        },
        (),
    )
    yield _t("2025-09-21", timedelta(minutes=1), g), WORKS, hv, "receive", {"from": grower, "net_weight_kg": 1195}, ()
    store = {"warehouse": "works cold store", "readings": [{"at": "2025-09-22T00:00:00Z", "temperature_c": 4}]}
    for k in range(97):
        yield _t("2025-09-22", timedelta(minutes=10), k), WORKS, hv, "store", store, ()
    yield (
        _t("2025-10-01", timedelta(minutes=1), g),
        WORKS,
        rg,
        "process",
        {
            "process": "steam_red_ginseng",
            "input_quantities": [{"lot": hv, "value": 1195, "unit": "kg"}],
            "outputs": [
                {"product": "红参 main root", "value": 350, "unit": "kg"},
                {"product": "须", "value": 30, "unit": "kg"},
            ],
            "final_moisture_pct": 12.5,
        },
        (hv,),
    )
    sample = {"sample_id": f"S-{g}", "lab": LAB}
    yield _t("2025-10-01", timedelta(minutes=1), g), WORKS, rg, "sample", sample, ()
    yield (
        _t("2025-10-02", timedelta(minutes=1), g),
        LAB,
        rg,
        "quality_test",
        {
            "lab": "吉林省中药材检测中心",
            "sample_id": f"S-{g}",
            "method": "Chinese Pharmacopoeia 2020",
            "ginsenosides_pct": {"Rg1+Re": 0.41, "Rb1": 0.33},
            "moisture_pct": 11.8,
            "heavy_metals_mg_kg": {"Pb": 0.7, "Cd": 0.09},
            "verdict": "pass",
        },
        (),
    )
    # released for sale on that test (its event id is given when the workload is signed: "the batch's test")
    yield _t("2025-10-02", timedelta(minutes=2), g), WORKS, rg, "quality_release", {"test": TEST_OF_BATCH}, ()
    for k in range(97):
        yield _t("2025-10-03", timedelta(minutes=10), k), WORKS, rg, "store", store, ()
    yield (
        _t("2025-10-10", timedelta(minutes=1), g),
        WORKS,
        pk,
        "package",
        {
            "gtin": "06975123400010",
            "batch": pk,
            "net_weight_g": 250,
            "units": 1000,
        },
        (rg,),
    )
    yield _t("2025-10-11", timedelta(minutes=1), g), WORKS, pk, "ship", {"from": WORKS, "to": SHOP, "units": 1000}, ()
    yield _t("2025-10-12", timedelta(minutes=1), g), SHOP, pk, "receive", {"from": WORKS, "units": 1000}, ()
    for k in range(97):
        yield _t("2025-10-13", timedelta(minutes=30), k), SHOP, pk, "sell", {"buyer_type": "consumer", "units": 1}, ()


def workload(groups: int) -> tuple[list[SignedEvent], list[SignerKey]]:
    keys = {name: SignerKey(name, name.encode().ljust(32, b"\0")[:32]) for name in (*GROWERS, WORKS, LAB, SHOP)}
    rows = sorted(
        (
            (when, g, n, actor, lot, kind, payload, inputs)
            for g in range(groups)
            for n, (when, actor, lot, kind, payload, inputs) in enumerate(chain(g))
        ),
        key=lambda r: (r[0], r[1], r[2]),
    )
    events = []
    tests: dict[str, str] = {}  # each batch's quality test's event id, for its release
    for i, (when, _g, _n, actor, lot, kind, given, inputs) in enumerate(rows):
        key = keys[actor]
        if kind == "quality_test":
            tests[lot] = f"rules-{i}"
        payload = {**given, "test": tests[lot]} if given.get("test") == TEST_OF_BATCH else given
        body: dict[str, Any] = {
            "event_id": f"rules-{i}",
            "lot_id": lot,
            "type": kind,
            "occurred_at": format_utc(when),
            "actor": actor,
            "key_id": key.verifier().key_id_hex,
            "payload": payload,
        }
        if inputs:
            body["inputs"] = list(inputs)
        events.append(sign_event(Event.from_json(body), key, private=private_fields(kind)))
    return events, list(keys.values())


class NoRules:
    """Stands in for the inspector to measure the ledger core alone: judges nothing, keeps no state."""

    def __init__(self, *_args: object) -> None:
        self.states: dict[str, object] = {}
        self.changed: set[str] = set()

    def enforce(self, *_args: object) -> list[Finding]:
        return []


def in_memory_us_per_event(events: list[SignedEvent]) -> float:
    recorded = datetime(2026, 11, 23, tzinfo=UTC)
    rules_config()  # read the rules file before timing
    inspector = Inspector(membership=in_memory_members(events))
    start = time.perf_counter()
    for i, signed in enumerate(events):
        found = inspector.enforce(signed.event, i, recorded)
        assert not found, found
    return (time.perf_counter() - start) / len(events) * 1e6


def ingest(
    url: str, events: list[SignedEvent], keys: list[SignerKey], batch: int, *, rules: bool
) -> tuple[float, Services]:
    engine = create_ledger_engine(url)
    migrate(engine)
    ledger = Services(
        Store(engine), log_signer=SignerKey("bench.test/log", bytes(32)), checkpoint_every=1000, operator=OPERATOR
    )
    enrol_all(ledger, keys, roles_of, prefixes_of, lambda name: GS1 if name == WORKS else [])
    service.Inspector = Inspector if rules else NoRules  # type: ignore[attr-defined, assignment]
    try:
        start = time.perf_counter()
        for at in range(0, len(events), batch):
            ledger.events.append_batch(events[at : at + batch])
        return rate(len(events), time.perf_counter() - start), ledger
    finally:
        service.Inspector = Inspector  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=250, help="chains of 4 lots x 100 events (250: 10^5 events)")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    events, keys = workload(args.groups)
    lots = len({s.event.lot_id for s in events})
    built = time.perf_counter() - started
    print(f"workload: {len(events):,} events over {lots:,} lots, built and signed in {built:.1f} s")
    print(f"rules alone, in memory (judge + fold, every rule): {in_memory_us_per_event(events):.1f} us/event")
    engines = [("SQLite (embedded)", sqlite_database)]
    pg = os.environ.get("TRACE_BENCH_POSTGRES_URL") or os.environ.get("TRACE_TEST_POSTGRES_URL")
    if pg:
        engines.append(("PostgreSQL", lambda: postgres_database(pg)))
    print()
    print("| | core ingest (rules off) | ingest with rules | rules' share of ingest | full re-check |")
    print("|---|---|---|---|---|")
    for name, database in engines:
        with database() as url:
            core, _ = ingest(url, events, keys, args.batch, rules=False)
        with database() as url:
            with_rules, ledger = ingest(url, events, keys, args.batch, rules=True)
            start = time.perf_counter()
            report = ledger.checks.check()
            recheck = time.perf_counter() - start
            assert report.ok, report
            # the workload, and the membership records that enrolled its 13 actors (3 each)
            assert (report.events, report.findings) == (3 * len(keys) + len(events), ()), report
            ledger.store.engine.dispose()
        share = 1 - with_rules / core if core else float("nan")
        print(
            f"| {name} | {core:,.0f} ev/s | {with_rules:,.0f} ev/s | {share:.0%} (target <= 50 %) "
            f"| {recheck:.1f} s ({len(events) / recheck:,.0f} ev/s) |"
        )


if __name__ == "__main__":
    main()
