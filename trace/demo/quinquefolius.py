"""A 西洋参 (Panax quinquefolius) garden in 靖宇县 (docs/DOMAIN.md §Species), its harvest, and a sun-dried batch
of it waiting for its test: a sample is with the lab and no result has come back, so the quality gate holds
the batch back (it may not be shipped to a retailer or sold; docs/DOMAIN.md §Quality release)."""

from __future__ import annotations

from .actors import SUN, WORKS
from .fungicides import DIFENOCONAZOLE, MANCOZEB, POLYOXIN
from .story import JINGYU, Recorded, Story, plot

PLOT, HARVEST, DRIED = "PLOT-XY-0005", "HV-2025-XY-0005", "SS-2025-1010"
HARVEST_KG, RECEIVED_KG = 4000, 3990
"""5 亩 at 0.8 t a 亩 (西洋参's yield is not in docs/DOMAIN.md: the demo's assumption, below 园参's 1.2 t)."""
MAIN_ROOT_KG, FINE_ROOTS_KG = 1150, 180
"""3.99 t fresh dried to 1.33 t (33 %; the bound at 12 % moisture is 1.43 t), a ratio of 3.47."""
SAMPLE = "demo-xy-sample-001"

LOTS: dict[str, dict[str, str]] = {
    PLOT: {"kind": "plot_crop", "product": "西洋参 American ginseng (Panax quinquefolius)", "county": "靖宇县"},
    HARVEST: {"kind": "harvest_lot", "product": "鲜西洋参 fresh American ginseng", "county": "靖宇县"},
    DRIED: {
        "kind": "process_batch",
        "product": "西洋参 sun-dried American ginseng (awaiting its test)",
        "county": "靖宇县",
    },
}


def american_ginseng() -> list[Recorded]:
    s = Story()
    s.add(
        SUN,
        "demo-xy-001",
        PLOT,
        "register_plot",
        "2021-08-20T02:00:00Z",
        plot(
            "farmland",
            JINGYU,
            5.0,
            [[126.8, 42.39], [126.8007, 42.39], [126.8007, 42.39052], [126.8, 42.39052]],
            species="panax_quinquefolius",
            altitude_m=560,
        ),
    )
    s.add(
        SUN,
        "demo-xy-002",
        PLOT,
        "source_seed",
        "2021-09-01T01:30:00Z",
        {
            "variety": "西洋参",
            "species": "panax_quinquefolius",
            "seed_lot": "SD-2021-XY-03",
            "quantity": {"value": 30, "unit": "kg"},
            "supplier": "靖宇县西洋参种子站",
        },
    )
    s.add(
        SUN,
        "demo-xy-003",
        PLOT,
        "sow",
        "2021-10-15T00:30:00Z",
        {
            "variety": "西洋参",
            "species": "panax_quinquefolius",
            "method": "direct seeding (直播)",
            "seed_lot": "SD-2021-XY-03",
        },
    )
    s.spray(SUN, "demo-xy-spray-2025-1", PLOT, "2025-06-12T01:00:00Z", MANCOZEB)
    s.spray(SUN, "demo-xy-spray-2025-2", PLOT, "2025-07-12T01:00:00Z", DIFENOCONAZOLE)
    s.spray(SUN, "demo-xy-spray-2025-3", PLOT, "2025-08-12T01:00:00Z", POLYOXIN)
    s.add(
        SUN,
        "demo-xy-004",
        HARVEST,
        "harvest",
        "2025-09-26T00:00:00Z",
        {
            "crop_age_years": 4,
            "fresh_weight": {"value": HARVEST_KG, "unit": "kg"},
            "root_count": 100_000,
            "grade": "统货",
        },
        [PLOT],
    )
    s.consign(
        SUN,
        HARVEST,
        ("demo-xy-ship", "2025-10-08T01:00:00Z"),
        ("demo-xy-receive", "2025-10-09T03:00:00Z"),
        WORKS,
        {"net_weight_kg": HARVEST_KG},
        {"net_weight_kg": RECEIVED_KG},
    )
    s.add(
        WORKS,
        "demo-xy-dry-001",
        DRIED,
        "process",
        "2025-10-10T00:00:00Z",
        {
            "process": "sun_drying",
            "species": "panax_quinquefolius",
            "input_quantities": [{"lot": HARVEST, "value": RECEIVED_KG, "unit": "kg"}],
            "steps": ["wash", "brush", "sort", "low-temperature dry", "grade"],
            "drying": {"temperature_c": 38, "hours": 240},
            "outputs": [
                {"output": "main_root", "product": "西洋参 main root", "value": MAIN_ROOT_KG, "unit": "kg"},
                {"output": "fine_roots", "product": "西洋参须 fine roots", "value": FINE_ROOTS_KG, "unit": "kg"},
            ],
            "final_moisture_pct": 12.0,
        },
        [HARVEST],
    )
    # the sample is with the lab; its result has not come back
    s.add(
        WORKS,
        SAMPLE,
        DRIED,
        "sample",
        "2025-11-24T02:00:00Z",
        {
            "sample_id": "S-2025-1124-05",
            "lab": "jilin-quality-lab",
            "purpose": "self_check",
            "quantity": {"value": 500, "unit": "g"},
        },
    )
    return s.events
