"""Quality tests against their limits, and storage conditions. Pure Python; limits in
``schemas/rules.yaml``."""

from __future__ import annotations

from collections.abc import Iterator

from .context import Context, rules_config
from .context import num as _num
from .findings import Finding


def _limit(c: Context, where: str, value: float, limit: float, *, minimum: bool, unit: str) -> Finding | None:
    if (value < limit) if minimum else (value > limit):
        name = where.rsplit("/", 1)[-1]
        sign, sign_zh = (">=", "低于") if minimum else ("<=", "超过")
        return c.violation(
            "quality_limits",
            where,
            f"{sign} {_num(limit)} {unit}",
            f"{_num(value)} {unit}",
            f"{name} {_num(value)} {unit} is outside the limit ({sign} {_num(limit)} {unit})",
            f"{name} {_num(value)} {unit} {sign_zh}限量 {_num(limit)} {unit}",
        )
    return None


def check_quality(c: Context) -> Iterator[Finding]:
    event, lot = c.event, c.lot
    if event.type != "quality_test" or lot is None or lot.kind in {"plot_crop", "enterprise"}:
        return
    settings, payload = rules_config()["quality_limits"], event.payload
    found: list[Finding | None] = []
    dried = lot.kind != "harvest_lot"
    forest = bool(lot.origins) and all(o.land_type == "forest" for o in lot.origins)
    if dried:
        minimum = dict(settings["minimum_pct"])
        if "steam_red_ginseng" in lot.processes:
            minimum.update(settings["red_ginseng_minimum_pct"])
        maximum = dict(settings["maximum_pct"])
        if forest:
            minimum.update(settings["forest_minimum_pct"])
            maximum.update(settings["forest_maximum_pct"])
        contents = payload.get("ginsenosides_pct", {})
        for name, limit in minimum.items():
            if name in contents:
                where = f"/payload/ginsenosides_pct/{name}"
                found.append(_limit(c, where, float(contents[name]), float(limit), minimum=True, unit="%"))
        for name, limit in maximum.items():
            if name in payload:
                found.append(_limit(c, f"/payload/{name}", float(payload[name]), float(limit), minimum=False, unit="%"))
    for group in ("heavy_metals_mg_kg", "pesticide_residues_mg_kg"):
        limits = {k.casefold(): float(v) for k, v in settings[group].items()}
        for name, value in payload.get(group, {}).items():
            if name.casefold() in limits:
                where = f"/payload/{group}/{name}"
                found.append(_limit(c, where, float(value), limits[name.casefold()], minimum=False, unit="mg/kg"))
    yield from (v for v in found if v is not None)


def check_storage(c: Context) -> Iterator[Finding]:
    event = c.event
    if event.type != "store":
        return
    settings = rules_config()["storage_conditions"]
    cold = event.payload.get("zone_class") == "cold_chain"
    low = float(settings["cold_chain_min_c"]) if cold else None
    high = float(settings["cold_chain_max_c"] if cold else settings["max_temperature_c"])
    hum_low, hum_high = float(settings["humidity_min_pct"]), float(settings["humidity_max_pct"])
    for i, reading in enumerate(event.payload.get("readings", [])):
        t = float(reading["temperature_c"])
        if t > high or (low is not None and t < low):
            bounds = f"{_num(low)}-{_num(high)} °C" if low is not None else f"<= {_num(high)} °C"
            yield c.violation(
                "storage_conditions",
                f"/payload/readings/{i}/temperature_c",
                bounds,
                f"{_num(t)} °C",
                f"{reading['at']}: {_num(t)} °C is outside {bounds} for {'cold-chain' if cold else 'dry'} ginseng",
                f"{reading['at']}：{_num(t)} °C 超出{'冷链' if cold else '阴凉'}贮藏要求 {bounds}",
            )
        humidity = reading.get("humidity_pct")
        if humidity is not None and not hum_low <= float(humidity) <= hum_high:
            yield c.violation(
                "storage_conditions",
                f"/payload/readings/{i}/humidity_pct",
                f"{_num(hum_low)}-{_num(hum_high)} %RH",
                f"{_num(float(humidity))} %RH",
                f"{reading['at']}: {_num(float(humidity))} %RH is outside {_num(hum_low)}-{_num(hum_high)} %RH",
                f"{reading['at']}：相对湿度 {_num(float(humidity))}% 超出 {_num(hum_low)}-{_num(hum_high)}%",
            )
