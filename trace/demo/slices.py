"""A slice product (饮片 红参片): part of the red-ginseng batch sliced at the works, tested and judged by the
slice limits (ChP 2020 红参片: Rg1+Re >= 0.22 %, Rb1 >= 0.18 %; docs/DOMAIN.md §Content). Its figures lie
between the slices' and the whole herb's limits (红参 Rg1+Re >= 0.25 %, Rb1 >= 0.20 %): they pass only because
the right standard judges them."""

from __future__ import annotations

from .actors import WORKS
from .story import METALS_CLEAN, RESIDUES_CLEAN, Recorded, Story
from .works import RED

SLICES = "YP-2025-1103"
INPUT_KG, OUTPUT_KG = 400, 388
"""Slicing loses 3 % (2-10 %, docs/DOMAIN.md §Mass balance)."""
CONTENT = {"Rg1+Re": 0.23, "Rb1": 0.19}

LOTS: dict[str, dict[str, str]] = {
    SLICES: {"kind": "process_batch", "product": "红参片 red ginseng slices (饮片)", "county": "集安市"},
}


def red_ginseng_slices() -> list[Recorded]:
    s = Story()
    s.add(
        WORKS,
        "demo-yp-001",
        SLICES,
        "process",
        "2025-11-03T00:00:00Z",
        {
            "process": "slicing",
            "input_quantities": [{"lot": RED, "value": INPUT_KG, "unit": "kg"}],
            "steps": ["re-moisten", "slice", "low-temperature dry", "sieve"],
            "outputs": [
                {"output": "main_root", "product": "红参片 red ginseng slices", "value": OUTPUT_KG, "unit": "kg"}
            ],
            "slice_thickness_mm": 1.5,
            "licence": "吉20160031 (药品生产许可证)",
            "expiry_date": "2027-11-02",
        },
        [RED],
    )
    s.tested(
        WORKS,
        SLICES,
        ("demo-yp-sample-001", "S-2025-1103-01", "2025-11-03T06:00:00Z", "500 g"),
        ("demo-yp-test-001", "2025-11-14T06:00:00Z"),
        {
            "basis": "dry",
            "ginsenosides_pct": CONTENT,
            "moisture_pct": 11.2,
            "total_ash_pct": 3.8,
            "heavy_metals_mg_kg": METALS_CLEAN,
            "pesticide_residues_mg_kg": RESIDUES_CLEAN,
        },
    )
    s.add(WORKS, "demo-yp-release-001", SLICES, "quality_release", "2025-11-15T02:00:00Z", {"test": "demo-yp-test-001"})
    return s.events
