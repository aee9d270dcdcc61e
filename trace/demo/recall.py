"""A recalled harvest whose boxes are on a shop's shelf (docs/DOMAIN.md §Holds and recalls): the 集安 garden's
second plot, its harvest sun-dried (生晒参) at the works, tested, released and packed into 250 g boxes, 40 of
them shipped to and received by the shop; then the provincial drug administration recalls the *harvest*. The
recall reaches every lot made from it: the batch and the boxes on the shelf cannot move or be sold, and their
pages and JSON show the recall, naming the harvest lot it came from."""

from __future__ import annotations

from .actors import LI, REGULATOR, REGULATOR_NAME, SHOP, WORKS
from .fungicides import AZOXYSTROBIN, IPRODIONE, MANCOZEB
from .story import JIAN, METALS_CLEAN, RESIDUES_CLEAN, Recorded, Story, plot

PLOT, HARVEST, DRIED, BOXES = "PLOT-JA-0108", "HV-2025-JA-0108", "SS-2025-1002", "PK-2025-1016"
GTIN_SUN_DRIED_250G = "06975123400027"
"""GTIN-14 of the demo's 250 g sun-dried ginseng box (valid check digit; demo company prefix)."""
UNITS = 120
HARVEST_KG, RECEIVED_KG = 3600, 3590
"""3 亩 at 1.2 t a 亩, and what the works weighs in."""
MAIN_ROOT_KG, FINE_ROOTS_KG = 1040, 150
"""3.59 t fresh dried to 1.19 t (33 %; the bound at 12 % moisture is 3.59 t x 0.30 / 0.88 x 1.05 = 1.28 t),
a fresh-to-main-root ratio of 3.45."""
RECALL = "demo-recall-001"

LOTS: dict[str, dict[str, str]] = {
    PLOT: {"kind": "plot_crop", "product": "园参 garden ginseng", "county": "集安市"},
    HARVEST: {"kind": "harvest_lot", "product": "鲜园参 fresh garden ginseng (recalled)", "county": "集安市"},
    DRIED: {
        "kind": "process_batch",
        "product": "生晒参 sun-dried ginseng (recalled with its harvest)",
        "county": "集安市",
    },
    BOXES: {
        "kind": "packaged_product",
        "product": "生晒参 sun-dried ginseng 250 g (recalled with its harvest; 40 on the shop's shelf)",
        "county": "集安市",
    },
}


def recalled_harvest() -> list[Recorded]:
    s = Story()
    s.add(
        LI,
        "demo-ja8-001",
        PLOT,
        "register_plot",
        "2021-09-20T02:00:00Z",
        plot(
            "farmland",
            JIAN,
            3.0,
            [[126.19, 41.13], [126.19053, 41.13], [126.19053, 41.1304], [126.19, 41.1304]],
            altitude_m=480,
        ),
    )
    s.add(
        LI,
        "demo-ja8-002",
        PLOT,
        "sow",
        "2021-10-26T00:30:00Z",
        {
            "variety": "二马牙",
            "species": "panax_ginseng",
            "method": "direct seeding (直播)",
            "seed_lot": "SD-2020-JA-12",
        },
    )
    s.spray(LI, "demo-ja8-spray-2025-1", PLOT, "2025-06-09T01:00:00Z", MANCOZEB)
    s.spray(LI, "demo-ja8-spray-2025-2", PLOT, "2025-07-10T01:00:00Z", AZOXYSTROBIN)
    s.spray(LI, "demo-ja8-spray-2025-3", PLOT, "2025-08-05T01:00:00Z", IPRODIONE)
    s.add(
        LI,
        "demo-ja8-003",
        HARVEST,
        "harvest",
        "2025-09-24T00:00:00Z",
        {
            "crop_age_years": 4,
            "fresh_weight": {"value": HARVEST_KG, "unit": "kg"},
            "root_count": 60_000,
            "grade": "统货",
        },
        [PLOT],
    )
    s.consign(
        LI,
        HARVEST,
        ("demo-ja8-ship", "2025-09-27T02:00:00Z"),
        ("demo-ja8-receive", "2025-09-29T04:00:00Z"),
        WORKS,
        {"net_weight_kg": HARVEST_KG},
        {"net_weight_kg": RECEIVED_KG},
    )
    s.add(
        WORKS,
        "demo-ss-001",
        DRIED,
        "process",
        "2025-10-02T00:00:00Z",
        {
            "process": "sun_drying",
            "input_quantities": [{"lot": HARVEST, "value": RECEIVED_KG, "unit": "kg"}],
            "steps": ["wash", "brush", "sort", "sun-dry", "low-temperature dry", "grade"],
            "drying": {"temperature_c": 45, "hours": 96},
            "outputs": [
                {"output": "main_root", "product": "生晒参 main root", "value": MAIN_ROOT_KG, "unit": "kg"},
                {"output": "fine_roots", "product": "生晒参须 fine roots", "value": FINE_ROOTS_KG, "unit": "kg"},
            ],
            "final_moisture_pct": 12.0,
        },
        [HARVEST],
    )
    s.tested(
        WORKS,
        DRIED,
        ("demo-ss-sample-001", "S-2025-1003-02", "2025-10-03T02:00:00Z", "500 g"),
        ("demo-ss-test-001", "2025-10-14T06:00:00Z"),
        {
            "basis": "dry",
            "ginsenosides_pct": {"Rg1+Re": 0.38, "Rb1": 0.27},
            "moisture_pct": 11.0,
            "total_ash_pct": 3.9,
            "heavy_metals_mg_kg": METALS_CLEAN,
            "pesticide_residues_mg_kg": RESIDUES_CLEAN,
        },
    )
    s.add(WORKS, "demo-ss-release-001", DRIED, "quality_release", "2025-10-15T02:00:00Z", {"test": "demo-ss-test-001"})
    s.add(
        WORKS,
        "demo-ssp-001",
        BOXES,
        "package",
        "2025-10-16T02:00:00Z",
        {
            "gtin": GTIN_SUN_DRIED_250G,
            "batch": BOXES,
            "net_weight_g": 250,
            "intended_use": "medicinal",
            "units": UNITS,
            "serials": {"first": "0001", "last": f"{UNITS:04d}"},
            "production_date": "2025-10-16",
            "expiry_date": "2028-10-15",
        },
        [DRIED],
    )
    s.consign(
        WORKS,
        BOXES,
        ("demo-ssp-ship", "2025-11-05T01:00:00Z"),
        ("demo-ssp-receive", "2025-11-06T03:00:00Z"),
        SHOP,
        {"units": 40, "net_weight_kg": 10},
        {"units": 40, "net_weight_kg": 10},
    )
    s.add(
        REGULATOR,
        RECALL,
        HARVEST,
        "recall",
        "2025-11-26T02:00:00Z",
        {
            "reason": "现场检查发现该地块曾施用未记录的农药：召回本批采收及其全部产品，待残留复检 (an inspection found "
            "an unrecorded pesticide used on the plot: this harvest and every product made from it are recalled "
            "until residues are retested)",
            "authority": REGULATOR_NAME,
            "reference": "吉药监〔2025〕17号",
        },
    )
    return s.events
