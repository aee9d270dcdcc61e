"""Semantic rules over lots' states: what an experienced inspector would refuse or flag. Pure Python.

Thresholds and each rule's severity live in ``schemas/rules.yaml`` so that a
regulator can tune them without a code change; every rule there names its
source as sections of ``docs/DOMAIN.md`` (e.g. "docs/DOMAIN.md §Crop age").
A *hard* rule refuses the event; a *soft* rule lets it be stored and attaches
a *finding*. Both are :class:`~.findings.Finding` s naming the rule,
the field (a JSON Pointer), the limit and the value, in English and Chinese.

An :class:`Inspector` holds the states of the lots it has seen and judges each
event against them before folding it in (:func:`.state.apply`). The ledger runs
one per append over the states it keeps; ``ginseng-trace check`` runs one over
the whole ledger to recompute every finding from the records alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from ..chain.records import Event
from ..chain.times import format_utc, parse_utc
from .authority import check_authority, recorder_of
from .context import Context, RuleViolationError, rules_config
from .context import num as _num
from .findings import Finding
from .membership import Membership
from .state import EPSILON, HOLD_STATES, LotState, apply, kg, local_time, payload_size

__all__ = ["CHECKS", "Context", "Inspector", "RuleViolationError", "rules_config"]


Check = Callable[[Context], Iterator[Finding]]


# -- every event -----------------------------------------------------------------------------


def check_chronology(c: Context) -> Iterator[Finding]:
    event = c.event
    occurred = event.occurred
    if c.lot is not None and occurred < c.lot.last:
        yield c.violation(
            "chronology",
            "/occurred_at",
            f">= {c.lot.last_occurred}",
            event.occurred_at,
            f"lot {event.lot_id} already has an event at {c.lot.last_occurred}; this one says "
            f"{event.occurred_at}, which is earlier",
            f"批次 {event.lot_id} 已有 {c.lot.last_occurred} 的事件，本事件时间 {event.occurred_at} 更早",
        )
    for j, source in c.input_states():
        if occurred < source.last:
            yield c.violation(
                "chronology",
                f"/inputs/{j}",
                f"occurred_at >= {source.last_occurred}",
                event.occurred_at,
                f"input lot {source.lot_id} has an event at {source.last_occurred}, after this event "
                f"({event.occurred_at}) that consumes it",
                f"原料批次 {source.lot_id} 在 {source.last_occurred} 有事件，晚于投用它的本事件 {event.occurred_at}",
            )
    tolerance = timedelta(minutes=float(rules_config()["chronology"]["future_tolerance_minutes"]))
    if occurred > c.recorded + tolerance:
        yield c.violation(
            "chronology",
            "/occurred_at",
            f"<= {format_utc(c.recorded + tolerance)}",
            event.occurred_at,
            f"occurred_at {event.occurred_at} is in the future (recorded at {format_utc(c.recorded)})",
            f"发生时间 {event.occurred_at} 晚于记录时间 {format_utc(c.recorded)}",
        )


def _hold_zh(status: str) -> str:
    return "召回" if status == "recall" else "暂扣"


def check_hold(c: Context) -> Iterator[Finding]:
    moving = rules_config()["hold"]["moving_types"]
    event = c.event
    if c.lot is not None and c.lot.hold in HOLD_STATES and event.type in moving:
        yield c.violation(
            "hold",
            "/type",
            f"no {', '.join(moving)} while {c.lot.hold}",
            event.type,
            f"lot {event.lot_id} is under {c.lot.hold}: no {event.type} until it is released",
            f"批次 {event.lot_id} 处于{_hold_zh(c.lot.hold)}状态，不得{event.type}",
        )
    for j, source in c.input_states():
        if source.hold in HOLD_STATES:
            yield c.violation(
                "hold",
                f"/inputs/{j}",
                "no held or recalled input",
                source.lot_id,
                f"input lot {source.lot_id} is under {source.hold} and cannot be consumed",
                f"原料批次 {source.lot_id} 处于{_hold_zh(source.hold)}状态，不得投用",
            )


def check_lifecycle(c: Context) -> Iterator[Finding]:
    settings = rules_config()["lifecycle"]
    creates, allows = settings["creates"], settings["allows"]
    event, lot = c.event, c.lot
    kind = event.type
    if lot is None and kind not in creates:
        yield c.violation(
            "lifecycle",
            "/type",
            f"one of {', '.join(creates)}",
            kind,
            f"lot {event.lot_id} has no record yet: its first event must create it, and {kind} does not",
            f"批次 {event.lot_id} 尚无记录，首个事件须为创建事件，{kind} 不是",
        )
    elif lot is not None and kind in creates:
        yield c.violation(
            "lifecycle",
            "/type",
            "a lot is created once",
            kind,
            f"lot {event.lot_id} already exists (a {lot.kind}); {kind} creates a new lot, so use a new lot id",
            f"批次 {event.lot_id} 已存在（{lot.kind}），{kind} 应创建新批次",
        )
    elif lot is not None and lot.kind in allows and kind not in allows[lot.kind]:
        yield c.violation(
            "lifecycle",
            "/type",
            f"one of {', '.join(allows[lot.kind])}",
            kind,
            f"a {lot.kind} lot cannot have a {kind} event",
            f"{lot.kind} 类批次不能有 {kind} 事件",
        )
    if kind not in creates:
        if event.inputs:
            yield c.violation(
                "lifecycle",
                "/inputs",
                "no inputs",
                len(event.inputs),
                f"only events that create a lot consume input lots, and {kind} does not",
                f"只有创建批次的事件才能投用原料批次，{kind} 不是",
            )
    elif lot is None:
        yield from _creating_inputs(c, creates[kind])
    if lot is not None and kind == "sow" and lot.harvests:
        yield c.violation(
            "lifecycle",
            "/type",
            "no sowing after a harvest",
            kind,
            f"plot {event.lot_id} has been harvested: ginseng is never replanted on the same land",
            f"地块 {event.lot_id} 已采收，人参不能在同一块地重茬种植",
        )
    if lot is not None and kind == "transplant" and lot.sown_at is None:
        yield c.violation(
            "lifecycle",
            "/type",
            "sown first",
            kind,
            f"plot {event.lot_id} has not been sown: nothing to transplant",
            f"地块 {event.lot_id} 尚未播种，无苗可移栽",
        )


def _creating_inputs(c: Context, spec: Mapping[str, Any]) -> Iterator[Finding]:
    event = c.event
    count = len(event.inputs)
    if spec.get("exactly_one_input") and count != 1:
        yield c.violation(
            "lifecycle",
            "/inputs",
            f"exactly one {' or '.join(spec['inputs'])}",
            count,
            f"a {event.type} names exactly one input lot ({' or '.join(spec['inputs'])}); this one names {count}",
            f"{event.type} 须且仅须指明一个原料批次（{'或'.join(spec['inputs'])}），本事件为 {count} 个",
        )
    if spec.get("at_least_one_input") and count == 0:
        yield c.violation(
            "lifecycle",
            "/inputs",
            "at least one input lot",
            0,
            f"a {event.type} consumes at least one input lot; this one names none",
            f"{event.type} 至少要有一个原料批次",
        )
    for j, source in c.input_states():
        if source.kind not in spec["inputs"]:
            yield c.violation(
                "lifecycle",
                f"/inputs/{j}",
                f"one of {', '.join(spec['inputs'])}",
                source.kind,
                f"a {event.type} cannot consume {source.lot_id}, a {source.kind} lot",
                f"{event.type} 不能投用 {source.kind} 类批次 {source.lot_id}",
            )
        elif event.type == "harvest" and source.sown_at is None:
            yield c.violation(
                "lifecycle",
                f"/inputs/{j}",
                "a sown plot",
                source.lot_id,
                f"plot {source.lot_id} has no sowing: no harvest before planting",
                f"地块 {source.lot_id} 没有播种记录，不能先于种植采收",
            )
    if event.type == "process":
        named = set(event.inputs)
        for i, item in enumerate(event.payload["input_quantities"]):
            if item["lot"] not in named:
                yield c.violation(
                    "lifecycle",
                    f"/payload/input_quantities/{i}/lot",
                    f"one of the event's inputs ({', '.join(event.inputs)})",
                    item["lot"],
                    f"input quantity names {item['lot']}, which is not among the event's input lots",
                    f"投料 {item['lot']} 不在本事件的原料批次中",
                )


def check_custody(c: Context) -> Iterator[Finding]:
    settings = rules_config()["custody"]
    event, lot, actor = c.event, c.lot, c.event.actor
    if event.type in settings["custodian_types"]:
        if lot is None:
            for j, source in c.input_states():
                if actor not in source.custodians():
                    yield _not_custodian(c, f"/inputs/{j}", source)
        elif actor not in lot.custodians():
            yield _not_custodian(c, "/actor", lot)
        if event.type == "ship" and event.payload["from"] != actor:
            yield c.violation(
                "custody",
                "/payload/from",
                actor,
                event.payload["from"],
                f"{actor} records this shipment, so the shipper must be {actor}",
                f"发运由 {actor} 记录，发货方须为 {actor}",
            )
    if event.type in settings["transit_types"] and lot is not None and actor not in lot.custodians():
        handlers = {s.carrier for s in lot.in_transit} | {s.consignee for s in lot.in_transit}
        if actor not in handlers:
            yield _not_custodian(c, "/actor", lot)
    if event.type == "receive" and lot is not None:
        yield from _receive(c, lot, float(settings["receive_tolerance_pct"]))


def _not_custodian(c: Context, where: str, lot: LotState) -> Finding:
    holders = ", ".join(sorted(lot.custodians())) or "nobody (nothing on hand)"
    return c.violation(
        "custody",
        where,
        f"recorded by {holders}",
        c.event.actor,
        f"{c.event.actor} is not a custodian of lot {lot.lot_id} (held by {holders}) and cannot record "
        f"{c.event.type} for it",
        f"{c.event.actor} 不是批次 {lot.lot_id} 的保管方（保管方：{holders}），不能记录 {c.event.type}",
    )


def _receive(c: Context, lot: LotState, tolerance_pct: float) -> Iterator[Finding]:
    event = c.event
    shipper = str(event.payload["from"])
    shipment = lot.shipment_to(event.actor, shipper)
    if shipment is None:
        yield c.violation(
            "custody",
            "/payload/from",
            f"a shipment from {shipper} to {event.actor} under way",
            shipper,
            f"no shipment of lot {lot.lot_id} from {shipper} to {event.actor} is under way",
            f"没有从 {shipper} 发往 {event.actor} 的批次 {lot.lot_id} 在途",
        )
        return
    received = lot.amount(event.payload)
    if received is None:
        return
    where = "/payload/units" if "units" in event.payload else "/payload/net_weight_kg"
    ceiling = shipment.amount * (1 + tolerance_pct / 100)
    if received > ceiling + EPSILON:
        yield c.violation(
            "custody",
            where,
            f"<= {_num(ceiling)} {lot.unit}",
            f"{_num(received)} {lot.unit}",
            f"received {_num(received)} {lot.unit} but only {_num(shipment.amount)} {lot.unit} were shipped "
            f"(tolerance {_num(tolerance_pct)} %)",
            f"实收 {_num(received)} {lot.unit}，超过发运量 {_num(shipment.amount)} {lot.unit}"
            f"（容差 {_num(tolerance_pct)}%）",
        )
    loss = float(rules_config()["transit_loss"]["loss_tolerance_pct"])
    floor = shipment.amount * (1 - loss / 100)
    if received < floor - EPSILON:
        yield c.violation(
            "transit_loss",
            where,
            f">= {_num(floor)} {lot.unit}",
            f"{_num(received)} {lot.unit}",
            f"received {_num(received)} {lot.unit} of {_num(shipment.amount)} {lot.unit} shipped: more than "
            f"{_num(loss)} % lost in transit",
            f"发运 {_num(shipment.amount)} {lot.unit}，实收 {_num(received)} {lot.unit}，途损超过 {_num(loss)}%",
        )


# -- quantities ------------------------------------------------------------------------------


def _short(c: Context, where: str, lot: LotState, need: float, held: float) -> Finding:
    unit = lot.unit or ""
    return c.violation(
        "stock",
        where,
        f"<= {_num(held)} {unit}",
        f"{_num(need)} {unit}",
        f"{c.event.actor} has {_num(held)} {unit} of lot {lot.lot_id} on hand; this {c.event.type} needs "
        f"{_num(need)} {unit}",
        f"{c.event.actor} 持有批次 {lot.lot_id} {_num(held)} {unit}，本次{c.event.type}需要 {_num(need)} {unit}",
    )


def check_stock(c: Context) -> Iterator[Finding]:
    event, actor = c.event, c.event.actor
    if event.type == "process" and c.lot is None:
        need: dict[str, float] = {}
        for i, item in enumerate(event.payload["input_quantities"]):
            source = c.inputs.get(str(item["lot"]))
            if source is None or source.unit != "kg":
                continue
            need[source.lot_id] = need.get(source.lot_id, 0.0) + kg(item)
            held = source.holdings.get(actor, 0.0)
            if need[source.lot_id] > held * (1 + EPSILON) + EPSILON:
                yield _short(c, f"/payload/input_quantities/{i}/value", source, need[source.lot_id], held)
    elif event.type in {"package", "aggregate"} and c.lot is None:
        unit = "kg" if event.type == "package" else "count"
        sources = [s for _j, s in c.input_states() if s.unit == unit]
        if event.type == "package":
            wanted, where = int(event.payload["units"]) * float(event.payload["net_weight_g"]) / 1000, "/payload/units"
        else:
            wanted, where = float(len(event.payload["children"])), "/payload/children"
        held = sum(s.holdings.get(actor, 0.0) for s in sources)
        if sources and wanted > held * (1 + EPSILON) + EPSILON:
            unit_text = "kg" if unit == "kg" else "units"
            yield c.violation(
                "stock",
                where,
                f"<= {_num(held)} {unit_text}",
                f"{_num(wanted)} {unit_text}",
                f"{actor} has {_num(held)} {unit_text} of the input lots on hand; this {event.type} needs "
                f"{_num(wanted)}",
                f"{actor} 持有原料 {_num(held)} {unit_text}，本次{event.type}需要 {_num(wanted)}",
            )
    elif event.type in {"ship", "sell"} and c.lot is not None and c.lot.unit is not None:
        lot = c.lot
        amount = lot.amount(event.payload)
        if amount is None:
            if event.type == "sell":
                where = "/payload/net_weight_kg" if lot.unit == "kg" else "/payload/units"
                yield c.violation(
                    "stock",
                    where,
                    "a quantity in the lot's unit",
                    "missing",
                    f"lot {lot.lot_id} is kept in {lot.unit}: say how much is sold",
                    f"批次 {lot.lot_id} 以 {lot.unit} 计量，须注明销售数量",
                )
            return
        held = lot.holdings.get(actor, 0.0)
        if amount > held * (1 + EPSILON) + EPSILON:
            where = "/payload/units" if "units" in event.payload else "/payload/net_weight_kg"
            yield _short(c, where, lot, amount, held)


def check_process_yield(c: Context) -> Iterator[Finding]:
    event = c.event
    if event.type != "process" or c.lot is not None:
        return
    settings = rules_config()["process_yield"]
    payload = event.payload
    process = str(payload["process"])
    out = sum(kg(o) for o in payload["outputs"])
    fresh_in = 0.0
    all_fresh = True
    if process in settings["drying_processes"]:
        out_moisture = float(payload.get("final_moisture_pct", settings["default_output_moisture_pct"]))
        ceiling = 0.0
        for item in payload["input_quantities"]:
            source = c.inputs.get(str(item["lot"]))
            moisture = settings["default_output_moisture_pct"]
            if source is not None and source.moisture_pct is not None:
                moisture = source.moisture_pct
            all_fresh = all_fresh and source is not None and source.kind == "harvest_lot"
            fresh_in += kg(item)
            ceiling += kg(item) * (1 - float(moisture) / 100) / max(1 - out_moisture / 100, 0.01)
        ceiling *= float(settings["drying_tolerance"])
        how = f"inputs' dry matter at {_num(out_moisture)} % moisture x {settings['drying_tolerance']}"
    else:
        factor = float(settings["max_yield"].get(process, 1.0))
        ceiling = sum(kg(item) for item in payload["input_quantities"]) * factor
        how = f"inputs x {_num(factor)}"
    if out > ceiling + EPSILON:
        yield c.violation(
            "process_yield",
            "/payload/outputs",
            f"<= {_num(ceiling)} kg",
            f"{_num(out)} kg",
            f"{process} yields {_num(out)} kg, more than the inputs can give ({how} = {_num(ceiling)} kg)",
            f"{process} 产出 {_num(out)} kg，超过原料可得量 {_num(ceiling)} kg",
        )
    ratio_rule = rules_config()["main_root_ratio"]
    main = kg(payload["outputs"][0])
    if process in ratio_rule["processes"] and all_fresh and main > 0:
        ratio = fresh_in / main
        low, high = float(ratio_rule["min"]), float(ratio_rule["max"])
        if not low <= ratio <= high:
            yield c.violation(
                "main_root_ratio",
                "/payload/outputs/0/value",
                f"fresh : main root between {_num(low)} and {_num(high)}",
                f"{ratio:.2f}",
                f"{_num(fresh_in)} kg fresh gave {_num(main)} kg of main root, a ratio of {ratio:.2f} : 1 "
                f"(usual {_num(low)}-{_num(high)} : 1)",
                f"鲜参 {_num(fresh_in)} kg 得主根 {_num(main)} kg，折干率 {ratio:.2f}:1"
                f"（常见 {_num(low)}-{_num(high)}:1）",
            )


# -- growing and harvest ---------------------------------------------------------------------


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
        expected = local.year - local_time(parse_utc(plot.sown_at)).year
        if declared != expected:
            yield c.violation(
                "crop_age",
                "/payload/crop_age_years",
                f"= {expected}",
                declared,
                f"plot {plot.lot_id} was sown in {plot.sown_at[:4]}, so roots harvested in {local.year} are "
                f"{expected} years old, not {declared}",
                f"地块 {plot.lot_id} 于 {plot.sown_at[:4]} 年播种，{local.year} 年采收参龄应为 {expected} 年，"
                f"而非 {declared} 年",
            )
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


# -- claims and origin -----------------------------------------------------------------------


def _claims(names: list[str], rule: str) -> list[int]:
    wanted = [n.casefold() for n in rules_config()[rule]["claim_names"]]
    return [i for i, name in enumerate(names) if any(w in name.casefold() for w in wanted)]


def prefecture_of(county: str, declared: str | None) -> str | None:
    """The prefecture whose protected area holds ``county``, or the declared one if the county is not listed."""
    for prefecture, counties in rules_config()["geographical_indication"]["prefectures"].items():
        if county in counties:
            return str(prefecture)
    return declared


def _protected(county: str, declared: str | None) -> bool:
    return prefecture_of(county, declared) in rules_config()["geographical_indication"]["prefectures"]


def check_origin_claims(c: Context) -> Iterator[Finding]:
    event, payload = c.event, c.event.payload
    areas = "、".join(rules_config()["geographical_indication"]["prefectures"])
    if event.type == "register_plot":
        names = [str(n) for n in payload.get("certifications", [])]
        county, prefecture = str(payload["county"]), payload.get("prefecture")
        for i in _claims(names, "geographical_indication"):
            if not _protected(county, prefecture):
                yield _outside(c, f"/payload/certifications/{i}", county, areas)
    if event.type == "package" and c.lot is None:
        claims = [str(n) for n in payload.get("claims", [])]
        origins = [o for _j, s in c.input_states() for o in s.origins]
        for i in _claims(claims, "geographical_indication"):
            for origin in origins:
                if not _protected(origin.county, origin.prefecture):
                    yield _outside(c, f"/payload/claims/{i}", f"{origin.county} (plot {origin.plot})", areas)
        brands = rules_config()["brand_base"]["certification_names"]
        for i in _claims(claims, "brand_base"):
            for origin in origins:
                if not any(b in cert for cert in origin.certifications for b in brands):
                    yield c.violation(
                        "brand_base",
                        f"/payload/claims/{i}",
                        "every origin a certified brand base",
                        origin.plot,
                        f"the 长白山人参 brand needs certified bases, and plot {origin.plot} is not one",
                        f"长白山人参品牌须来自认证基地，地块 {origin.plot} 未认证",
                    )


def _outside(c: Context, where: str, place: str, areas: str) -> Finding:
    return c.violation(
        "geographical_indication",
        where,
        f"origin in {areas}",
        place,
        f"a geographical-indication claim needs origin inside the protected areas ({areas}); {place} is outside",
        f"地理标志声明须产自保护范围（{areas}），{place} 不在其内",
    )


def check_food_use(c: Context) -> Iterator[Finding]:
    event, payload = c.event, c.event.payload
    if event.type != "package" or c.lot is not None or payload.get("intended_use") != "food":
        return
    max_age = int(rules_config()["food_use"]["max_age"])
    for _j, source in c.input_states():
        for origin in source.origins:
            if origin.land_type != "farmland":
                yield c.violation(
                    "food_use",
                    "/payload/intended_use",
                    "cultivated (farmland) origin only",
                    f"{origin.land_type} (plot {origin.plot})",
                    f"ginseng sold as ordinary food must be cultivated; plot {origin.plot} is {origin.land_type}",
                    f"作为普通食品的人参须为人工种植，地块 {origin.plot} 为 {origin.land_type}",
                )
            if origin.crop_age > max_age:
                yield c.violation(
                    "food_use",
                    "/payload/intended_use",
                    f"<= {max_age} years",
                    f"{origin.crop_age} years (plot {origin.plot})",
                    f"ginseng sold as ordinary food is at most {max_age} years old; roots from plot {origin.plot} "
                    f"are {origin.crop_age}",
                    f"作为普通食品的人参不超过 {max_age} 年，地块 {origin.plot} 为 {origin.crop_age} 年",
                )
    if payload.get("label_warnings") is not True:
        yield c.violation(
            "food_use",
            "/payload/label_warnings",
            "true",
            payload.get("label_warnings", "missing"),
            "ginseng sold as food must carry the warnings (not for pregnant or nursing women or children "
            "under 14; at most 3 g a day)",
            "作为食品的人参须标注：孕妇、哺乳期妇女及14周岁以下儿童不宜食用，每日不超过3克",
        )


# -- tests and storage -----------------------------------------------------------------------


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


def check_event_size(c: Context) -> Iterator[Finding]:
    """An event's facts are small, and so is a lot's whole history: every bundle of every product made from
    the lot carries it to a shopper's phone, so nobody may bloat another party's product. A full lot never
    shuts out a regulator's hold, recall or release (``never_crowded_out``)."""
    settings = rules_config()["event_size"]
    size, most = payload_size(c.event), int(settings["max_payload_bytes"])
    if size > most:
        yield c.violation(
            "event_size",
            "/payload",
            f"<= {most} bytes",
            f"{size} bytes",
            f"the payload is {size} bytes (canonical JSON); an event's payload may hold at most {most}",
            f"事件内容为 {size} 字节（规范 JSON），每个事件最多 {most} 字节",
        )
        return
    total, lot_most = (c.lot.payload_bytes if c.lot else 0) + size, int(settings["max_lot_bytes"])
    if total > lot_most and c.event.type not in settings["never_crowded_out"]:
        yield c.violation(
            "event_size",
            "/payload",
            f"lot history <= {lot_most} bytes",
            f"{total} bytes",
            f"lot {c.event.lot_id}'s events would hold {total} bytes; a lot's history may hold at most {lot_most}",
            f"批次 {c.event.lot_id} 的事件内容将达 {total} 字节，超过每批次 {lot_most} 字节的上限",
        )


CHECKS: tuple[Check, ...] = (
    check_authority,
    check_event_size,
    check_lifecycle,
    check_chronology,
    check_hold,
    check_custody,
    check_stock,
    check_process_yield,
    check_harvest,
    check_pesticide_once,
    check_origin_claims,
    check_food_use,
    check_quality,
    check_storage,
)


class Inspector:
    """Judges events in log order over the lot states and the membership it holds, and folds each admitted
    event into both. Each event is judged at its log position (``index``): membership as it stood before it."""

    def __init__(self, states: Mapping[str, LotState] | None = None, membership: Membership | None = None) -> None:
        self.states: dict[str, LotState] = dict(states or {})
        self.membership = membership if membership is not None else Membership()
        self.changed: set[str] = set()

    def context(self, event: Event, index: int, recorded: datetime, pointer: str = "/event") -> Context:
        inputs = {lot: self.states[lot] for lot in event.inputs if lot in self.states}
        signer = self.membership.signer(event.actor, event.key_id, index, recorded)
        return Context(event, self.states.get(event.lot_id), inputs, recorded, pointer, signer, self.membership)

    def judge(self, event: Event, index: int, recorded: datetime, pointer: str = "/event") -> list[Finding]:
        """Every rule ``event`` breaks, hard and soft, at log position ``index``."""
        return self._judge(self.context(event, index, recorded, pointer))

    @staticmethod
    def _judge(context: Context) -> list[Finding]:
        return [violation for check in CHECKS for violation in check(context)]

    def admit(self, event: Event, index: int, recorded: datetime) -> None:
        """Fold ``event`` (at log position ``index``) into the lot states and the membership."""
        self._fold(self.context(event, index, recorded), index)

    def _fold(self, context: Context, index: int) -> None:
        event = context.event
        fresh = float(rules_config()["process_yield"]["fresh_moisture_pct"])
        recorder = recorder_of(context.signer)
        self.changed |= apply(event, self.states, fresh_moisture_pct=fresh, recorder=recorder)
        self.membership.apply(event, index)

    def review(self, event: Event, index: int, recorded: datetime) -> list[Finding]:
        """Every rule ``event`` breaks, then fold it in whatever they say (a replay of stored records)."""
        context = self.context(event, index, recorded)
        found = self._judge(context)
        self._fold(context, index)
        return found

    def enforce(self, event: Event, index: int, recorded: datetime, pointer: str = "/event") -> list[Finding]:
        """Raise :class:`RuleViolationError` for the first hard rule ``event`` breaks; otherwise fold it in
        and return its findings (the soft rules it breaks)."""
        context = self.context(event, index, recorded, pointer)
        violations = self._judge(context)
        for violation in violations:
            if violation.hard:
                raise RuleViolationError(violation)
        self._fold(context, index)
        return violations
