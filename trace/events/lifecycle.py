"""Rules for every event: its time (chronology), holds and recalls, and which event may follow which
(lifecycle, with the inputs a creating event needs). Pure Python; thresholds in ``schemas/rules.yaml``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from ..chain.times import format_utc
from .context import Context, rules_config
from .findings import Finding
from .holds import Hold, lifted, own_holds


def check_chronology(c: Context) -> Iterator[Finding]:
    event = c.event
    occurred = event.occurred
    # a chain of captured EPCIS events (epcis:<org>) takes them in any order: EPCIS does not capture in time order
    if c.lot is not None and c.lot.kind != "epcis_events" and occurred < c.lot.last:
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


def _standing(lot_id: str, holds: Mapping[str, Hold]) -> tuple[str, str, str]:
    """The gravest hold standing over a lot, said in English and Chinese (a recall before a hold; its own
    before an upstream one): its status, and where it comes from."""
    event_id, hold = min(holds.items(), key=lambda item: (item[1].type != "recall", item[1].lot != lot_id))
    if hold.lot == lot_id:
        return hold.type, f"{hold.type} {event_id} by {hold.by}", f"{hold.by} 的{_hold_zh(hold.type)} {event_id}"
    return (
        hold.type,
        f"the {hold.type} {event_id} of upstream lot {hold.lot} by {hold.by}",
        f"上游批次 {hold.lot} 的{_hold_zh(hold.type)}（{hold.by}，{event_id}）",
    )


def check_hold(c: Context) -> Iterator[Finding]:
    """Nothing moves while a hold or recall stands over a lot, its own or an upstream lot's; no held lot is
    consumed; a release lifts exactly one standing hold placed on its own lot (:mod:`.holds`). Goods a
    seller takes back from its buyer (a ``return`` ``from_buyer``) come off the market, so a hold never
    stops that: under a recall it is what should happen."""
    moving = rules_config()["hold"]["moving_types"]
    event = c.event
    taken_back = event.type == "return" and bool(event.payload.get("from_buyer"))
    if c.lot is not None and c.lot.holds and event.type in moving and not taken_back:
        status, why, why_zh = _standing(event.lot_id, c.lot.holds)
        yield c.violation(
            "hold",
            "/type",
            f"no {', '.join(moving)} while {status}",
            event.type,
            f"lot {event.lot_id} is under hold ({why}): no {event.type} until it is released"
            if status == "hold"
            else f"lot {event.lot_id} is under recall ({why}): no {event.type}, ever",
            f"批次 {event.lot_id} 因{why_zh}处于{_hold_zh(status)}状态，不得{event.type}",
        )
    for j, source in c.input_states():
        if source.holds:
            status, why, why_zh = _standing(source.lot_id, source.holds)
            yield c.violation(
                "hold",
                f"/inputs/{j}",
                "no held or recalled input",
                source.lot_id,
                f"input lot {source.lot_id} is under {status} ({why}) and cannot be consumed",
                f"原料批次 {source.lot_id} 因{why_zh}处于{_hold_zh(status)}状态，不得投用",
            )
    if c.lot is not None and event.type == "release":
        yield from _release(c, c.lot.holds)


def _release(c: Context, holds: Mapping[str, Hold]) -> Iterator[Finding]:
    event = c.event
    lot_id, named = event.lot_id, event.payload.get("hold")
    if lifted(lot_id, holds, event.payload) is not None:
        return
    own = own_holds(lot_id, holds)
    if named is not None:
        hold = holds.get(str(named))
        if hold is None:
            message = f"no hold {named} stands over lot {lot_id}"
            zh = f"批次 {lot_id} 没有生效的暂扣 {named}"
        elif hold.type == "recall":
            message, zh = f"{named} is a recall, and a recall is final", f"{named} 为召回，召回不能解除"
        else:
            message = f"hold {named} was placed on upstream lot {hold.lot}: release it there, and it lifts here too"
            zh = f"暂扣 {named} 针对上游批次 {hold.lot}，须在该批次解除，本批次随之解除"
        yield c.violation("hold", "/payload/hold", f"one of: {', '.join(own) or 'none'}", named, message, zh)
    elif own:
        yield c.violation(
            "hold",
            "/payload/hold",
            f"one of: {', '.join(own)}",
            "none named",
            f"lot {lot_id} stands under {len(own)} holds ({', '.join(own)}): a release names the one it lifts",
            f"批次 {lot_id} 有 {len(own)} 项暂扣（{', '.join(own)}），解除时须指明解除哪一项",
        )
    else:
        status = f"only {', '.join(sorted({h.type for h in holds.values()}))}" if holds else "nothing"
        yield c.violation(
            "hold",
            "/type",
            "a standing hold placed on this lot",
            status,
            f"no hold placed on lot {lot_id} stands to release: a recall is final, and a hold placed upstream "
            "is released on the lot it was placed on",
            f"批次 {lot_id} 没有可解除的本批次暂扣：召回不能解除，上游批次的暂扣须在该批次解除",
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
    elif lot is not None and kind in creates and kind not in allows.get(lot.kind, ()):
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
        elif event.type == "split" and event.payload.get("kind") != source.kind:
            yield c.violation(
                "lifecycle",
                "/payload/kind",
                source.kind,
                event.payload.get("kind"),
                f"a split's child is of its parent's kind: {source.lot_id} is a {source.kind}",
                f"分出的批次与原批次类型相同：{source.lot_id} 为 {source.kind}",
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
