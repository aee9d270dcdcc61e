"""Quality tests against the limits of the standards that apply to the product, and storage conditions.
Pure Python; the standards and limits in ``schemas/rules.yaml``, chosen by :mod:`.standards`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from .context import Context, rules_config
from .context import num as _num
from .findings import Finding
from .species import species_names
from .standards import breaches, product_of


def check_quality(c: Context) -> Iterator[Finding]:
    """A quality test's results against every standard that applies to the tested product
    (:mod:`.standards`): one finding per limit broken, naming the standard and its limit."""
    event, lot = c.event, c.lot
    if event.type != "quality_test" or lot is None or lot.kind in {"plot_crop", "enterprise"}:
        return
    settings, payload = rules_config()["quality_limits"], event.payload
    product = product_of(lot, payload, settings)
    for breach in breaches(product, payload, settings):
        standard, limit = breach.standard, breach.limit
        value = f"{_num(breach.value)} {limit.unit}"
        name, name_zh = limit.label(), limit.label(zh=True)
        fails, fails_zh = ("is below", "低于") if limit.minimum else ("exceeds", "超过")
        # a lot whose origins record no species is judged as the rules file says, and its findings say so
        names = species_names(product.species) or {"zh": "-", "la": "-"}
        judged_as = "" if product.species_recorded else f"; species not recorded, judged as {names['la']}"
        judged_as_zh = "" if product.species_recorded else f"（未记录物种，按{names['zh']}判定）"
        finding = c.violation(
            "quality_limits",
            breach.pointer,
            f"{standard.name}: {limit.text()}",
            value,
            f"{name} {value} {fails} the limit of {standard.name} ({limit.text()}; {standard.title}){judged_as}",
            f"{name_zh} {value} {fails_zh}{standard.title_zh}的限量（{limit.text(zh=True)}）{judged_as_zh}",
        )
        yield dataclasses.replace(finding, standard=standard.id)


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
