"""Rules of growing and harvest: crop age (growing seasons, :mod:`.seasons`), yield plausibility, pesticides
once a season and their pre-harvest intervals (food use is :mod:`.food`). Pure Python; thresholds in
``schemas/rules.yaml``."""

from __future__ import annotations

from collections.abc import Iterator

from ..chain.times import format_utc, parse_utc
from .context import Context, rules_config
from .context import num as _num
from .findings import Finding
from .seasons import first_season, growing_seasons, last_season
from .state import LotState, kg, local_time, planted_seedling_age


def _plot(c: Context) -> LotState | None:
    return next((s for _j, s in c.input_states() if s.kind == "plot_crop"), None)


def check_harvest(c: Context) -> Iterator[Finding]:
    event, plot = c.event, _plot(c)
    if event.type != "harvest" or c.lot is not None or plot is None:
        return
    rules = rules_config()
    declared = int(event.payload["crop_age_years"])
    local = local_time(event.occurred, float(rules["harvest_season"]["utc_offset_hours"]))
    if plot.sown_at is not None:
        yield from _crop_age(c, plot, plot.sown_at, declared)
    if plot.land_type == "farmland":
        garden = rules["garden_age"]
        long_root = any(v in (plot.variety or "") for v in garden["long_root_varieties"])
        low, high = (garden["long_root_min"], garden["long_root_max"]) if long_root else (garden["min"], garden["max"])
        if not low <= declared <= high:
            yield c.violation(
                "garden_age",
                "/payload/crop_age_years",
                f"{low}-{high} years",
                declared,
                f"garden ginseng{' (long-root)' if long_root else ''} is harvested at {low}-{high} years; "
                f"this harvest declares {declared}",
                f"园参{'（边条）' if long_root else ''}一般 {low}-{high} 年采收，本次申报 {declared} 年",
            )
    if plot.land_type == "forest" and declared < int(rules["forest_age"]["min"]):
        low = int(rules["forest_age"]["min"])
        yield c.violation(
            "forest_age",
            "/payload/crop_age_years",
            f">= {low} years",
            declared,
            f"forest ginseng grows at least {low} years in the forest; this harvest declares {declared}",
            f"林下山参须在林下生长至少 {low} 年，本次申报 {declared} 年",
        )
    months = rules["harvest_season"]["months"]
    if local.month not in months:
        yield c.violation(
            "harvest_season",
            "/occurred_at",
            f"months {', '.join(str(m) for m in months)}",
            event.occurred_at,
            f"Jilin ginseng is harvested in September-October; this harvest is in month {local.month}",
            f"吉林人参一般9-10月采收，本次在 {local.month} 月",
        )
    application = plot.latest_ready
    if application is not None and event.occurred < application.ready:
        ready = format_utc(application.ready)
        yield c.violation(
            "pesticide_interval",
            "/occurred_at",
            f">= {ready}",
            event.occurred_at,
            f"{application.product} was applied on {application.at[:10]} with a pre-harvest interval of "
            f"{application.pre_harvest_interval_days} days: no harvest before {ready[:10]}",
            f"{application.product} 于 {application.at[:10]} 施用，"
            f"安全间隔期 {application.pre_harvest_interval_days} 天，{ready[:10]} 前不得采收",
        )
    yield from _yield_plausibility(c, plot, declared)


def _calendar() -> dict[str, int]:
    settings = rules_config()["crop_age"]
    return {
        "grows_same_year_through_month": int(settings["planted_grows_same_year_through_month"]),
        "counts_its_year_from_month": int(settings["dug_counts_its_year_from_month"]),
    }


def _crop_age(c: Context, plot: LotState, sown_at: str, declared: int) -> Iterator[Finding]:
    """The declared age is the seasons the roots grew since the plot was sown or planted, plus the age of
    bought-in seedlings at planting (docs/DOMAIN.md §Crop age)."""
    calendar = _calendar()
    planted, dug = local_time(parse_utc(sown_at)), local_time(c.event.occurred)
    seasons = growing_seasons(planted, dug, **calendar)
    seedlings = plot.seedling_age_years or 0
    expected = seedlings + seasons
    if declared == expected:
        return
    first = first_season(planted, calendar["grows_same_year_through_month"])
    last = last_season(dug, calendar["counts_its_year_from_month"])
    count = f"{seedlings} + {seasons} = {expected}" if seedlings else str(expected)
    if seedlings:
        how, how_zh = (
            f"was planted on {sown_at[:10]} with {seedlings}-year-old seedlings",
            f"于 {sown_at[:10]} 栽植 {seedlings} 年生种苗",
        )
    else:
        how, how_zh = f"was sown on {sown_at[:10]}", f"于 {sown_at[:10]} 播种"
    dug_on = c.event.occurred_at[:10]
    yield c.violation(
        "crop_age",
        "/payload/crop_age_years",
        f"= {expected}",
        declared,
        f"plot {plot.lot_id} {how}: roots dug on {dug_on} grew {seasons} season(s) there ({first}-{last}), "
        f"so they are {count} years old, not {declared}",
        f"地块 {plot.lot_id} {how_zh}，至 {dug_on} 采收在地生长 {seasons} 季（{first}-{last} 年），"
        f"参龄应为 {count} 年，而非 {declared} 年",
    )


def check_planting(c: Context) -> Iterator[Finding]:
    """A sowing of bought-in seedlings states the age their seed lot's record states, if both state one."""
    event, plot = c.event, c.lot
    if event.type != "sow" or plot is None or "seedling_age_years" not in event.payload:
        return
    seed = plot.seed_for(event.payload.get("seed_lot"))
    recorded = planted_seedling_age({}, seed)
    stated = int(event.payload["seedling_age_years"])
    if recorded is not None and recorded != stated:
        yield c.violation(
            "crop_age",
            "/payload/seedling_age_years",
            f"= {recorded} (the seed lot's record)",
            stated,
            f"the seedlings' source record on plot {plot.lot_id} says they are {recorded} years old; this "
            f"planting says {stated}",
            f"地块 {plot.lot_id} 的种苗来源记录为 {recorded} 年生，本次栽苗记为 {stated} 年生",
        )


def _yield_plausibility(c: Context, plot: LotState, age: int) -> Iterator[Finding]:
    settings = rules_config()["yield_plausibility"]
    if not plot.area_mu:
        return
    total = plot.harvested_kg + kg(c.event.payload["fresh_weight"])
    per_mu = total / plot.area_mu
    if plot.land_type == "forest":
        per_year = per_mu / max(age, 1)
        ceiling = float(settings["forest_max_kg_per_mu_per_year"])
        if per_year > ceiling:
            yield c.violation(
                "yield_plausibility",
                "/payload/fresh_weight/value",
                f"<= {_num(ceiling)} kg/mu/year",
                f"{per_year:.2f} kg/mu/year",
                f"{_num(total)} kg of forest ginseng from {_num(plot.area_mu)} mu over {age} years is "
                f"{per_year:.2f} kg/mu/year, far above a forest's yield (garden ginseng sold as forest?)",
                f"{_num(plot.area_mu)} 亩林地 {age} 年采收 {_num(total)} kg，合 {per_year:.2f} kg/亩/年，"
                f"远超林下参产量（疑以园参充林下参）",
            )
    elif per_mu > float(settings["garden_max_kg_per_mu"]):
        ceiling = float(settings["garden_max_kg_per_mu"])
        yield c.violation(
            "yield_plausibility",
            "/payload/fresh_weight/value",
            f"<= {_num(ceiling)} kg/mu",
            f"{per_mu:.0f} kg/mu",
            f"{_num(total)} kg from {_num(plot.area_mu)} mu is {per_mu:.0f} kg/mu, above a garden's plausible yield",
            f"{_num(plot.area_mu)} 亩采收 {_num(total)} kg，合 {per_mu:.0f} kg/亩，超出园参合理产量",
        )


def check_pesticide_once(c: Context) -> Iterator[Finding]:
    event, lot = c.event, c.lot
    payload = event.payload
    if event.type != "field_operation" or lot is None or payload.get("operation") != "pesticide":
        return
    if payload.get("pesticide_class", "chemical") != "chemical":
        return
    ingredient = str(payload["active_ingredient"]).casefold()
    season = local_time(event.occurred).year
    earlier = lot.chemicals.get(ingredient)
    if earlier is not None and local_time(parse_utc(earlier)).year == season:
        yield c.violation(
            "pesticide_once",
            "/payload/active_ingredient",
            "once per season",
            payload["active_ingredient"],
            f"{payload['active_ingredient']} was already applied to plot {lot.lot_id} on {earlier[:10]} this season",
            f"{payload['active_ingredient']} 本季已于 {earlier[:10]} 在地块 {lot.lot_id} 施用过",
        )
