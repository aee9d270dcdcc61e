"""Crop age as ginseng growers count it: growing seasons. Pure Python, no configuration of its own.

A ginseng root grows one season a year: its shoot comes up in spring (May in Jilin) and dies back in
autumn, leaving one stem scar (芦碗) on the rhizome, so a root's age is the number of seasons it grew
(``docs/DOMAIN.md`` §Crop age). Seed sown in spring (stratified seed) comes up that same spring; seed
sown in summer (伏播) or autumn (秋播) comes up the next spring. Seed sown in autumn 2019 and seed sown
in April 2020 both grow their first season in 2020, and dug in September 2025 both are 6 years old:
"harvest year minus sowing year" would call the spring-sown root 5. Seedlings bought in (种苗) arrive
with the seasons they grew at the seller's (their age, as the seller's record states), and keep
counting after they are planted, by the same calendar as seed.

The two months that divide a year are the rules file's (``crop_age`` in ``schemas/rules.yaml``); the
dates are on Jilin's clock (:func:`.state.local_time`).
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["crop_age", "first_season", "growing_seasons", "last_season"]


def first_season(planted: datetime, grows_same_year_through_month: int) -> int:
    """The year of the first season grown by seed sown (or seedlings planted) at ``planted``: that year if
    planted by the end of month ``grows_same_year_through_month``, otherwise the next."""
    return planted.year if planted.month <= grows_same_year_through_month else planted.year + 1


def last_season(dug: datetime, counts_its_year_from_month: int) -> int:
    """The year of the last season grown by roots dug at ``dug``: that year if dug from month
    ``counts_its_year_from_month`` on, otherwise the year before (dug before that year's shoots came up)."""
    return dug.year if dug.month >= counts_its_year_from_month else dug.year - 1


def growing_seasons(
    planted: datetime, dug: datetime, *, grows_same_year_through_month: int, counts_its_year_from_month: int
) -> int:
    """How many seasons roots planted at ``planted`` and dug at ``dug`` grew in the ground (never negative)."""
    first = first_season(planted, grows_same_year_through_month)
    last = last_season(dug, counts_its_year_from_month)
    return max(0, last - first + 1)


def crop_age(
    planted: datetime,
    dug: datetime,
    seedling_age_years: int = 0,
    *,
    grows_same_year_through_month: int,
    counts_its_year_from_month: int,
) -> int:
    """The age of roots dug at ``dug``: the seasons they grew since ``planted``, plus the age of bought-in
    seedlings at planting (0 for seed)."""
    seasons = growing_seasons(
        planted,
        dug,
        grows_same_year_through_month=grows_same_year_through_month,
        counts_its_year_from_month=counts_its_year_from_month,
    )
    return seedling_age_years + seasons
