"""Realistic ginseng lifecycles as plain steps, for the rules' example tests and property tests (no database).

A lifecycle: plots registered and sown years before, pesticide applications in the harvest season's spring
and summer, a September harvest per plot, the harvests shipped to a processor, processed (merged into one
batch or one batch each), tested and released for sale (放行), packed into 250 g boxes, stored, passed along
a chain of custodians and sold.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from ginseng_trace.chain import Event
from ginseng_trace.chain.times import format_utc
from ginseng_trace.events.findings import Finding
from ginseng_trace.events.membership import KeyGrant, Member, Membership, Organisation
from ginseng_trace.events.rules import Inspector

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
GROWER, PROCESSOR, LAB, CARRIER = "grower-a", "works-b", "lab-c", "carrier-d"
CERTIFIER = "certifier-h"
CERTIFIER_NAME = "吉林省长白山人参品牌认证中心"
"""The certifier's registered name, which its certificates carry."""
HOLDERS = ("works-b", "wholesale-e", "shop-f", "shop-g")
ROLES_OF = {
    GROWER: ["grower"],
    PROCESSOR: ["processor"],
    LAB: ["lab"],
    CARRIER: ["logistics"],
    "wholesale-e": ["retailer"],
    "shop-f": ["retailer"],
    "shop-g": ["retailer"],
    "jilin-regulator": ["regulator"],
    "regulator": ["regulator"],
    "someone-else": ["grower"],
    "certifier-h": ["certifier"],
}
"""Each lifecycle party's role."""
PREFIXES_OF = {
    GROWER: ["PLOT-", "HV-"],
    PROCESSOR: ["RG-", "PK-", "SL-", "CASE-", "PAL-"],
    CARRIER: ["CD-"],
    "wholesale-e": ["WE-"],
    "shop-f": ["SF-"],
    "shop-g": ["SG-"],
    "someone-else": ["SE-"],
}
"""Each lifecycle party's own lot-id prefixes (disjoint, as the ledger requires); labs and regulators have none."""
COUNTIES = {"220621": "抚松县", "220622": "靖宇县", "220582": "集安市", "222403": "敦化市", "220282": "桦甸市"}
"""GI counties by GB/T 2260 code; a generated plot states the code, the name, or both (records from before codes
name the county only, with its suffix)."""
SPECIES = ("panax_ginseng", "panax_quinquefolius")


@dataclass
class Step:
    actor: str
    lot: str
    type: str
    when: datetime
    payload: dict[str, Any]
    inputs: tuple[str, ...] = ()
    eid: str | None = None  # a fixed event id (a test that a release names), else e<position>

    def naming(self, ids: dict[str, str], event_id: str) -> Step:
        """This step as recorded under ``event_id`` by a test that names its own event ids: ``ids`` (a step's
        fixed id -> the id it was recorded under) is kept, and a release names its test as recorded."""
        if self.eid:
            ids[self.eid] = event_id
        test = self.payload.get("test") if self.type == "quality_release" else None
        if isinstance(test, str) and test in ids:
            return dataclasses.replace(self, payload={**self.payload, "test": ids[test]})
        return self

    def event(self, i: int) -> Event:
        body: dict[str, Any] = {
            "event_id": self.eid or f"e{i}",
            "lot_id": self.lot,
            "type": self.type,
            "occurred_at": format_utc(self.when),
            "actor": self.actor,
            "key_id": "00000000",
            "payload": self.payload,
        }
        if self.inputs:
            body["inputs"] = list(self.inputs)
        return Event.from_json(body)


@dataclass
class Story:
    """Steps in order, with notes of where each kind of fact sits (for mutations)."""

    steps: list[Step] = field(default_factory=list)
    where: dict[str, list[int]] = field(default_factory=dict)

    def add(self, step: Step, *tags: str) -> Step:
        for tag in tags:
            self.where.setdefault(tag, []).append(len(self.steps))
        self.steps.append(step)
        return step

    def remove(self, index: int) -> Step:
        """Take out the step at ``index``, keeping the notes of where the others sit."""
        self.where = {k: [i if i < index else i - 1 for i in v if i != index] for k, v in self.where.items()}
        return self.steps.pop(index)

    def insert(self, index: int, step: Step, *tags: str) -> Step:
        """Put ``step`` in at ``index``, keeping the notes of where the others sit."""
        self.where = {k: [i if i < index else i + 1 for i in v] for k, v in self.where.items()}
        for tag in tags:
            self.where.setdefault(tag, []).append(index)
            self.where[tag].sort()
        self.steps.insert(index, step)
        return step

    def copy(self) -> Story:
        return Story(copy.deepcopy(self.steps), {k: list(v) for k, v in self.where.items()})


def members(roles_of: dict[str, list[str]] = ROLES_OF) -> Membership:
    """Membership in which each party is an organisation of one actor (itself), with the roles given, every
    lot-id prefix and the key id the steps sign with (00000000), valid from the start of the log."""
    orgs = {
        actor: Organisation(
            actor,
            {LAB: LAB_NAME, CERTIFIER: CERTIFIER_NAME}.get(actor, actor),
            roles,
            list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
            gs1_company_prefixes=["6975123"],
            accreditations=["CNAS L1234"] if actor == LAB else [],
            actors={actor: Member("person", keys={"00000000": KeyGrant(f"{actor}+00000000+", -1)})},
        )
        for actor, roles in roles_of.items()
    }
    return Membership(orgs=orgs)


def inspector() -> Inspector:
    """An inspector over no lots yet, with the lifecycle parties as members (:func:`members`)."""
    return Inspector(membership=members())


def judge_all(steps: list[Step], recorded: datetime = NOW) -> list[list[Finding]]:
    """What the rules say of each step, each judged against the states the steps before it left."""
    judging = inspector()
    found = []
    for i, step in enumerate(steps):
        event = step.event(i)
        found.append(judging.judge(event, i, recorded))
        judging.admit(event, i, recorded)
    return found


LAB_NAME = "吉林省中药材检测中心"
"""The lab's registered name, which its tests carry."""


# an honest lab's ginsenosides for each species (docs/DOMAIN.md §Content): 人参 well above Rg1+Re 0.30 % and
# Rb1 0.20 %; 西洋参, richer in Re and Rb1, above its monograph's Rg1+Re+Rb1 2.0 %
GINSENOSIDES = {"panax_ginseng": {"Rg1+Re": 0.41, "Rb1": 0.33}, "panax_quinquefolius": {"Rg1+Re": 1.1, "Rb1": 1.6}}


def _lab_result(species: str = "panax_ginseng") -> dict[str, Any]:
    return {
        "lab": LAB_NAME,
        "sample_id": "S-1",
        "method": "Chinese Pharmacopoeia 2020",
        "ginsenosides_pct": dict(GINSENOSIDES[species]),
        "moisture_pct": 11.5,
        "total_ash_pct": 3.6,
        "heavy_metals_mg_kg": {"Pb": 0.7, "Cd": 0.09, "As": 0.25, "Hg": 0.02, "Cu": 5.4},
        "pesticide_residues_mg_kg": {"BHC": 0.01, "DDT": 0.01, "PCNB": 0.005},
        "verdict": "pass",
    }


def square(area_mu: float, scale: float = 1.0, lon: float = 127.281, lat: float = 42.332) -> dict[str, Any]:
    """A plot's private location: a square enclosing ``area_mu`` x ``scale``² (1 亩 = 666.67 m²)."""
    side_deg = math.degrees(math.sqrt(area_mu * 10000 / 15) * scale / 6371007.181)
    east = lon + side_deg / math.cos(math.radians(lat))
    north = lat + side_deg
    return {"private": True, "polygon": [[lon, lat], [east, lat], [east, north], [lon, north]]}


@st.composite
def places(draw: st.DrawFn) -> dict[str, str]:
    """Where a generated plot is: a GI county's code, its name, or both."""
    code = draw(st.sampled_from(sorted(COUNTIES)))
    stated = draw(st.sampled_from([("county_code",), ("county",), ("county_code", "county")]))
    return {k: code if k == "county_code" else COUNTIES[code] for k in stated}


@st.composite
def lifecycles(draw: st.DrawFn) -> Story:
    """A random valid lifecycle: every hard rule holds and no soft rule fires."""
    story = Story()
    harvest_year = 2025
    plots = draw(st.integers(1, 3))
    harvests: list[tuple[str, float]] = []
    species = draw(st.sampled_from(SPECIES))
    for p in range(plots):
        plot, lot = f"PLOT-{p}", f"HV-{p}"
        forest = draw(st.booleans())
        age = draw(st.integers(15, 20)) if forest else draw(st.integers(4, 6))
        area = draw(st.floats(50, 500)) if forest else draw(st.floats(2, 20))
        # bought-in seedlings (种苗, 1-3 years old) for some garden plots; forest ginseng is sown
        seedlings = 0 if forest else draw(st.sampled_from([0, 0, 1, 2, 3]))
        seasons = age - seedlings
        # the first growing season is harvest_year - seasons + 1: sown (or planted) that spring, or the autumn before
        if draw(st.booleans()):
            sown = datetime(harvest_year - seasons + 1, 4, draw(st.integers(10, 28)), tzinfo=UTC)
        else:
            sown = datetime(harvest_year - seasons, draw(st.integers(9, 10)), draw(st.integers(1, 28)), tzinfo=UTC)
        mapped = draw(st.booleans())  # a polygon within ±10 % of the declared area, or none
        story.add(
            Step(
                GROWER,
                plot,
                "register_plot",
                sown - timedelta(days=180),
                {
                    "land_type": "forest" if forest else "farmland",
                    "species": species,
                    **draw(places()),
                    "area_mu": round(area, 1),
                    **({"location": square(round(area, 1), draw(st.floats(0.95, 1.05)))} if mapped else {}),
                    "certifications": ["GB/T 19506 地理标志产品"],
                },
            ),
            "register",
        )
        sowing: dict[str, Any] = {"variety": "大马牙"}
        if draw(st.booleans()):
            sowing["species"] = species
        if seedlings:
            # the seller's record of the seedlings, and their planting: the age stated on either or both
            seed: dict[str, Any] = {
                "variety": "大马牙",
                "seed_lot": f"SM-{p}",
                "quantity": {"value": 1e4, "unit": "count"},
            }
            stated = draw(st.sampled_from(["source", "sow", "both"]))
            if stated != "sow":
                seed["seedling_age_years"] = seedlings
            if stated != "source":
                sowing["seedling_age_years"] = seedlings
            sowing["seed_lot"] = f"SM-{p}"
            story.add(Step(GROWER, plot, "source_seed", sown - timedelta(days=7), seed), "source_seed")
        story.add(Step(GROWER, plot, "sow", sown, sowing), "sow")
        harvested = datetime(harvest_year, 9, draw(st.integers(5, 28)), tzinfo=UTC)
        for k in range(draw(st.integers(0, 2)) if not forest else 0):
            story.add(
                Step(
                    GROWER,
                    plot,
                    "field_operation",
                    datetime(harvest_year, 5 + k, draw(st.integers(1, 28)), tzinfo=UTC),
                    {
                        "operation": "pesticide",
                        "product": f"product {k}",
                        "registration_number": f"PD2017{k:04d}",
                        "active_ingredient": f"ingredient {k}",
                        "dose": {"value": 500, "unit": "g a.i./hm2"},
                        "pre_harvest_interval_days": draw(st.integers(7, 45)),
                    },
                ),
                "pesticide",
            )
        per_mu = age * draw(st.floats(0.2, 1.5)) if forest else draw(st.floats(800, 2000))
        fresh = round(area * per_mu, 1)
        story.add(
            Step(
                GROWER,
                lot,
                "harvest",
                harvested,
                {"crop_age_years": age, "fresh_weight": {"value": fresh, "unit": "kg"}},
                (plot,),
            ),
            "harvest",
        )
        harvests.append((lot, fresh))
    clock = datetime(harvest_year, 10, 1, tzinfo=UTC)

    def tick() -> datetime:
        nonlocal clock
        clock += timedelta(hours=draw(st.integers(1, 72)))
        return clock

    held: dict[str, float] = {}
    for lot, fresh in harvests:
        story.add(Step(GROWER, lot, "ship", tick(), {"from": GROWER, "to": PROCESSOR, "net_weight_kg": fresh}), "ship")
        received = round(fresh * (1 - draw(st.floats(0, 0.01))), 3)
        story.add(Step(PROCESSOR, lot, "receive", tick(), {"from": GROWER, "net_weight_kg": received}), "receive")
        held[lot] = received
    groups = [[lot for lot, _ in harvests]] if draw(st.booleans()) else [[lot] for lot, _ in harvests]
    batches: list[tuple[str, float]] = []
    for b, group in enumerate(groups):
        quantities: list[dict[str, Any]] = [
            {"lot": lot, "value": round(held[lot] * draw(st.floats(0.5, 1.0)), 3), "unit": "kg"} for lot in group
        ]
        total = sum(q["value"] for q in quantities)
        main = round(total / draw(st.floats(3.0, 3.9)), 3)
        fine = round(total * 0.02, 3)
        batch = f"RG-{b}"
        story.add(
            Step(
                PROCESSOR,
                batch,
                "process",
                tick(),
                {
                    "process": draw(st.sampled_from(["steam_red_ginseng", "sun_drying"])),
                    "input_quantities": quantities,
                    "outputs": [
                        {"output": "main_root", "product": "main root", "value": main, "unit": "kg"},
                        {"output": "fine_roots", "product": "fine roots", "value": fine, "unit": "kg"},
                    ],
                    "final_moisture_pct": 12.5,
                },
                tuple(group),
            ),
            "process",
        )
        story.add(Step(PROCESSOR, batch, "sample", tick(), {"sample_id": "S-1", "lab": LAB}), "sample")
        story.add(Step(LAB, batch, "quality_test", tick(), _lab_result(species), eid=f"test-{b}"), "test")
        story.add(Step(PROCESSOR, batch, "quality_release", tick(), {"test": f"test-{b}"}), "release")
        batches.append((batch, main))  # boxes are packed from the main root only
    for b, (batch, kg) in enumerate(batches):
        units = max(1, int(kg * draw(st.floats(0.3, 1.0)) / 0.25))
        box = f"PK-{b}"
        packed: dict[str, Any] = {"gtin": "06975123400010", "batch": box, "net_weight_g": 250, "units": units}
        # serials (GS1 AI 21 strings): none, a range of one width from a drawn start, or a list
        form = draw(st.sampled_from(["none", "range", "list"] if units <= 300 else ["none", "range"]))
        serials: list[str] = []
        if form == "range":
            start = draw(st.integers(0, 10_000))
            width = max(len(str(start + units - 1)), draw(st.integers(1, 8)))
            serials = [f"{n:0{width}d}" for n in range(start, start + units)]
            packed["serials"] = {"first": serials[0], "last": serials[-1]}
        elif form == "list":
            serials = [f"B{b}-{n:03d}" for n in draw(st.permutations(range(units)))]
            packed["serials"] = {"list": serials}
        if draw(st.booleans()):
            packed["species"] = species
        story.add(
            Step(PROCESSOR, box, "package", tick(), packed, (batch,)), "package", *(["serials"] if serials else [])
        )
        story.add(
            Step(
                PROCESSOR,
                box,
                "store",
                tick(),
                {
                    "warehouse": "w",
                    "readings": [{"at": "2025-10-20T00:00:00Z", "temperature_c": 8, "humidity_pct": 55}],
                },
            ),
            "store",
        )
        holder, on_hand = PROCESSOR, units
        for nxt in HOLDERS[1 : 1 + draw(st.integers(1, 3))]:
            moved = draw(st.integers(1, on_hand))
            story.add(
                Step(holder, box, "ship", tick(), {"from": holder, "to": nxt, "carrier": CARRIER, "units": moved}),
                "ship",
            )
            story.add(Step(nxt, box, "receive", tick(), {"from": holder, "units": moved}), "receive")
            holder, on_hand = nxt, moved
        while on_hand and draw(st.booleans()):
            sold = draw(st.integers(1, min(on_hand, 20) if serials else on_hand))
            sale: dict[str, Any] = {"buyer_type": "consumer", "units": sold}
            if serials:  # each unit's serial, exactly as the run names it, once
                sale["serials"], serials = serials[:sold], serials[sold:]
            story.add(Step(holder, box, "sell", tick(), sale), "sell", *(["sell_serials"] if "serials" in sale else []))
            on_hand -= sold
    return story


def brand_certificate(**changes: Any) -> dict[str, Any]:
    """The certifier's 长白山人参 brand-base certificate of PLOT-1, valid through the 2025 harvest."""
    return {
        "scheme": "changbaishan_brand_base",
        "number": "CBS-JL-2023-0017",
        "issuer": CERTIFIER_NAME,
        "valid_from": "2023-05-01",
        "valid_until": "2026-04-30",
        "scope": "园参种植 12.5 亩",
        **changes,
    }


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def standard() -> Story:
    """One fixed, valid lifecycle touching every rule: a garden plot of 人参 sown in autumn 2020 (its first
    season 2021) and harvested 2025 at five years, its seedlings moved to production beds in 2023 at two,
    certified as a 长白山人参 brand base by its certifier in 2023 (the grower's certification strings are claims),
    a biological and a chemical pesticide, shipped to a processor, steamed into red ginseng, tested and
    released, packed as food with the warnings and a GI claim, stored cool, shipped on to a shop and sold."""
    s = Story()
    s.add(
        Step(
            GROWER,
            "PLOT-1",
            "register_plot",
            day("2019-10-12"),
            {
                "land_type": "farmland",
                "species": "panax_ginseng",
                "county_code": "220621",
                "county": "抚松县",
                "prefecture": "白山市",
                "area_mu": 12.5,
                "location": square(12.5),
                "certifications": ["GAP", "长白山人参 brand base", "GB/T 19506 地理标志产品"],
            },
        ),
        "register",
    )
    s.add(Step(GROWER, "PLOT-1", "sow", day("2020-10-20"), {"variety": "大马牙", "species": "panax_ginseng"}), "sow")
    s.add(Step(GROWER, "PLOT-1", "transplant", day("2023-04-15"), {"seedling_age_years": 2}), "transplant")
    s.add(Step(CERTIFIER, "PLOT-1", "certify", day("2023-05-01"), brand_certificate()), "certify")
    pesticide = {
        "operation": "pesticide",
        "product": "嘧菌酯 azoxystrobin SC",
        "registration_number": "PD20120001",
        "active_ingredient": "azoxystrobin",
        "dose": {"value": 150, "unit": "g a.i./hm2"},
        "pre_harvest_interval_days": 30,
    }
    s.add(Step(GROWER, "PLOT-1", "field_operation", day("2025-06-20"), pesticide), "pesticide")
    s.add(
        Step(
            GROWER,
            "HV-1",
            "harvest",
            day("2025-09-18"),
            {"crop_age_years": 5, "fresh_weight": {"value": 1450, "unit": "kg"}},
            ("PLOT-1",),
        ),
        "harvest",
    )
    s.add(
        Step(
            GROWER,
            "HV-1",
            "ship",
            day("2025-09-28"),
            {"from": GROWER, "to": PROCESSOR, "carrier": CARRIER, "net_weight_kg": 1450},
        ),
        "ship",
    )
    s.add(
        Step(
            CARRIER,
            "HV-1",
            "store",
            day("2025-09-28T12:00:00"),
            {
                "warehouse": "cold store",
                "zone_class": "cold_chain",
                "readings": [{"at": "2025-09-28T12:00:00Z", "temperature_c": 2, "humidity_pct": 60}],
            },
        ),
        "transit_store",
    )
    s.add(Step(PROCESSOR, "HV-1", "receive", day("2025-09-29"), {"from": GROWER, "net_weight_kg": 1446}), "receive")
    s.add(
        Step(
            PROCESSOR,
            "RG-1",
            "process",
            day("2025-10-05"),
            {
                "process": "steam_red_ginseng",
                "input_quantities": [{"lot": "HV-1", "value": 1400, "unit": "kg"}],
                "outputs": [
                    {"product": "红参 main root", "value": 400, "unit": "kg"},
                    {"product": "红参须 fine roots", "value": 70, "unit": "kg"},
                ],
                "final_moisture_pct": 12.5,
            },
            ("HV-1",),
        ),
        "process",
    )
    s.add(Step(PROCESSOR, "RG-1", "sample", day("2025-10-19"), {"sample_id": "S-1", "lab": LAB}), "sample")
    s.add(Step(LAB, "RG-1", "quality_test", day("2025-10-20"), _lab_result(), eid="test-1"), "test")
    s.add(Step(PROCESSOR, "RG-1", "quality_release", day("2025-10-21"), {"test": "test-1"}), "release")
    s.add(
        Step(
            PROCESSOR,
            "PK-1",
            "package",
            day("2025-10-25"),
            {
                "gtin": "06975123400010",
                "batch": "PK-1",
                "net_weight_g": 250,
                "units": 200,
                "species": "panax_ginseng",
                "part": "root_and_rhizome",
                "serials": {"first": "0001", "last": "0200"},
                "intended_use": "food",
                "label_warnings": True,
                "claims": ["geographical_indication", "changbaishan_brand"],
            },
            ("RG-1",),
        ),
        "package",
    )
    s.add(
        Step(
            PROCESSOR,
            "PK-1",
            "store",
            day("2025-10-26"),
            {
                "warehouse": "w",
                "zone_class": "cool",
                "readings": [{"at": "2025-10-26T00:00:00Z", "temperature_c": 15, "humidity_pct": 55}],
            },
        ),
        "store",
    )
    s.add(
        Step(
            PROCESSOR,
            "PK-1",
            "ship",
            day("2025-11-02"),
            {"from": PROCESSOR, "to": "shop-f", "carrier": CARRIER, "units": 40},
        ),
        "ship",
    )
    s.add(Step("shop-f", "PK-1", "receive", day("2025-11-04"), {"from": PROCESSOR, "units": 40}), "receive")
    s.add(
        Step(
            "shop-f",
            "PK-1",
            "sell",
            day("2025-11-20"),
            {"buyer_type": "consumer", "units": 2, "serials": ["0007", "0008"]},
        ),
        "sell",
    )
    return s


def name_of(party: str) -> str | None:
    """The registered name a lifecycle party's records carry (the lab's tests, the certifier's certificates),
    or None where none is carried."""
    return {LAB: LAB_NAME, CERTIFIER: CERTIFIER_NAME}.get(party)


def gs1_of(party: str) -> list[str]:
    """The GS1 company prefixes of a lifecycle party: the processor packs under the tests' GTINs."""
    return ["6975123"] if party == PROCESSOR else []
