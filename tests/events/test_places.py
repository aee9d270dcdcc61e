"""Places by GB/T 2260 code: the table against its source, the names stated with a code, the GI rule by code,
records from before codes, and a plot's polygon against its declared area."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.events.places import (
    SQUARE_METRES_PER_MU,
    counties_named,
    division,
    placed,
    polygon_area_m2,
)

from ..lifecycle import Story, judge_all, square, standard


def test_the_table_holds_the_codes_docs_domain_names() -> None:
    # docs/DOMAIN.md §Custody and origin, and the protected prefectures of §Custody and origin
    for code, name in {
        "220621": "抚松县",
        "220582": "集安市",
        "220622": "靖宇县",
        "220623": "长白朝鲜族自治县",
        "220600": "白山市",
        "220500": "通化市",
        "222400": "延边朝鲜族自治州",
        "220200": "吉林市",
        "220000": "吉林省",
        "110105": "朝阳区",
        "220104": "朝阳区",
    }.items():
        found = division(code)
        assert found is not None, code
        assert found.name == name, code
    fusong, chaoyang, baishan = division("220621"), division("110105"), division("220600")
    assert fusong is not None
    assert baishan is not None
    assert chaoyang is not None
    assert (fusong.full_name, fusong.level, fusong.prefecture) == ("吉林省白山市抚松县", "county", baishan)
    assert (chaoyang.full_name, chaoyang.prefecture) == ("北京市朝阳区", None)
    assert baishan.level == "prefecture"
    assert division("229999") is None


def test_the_table_is_complete_for_jilin() -> None:
    # Jilin's 9 prefectures (8 cities and 延边) and 60 county-level divisions (GB/T 2260, 2021)
    jilin = [code for code in map(str, range(220000, 230000)) if division(code)]
    assert sum(1 for c in jilin if c.endswith("00") and not c.endswith("0000")) == 9
    assert sum(1 for c in jilin if not c.endswith("00")) == 60
    # and China's: every province-level division, about 2,840 county-level ones
    provinces = [c for c in map(str, range(110000, 830000, 10000)) if division(c)]
    assert len(provinces) == 34


def test_names_are_places_only_when_unique() -> None:
    assert [d.code for d in counties_named("抚松县")] == ["220621"]
    assert counties_named("抚松") == ()  # without its suffix, no county
    assert {d.code for d in counties_named("朝阳区")} == {"110105", "220104"}  # ambiguous
    assert [d.code for d in counties_named("朝阳区", "长春市")] == ["220104"]
    assert [d.code for d in counties_named("朝阳区", "北京市")] == ["110105"]
    assert counties_named("朝阳区", "白山市") == ()


def test_names_are_derived_from_the_code() -> None:
    assert placed({"county_code": "220621"}) == ("220621", "抚松县", "白山市")
    assert placed({"county_code": "110105"}) == ("110105", "朝阳区", "北京市")
    assert placed({"county": "抚松", "prefecture": "白山市"}) == (None, "抚松", "白山市")  # as recorded


# the area: a square of known size, and what a correct area computation keeps
def test_a_square_of_one_hectare_is_fifteen_mu() -> None:
    ring = square(15)["polygon"]
    assert polygon_area_m2(ring) == pytest.approx(10000, rel=1e-3)
    assert polygon_area_m2(ring) / SQUARE_METRES_PER_MU == pytest.approx(15, rel=1e-3)
    assert polygon_area_m2([*ring, ring[0]]) == polygon_area_m2(ring)  # a closed ring is the same ring
    assert polygon_area_m2(ring[:2]) == 0.0


rings = st.lists(st.tuples(st.floats(-0.01, 0.01), st.floats(-0.01, 0.01)), min_size=3, max_size=8, unique=True).map(
    lambda ps: [[127.0 + x, 42.0 + y] for x, y in sorted(ps, key=lambda p: math.atan2(p[1], p[0]))]
)


@given(rings, st.integers(0, 7))
def test_the_area_does_not_depend_on_where_the_ring_starts_or_its_direction(ring: list[list[float]], k: int) -> None:
    area = polygon_area_m2(ring)
    k %= len(ring)
    assert polygon_area_m2(ring[k:] + ring[:k]) == pytest.approx(area, rel=1e-9, abs=1e-6)
    assert polygon_area_m2(ring[::-1]) == pytest.approx(area, rel=1e-9, abs=1e-6)


@given(rings, st.floats(0.2, 3))
def test_the_area_scales_with_the_square_of_the_size(ring: list[list[float]], factor: float) -> None:
    # scaled about its first vertex; at a plot's size the sphere is flat to far better than 0.1 %
    lon0, lat0 = ring[0]
    scaled = [[lon0 + (lon - lon0) * factor, lat0 + (lat - lat0) * factor] for lon, lat in ring]
    # the error is the curvature's over the ring's extent, so it is bounded by the bounding box, not the area
    # (a thin sliver's area is small beside its box)
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    box_m2 = (max(lons) - min(lons)) * 111_320 * math.cos(math.radians(lat0)) * (max(lats) - min(lats)) * 110_540
    expected = polygon_area_m2(ring) * factor**2
    assert polygon_area_m2(scaled) == pytest.approx(expected, rel=2e-3, abs=1e-3 + 2e-3 * box_m2 * factor**2)


@given(st.floats(1, 500), st.floats(40, 45), st.floats(120, 130))
def test_a_plot_shaped_square_measures_its_area(area_mu: float, lat: float, lon: float) -> None:
    assert polygon_area_m2(square(area_mu, lon=lon, lat=lat)["polygon"]) / SQUARE_METRES_PER_MU == pytest.approx(
        area_mu, rel=2e-3
    )


# the rules, one changed fact on the standard lifecycle (tests/lifecycle.py)
Change = Callable[[dict[str, Any]], Any]


def registered(change: Change) -> tuple[Story, list[list[Any]]]:
    story = standard()
    step = next(s for s in story.steps if s.type == "register_plot")
    change(step.payload)
    return story, judge_all(story.steps)


def drop(*names: str) -> Change:
    return lambda p: [p.pop(n, None) for n in names]


def put(**values: Any) -> Change:
    return lambda p: p.update(values)


def both(*changes: Change) -> Change:
    return lambda p: [c(p) for c in changes]


GI, POLYGON = "/payload/certifications/2", "/payload/location/polygon"
REFUSED = [
    (
        "北京市朝阳区 by code under a GI claim",
        both(drop("county", "prefecture"), put(county_code="110105")),
        "geographical_indication",
        GI,
    ),
    (
        "北京市朝阳区 by code declared under 白山市",
        both(drop("county"), put(county_code="110105")),
        "place_code",
        "/payload/prefecture",
    ),
    ("a code and another county's name", put(county="靖宇县"), "place_code", "/payload/county"),
    ("a code and its name without the suffix", put(county="抚松"), "place_code", "/payload/county"),
    ("a code no division has", put(county_code="229999"), "place_code", "/payload/county_code"),
    ("a prefecture's code for a county's", put(county_code="220600"), "place_code", "/payload/county_code"),
    (
        "朝阳区 typed under 白山市, no code, GI claimed",
        both(drop("county_code"), put(county="朝阳区")),
        "geographical_indication",
        GI,
    ),
    (
        "抚松 without its suffix, no code, GI claimed",
        both(drop("county_code"), put(county="抚松")),
        "geographical_indication",
        GI,
    ),
    (
        "抚松县 typed under 通化市, no code, GI claimed",
        both(drop("county_code"), put(prefecture="通化市")),
        "geographical_indication",
        GI,
    ),
    (
        "朝阳区, no code and no prefecture, GI claimed",
        both(drop("county_code", "prefecture"), put(county="朝阳区")),
        "geographical_indication",
        GI,
    ),
]


@pytest.mark.parametrize(("case", "change", "rule", "pointer"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_wrong_place_is_refused(case: str, change: Change, rule: str, pointer: str) -> None:
    _story, found = registered(change)
    hard = [v for v in found[0] if v.hard]
    assert hard, f"{case}: accepted: {found[0]}"
    assert (hard[0].rule, hard[0].pointer) == (rule, "/event" + pointer), hard
    assert all((hard[0].limit, hard[0].value, hard[0].message, hard[0].message_zh))


ACCEPTED = [
    ("抚松县 with 220621 under 白山市", lambda p: None),
    ("220621 alone: the names derived", drop("county", "prefecture")),
    ("抚松县 with 220621, no prefecture", drop("prefecture")),
    ("a record from before codes: 抚松县 under 白山市", drop("county_code")),
    ("a record from before codes: 抚松县 alone (unique in China)", drop("county_code", "prefecture")),
    ("a polygon drawn the other way round", lambda p: p["location"]["polygon"].reverse()),
    ("a polygon 15 % larger than declared", lambda p: p.update(location=square(12.5 * 1.15))),
    ("a polygon 15 % smaller than declared", lambda p: p.update(location=square(12.5 * 0.85))),
    ("no polygon", drop("location")),
]


@pytest.mark.parametrize(("case", "change"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_a_right_place_is_accepted(case: str, change: Change) -> None:
    story, found = registered(change)
    assert found == [[] for _ in story.steps], case


FLAGGED = [
    (
        "抚松 without its suffix, no code, no GI claim",
        both(drop("county_code"), put(county="抚松")),
        "county_name",
        "/payload/county",
    ),
    (
        "朝阳区 alone, no code, no GI claim",
        both(drop("county_code", "prefecture"), put(county="朝阳区")),
        "county_name",
        "/payload/county",
    ),
    ("a polygon of 10 times the declared area", lambda p: p.update(location=square(125)), "plot_area", POLYGON),
    (
        "a polygon of 25 % more than the declared area",
        lambda p: p.update(location=square(12.5 * 1.25)),
        "plot_area",
        POLYGON,
    ),
    (
        "a polygon of 25 % less than the declared area",
        lambda p: p.update(location=square(12.5 * 0.75)),
        "plot_area",
        POLYGON,
    ),
]


@pytest.mark.parametrize(("case", "change", "rule", "pointer"), FLAGGED, ids=[f[0] for f in FLAGGED])
def test_a_doubtful_place_is_flagged(case: str, change: Change, rule: str, pointer: str) -> None:
    def without_gi(p: dict[str, Any]) -> None:
        change(p)
        if rule == "county_name":
            p["certifications"] = [c for c in p["certifications"] if "19506" not in c]

    story = standard()
    for step in story.steps:
        if step.type == "register_plot":
            without_gi(step.payload)
        if step.type == "package" and rule == "county_name":
            step.payload["claims"] = [c for c in step.payload.get("claims", []) if c != "geographical_indication"]
    found = judge_all(story.steps)
    assert [(v.rule, v.severity, v.pointer) for v in found[0]] == [(rule, "soft", "/event" + pointer)], case
    assert all(f == [] for f in found[1:]), case


def test_the_tolerance_is_the_regulators(monkeypatch: pytest.MonkeyPatch) -> None:
    from ginseng_trace.events.context import rules_config

    from ..conftest import tune_rules

    config = {k: dict(v) for k, v in rules_config().items()}
    config["plot_area"]["tolerance"] = 0.10
    tune_rules(monkeypatch, config)
    _story, found = registered(lambda p: p.update(location=square(12.5 * 1.15)))
    assert [v.rule for v in found[0]] == ["plot_area"]


# the 靖宇林下参 GI: a box claiming it needs every origin in 靖宇县, by GB/T 2260 code 220622


def jingyu_box(change: Change) -> tuple[Story, list[list[Any]], int]:
    """The standard lifecycle with its box claiming the 靖宇 GI too, its plot changed by ``change``."""
    story = standard()
    change(next(s for s in story.steps if s.type == "register_plot").payload)
    pack = story.steps[story.where["package"][0]]
    pack.payload["claims"] = [*pack.payload["claims"], "jingyu_forest_gi"]
    return story, judge_all(story.steps), story.where["package"][0]


IN_JINGYU = put(county_code="220622", county="靖宇县", prefecture="白山市")


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("靖宇县 by its code 220622", IN_JINGYU),
        ("220622 alone: the names derived", both(drop("county", "prefecture"), put(county_code="220622"))),
        ("a record from before codes: 靖宇县 under 白山市", both(IN_JINGYU, drop("county_code"))),
    ],
)
def test_a_jingyu_gi_claim_from_jingyu_is_accepted(case: str, change: Change) -> None:
    story, found, _package = jingyu_box(change)
    assert found == [[] for _ in story.steps], case


@pytest.mark.parametrize(
    ("case", "change", "value"),
    [
        ("抚松县 (220621), inside the GB/T 19506 area but not 靖宇", lambda p: None, "吉林省白山市抚松县 (220621)"),
        (
            "集安市 (220582)",
            put(county_code="220582", county="集安市", prefecture="通化市"),
            "吉林省通化市集安市 (220582)",
        ),
        # the name is not the test: a plot typed 靖宇县 but coded 220621 is refused at registration already
        ("靖宇 without its suffix, no code", both(drop("county_code"), put(county="靖宇")), "白山市靖宇"),
    ],
)
def test_a_jingyu_gi_claim_from_another_county_is_refused_by_code(case: str, change: Change, value: str) -> None:
    story = standard()
    plot = next(s for s in story.steps if s.type == "register_plot")
    change(plot.payload)
    if "county_code" not in plot.payload:  # a name that is no county cannot carry the GB/T 19506 claim either
        plot.payload["certifications"] = [c for c in plot.payload["certifications"] if "19506" not in c]
    pack = story.steps[story.where["package"][0]]
    pack.payload["claims"] = ["changbaishan_brand", "jingyu_forest_gi"]
    found = judge_all(story.steps)
    i = story.where["package"][0]
    hard = [v for v in found[i] if v.hard]
    assert [(v.rule, v.pointer) for v in hard] == [("geographical_indication", "/event/payload/claims/1")], case
    assert hard[0].value.startswith(value), hard[0].value
    assert hard[0].limit == "origin in 靖宇县 (220622)"
    assert "靖宇林下参" in hard[0].message
    assert "靖宇县" in hard[0].message_zh


def test_a_jingyu_box_is_judged_on_every_origin() -> None:
    """Without the claim, a box from 抚松 is fine; with it, refused: the claim, not the county, is the test."""
    story = standard()
    assert judge_all(story.steps)[story.where["package"][0]] == []
    _story, found, package = jingyu_box(lambda p: None)
    assert [v.rule for v in found[package] if v.hard] == ["geographical_indication"]
