"""The two garden growers' stories (园参): 抚松 and 集安, from plot to the harvest shipped to the red-ginseng
works, at the trade's magnitudes: about 1.2 t of fresh roots a 亩 (docs/DOMAIN.md §Demo data), several
fungicide sprays a season, polygons that enclose the declared areas."""

from __future__ import annotations

from .actors import CERTIFIER, LI, WANG, WORKS
from .fungicides import AZOXYSTROBIN, BACILLUS_SUBTILIS, DIFENOCONAZOLE, IPRODIONE, MANCOZEB, METALAXYL_M, POLYOXIN
from .story import FUSONG, JIAN, METALS_CLEAN, RESIDUES_CLEAN, Recorded, Story, plot

FS, FS_HARVEST = "PLOT-FS-0017", "HV-2025-FS-0017"
JA, JA_HARVEST = "PLOT-JA-0102", "HV-2025-JA-0102"
FS_KG, JA_KG = 15_000, 9_600
"""Fresh roots harvested: 12.5 亩 and 8 亩 at 1.2 t a 亩."""
FS_RECEIVED_KG, JA_RECEIVED_KG = 14_960, 9_580
"""What the works weighs in (a few tens of kilograms lost to weighing, well inside transit_loss)."""

LOTS: dict[str, dict[str, str]] = {
    FS: {"kind": "plot_crop", "product": "园参 garden ginseng", "county": "抚松县"},
    JA: {"kind": "plot_crop", "product": "园参 garden ginseng", "county": "集安市"},
    FS_HARVEST: {"kind": "harvest_lot", "product": "鲜园参 fresh garden ginseng", "county": "抚松县"},
    JA_HARVEST: {"kind": "harvest_lot", "product": "鲜园参 fresh garden ginseng", "county": "集安市"},
}


def fusong() -> list[Recorded]:
    """抚松: 12.5 亩 sown on nursery beds in autumn 2020, the two-year seedlings moved to production beds in
    spring 2023, dug at 5 years (2021-2025) in September 2025: 15 t."""
    s = Story()
    s.add(
        WANG,
        "demo-fs-001",
        FS,
        "register_plot",
        "2019-10-12T02:00:00Z",
        plot(
            "farmland",
            FUSONG,
            12.5,
            [[127.281, 42.332], [127.28195, 42.332], [127.28195, 42.33295], [127.281, 42.33295]],
            altitude_m=720,
            certifications=["GAP", "长白山人参 brand base"],
        ),
    )
    s.add(
        WANG,
        "demo-fs-002",
        FS,
        "source_seed",
        "2020-04-08T01:30:00Z",
        {
            "variety": "大马牙",
            "species": "panax_ginseng",
            "seed_lot": "SD-2019-FS-88",
            "quantity": {"value": 45, "unit": "kg"},
            "supplier": "抚松县种子站",
        },
    )
    # 育苗: seed sown on the plot's nursery beds, the seedlings moved to its production beds two seasons later
    # (the plot's own seedlings: their seasons count from this sowing, docs/DOMAIN.md §Crop age)
    s.add(
        WANG,
        "demo-fs-003",
        FS,
        "sow",
        "2020-10-20T00:30:00Z",
        {"variety": "大马牙", "method": "nursery-bed sowing (育苗床播种)", "seed_lot": "SD-2019-FS-88", "area_mu": 1.5},
    )
    s.add(
        WANG,
        "demo-fs-004",
        FS,
        "transplant",
        "2023-04-15T00:30:00Z",
        {
            "seedling_age_years": 2,
            "area_mu": 12.5,
            "note": "two-year seedlings moved from the nursery beds to production beds",
        },
    )
    # the brand base the grower claims, certified by the brand's certifier, valid through the 2025 harvest; its
    # GAP claim no certificate backs (the page shows it "claimed, not certified")
    s.add(
        CERTIFIER,
        "demo-cert-001",
        FS,
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
    s.add(
        WANG,
        "demo-fs-005",
        FS,
        "field_operation",
        "2023-05-10T01:00:00Z",
        {"operation": "fertilise", "product": "ginseng organic fertiliser", "dose": {"value": 300, "unit": "kg/mu"}},
    )
    s.add(
        WANG,
        "demo-fs-006",
        FS,
        "field_operation",
        "2024-05-02T01:00:00Z",
        {"operation": "shade", "material": "blue-white shade cloth"},
    )
    # 2024: two sprays; the same products may come again next season (once a season, not once a crop)
    s.spray(WANG, "demo-fs-spray-2024-1", FS, "2024-06-10T01:00:00Z", MANCOZEB)
    s.spray(WANG, "demo-fs-spray-2024-2", FS, "2024-07-15T01:00:00Z", AZOXYSTROBIN)
    # 2025, the harvest year: five sprays, four chemicals each once and a biological; the last (iprodione,
    # 30 days) allows harvest from 2025-09-09
    s.spray(WANG, "demo-fs-spray-2025-1", FS, "2025-06-05T01:00:00Z", MANCOZEB)
    s.spray(WANG, "demo-fs-007", FS, "2025-06-20T01:00:00Z", BACILLUS_SUBTILIS)
    s.spray(WANG, "demo-fs-spray-2025-2", FS, "2025-07-05T01:00:00Z", AZOXYSTROBIN)
    s.spray(WANG, "demo-fs-spray-2025-3", FS, "2025-07-25T01:00:00Z", DIFENOCONAZOLE)
    s.spray(WANG, "demo-fs-spray-2025-4", FS, "2025-08-10T01:00:00Z", IPRODIONE)
    s.add(
        WANG,
        "demo-fs-008",
        FS,
        "field_operation",
        "2025-08-28T01:00:00Z",
        {"operation": "inspect", "finding": "healthy, no rust"},
    )
    s.add(
        WANG,
        "demo-fs-009",
        FS_HARVEST,
        "harvest",
        "2025-09-18T00:00:00Z",
        {"crop_age_years": 5, "fresh_weight": {"value": FS_KG, "unit": "kg"}, "root_count": 225_000, "grade": "统货"},
        [FS],
    )
    # a self-check of the fresh roots for residues and metals (no content figures: those are for dried
    # material, docs/DOMAIN.md §Content)
    s.tested(
        WANG,
        FS_HARVEST,
        ("demo-fs-sample-001", "S-2025-0918-01", "2025-09-18T02:00:00Z", "1 kg"),
        ("demo-lab-001", "2025-09-26T06:00:00Z"),
        {"pesticide_residues_mg_kg": RESIDUES_CLEAN, "heavy_metals_mg_kg": METALS_CLEAN},
    )
    s.add(WANG, "demo-fs-release-001", FS_HARVEST, "quality_release", "2025-09-27T01:00:00Z", {"test": "demo-lab-001"})
    s.consign(
        WANG,
        FS_HARVEST,
        ("demo-fs-ship", "2025-09-28T01:00:00Z"),
        ("demo-fs-receive", "2025-09-29T03:00:00Z"),
        WORKS,
        {"net_weight_kg": FS_KG},
        {"net_weight_kg": FS_RECEIVED_KG},
    )
    return s.events


def jian() -> list[Recorded]:
    """集安: 8 亩 sown directly (直播) in autumn 2021, dug at 4 years (2022-2025) in September 2025: 9.6 t."""
    s = Story()
    s.add(
        LI,
        "demo-ja-001",
        JA,
        "register_plot",
        "2020-09-30T02:00:00Z",
        plot("farmland", JIAN, 8.0, [[126.186, 41.126], [126.18707, 41.126], [126.18707, 41.12707]], altitude_m=460),
    )
    s.add(
        LI,
        "demo-ja-002",
        JA,
        "sow",
        "2021-10-25T00:30:00Z",
        {"variety": "二马牙", "method": "direct seeding (直播)", "seed_lot": "SD-2020-JA-12"},
    )
    s.add(LI, "demo-ja-003", JA, "field_operation", "2025-05-18T01:00:00Z", {"operation": "weed", "method": "manual"})
    s.spray(LI, "demo-ja-spray-2025-1", JA, "2025-06-08T01:00:00Z", METALAXYL_M)
    s.spray(LI, "demo-ja-spray-2025-2", JA, "2025-06-28T01:00:00Z", MANCOZEB)
    s.spray(LI, "demo-ja-spray-2025-3", JA, "2025-07-18T01:00:00Z", DIFENOCONAZOLE)
    s.spray(LI, "demo-ja-spray-2025-4", JA, "2025-08-20T01:00:00Z", POLYOXIN)
    s.add(
        LI,
        "demo-ja-004",
        JA_HARVEST,
        "harvest",
        "2025-09-22T00:00:00Z",
        {"crop_age_years": 4, "fresh_weight": {"value": JA_KG, "unit": "kg"}, "root_count": 160_000, "grade": "统货"},
        [JA],
    )
    s.consign(
        LI,
        JA_HARVEST,
        ("demo-ja-ship", "2025-09-27T01:00:00Z"),
        ("demo-ja-receive", "2025-09-29T03:00:00Z"),
        WORKS,
        {"net_weight_kg": JA_KG},
        {"net_weight_kg": JA_RECEIVED_KG},
    )
    return s.events
