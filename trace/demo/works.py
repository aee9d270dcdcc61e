"""The red-ginseng works' story: a red-ginseng batch (红参) steamed from both gardens' harvests at about a third
of their fresh weight, tested and released, packed into 200 serialised 250 g boxes with a
geographical-indication claim, shipped to the shop through a cold store, received and two boxes sold."""

from __future__ import annotations

from .actors import LOGISTICS, SHOP, WORKS
from .gardens import FS_HARVEST, JA_HARVEST
from .story import Recorded, Story

GTIN_250G = "06975123400010"
"""GTIN-14 of the demo's 250 g red-ginseng box (valid check digit; demo company prefix)."""
UNITS = 200
RED, BOXES = "RG-2025-0931", "PK-2025-0931"
RED_INPUT_KG = {FS_HARVEST: 6000, JA_HARVEST: 4000}
RED_MAIN_ROOT_KG, RED_FINE_ROOTS_KG = 2900, 500
"""10 t fresh give 3.4 t (34 %; the dry-matter bound at 12.5 % moisture is 10 t x 0.30 / 0.875 x 1.05 = 3.6 t),
a fresh-to-main-root ratio of 3.45."""

LOTS: dict[str, dict[str, str]] = {
    RED: {"kind": "process_batch", "product": "红参 red ginseng", "county": "集安市"},
    BOXES: {"kind": "packaged_product", "product": "红参 red ginseng 250 g", "county": "集安市"},
}


def red_ginseng() -> list[Recorded]:
    s = Story()
    s.add(
        WORKS,
        "demo-rg-001",
        RED,
        "process",
        "2025-10-05T00:00:00Z",
        {
            "process": "steam_red_ginseng",
            "input_quantities": [{"lot": lot, "value": kg, "unit": "kg"} for lot, kg in RED_INPUT_KG.items()],
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
                {"output": "main_root", "product": "红参 main root", "value": RED_MAIN_ROOT_KG, "unit": "kg"},
                {"output": "fine_roots", "product": "红参须 fine roots", "value": RED_FINE_ROOTS_KG, "unit": "kg"},
            ],
            "final_moisture_pct": 12.5,
        },
        list(RED_INPUT_KG),
    )
    s.tested(
        WORKS,
        RED,
        ("demo-rg-sample-001", "S-2025-1005-07", "2025-10-05T02:00:00Z", "500 g"),
        ("demo-lab-002", "2025-10-20T06:00:00Z"),
        {
            "ginsenosides_pct": {"Rg1+Re": 0.41, "Rb1": 0.33},
            "moisture_pct": 11.8,
            "total_ash_pct": 3.6,
            "heavy_metals_mg_kg": {"Pb": 0.7, "Cd": 0.09, "As": 0.25, "Hg": 0.02, "Cu": 5.4},
        },
    )
    s.add(WORKS, "demo-rg-release-001", RED, "quality_release", "2025-10-21T02:00:00Z", {"test": "demo-lab-002"})
    s.add(
        WORKS,
        "demo-pk-001",
        BOXES,
        "package",
        "2025-10-25T02:00:00Z",
        {
            "gtin": GTIN_250G,
            "batch": BOXES,
            "net_weight_g": 250,
            "intended_use": "medicinal",
            "claims": ["geographical_indication"],
            "units": UNITS,
            "serials": {"first": "0001", "last": f"{UNITS:04d}"},
            "production_date": "2025-10-25",
            "expiry_date": "2028-10-24",
            # the works reports to MOFCOM's 中药材流通追溯体系 too: its 追溯码 is printed beside the QR (a made-up
            # code: SB/T 11039's code structure is not in the sources this demo was built from)
            "national_trace_code": "22062120251025093100",
        },
        [RED],
    )
    s.add(
        WORKS,
        "demo-pk-002",
        BOXES,
        "ship",
        "2025-11-02T01:00:00Z",
        {"from": WORKS, "to": SHOP, "carrier": LOGISTICS, "units": 40, "net_weight_kg": 10},
    )
    s.add(
        LOGISTICS,
        "demo-pk-003",
        BOXES,
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
    s.add(
        SHOP, "demo-pk-004", BOXES, "receive", "2025-11-04T03:00:00Z", {"from": WORKS, "units": 40, "net_weight_kg": 10}
    )
    s.add(
        SHOP,
        "demo-pk-005",
        BOXES,
        "sell",
        "2025-11-20T07:30:00Z",
        {
            "units": 2,
            "serials": ["0007", "0008"],
            "buyer_type": "consumer",
            "city": "长春",
            "national_trace_code": "22010220251120000708",
            "invoice_reference": "FP-22010093147",
        },
    )
    return s.events
