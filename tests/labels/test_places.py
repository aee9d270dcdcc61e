"""The gazetteer a scan's city is kept by: names in Chinese and English to one place, ambiguous names to
none, the browser's rounded position to the nearest city, distances, and strict positions."""

from __future__ import annotations

import math
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.labels.places import Place, distance_km, gazetteer, normalise, parse_gazetteer, parse_position


@pytest.mark.parametrize("typed", ["长春", "长春市", "長春", "Changchun", "  changchun city ", "CHANGCHUN"])
def test_the_ways_of_writing_a_city_find_one_place(typed: str) -> None:
    place = gazetteer().find(typed)
    assert place is not None
    assert (place.name_zh, place.name_en) == ("长春", "Changchun")


def test_a_name_far_apart_places_share_finds_none_and_unknown_names_none() -> None:
    linjiang = [p for p in gazetteer().places if p.name_en == "Linjiang"]
    assert {round(p.latitude) for p in linjiang} >= {42, 31}  # Jilin's city and Chongqing's town
    assert gazetteer().find("临江") is None
    assert gazetteer().find("Atlantis") is None
    assert gazetteer().find("") is None


def test_the_nearest_city_of_a_rounded_position_and_none_far_from_every_city() -> None:
    near_changchun = gazetteer().nearest(43.9, 125.3)
    near_fusong = gazetteer().nearest(42.3, 127.3)  # 抚松 is not in GeoNames' list; its neighbour is
    assert near_changchun is not None
    assert near_changchun.name_zh == "长春"
    assert near_fusong is not None
    assert distance_km(near_fusong, near_changchun) > 200
    assert gazetteer().nearest(48.9, 2.4) is None  # Paris: no Chinese city within 100 km
    assert gazetteer().nearest(30.0, 150.0) is None  # the Pacific


def test_distances_between_city_centres() -> None:
    beijing, shanghai = gazetteer().find("北京"), gazetteer().find("上海")
    changchun, jilin = gazetteer().find("长春"), gazetteer().find("吉林")
    assert beijing
    assert shanghai
    assert changchun
    assert jilin
    assert 1040 < distance_km(beijing, shanghai) < 1090  # about 1,067 km great-circle
    assert 90 < distance_km(changchun, jilin) < 110
    assert distance_km(beijing, beijing) == 0


places = st.sampled_from(gazetteer().places)


@given(places, places, places)
def test_distance_is_a_metric_on_the_gazetteer(a: Place, b: Place, c: Place) -> None:
    assert math.isclose(distance_km(a, b), distance_km(b, a))
    assert distance_km(a, c) <= distance_km(a, b) + distance_km(b, c) + 1e-6
    assert 0 <= distance_km(a, b) <= math.pi * 6371.0088 + 1e-6


@given(places)
def test_every_place_is_found_again_from_its_own_position(place: Place) -> None:
    found = gazetteer().nearest(place.latitude, place.longitude)
    assert found is not None
    assert distance_km(found, place) == 0


def test_the_vendored_gazetteer_is_whole() -> None:
    text = (resources.files("ginseng_trace.labels") / "places-cn.tsv").read_text(encoding="utf-8")
    assert "GeoNames, CC BY 4.0" in text
    every = gazetteer().places
    assert len(every) > 3000
    assert len({p.id for p in every}) == len(every)
    assert all(17 < p.latitude < 54 and 73 < p.longitude < 135 for p in every)  # China, Hong Kong, Macao, Taiwan
    assert parse_gazetteer(text).places == every
    with pytest.raises(ValueError, match="needs places"):
        parse_gazetteer("# nothing\nheader\n")


@pytest.mark.parametrize(
    ("text", "expected"), [("43.88,125.32", (43.9, 125.3)), ("-33.87,151.21", (-33.9, 151.2)), ("0,0", (0.0, 0.0))]
)
def test_a_position_is_rounded_to_a_tenth_of_a_degree(text: str, expected: tuple[float, float]) -> None:
    assert parse_position(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("43.9", "not a position"),
        ("43.9;125.3", "not a position"),
        ("43.9,125.3,10", "not a position"),
        ("north,east", "not a position"),
        ("1e3,5", "not a position"),
        ("91,0", "within ±90"),
        ("0,181", "within ±180"),
        ("", "not a position"),
    ],
)
def test_a_malformed_position_is_refused_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_position(text)


def test_normalise_drops_case_spaces_and_suffixes_but_keeps_two_character_names() -> None:
    assert normalise(" Xi’an ") == normalise("xian") == "xian"
    assert normalise("白山市") == "白山"
    assert normalise("沙市") == "沙市"  # a two-character name is not cut to one character
