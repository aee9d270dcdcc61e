"""The forest growers' stories (林下山参): the honest 靖宇 cooperative, at the province's forest yield of about
0.67 kg a 亩 a year (docs/DOMAIN.md §Yield plausibility), and the suspicious 临江 lot."""

from __future__ import annotations

from .actors import COOP, ZHAO
from .story import JINGYU, LINJIANG, Recorded, Story, plot

JY, JY_HARVEST = "PLOT-JY-0003", "HV-2025-JY-0003"
LJ, LJ_HARVEST = "PLOT-LJ-0011", "HV-2025-LJ-0011"

LOTS: dict[str, dict[str, str]] = {
    JY: {"kind": "plot_crop", "product": "林下山参 forest ginseng", "county": "靖宇县"},
    JY_HARVEST: {"kind": "harvest_lot", "product": "鲜林下山参 fresh forest ginseng", "county": "靖宇县"},
    LJ: {"kind": "plot_crop", "product": "林下山参 forest ginseng", "county": "临江市"},
    LJ_HARVEST: {
        "kind": "harvest_lot",
        "product": "鲜林下山参 fresh forest ginseng (suspicious: implausible yield)",
        "county": "临江市",
    },
}


def jingyu() -> list[Recorded]:
    """300 亩 of forest sown in 2009, dug at 16 years: 3.2 t (0.67 kg a 亩 a year) of 25 g roots."""
    s = Story()
    s.add(
        COOP,
        "demo-jy-001",
        JY,
        "register_plot",
        "2008-06-01T02:00:00Z",
        plot("forest", JINGYU, 300, [[126.81, 42.38], [126.81662, 42.38], [126.81662, 42.38662]]),
    )
    s.add(
        COOP,
        "demo-jy-002",
        JY,
        "sow",
        "2009-09-20T01:00:00Z",
        {"variety": "长脖", "method": "seed scattered under forest"},
    )
    s.add(
        COOP,
        "demo-jy-003",
        JY_HARVEST,
        "harvest",
        "2025-09-10T00:00:00Z",
        {
            "crop_age_years": 16,
            "fresh_weight": {"value": 3200, "unit": "kg"},
            "root_count": 128_000,
            "grams_per_root": 25,
            "grade": "一等",
        },
        [JY],
    )
    return s.events


def linjiang() -> list[Recorded]:
    """The suspicious lot: "forest ginseng" from 20 亩 of forest, 1,280 kg in one harvest (4 kg a 亩 a year,
    six times the province's forest mean) at 50 g a root, the weight of a garden root: garden ginseng sold as
    forest ginseng. Every field is well-formed and every hard rule holds, so it is stored; the
    yield_plausibility rule attaches a finding."""
    s = Story()
    s.add(
        ZHAO,
        "demo-lj-001",
        LJ,
        "register_plot",
        "2009-05-06T02:00:00Z",
        plot("forest", LINJIANG, 20, [[127.09, 41.81], [127.0917, 41.81], [127.0917, 41.8117]]),
    )
    s.add(ZHAO, "demo-lj-002", LJ, "sow", "2009-09-25T01:00:00Z", {"variety": "大马牙"})
    s.add(
        ZHAO,
        "demo-lj-003",
        LJ_HARVEST,
        "harvest",
        "2025-09-16T00:00:00Z",
        {
            "crop_age_years": 16,
            "fresh_weight": {"value": 1280, "unit": "kg"},
            "root_count": 25600,
            "grams_per_root": 50,
            "grade": "统货",
        },
        [LJ],
    )
    return s.events
