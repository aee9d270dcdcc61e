"""Crop age counts growing seasons (docs/DOMAIN.md §Crop age): examples and properties of the pure function."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.events.rules import rules_config
from ginseng_trace.events.seasons import crop_age, growing_seasons

SETTINGS = rules_config()["crop_age"]
CALENDAR = {
    "grows_same_year_through_month": int(SETTINGS["planted_grows_same_year_through_month"]),
    "counts_its_year_from_month": int(SETTINGS["dug_counts_its_year_from_month"]),
}


def seasons(planted: str, dug: str) -> int:
    return growing_seasons(datetime.fromisoformat(planted), datetime.fromisoformat(dug), **CALENDAR)


def age(planted: str, dug: str, seedlings: int = 0) -> int:
    return crop_age(datetime.fromisoformat(planted), datetime.fromisoformat(dug), seedlings, **CALENDAR)


def test_the_domain_examples() -> None:
    assert age("2019-10-15", "2025-09-18") == 6  # docs/DOMAIN.md: sown in autumn 2019, dug September 2025
    assert age("2020-04-20", "2025-09-18") == 6  # spring-sown stratified seed comes up the same spring
    assert age("2019-07-25", "2025-09-18") == 6  # 伏播: summer-sown seed comes up the next spring
    assert age("2020-10-20", "2025-09-18") == 5
    # bought-in 2-year seedlings, 3 seasons after planting (spring 2023, or autumn 2022): a 5-year root
    assert age("2023-04-20", "2025-09-18", seedlings=2) == 5
    assert age("2022-10-08", "2025-09-18", seedlings=2) == 5
    # dug in spring, before the year's shoots: the year's season is not counted
    assert age("2020-04-20", "2026-04-10") == 6
    # sown and dug in the same autumn: nothing grew yet
    assert seasons("2025-09-01", "2025-09-30") == 0


moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31))


@given(moments, moments)
def test_never_negative(planted: datetime, dug: datetime) -> None:
    assert growing_seasons(planted, dug, **CALENDAR) >= 0


@given(moments, moments, st.integers(-20, 20))
def test_moving_both_dates_by_whole_years_changes_nothing(planted: datetime, dug: datetime, years: int) -> None:
    def shift(moment: datetime) -> datetime:
        return moment.replace(year=moment.year + years, day=min(moment.day, 28))

    before = growing_seasons(planted.replace(day=min(planted.day, 28)), dug.replace(day=min(dug.day, 28)), **CALENDAR)
    assert growing_seasons(shift(planted), shift(dug), **CALENDAR) == before


@given(moments, moments, moments)
def test_later_digging_never_counts_fewer_seasons_and_later_planting_never_more(
    planted: datetime, dug: datetime, other: datetime
) -> None:
    early, late = sorted([dug, other])
    assert growing_seasons(planted, early, **CALENDAR) <= growing_seasons(planted, late, **CALENDAR)
    first, second = sorted([planted, other])
    assert growing_seasons(first, dug, **CALENDAR) >= growing_seasons(second, dug, **CALENDAR)


@given(st.integers(1990, 2050), st.integers(0, 30), st.integers(9, 11), st.integers(4, 5), st.integers(9, 10))
def test_autumn_sowing_grows_from_the_next_spring_like_spring_sowing_then(
    year: int, later: int, autumn: int, spring: int, harvest: int
) -> None:
    dug = datetime(year + 1 + later, harvest, 15)
    autumn_sown = datetime(year, autumn, 10)
    spring_sown = datetime(year + 1, spring, 10)
    assert growing_seasons(autumn_sown, dug, **CALENDAR) == growing_seasons(spring_sown, dug, **CALENDAR)
    # spring-sown and dug in the autumn: every year from sowing to harvest, both included
    assert growing_seasons(spring_sown, dug, **CALENDAR) == dug.year - spring_sown.year + 1


@given(moments, moments, st.integers(0, 10))
def test_bought_in_seedlings_add_their_age(planted: datetime, dug: datetime, seedlings: int) -> None:
    assert crop_age(planted, dug, seedlings, **CALENDAR) == seedlings + growing_seasons(planted, dug, **CALENDAR)
