"""A realistic demo data set: two garden growers and a forest cooperative, a
multi-year crop, field work, harvests, a red-ginseng batch merged from two
harvests, a quality test, packaging into serialised units, shipping, storage
and sale, at the trade's real magnitudes (see ``docs/DOMAIN.md`` §Demo data).

The demo actors' keys are derived from their names, so every run produces the
same keys and the same events: they are published demo keys and must never
sign anything real.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from .chain.keys import SignerKey
from .chain.records import Event, SignedEvent, sign_event
from .events.catalogue import private_fields
from .service import NewActor, Services

DEMO_SEED_PREFIX = b"ginseng-trace demo key v1 "


@dataclass(frozen=True)
class DemoActor:
    """A demo organisation with one actor of the same id (its keys derive from the id)."""

    name: str
    role: str
    organisation: str
    lot_prefixes: tuple[str, ...] = ()
    gs1_company_prefixes: tuple[str, ...] = ()
    county: str | None = None
    county_code: str | None = None  # GB/T 2260
    accreditations: tuple[str, ...] = ()

    @property
    def key(self) -> SignerKey:
        return SignerKey(self.name, hashlib.sha256(DEMO_SEED_PREFIX + self.name.encode()).digest())


ACTORS = (
    DemoActor(
        "fusong-wang-farm",
        "grower",
        "抚松县王氏人参种植场 Wang ginseng farm, Fusong",
        ("PLOT-FS-", "HV-2025-FS-"),
        county="抚松县",
        county_code="220621",
    ),
    DemoActor(
        "jian-li-farm",
        "grower",
        "集安市李氏参园 Li ginseng garden, Ji'an",
        ("PLOT-JA-", "HV-2025-JA-"),
        county="集安市",
        county_code="220582",
    ),
    DemoActor(
        "jingyu-forest-coop",
        "grower",
        "靖宇县林下参合作社 Jingyu forest ginseng cooperative",
        ("PLOT-JY-", "HV-2025-JY-"),
        county="靖宇县",
        county_code="220622",
    ),
    DemoActor(
        "linjiang-zhao-forest",
        "grower",
        "临江市赵氏林下参基地 Zhao forest ginseng base, Linjiang",
        ("PLOT-LJ-", "HV-2025-LJ-"),
        county="临江市",
        county_code="220681",
    ),
    DemoActor(
        "jilin-quality-lab", "lab", "吉林省中药材检测中心", ("LAB-JL-",), accreditations=("CNAS L1234",)
    ),  # its tests name it so
    DemoActor(
        "jian-red-ginseng-works",
        "processor",
        "集安红参加工厂 Ji'an red ginseng works",
        ("RG-", "PK-"),
        ("6975123",),
        county="集安市",
        county_code="220582",
    ),
    DemoActor("changbai-cold-logistics", "logistics", "长白山冷链物流 Changbai cold-chain logistics", ("CBL-",)),
    DemoActor("changchun-herb-shop", "retailer", "长春参茸药店 Changchun ginseng and herb shop", ("CCHS-",)),
    DemoActor(
        "jilin-mpa-inspector", "regulator", "吉林省药品监督管理局 Jilin Medical Products Administration", ("MPA-JL-",)
    ),
    # issues base certificates (the role certifier): its certificates name it so
    DemoActor("changbaishan-brand-office", "certifier", "吉林省长白山人参品牌认证中心"),
)
MEMBERSHIP_AT = "2019-09-01T00:00:00Z"
"""When the demo's organisations were enrolled (fixed, so that loading the demo again appends nothing)."""
_BY_NAME = {a.name: a for a in ACTORS}

GTIN_250G = "06975123400010"
"""GTIN-14 of the demo's 250 g red-ginseng box (valid check digit; demo company prefix)."""
UNITS = 200

LOTS: dict[str, dict[str, str]] = {
    "PLOT-FS-0017": {"kind": "plot_crop", "product": "园参 garden ginseng", "county": "抚松县"},
    "PLOT-JA-0102": {"kind": "plot_crop", "product": "园参 garden ginseng", "county": "集安市"},
    "PLOT-JY-0003": {"kind": "plot_crop", "product": "林下山参 forest ginseng", "county": "靖宇县"},
    "HV-2025-FS-0017": {"kind": "harvest_lot", "product": "鲜园参 fresh garden ginseng", "county": "抚松县"},
    "HV-2025-JA-0102": {"kind": "harvest_lot", "product": "鲜园参 fresh garden ginseng", "county": "集安市"},
    "HV-2025-JY-0003": {"kind": "harvest_lot", "product": "鲜林下山参 fresh forest ginseng", "county": "靖宇县"},
    "PLOT-LJ-0011": {"kind": "plot_crop", "product": "林下山参 forest ginseng", "county": "临江市"},
    "HV-2025-LJ-0011": {
        "kind": "harvest_lot",
        "product": "鲜林下山参 fresh forest ginseng (suspicious: implausible yield)",
        "county": "临江市",
    },
    "RG-2025-0931": {"kind": "process_batch", "product": "红参 red ginseng", "county": "集安市"},
    "PK-2025-0931": {"kind": "packaged_product", "product": "红参 red ginseng 250 g", "county": "集安市"},
}


def _events() -> list[tuple[str, dict[str, Any]]]:
    """(actor, event without actor/key_id) in the order they are recorded."""
    fs, ja, jy = "PLOT-FS-0017", "PLOT-JA-0102", "PLOT-JY-0003"
    ev: list[tuple[str, dict[str, Any]]] = []

    def add(
        actor: str, eid: str, lot: str, typ: str, when: str, payload: dict[str, Any], inputs: list[str] | None = None
    ) -> None:
        event: dict[str, Any] = {"event_id": eid, "lot_id": lot, "type": typ, "occurred_at": when, "payload": payload}
        if inputs:
            event["inputs"] = inputs
        ev.append((actor, event))

    wang, li, coop = "fusong-wang-farm", "jian-li-farm", "jingyu-forest-coop"
    lab, works, logi, shop = (
        "jilin-quality-lab",
        "jian-red-ginseng-works",
        "changbai-cold-logistics",
        "changchun-herb-shop",
    )
    add(
        wang,
        "demo-fs-001",
        fs,
        "register_plot",
        "2019-10-12T02:00:00Z",
        {
            "land_type": "farmland",
            "species": "panax_ginseng",
            "county_code": "220621",
            "county": "抚松县",
            "prefecture": "白山市",
            "area_mu": 12.5,
            "altitude_m": 720,
            "location": {
                "private": True,
                "polygon": [[127.281, 42.332], [127.28195, 42.332], [127.28195, 42.33295], [127.281, 42.33295]],
            },
            "certifications": ["GAP", "长白山人参 brand base"],
        },
    )
    add(
        wang,
        "demo-fs-002",
        fs,
        "source_seed",
        "2020-04-08T01:30:00Z",
        {
            "variety": "大马牙",
            "seed_lot": "SD-2019-FS-88",
            "quantity": {"value": 45, "unit": "kg"},
            "supplier": "抚松县种子站",
        },
    )
    add(wang, "demo-fs-003", fs, "sow", "2020-10-20T00:30:00Z", {"variety": "大马牙", "method": "direct seeding"})
    add(
        wang,
        "demo-fs-004",
        fs,
        "transplant",
        "2023-04-15T00:30:00Z",
        {"note": "two-year seedlings moved to production beds"},
    )
    # the brand base the grower claims, certified by the brand's certifier, valid through the 2025 harvest; its
    # GAP claim no certificate backs (the page shows it "claimed, not certified")
    add(
        "changbaishan-brand-office",
        "demo-cert-001",
        fs,
        "certify",
        "2023-05-01T01:00:00Z",
        {
            "scheme": "changbaishan_brand_base",
            "number": "CBS-JL-2023-0017",
            "issuer": "吉林省长白山人参品牌认证中心",
            "valid_from": "2023-05-01",
            "valid_until": "2026-04-30",
            "scope": "园参种植 12.5 亩",
        },
    )
    add(
        wang,
        "demo-fs-005",
        fs,
        "field_operation",
        "2023-05-10T01:00:00Z",
        {"operation": "fertilise", "product": "ginseng organic fertiliser", "dose": {"value": 300, "unit": "kg/mu"}},
    )
    add(
        wang,
        "demo-fs-006",
        fs,
        "field_operation",
        "2024-05-02T01:00:00Z",
        {"operation": "shade", "material": "blue-white shade cloth"},
    )
    add(
        wang,
        "demo-fs-007",
        fs,
        "field_operation",
        "2025-06-20T01:00:00Z",
        {
            "operation": "pesticide",
            "product": "枯草芽孢杆菌 Bacillus subtilis WP",
            "registration_number": "PD20171234",
            "active_ingredient": "Bacillus subtilis",
            "pesticide_class": "biological",
            "dose": {"value": 1500, "unit": "g a.i./hm2"},
            "method": "spray",
            "pre_harvest_interval_days": 14,
        },
    )
    add(
        wang,
        "demo-fs-008",
        fs,
        "field_operation",
        "2025-08-28T01:00:00Z",
        {"operation": "inspect", "finding": "healthy, no rust"},
    )
    add(
        wang,
        "demo-fs-009",
        "HV-2025-FS-0017",
        "harvest",
        "2025-09-18T00:00:00Z",
        {"crop_age_years": 5, "fresh_weight": {"value": 1450, "unit": "kg"}, "root_count": 21800, "grade": "统货"},
        [fs],
    )

    add(
        li,
        "demo-ja-001",
        ja,
        "register_plot",
        "2020-09-30T02:00:00Z",
        {
            "land_type": "farmland",
            "species": "panax_ginseng",
            "county_code": "220582",
            "county": "集安市",
            "prefecture": "通化市",
            "area_mu": 8.0,
            "altitude_m": 460,
            "location": {"private": True, "polygon": [[126.186, 41.126], [126.18707, 41.126], [126.18707, 41.12707]]},
        },
    )
    add(li, "demo-ja-002", ja, "sow", "2021-10-25T00:30:00Z", {"variety": "二马牙", "seed_lot": "SD-2020-JA-12"})
    add(li, "demo-ja-003", ja, "field_operation", "2025-05-18T01:00:00Z", {"operation": "weed", "method": "manual"})
    add(
        li,
        "demo-ja-004",
        "HV-2025-JA-0102",
        "harvest",
        "2025-09-22T00:00:00Z",
        {"crop_age_years": 4, "fresh_weight": {"value": 900, "unit": "kg"}, "root_count": 14200, "grade": "统货"},
        [ja],
    )

    add(
        coop,
        "demo-jy-001",
        jy,
        "register_plot",
        "2008-06-01T02:00:00Z",
        {
            "land_type": "forest",
            "species": "panax_ginseng",
            "county_code": "220622",
            "county": "靖宇县",
            "prefecture": "白山市",
            "area_mu": 300,
            "location": {"private": True, "polygon": [[126.81, 42.38], [126.81662, 42.38], [126.81662, 42.38662]]},
        },
    )
    add(
        coop,
        "demo-jy-002",
        jy,
        "sow",
        "2009-09-20T01:00:00Z",
        {"variety": "长脖", "method": "seed scattered under forest"},
    )
    add(
        coop,
        "demo-jy-003",
        "HV-2025-JY-0003",
        "harvest",
        "2025-09-10T00:00:00Z",
        {
            "crop_age_years": 16,
            "fresh_weight": {"value": 3.1, "unit": "kg"},
            "root_count": 124,
            "grams_per_root": 25,
            "grade": "一等",
        },
        [jy],
    )

    # The suspicious lot: "forest ginseng" from 20 mu of forest, 1,280 kg in one harvest (4 kg/mu/year,
    # six times the province's forest mean) at 50 g a root, the weight of a garden root: garden ginseng
    # sold as forest ginseng. Every field is well-formed and every hard rule holds, so it is stored; the
    # yield_plausibility rule attaches a finding.
    zhao = "linjiang-zhao-forest"
    add(
        zhao,
        "demo-lj-001",
        "PLOT-LJ-0011",
        "register_plot",
        "2009-05-06T02:00:00Z",
        {
            "land_type": "forest",
            "species": "panax_ginseng",
            "county_code": "220681",
            "county": "临江市",
            "prefecture": "白山市",
            "area_mu": 20,
            "location": {"private": True, "polygon": [[127.09, 41.81], [127.0917, 41.81], [127.0917, 41.8117]]},
        },
    )
    add(zhao, "demo-lj-002", "PLOT-LJ-0011", "sow", "2009-09-25T01:00:00Z", {"variety": "大马牙"})
    add(
        zhao,
        "demo-lj-003",
        "HV-2025-LJ-0011",
        "harvest",
        "2025-09-16T00:00:00Z",
        {
            "crop_age_years": 16,
            "fresh_weight": {"value": 1280, "unit": "kg"},
            "root_count": 25600,
            "grams_per_root": 50,
            "grade": "统货",
        },
        ["PLOT-LJ-0011"],
    )
    add(
        wang,
        "demo-fs-sample-001",
        "HV-2025-FS-0017",
        "sample",
        "2025-09-18T02:00:00Z",
        {"sample_id": "S-2025-0918-01", "lab": lab, "purpose": "self_check", "quantity": {"value": 1, "unit": "kg"}},
    )
    add(
        lab,
        "demo-lab-001",
        "HV-2025-FS-0017",
        "quality_test",
        "2025-09-26T06:00:00Z",
        {
            "lab": "吉林省中药材检测中心",
            "accreditation": "CNAS L1234",
            "sample_id": "S-2025-0918-01",
            "method": "Chinese Pharmacopoeia 2020",
            "pesticide_residues_mg_kg": {"BHC": 0.01, "DDT": 0.01, "PCNB": 0.005},
            "heavy_metals_mg_kg": {"Pb": 0.8, "Cd": 0.1, "As": 0.3, "Hg": 0.02, "Cu": 6.1},
            "verdict": "pass",
        },
    )
    add(
        wang,
        "demo-fs-release-001",
        "HV-2025-FS-0017",
        "quality_release",
        "2025-09-27T01:00:00Z",
        {"test": "demo-lab-001"},
    )
    for farmer, lot, kg, n, day in (
        (wang, "HV-2025-FS-0017", 1450, "fs", "28"),
        (li, "HV-2025-JA-0102", 900, "ja", "27"),
    ):
        add(
            farmer,
            f"demo-{n}-ship",
            lot,
            "ship",
            f"2025-09-{day}T01:00:00Z",
            {"from": farmer, "to": works, "carrier": logi, "net_weight_kg": kg},
        )
        add(
            works,
            f"demo-{n}-receive",
            lot,
            "receive",
            "2025-09-29T03:00:00Z",
            {"from": farmer, "net_weight_kg": kg - (4 if n == "fs" else 2)},
        )
    add(
        works,
        "demo-rg-001",
        "RG-2025-0931",
        "process",
        "2025-10-05T00:00:00Z",
        {
            "process": "steam_red_ginseng",
            "input_quantities": [
                {"lot": "HV-2025-FS-0017", "value": 1200, "unit": "kg"},
                {"lot": "HV-2025-JA-0102", "value": 898, "unit": "kg"},
            ],
            "steps": [
                "soak",
                "wash",
                "brush",
                "sort",
                "steam",
                "air-dry",
                "hot-dry",
                "trim fine roots",
                "low-temperature dry",
                "grade",
            ],
            "steaming": {"temperature_c": 100, "hours": 3},
            "drying": {"temperature_c": 55, "hours": 72},
            "outputs": [
                {"output": "main_root", "product": "红参 main root", "value": 610, "unit": "kg"},
                {"output": "fine_roots", "product": "红参须 fine roots", "value": 120, "unit": "kg"},
            ],
            "final_moisture_pct": 12.5,
        },
        ["HV-2025-FS-0017", "HV-2025-JA-0102"],
    )
    add(
        works,
        "demo-rg-sample-001",
        "RG-2025-0931",
        "sample",
        "2025-10-05T02:00:00Z",
        {"sample_id": "S-2025-1005-07", "lab": lab, "purpose": "self_check", "quantity": {"value": 500, "unit": "g"}},
    )
    add(
        lab,
        "demo-lab-002",
        "RG-2025-0931",
        "quality_test",
        "2025-10-20T06:00:00Z",
        {
            "lab": "吉林省中药材检测中心",
            "accreditation": "CNAS L1234",
            "sample_id": "S-2025-1005-07",
            "method": "Chinese Pharmacopoeia 2020",
            "ginsenosides_pct": {"Rg1+Re": 0.41, "Rb1": 0.33},
            "moisture_pct": 11.8,
            "total_ash_pct": 3.6,
            "heavy_metals_mg_kg": {"Pb": 0.7, "Cd": 0.09, "As": 0.25, "Hg": 0.02, "Cu": 5.4},
            "verdict": "pass",
        },
    )
    add(
        works,
        "demo-rg-release-001",
        "RG-2025-0931",
        "quality_release",
        "2025-10-21T02:00:00Z",
        {"test": "demo-lab-002"},
    )
    add(
        works,
        "demo-pk-001",
        "PK-2025-0931",
        "package",
        "2025-10-25T02:00:00Z",
        {
            "gtin": GTIN_250G,
            "batch": "PK-2025-0931",
            "net_weight_g": 250,
            "intended_use": "medicinal",
            "claims": ["geographical_indication"],
            "units": UNITS,
            "serials": {"first": "0001", "last": f"{UNITS:04d}"},
            "production_date": "2025-10-25",
            "expiry_date": "2028-10-24",
        },
        ["RG-2025-0931"],
    )
    add(
        works,
        "demo-pk-002",
        "PK-2025-0931",
        "ship",
        "2025-11-02T01:00:00Z",
        {
            "from": "jian-red-ginseng-works",
            "to": "changchun-herb-shop",
            "carrier": "changbai-cold-logistics",
            "units": 40,
            "net_weight_kg": 10,
        },
    )
    add(
        logi,
        "demo-pk-003",
        "PK-2025-0931",
        "store",
        "2025-11-03T01:00:00Z",
        {
            "warehouse": "通化中转仓 Tonghua transit",
            "readings": [
                {"at": "2025-11-03T01:00:00Z", "temperature_c": 8.5, "humidity_pct": 55},
                {"at": "2025-11-03T13:00:00Z", "temperature_c": 9.0, "humidity_pct": 57},
            ],
        },
    )
    add(
        shop,
        "demo-pk-004",
        "PK-2025-0931",
        "receive",
        "2025-11-04T03:00:00Z",
        {"from": "jian-red-ginseng-works", "units": 40, "net_weight_kg": 10},
    )
    add(
        shop,
        "demo-pk-005",
        "PK-2025-0931",
        "sell",
        "2025-11-20T07:30:00Z",
        {
            "units": 2,
            "serials": ["0007", "0008"],
            "buyer_type": "consumer",
            "city": "长春",
            "invoice_reference": "FP-22010093147",
        },
    )
    return ev


def demo_events() -> list[SignedEvent]:
    """The demo's events, signed by their actors (deterministic)."""
    signed: list[SignedEvent] = []
    for actor_name, body in _events():
        key = _BY_NAME[actor_name].key
        event = Event.from_json({**body, "actor": actor_name, "key_id": key.verifier().key_id_hex})
        signed.append(sign_event(event, key, private=private_fields(event.type)))
    return signed


def load_demo(ledger: Services) -> dict[str, Any]:
    """Enrol the demo organisations with their roles and keys through membership events signed by the
    ledger's operator, append the demo events (idempotent), and return the manifest."""
    results = []
    for actor in ACTORS:
        results += ledger.membership.enrol(
            actor.name,
            actor.organisation,
            [actor.role],
            actor.lot_prefixes,
            [NewActor(actor.key.verifier(), kind="person")],
            gs1_company_prefixes=actor.gs1_company_prefixes,
            county=actor.county,
            county_code=actor.county_code,
            accreditations=actor.accreditations,
            event_ids=[f"demo-org-{actor.name}-{n}" for n in (1, 2, 3)],
            occurred_at=MEMBERSHIP_AT,
        )
    results += ledger.events.append_batch(demo_events())
    if ledger.log_signer is not None:  # the demo's lots are logged at once: their pages and bundles open
        ledger.checkpointer.publish()
    return manifest(
        created=sum(r.created for r in results), heads={r.record.event["lot_id"]: r.record.record_hash for r in results}
    )


def manifest(*, created: int, heads: dict[str, str]) -> dict[str, Any]:
    return {
        "about": "Ginseng Trace demo data set; the actors' signer keys are public demo keys, never use them for real",
        "events_created": created,
        "lots": [{"lot_id": lot, **info, "head": heads.get(lot)} for lot, info in LOTS.items()],
        "packaged_units": [
            {"gtin": GTIN_250G, "lot": "PK-2025-0931", "serial": f"{n:04d}"} for n in range(1, UNITS + 1)
        ],
        "actors": [
            {
                "actor": a.name,
                "role": a.role,
                "organisation": a.organisation,
                "verifier_key": a.key.verifier().text(),
                "signer_key": a.key.text(),
            }
            for a in ACTORS
        ],
    }
