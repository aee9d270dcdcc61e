"""Limits belong to a standard: which standards judge a result, and the findings naming them (pure).

The examples run the standard lifecycle (tests/lifecycle.py) with the quality test moved or changed: a
test of the red-ginseng batch, of a sun-dried or sliced batch, of a fresh harvest, or of the packed box
with its label's claims."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.chain.errors import Error
from ginseng_trace.events.findings import Finding
from ginseng_trace.events.rules import rules_config
from ginseng_trace.events.standards import BASES, Product, applicable, breaches, standards

from ..conftest import tune_rules
from ..lifecycle import PROCESSOR, SPECIES, Step, Story, _lab_result, day, judge_all, standard

DOMAIN = Path(__file__).resolve().parents[2] / "docs" / "DOMAIN.md"
README = Path(__file__).resolve().parents[2] / "README.md"
SETTINGS = rules_config()["quality_limits"]


def result_of(story: Story, **result: Any) -> list[Finding]:
    """The findings of the story's quality test, its result changed by ``result`` (``group__name`` for a
    member of an object)."""
    step = story.steps[story.where["test"][0]]
    for key, value in result.items():
        group, _, name = key.partition("__")
        if name:
            step.payload.setdefault(group, {})[name] = value
        else:
            step.payload[key] = value
    return judge_all(story.steps)[story.where["test"][0]]


def named(found: list[Finding]) -> list[tuple[str | None, str]]:
    return [(f.standard, f.limit) for f in found]


def with_process(process: str, *, then: str | None = None) -> Story:
    """The standard lifecycle with the batch made by ``process`` (and, with ``then``, a second batch made from
    it by ``then``, which is the one tested)."""
    s = standard()
    step = s.steps[s.where["process"][0]]
    step.payload["process"] = process
    if process == "sun_drying":
        step.payload["outputs"] = [{"product": "生晒参 main root", "value": 400, "unit": "kg"}]
    if then is not None:
        i = s.where["sample"][0]
        s.steps.insert(
            i,
            Step(
                PROCESSOR,
                "SL-1",
                "process",
                day("2025-10-12"),
                {
                    "process": then,
                    "input_quantities": [{"lot": "RG-1", "value": 100, "unit": "kg"}],
                    "outputs": [{"product": "饮片", "value": 97, "unit": "kg"}],
                    "slice_thickness_mm": 2,
                },
                ("RG-1",),
            ),
        )
        s.where = {k: [j + 1 if j >= i else j for j in v] for k, v in s.where.items()}
        s.steps[s.where["sample"][0]].lot = "SL-1"
        s.steps[s.where["test"][0]].lot = "SL-1"
    return s


def packed_box(claims: list[str], intended_use: str = "medicinal", **package: Any) -> Story:
    """The standard lifecycle with the box labelled ``claims`` and the lab's test (and the release on it) on
    the box, not the batch."""
    s = standard()
    pack = s.steps[s.where["package"][0]]
    pack.payload.update(intended_use=intended_use, claims=claims, **package)
    moved = [s.remove(s.where[tag][0]) for tag in ("release", "test", "sample")][::-1]
    store = s.where["store"][0]
    for k, (step, tag, when) in enumerate(
        zip(
            moved,
            ("sample", "test", "release"),
            ("2025-10-26T06:00:00", "2025-10-27T06:00:00", "2025-10-27T08:00:00"),
            strict=True,
        )
    ):
        step.lot, step.when = "PK-1", day(when)
        s.insert(store + k, step, tag)
    return s


# -- the cases -------------------------------------------------------------------------------------


def test_an_honest_product_at_cd_0_5_meets_chp_but_not_the_green_trade_it_claims() -> None:
    assert result_of(standard(), heavy_metals_mg_kg__Cd=0.5) == []
    assert result_of(packed_box([]), heavy_metals_mg_kg__Cd=0.5) == []
    found = result_of(packed_box(["green_trade"]), heavy_metals_mg_kg__Cd=0.5)
    assert named(found) == [("wm_t2_green_trade", "WM/T 2-2004 绿色: Cd ≤ 0.3 mg/kg")]
    assert found[0].pointer == "/event/payload/heavy_metals_mg_kg/Cd"
    assert "WM/T 2-2004" in found[0].message
    assert "WM/T 2-2004" in found[0].message_zh


def test_an_export_market_s_limits_judge_products_labelled_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """An example market's entry, as a test sets it (the figure is no real MRL: none is listed in the rules)."""
    config = copy.deepcopy(dict(rules_config()))
    config["quality_limits"]["standards"]["export_kr"] = {
        "name": "KR import limits",
        "title": "an export market's limits (test)",
        "title_zh": "出口市场限量（测试）",
        "document": "test",
        "source": "docs/DOMAIN.md §Limits belong to a standard [asm]",
        "mark": "asm",
        "basis": "dry",
        "applies": {"export_markets": ["KR"]},
        "limits": {"heavy_metals_mg_kg/Cd": {"max": 0.3, "unit": "mg/kg"}},
    }
    tune_rules(monkeypatch, config)
    assert result_of(packed_box([], export_markets=["JP"]), heavy_metals_mg_kg__Cd=0.5) == []
    found = result_of(packed_box([], export_markets=["KR"]), heavy_metals_mg_kg__Cd=0.5)
    assert named(found) == [("export_kr", "KR import limits: Cd ≤ 0.3 mg/kg")]
    # a label made for two markets: the finding names the market's standard, in the message and the verdict
    [both_markets] = result_of(packed_box([], export_markets=["JP", "KR"]), heavy_metals_mg_kg__Cd=0.5)
    assert "KR import limits" in both_markets.message
    assert both_markets.verdict()["standard"] == "export_kr"


def test_slices_are_judged_by_the_slice_limits() -> None:
    assert result_of(with_process("sun_drying", then="slicing"), **{"ginsenosides_pct__Rg1+Re": 0.28}) == []
    found = result_of(with_process("sun_drying", then="slicing"), **{"ginsenosides_pct__Rg1+Re": 0.26})
    assert named(found) == [("chp2020_slices", "ChP 2020 人参片: Rg1+Re ≥ 0.27 %")]
    # red-ginseng slices: 0.22 %
    assert result_of(with_process("steam_red_ginseng", then="slicing"), **{"ginsenosides_pct__Rg1+Re": 0.23}) == []
    found = result_of(with_process("steam_red_ginseng", then="slicing"), **{"ginsenosides_pct__Rb1": 0.17})
    assert named(found) == [("chp2020_red_slices", "ChP 2020 红参片: Rb1 ≥ 0.18 %")]
    # the whole sun-dried herb at 0.28 % fails the herb's 0.30 %
    found = result_of(with_process("sun_drying"), **{"ginsenosides_pct__Rg1+Re": 0.28})
    assert named(found) == [("chp2020_herb", "ChP 2020 人参: Rg1+Re ≥ 0.3 %")]


def test_red_ginseng_has_its_own_minimum() -> None:
    assert result_of(standard(), **{"ginsenosides_pct__Rg1+Re": 0.26}) == []
    found = result_of(standard(), **{"ginsenosides_pct__Rg1+Re": 0.24})
    assert named(found) == [("chp2020_red", "ChP 2020 红参: Rg1+Re ≥ 0.25 %")]


def test_a_fresh_basis_result_is_not_judged_by_dried_material_limits() -> None:
    assert result_of(standard(), basis="fresh", moisture_pct=70) == []
    # the same figure on a dry basis is wrong, and found
    found = result_of(standard(), basis="dry", moisture_pct=70)
    assert named(found) == [("chp2020_red", "ChP 2020 红参: moisture ≤ 12 %")]
    # a fresh harvest's result without a basis (recorded before the field existed) is fresh
    s = standard()
    for tag in ("sample", "test"):
        step = s.steps[s.where[tag][0]]
        step.lot, step.when = "HV-1", day("2025-09-20" if tag == "sample" else "2025-09-21")
    # move sample and test before the harvest is shipped
    sample, test = s.where["sample"][0], s.where["test"][0]
    moved = [s.steps[sample], s.steps[test]]
    del s.steps[test]
    del s.steps[sample]
    ship = s.where["ship"][0]
    s.steps[ship:ship] = moved
    s.where["test"] = [ship + 1]
    payload = s.steps[ship + 1].payload
    payload.update(moisture_pct=68, heavy_metals_mg_kg={"Pb": 9})
    del payload["ginsenosides_pct"]
    assert judge_all(s.steps)[ship + 1] == []


def forest_story(claims: list[str]) -> Story:
    s = packed_box(claims)
    s.steps[s.where["register"][0]].payload["land_type"] = "forest"
    return s


def test_the_jingyu_gi_standard_judges_only_products_that_claim_it() -> None:
    figures = {"ginsenosides_pct__total_saponins": 2.0, "moisture_pct": 13.0}
    # a forest lot without the claim: the Pharmacopoeia's 12 % moisture, not the GI's 14.5 % or saponins
    found = result_of(forest_story([]), **figures)
    assert named(found) == [("chp2020_red", "ChP 2020 红参: moisture ≤ 12 %")]
    found = result_of(forest_story(["jingyu_forest_gi"]), **figures)
    assert named(found) == [
        ("chp2020_red", "ChP 2020 红参: moisture ≤ 12 %"),
        ("jingyu_forest_gi", "靖宇林下参 GI: total saponins ≥ 3 %"),
    ]
    assert "总皂苷" in found[1].message_zh


def test_lead_at_9_fails_the_pharmacopoeia_and_the_finding_says_so() -> None:
    [found] = result_of(standard(), heavy_metals_mg_kg__Pb=9)
    assert found.rule == "quality_limits"
    assert found.standard == "chp2020_metals"
    assert "ChP 2020" in found.limit
    assert "Pb ≤ 5 mg/kg" in found.limit
    assert (found.value, found.pointer) == ("9 mg/kg", "/event/payload/heavy_metals_mg_kg/Pb")
    assert "ChP 2020" in found.message
    assert "Pb ≤ 5 mg/kg" in found.message
    assert "药典" in found.message_zh
    assert found.verdict()["standard"] == "chp2020_metals"


def test_a_result_outside_two_standards_has_a_finding_for_each() -> None:
    found = result_of(packed_box(["green_trade"]), heavy_metals_mg_kg__Cd=1.5)
    assert named(found) == [
        ("chp2020_metals", "ChP 2020 人参: Cd ≤ 1 mg/kg"),
        ("wm_t2_green_trade", "WM/T 2-2004 绿色: Cd ≤ 0.3 mg/kg"),
    ]


def test_food_is_not_judged_by_the_pharmacopoeia() -> None:
    """The food standard lists no limits (none in docs/DOMAIN.md): a box sold as food is judged by what it
    claims only."""
    assert result_of(packed_box([], intended_use="food", label_warnings=True), heavy_metals_mg_kg__Pb=9) == []
    found = result_of(packed_box(["green_trade"], intended_use="food", label_warnings=True), heavy_metals_mg_kg__Cd=0.5)
    assert [f.standard for f in found] == ["wm_t2_green_trade"]


def test_metal_names_match_case_insensitively_and_findings_point_at_the_field_as_sent() -> None:
    [found] = result_of(standard(), heavy_metals_mg_kg={"pb": 9})
    assert found.pointer == "/event/payload/heavy_metals_mg_kg/pb"


# -- standards by species --------------------------------------------------------------------------------------


def of_species(story: Story, species: str) -> Story:
    """``story`` with its plot, sowing and box of ``species``."""
    for step in story.steps:
        if "species" in step.payload:
            step.payload["species"] = species
    return story


def american(story: Story) -> Story:
    return of_species(story, "panax_quinquefolius")


def test_a_western_ginseng_root_is_judged_by_its_own_monograph() -> None:
    honest = {"ginsenosides_pct": {"Rg1+Re": 1.1, "Rb1": 1.6}}
    assert result_of(american(with_process("sun_drying")), **honest) == []
    # Rg1+Re+Rb1 below 2.0 %, reported as its parts: summed, and the finding points at the object
    [found] = result_of(american(with_process("sun_drying")), ginsenosides_pct={"Rg1+Re": 0.9, "Rb1": 0.8})
    assert named([found]) == [("chp2020_quinquefolius", "ChP 2020 西洋参: Rg1+Re+Rb1 ≥ 2 %")]
    assert (found.value, found.pointer) == ("1.7 %", "/event/payload/ginsenosides_pct")
    assert "西洋参" in found.message
    assert "西洋参" in found.message_zh
    # the total as the lab reports it wins over the parts
    [found] = result_of(american(with_process("sun_drying")), ginsenosides_pct={"Rg1+Re+Rb1": 1.9, "Rb1": 1.6})
    assert found.pointer == "/event/payload/ginsenosides_pct/Rg1+Re+Rb1"
    assert result_of(american(with_process("sun_drying")), ginsenosides_pct={"Rg1+Re+Rb1": 2.4}) == []
    # ash over 5.0 %
    ash = result_of(american(with_process("sun_drying")), total_ash_pct=5.2, **honest)
    assert named(ash) == [("chp2020_quinquefolius", "ChP 2020 西洋参: total ash ≤ 5 %")]


def test_a_western_ginseng_result_is_never_judged_by_ginseng_s_limits_nor_the_reverse() -> None:
    # 12.5 % moisture: within 西洋参's 13.0 %, beyond 人参's 12.0 %
    honest = {"ginsenosides_pct": {"Rg1+Re": 1.1, "Rb1": 1.6}, "moisture_pct": 12.5}
    assert result_of(american(with_process("sun_drying")), **honest) == []
    found = result_of(with_process("sun_drying"), **honest)
    assert named(found) == [("chp2020_herb", "ChP 2020 人参: moisture ≤ 12 %")]
    # 13.5 %: beyond 西洋参's own 13.0 %, and the finding names its monograph, not 人参's
    found = result_of(american(with_process("sun_drying")), **{**honest, "moisture_pct": 13.5})
    assert named(found) == [("chp2020_quinquefolius", "ChP 2020 西洋参: moisture ≤ 13 %")]
    # the reverse: 人参's honest Rg1+Re 0.41 % and Rb1 0.33 % meet 人参's monograph, not 西洋参's 2.0 % total
    assert result_of(with_process("sun_drying")) == []
    found = result_of(american(with_process("sun_drying")), ginsenosides_pct={"Rg1+Re": 0.41, "Rb1": 0.33})
    assert named(found) == [("chp2020_quinquefolius", "ChP 2020 西洋参: Rg1+Re+Rb1 ≥ 2 %")]
    # 人参's Rg1+Re minimum never judges 西洋参 (its Rg1+Re alone is not limited)
    assert result_of(american(with_process("sun_drying")), ginsenosides_pct={"Rg1+Re": 0.2, "Rb1": 2.0}) == []


def test_western_ginseng_s_metals_and_residues_are_its_own_monograph_s_with_ginseng_s_figures() -> None:
    [found] = result_of(american(standard()), heavy_metals_mg_kg__Pb=9)
    assert named([found]) == [("chp2020_quinquefolius_metals", "ChP 2020 西洋参: Pb ≤ 5 mg/kg")]
    assert result_of(american(standard()), heavy_metals_mg_kg__Pb=4.9) == []
    [found] = result_of(american(standard()), pesticide_residues_mg_kg__PCNB=0.2)
    assert named([found]) == [("chp2020_quinquefolius_residues", "ChP 2020 西洋参: PCNB ≤ 0.1 mg/kg")]
    by_id = {s.id: s for s in standards(SETTINGS)}
    for ginseng, american_ in (
        ("chp2020_metals", "chp2020_quinquefolius_metals"),
        ("chp2020_residues", "chp2020_quinquefolius_residues"),
    ):
        figures = {(x.field, x.bound, x.minimum) for x in by_id[ginseng].limits}
        assert figures == {(x.field, x.bound, x.minimum) for x in by_id[american_].limits}
        assert {x.mark for x in by_id[american_].limits} == {"mem"}  # "as for 人参" is [mem]
    # every standard of the Pharmacopoeia says its species, and none names both
    for s in standards(SETTINGS):
        if s.document.startswith("中华人民共和国药典"):
            assert s.species is not None, s.id
            assert len(s.species) == 1, s.id


def test_a_lot_of_no_recorded_species_is_judged_as_the_rules_file_says_and_its_finding_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = with_process("sun_drying")
    for step in s.steps:
        step.payload.pop("species", None)
    [found] = result_of(copy.deepcopy(s), moisture_pct=12.5)
    assert found.standard == "chp2020_herb"
    assert "species not recorded, judged as Panax ginseng" in found.message
    assert "未记录物种，按人参判定" in found.message_zh
    config: dict[str, Any] = copy.deepcopy(dict(rules_config()))
    config["quality_limits"]["unrecorded_species"] = None
    tune_rules(monkeypatch, config)
    # no species to judge by: only the standards that name none (none here, without claims)
    assert result_of(copy.deepcopy(s), moisture_pct=12.5) == []


# -- the food standard -------------------------------------------------------------------------------------------


def test_food_use_is_a_standard_that_names_the_announcement_and_lists_no_invented_limits() -> None:
    [food] = [s for s in standards(SETTINGS) if s.id == "moh2012_17_food"]
    assert food.limits == ()
    assert food.uses == frozenset({"food"})
    assert food.mark == "src"
    assert "2012" in food.document
    assert "17" in food.name
    assert rules_config()["food_use"]["standard"] == "moh2012_17_food"
    # a food box's test meets that standard, and no Pharmacopoeia limit
    assert [x.id for x in applicable(Product("red", "dry", "food", species="panax_ginseng"), SETTINGS)] == [
        "moh2012_17_food"
    ]


def test_food_use_findings_name_the_announcement_s_standard() -> None:
    s = standard()
    pack = s.steps[s.where["package"][0]]
    pack.payload.update(part="leaves_stems", label_warnings=False)
    found = judge_all(s.steps)[s.where["package"][0]]
    assert [(f.rule, f.severity, f.standard) for f in found] == [
        ("food_use", "hard", "moh2012_17_food"),
        ("food_label_warnings", "soft", "moh2012_17_food"),
    ]
    assert all(f.limit.startswith("卫生部公告2012年第17号: ") for f in found)
    assert all("Ministry of Health announcement 2012 No. 17" in f.message for f in found)
    assert all("卫生部公告2012年第17号" in f.message_zh for f in found)
    assert found[1].verdict()["standard"] == "moh2012_17_food"
    # the warnings named, each of the three
    assert all(w in found[1].message for w in ("pregnant or nursing", "under 14", "3 g a day"))
    # a medicinal box needs no warnings
    pack.payload.update(part="root_and_rhizome", intended_use="medicinal")
    assert judge_all(s.steps)[s.where["package"][0]] == []


# -- selection, as a property -------------------------------------------------------------------------------

FORMS = sorted({str(row["form"]) for row in SETTINGS["forms"]})
CLAIMS = ["geographical_indication", "changbaishan_brand", "jingyu_forest_gi", "green_trade"]
RESULT_FIELDS = sorted({limit.field for s in standards(SETTINGS) for limit in s.limits})


def _payload(values: dict[str, float]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for field, value in values.items():
        group, _, name = field.rpartition("/")
        (payload.setdefault(group, {}) if group else payload)[name] = value
    return payload


@given(
    st.builds(
        Product,
        st.sampled_from(FORMS),
        st.sampled_from(BASES),
        st.sampled_from(["medicinal", "food"]),
        st.frozensets(st.sampled_from(CLAIMS)),
        st.frozensets(st.sampled_from(["KR", "JP", "XX"])),
        st.sampled_from([*SPECIES, None]),
    ),
    st.dictionaries(st.sampled_from(RESULT_FIELDS), st.floats(0, 100, allow_nan=False)),
)
def test_every_breach_is_of_an_applicable_standard_and_every_applicable_limit_is_judged(
    product: Product, values: dict[str, float]
) -> None:
    payload = _payload(values)
    found = list(breaches(product, payload, SETTINGS))
    chosen = applicable(product, SETTINGS)
    for breach in found:
        assert breach.standard in chosen
        assert breach.standard.basis == product.basis  # never a dry limit on a fresh result
        assert not breach.limit.passes(breach.value)
    expected = {
        (s.id, limit.field)
        for s in chosen
        for limit in s.limits
        if limit.field in values and not limit.passes(values[limit.field])
    }
    assert {(b.standard.id, b.limit.field) for b in found} == expected
    # a claim-bound standard only for a product that makes the claim; a GI standard never for a non-claimant
    for s in chosen:
        assert s.claims is None or s.claims & product.claims
    if "jingyu_forest_gi" not in product.claims:
        assert "jingyu_forest_gi" not in {s.id for s in chosen}
    # a species-bound standard only for that species: never 人参's for 西洋参, nor the reverse
    for s in chosen:
        assert s.species is None or product.species in s.species


def test_a_malformed_standard_is_refused_with_its_name() -> None:
    bad = {**SETTINGS, "standards": {"x": {"name": "x", "mark": "maybe", "basis": "dry", "limits": {}}}}
    with pytest.raises(Error, match=r"quality_limits\.standards\.x"):
        standards(bad)
    bad = {**SETTINGS, "standards": {"y": {"mark": "src", "basis": "dry", "limits": {"Pb": {"unit": "x"}}}}}
    with pytest.raises(Error, match=r"quality_limits\.standards\.y"):
        standards(bad)


# -- the standards table against its sources ----------------------------------------------------------------


def _section(name: str) -> str:
    text = DOMAIN.read_text(encoding="utf-8")
    return text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]


def _figures(text: str) -> dict[str, tuple[str, float]]:
    """``name ≥|≤ number`` statements in ``text``, by the name's last word (lower case)."""
    found = {}
    text = re.sub(r"\s+", " ", text)
    for name, sign, number in re.findall(r"([A-Za-z0-9+]+)(?: \([^)]*\))? ([≥≤]) ([0-9.]+)", text):
        found[name.lower()] = (sign, float(number))
    return found


def _content_rows() -> dict[str, tuple[dict[str, tuple[str, float]], str]]:
    """docs/DOMAIN.md §Content's table: each row's first cell → its figures and its mark."""
    rows = {}
    for line in _section("Content").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1].startswith(("≥", "≤", "")) and "[" in cells[4]:
            figures = _figures(f"Rg1+Re {cells[1]} Rb1 {cells[2]} {cells[3]}".replace("%", ""))
            rows[cells[0]] = (figures, re.findall(r"\[(src|mem|asm)\]", cells[4])[0])
    return rows


def _doc_figures(standard_id: str) -> tuple[dict[str, tuple[str, float]], str]:
    """What docs/DOMAIN.md says of a standard's limits, and its mark, from the section its source cites."""
    spec = SETTINGS["standards"][standard_id]
    source = str(spec["source"])
    if "§Content" in source:
        row = source.split("§Content:", 1)[1].split("[", 1)[0].strip()
        return _content_rows()[row]
    if "§Heavy metals" in source:
        paragraph = _section("Heavy metals")
        chp, _, green = paragraph.partition("The stricter")
        text = green if "WM/T" in str(spec["document"]) else chp
        return _figures(text.replace("**", "")), re.findall(r"\[(src|mem|asm)\]", text)[0]
    if "§Pesticides" in source:
        residues = _section("Pesticides").split("**Residue limits**", 1)[1].replace("\n", " ")
        # 西洋参's residue limits are 人参's, and docs/DOMAIN.md marks that [mem]
        return _figures(residues), "mem" if "as for 人参" in source else "src"
    raise AssertionError(f"{standard_id}: its source cites no section with figures: {source}")


def _aliases(limit_field: str) -> str:
    name = limit_field.rsplit("/", 1)[-1].lower()
    return {"moisture_pct": "moisture", "total_ash_pct": "ash", "total_saponins": "saponins"}.get(name, name)


@pytest.mark.parametrize("standard_id", sorted(SETTINGS["standards"]))
def test_every_standard_names_its_source_and_matches_docs_domain(standard_id: str) -> None:
    [standard_] = [s for s in standards(SETTINGS) if s.id == standard_id]
    assert all((standard_.name, standard_.title, standard_.title_zh, standard_.document)), standard_id
    assert standard_.source.startswith("docs/DOMAIN.md §"), standard_id
    if not standard_.limits:  # only the food standard, whose limits no primary source here gives
        assert standard_.uses == frozenset({"food"}), standard_id
        assert "lists none" in _section("Crop age"), standard_id
        return
    figures, mark = _doc_figures(standard_id)
    assert standard_.mark == mark, (standard_id, standard_.mark, mark)
    for limit in standard_.limits:
        if limit.borrowed_from is not None:  # a figure docs/DOMAIN.md gives only for another standard
            assert limit.mark == "asm", (standard_id, limit.field)
            [lender] = [s for s in standards(SETTINGS) if s.id == limit.borrowed_from]
            assert (limit.field, limit.bound, limit.minimum) in {(x.field, x.bound, x.minimum) for x in lender.limits}
            continue
        sign, number = figures[_aliases(limit.field)]
        assert (sign, number) == ("≥" if limit.minimum else "≤", limit.bound), (standard_id, limit.field)


def test_the_pesticide_marks_follow_docs_domain() -> None:
    residues = _section("Pesticides").split("**Residue limits**", 1)[1]
    src_part, mem_part = residues.split("[src", 1)
    marks = {
        limit.name.lower(): limit.mark for s in standards(SETTINGS) if s.id == "chp2020_residues" for limit in s.limits
    }
    for name in ("bhc", "ddt", "pcnb"):
        assert name in src_part.lower(), name
        assert marks[name] == "src", name
    for name in ("hexachlorobenzene", "heptachlor", "chlordane"):
        assert name in mem_part.lower(), name
        assert marks[name] == "mem", name


def test_every_content_row_of_docs_domain_is_a_standard() -> None:
    cited = {
        str(s["source"]).split("§Content:", 1)[1].split("[", 1)[0].strip()
        for s in SETTINGS["standards"].values()
        if "§Content:" in str(s["source"])
    }
    assert cited == set(_content_rows())


def test_the_readme_rules_table_names_every_standard() -> None:
    table = README.read_text(encoding="utf-8").split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]
    for s in standards(SETTINGS):
        assert s.name in table, s.id
        assert f"`{s.id}`" in table, s.id


def test_the_lifecycle_s_lab_result_is_honest_under_every_form_s_standards() -> None:
    for species in SPECIES:
        for form in FORMS:
            product = Product(form, "dry", "medicinal", species=species)
            assert list(breaches(product, _lab_result(species), SETTINGS)) == [], (species, form)
