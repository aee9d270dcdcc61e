"""The demo's organisations, each with one actor of the same id whose keys derive from the id: published demo
keys that must never sign anything real."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..chain.keys import SignerKey

DEMO_SEED_PREFIX = b"ginseng-trace demo key v1 "

MEMBERSHIP_AT = "2019-09-01T00:00:00Z"
"""When the demo's organisations were enrolled (fixed, so that loading the demo again appends nothing)."""

WANG, LI, COOP, ZHAO, SUN = (
    "fusong-wang-farm",
    "jian-li-farm",
    "jingyu-forest-coop",
    "linjiang-zhao-forest",
    "jingyu-sun-farm",
)
LAB, WORKS, LOGISTICS, SHOP, REGULATOR, CERTIFIER = (
    "jilin-quality-lab",
    "jian-red-ginseng-works",
    "changbai-cold-logistics",
    "changchun-herb-shop",
    "jilin-mpa-inspector",
    "changbaishan-brand-office",
)
LAB_NAME, LAB_ACCREDITATION = "吉林省中药材检测中心", "CNAS L1234"
REGULATOR_NAME = "吉林省药品监督管理局"


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
        WANG,
        "grower",
        "抚松县王氏人参种植场 Wang ginseng farm, Fusong",
        ("PLOT-FS-", "HV-2025-FS-"),
        county="抚松县",
        county_code="220621",
    ),
    DemoActor(
        LI,
        "grower",
        "集安市李氏参园 Li ginseng garden, Ji'an",
        ("PLOT-JA-", "HV-2025-JA-"),
        county="集安市",
        county_code="220582",
    ),
    DemoActor(
        COOP,
        "grower",
        "靖宇县林下参合作社 Jingyu forest ginseng cooperative",
        ("PLOT-JY-", "HV-2025-JY-"),
        county="靖宇县",
        county_code="220622",
    ),
    DemoActor(
        ZHAO,
        "grower",
        "临江市赵氏林下参基地 Zhao forest ginseng base, Linjiang",
        ("PLOT-LJ-", "HV-2025-LJ-"),
        county="临江市",
        county_code="220681",
    ),
    DemoActor(LAB, "lab", LAB_NAME, ("LAB-JL-",), accreditations=(LAB_ACCREDITATION,)),  # its tests name it so
    DemoActor(
        WORKS,
        "processor",
        "集安红参加工厂 Ji'an red ginseng works",
        ("RG-", "PK-", "SS-", "YP-"),  # red ginseng, boxes, sun-dried (生晒), slices (饮片)
        ("6975123",),
        county="集安市",
        county_code="220582",
    ),
    DemoActor(LOGISTICS, "logistics", "长白山冷链物流 Changbai cold-chain logistics", ("CBL-",)),
    DemoActor(SHOP, "retailer", "长春参茸药店 Changchun ginseng and herb shop", ("CCHS-",)),
    DemoActor(REGULATOR, "regulator", f"{REGULATOR_NAME} Jilin Medical Products Administration", ("MPA-JL-",)),
    # issues base certificates (the role certifier): its certificates name it so
    DemoActor(CERTIFIER, "certifier", "吉林省长白山人参品牌认证中心"),
    # grows 西洋参 (Panax quinquefolius) in 靖宇, "the home of 西洋参" (docs/DOMAIN.md §Species)
    DemoActor(
        SUN,
        "grower",
        "靖宇县孙氏西洋参园 Sun American ginseng garden, Jingyu",
        ("PLOT-XY-", "HV-2025-XY-"),
        county="靖宇县",
        county_code="220622",
    ),
)
BY_NAME = {a.name: a for a in ACTORS}
