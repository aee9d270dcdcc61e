"""Rules of custody and quantity: only the custodian records, a receipt matches its shipment, nobody
ships, sells or uses more than it holds, and each serialised unit is sold once. Pure Python; thresholds in
``schemas/rules.yaml``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from . import coproducts
from .context import Context, rules_config
from .context import num as _num
from .findings import Finding
from .movements import split_into
from .serials import SerialRun, run_problem
from .state import EPSILON, LotState, kg


def check_custody(c: Context) -> Iterator[Finding]:
    settings = rules_config()["custody"]
    event, lot, actor = c.event, c.lot, c.event.actor
    if event.type in settings["custodian_types"]:
        if lot is None:
            for j, source in c.input_states():
                if actor not in source.custodians():
                    yield not_custodian(c, f"/inputs/{j}", source)
        elif actor not in lot.custodians():
            yield not_custodian(c, "/actor", lot)
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
            yield not_custodian(c, "/actor", lot)
    if event.type == "receive" and lot is not None:
        yield from _receive(c, lot, float(settings["receive_tolerance_pct"]))


def not_custodian(c: Context, where: str, lot: LotState) -> Finding:
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
        need: dict[tuple[str, str, object], float] = {}
        for i, item in enumerate(event.payload["input_quantities"]):
            source = c.inputs.get(str(item["lot"]))
            if source is None or source.unit != "kg":
                continue
            output, grade = coproducts.drawn(item)
            wanted = need[source.lot_id, output, grade] = need.get((source.lot_id, output, grade), 0.0) + kg(item)
            held = source.holdings.get(actor, 0.0)
            if wanted > held * (1 + EPSILON) + EPSILON:
                yield _short(c, f"/payload/input_quantities/{i}/value", source, wanted, held)
            else:
                yield from _output_short(c, f"/payload/input_quantities/{i}/value", [source], item, wanted)
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
        elif event.type == "package":
            yield from _output_short(c, "/payload/units", sources, event.payload, wanted)
    elif event.type == "split" and c.lot is None:
        for _j, parent in c.input_states():
            member = "net_weight_kg" if parent.unit == "kg" else "units"
            named = event.payload.get(member)
            taken, held = float(named or 0), parent.holdings.get(actor, 0.0)
            if named is not None and taken > held * (1 + EPSILON) + EPSILON:
                yield _short(c, f"/payload/{member}", parent, taken, held)
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


def _output_short(
    c: Context, where: str, sources: list[LotState], drawn: Mapping[str, Any], wanted: float
) -> Iterator[Finding]:
    """A draw of ``wanted`` kg of one output (``drawn``: the package payload or process input item naming it;
    ``docs/DOMAIN.md`` §Lifecycle: outputs per grade and co-products) from process batches that keep their
    outputs apart: refused beyond what the actor holds of that output (:mod:`.coproducts`: a main-root box
    is never filled from fine-root weight). ``where`` points at the quantity; at ``from_output`` if named."""
    kept = [s for s in sources if s.outputs is not None]
    if not kept:
        return
    actor, (output, grade) = c.event.actor, coproducts.drawn(drawn)
    have = sum(min(s.holdings.get(actor, 0.0), coproducts.available(s.outputs, output, grade) or 0.0) for s in kept)
    have += sum(s.holdings.get(actor, 0.0) for s in sources if s.outputs is None)
    if wanted > have * (1 + EPSILON) + EPSILON:
        en, zh = coproducts.describe(output, grade)
        lots = ", ".join(s.lot_id for s in kept)
        named = "from_output" in drawn
        yield c.violation(
            "stock",
            where.rsplit("/", 1)[0] + "/from_output" if named else where,
            f"<= {_num(have)} kg of {en}",
            f"{_num(wanted)} kg",
            f"{actor} has {_num(have)} kg of {en} of lot {lots} on hand"
            f"{'' if named else ' (from_output: main root unless named)'}; this {c.event.type} needs "
            f"{_num(wanted)} kg: one output's weight never fills another's",
            f"{actor} 持有批次 {lots} 的{zh} {_num(have)} kg，本次{c.event.type}需要 {_num(wanted)} kg："
            "不得以其他产出的重量充抵",
        )


# -- serials ---------------------------------------------------------------------------------


def check_serials(c: Context) -> Iterator[Finding]:
    """One serial, one box: a packaging run names exactly one serial per unit packed (a range of one width or
    a list, ``events.serials``); a sale names only serials of the lot's run, exactly as the run has them (``7``
    is not ``0007``), each at most once ever, and as many as the units it sells."""
    event = c.event
    serials = event.payload.get("serials")
    if serials is None:
        return
    if event.type == "package" and c.lot is None:
        problem = run_problem(serials)
        if problem is not None:
            yield _not_a_run(
                c,
                problem,
                "a range of one width {first, last}, or {list}",
                "the packaging run's serials are not a run",
                "包装序列号不构成有效序列",
            )
            return
        run = SerialRun.of(serials)
        if run is not None:
            yield from _one_per_unit(c, run, int(event.payload["units"]))
    elif event.type == "sell" and c.lot is not None:
        yield from _sold_serials(c, c.lot, serials)
    elif event.type == "split" and c.lot is None:
        for _j, parent in c.input_states():
            yield from _split_serials(c, parent, serials)


def _not_a_run(c: Context, problem: tuple[str, str], limit: str, what: str, what_zh: str) -> Finding:
    """The serials a package or split names are not a run of the kind it needs: ``problem`` is (member, why)."""
    member, reason = problem
    serials = json.dumps(c.event.payload.get("serials"), ensure_ascii=False)[:80]
    return c.violation(
        "serials", "/payload/serials" + member, limit, serials, f"{what}: {reason}", f"{what_zh}：{reason}"
    )


def _one_per_unit(c: Context, run: SerialRun, units: int) -> Iterator[Finding]:
    """A packaging run, or the serials a split takes, hold exactly one serial per unit."""
    if len(run) != units:
        yield c.violation(
            "serials",
            "/payload/serials",
            f"{units} serials, one per unit",
            f"{len(run)} serials",
            f"the {c.event.type}'s serials {run.describe()} are {len(run)} for {units} units: one serial per unit",
            f"序列号 {run.describe()} 共 {len(run)} 个，件数 {units}：每件须有且仅有一个序列号",
        )


def _split_serials(c: Context, parent: LotState, serials: object) -> Iterator[Finding]:
    """A packaged lot's split names a run of the parent's serials, each neither sold nor split off before,
    one per unit it takes."""
    problem, run, of_parent = run_problem(serials), SerialRun.of(serials), SerialRun.of(parent.serials)
    if problem is not None or run is None or of_parent is None:
        yield _not_a_run(
            c,
            problem or ("", f"lot {parent.lot_id} was packaged without a run of serials"),
            "a run of the parent's serials",
            f"the split's serials are not a run of lot {parent.lot_id}'s",
            f"分批序列号须为批次 {parent.lot_id} 的序列号",
        )
        return
    if len(run) != int(c.event.payload.get("units", 0)):
        yield from _one_per_unit(c, run, int(c.event.payload.get("units", 0)))
        return
    for serial in run:
        taken = split_into(parent, serial)
        if serial not in of_parent:
            why, why_zh = f"is not in lot {parent.lot_id}'s run ({of_parent.describe()})", "不在原批次序列号内"
        elif serial in parent.sold_serials:
            why, why_zh = f"of lot {parent.lot_id} was sold on {parent.sold_serials[serial]}", "已售出"
        elif taken is not None:
            why, why_zh = f"of lot {parent.lot_id} was split off into lot {taken} before", f"已分入批次 {taken}"
        else:
            continue
        yield c.violation(
            "serials",
            "/payload/serials",
            f"serials of lot {parent.lot_id} neither sold nor split off",
            serial,
            f"serial {serial} {why}: a split takes only serials its parent still has",
            f"序列号 {serial} {why_zh}：分批只能分出原批次尚存的序列号",
        )
        return


def _sold_serials(c: Context, lot: LotState, serials: list[Any]) -> Iterator[Finding]:
    run = SerialRun.of(lot.serials)
    if run is None:
        yield c.violation(
            "serials",
            "/payload/serials",
            "no serials (the lot was packaged without a run)",
            ", ".join(str(s) for s in serials[:5]),
            f"lot {lot.lot_id} was not packaged with serials: a sale of it names none",
            f"批次 {lot.lot_id} 包装时未登记序列号，销售时不得填写序列号",
        )
        return
    units = c.event.payload.get("units")
    if units is not None and int(units) != len(serials):
        yield c.violation(
            "serials",
            "/payload/units",
            f"{len(serials)} units, one per serial",
            str(units),
            f"the sale names {len(serials)} serials but {units} units",
            f"销售填写了 {len(serials)} 个序列号，件数却为 {units}",
        )
    seen: set[str] = set()
    for i, serial in enumerate(serials):
        where = f"/payload/serials/{i}"
        if serial not in run:
            yield c.violation(
                "serials",
                where,
                f"a serial of the run {run.describe()}",
                serial,
                f"serial {serial} is not in lot {lot.lot_id}'s packaging run ({run.describe()}; serials compare "
                "exactly, as GS1 strings)",
                f"序列号 {serial} 不在批次 {lot.lot_id} 的包装序列号（{run.describe()}）内（序列号须完全一致）",
            )
        elif split_into(lot, serial) is not None:
            child = split_into(lot, serial)
            yield c.violation(
                "serials",
                where,
                "a serial the lot still holds (not split off)",
                serial,
                f"serial {serial} of lot {lot.lot_id} was split off into lot {child}: that lot sells it",
                f"批次 {lot.lot_id} 序列号 {serial} 已分入批次 {child}，应由该批次销售",
            )
        elif serial in seen or serial in lot.sold_serials:
            day = lot.sold_serials.get(serial)
            when = f" on {day}" if day else " earlier in this sale"
            yield c.violation(
                "serials",
                where,
                "a serial not sold before",
                serial,
                f"serial {serial} of lot {lot.lot_id} was already sold{when}: each unit is sold once",
                f"批次 {lot.lot_id} 序列号 {serial} 已{'于 ' + day if day else '在本次销售中'}售出，每件只能售出一次",
            )
        seen.add(str(serial))


def check_captured_movement(c: Context) -> Iterator[Finding]:
    """A captured EPCIS event that moves or ends a lot of ours but cannot be read as our own event (who holds
    the lot after it is not said in a form the ledger knows) is refused: custody would be unknown after it."""
    problem = c.reading.problem if c.reading is not None else None
    if problem is not None:
        where, message, zh = problem
        limit = "a movement the ledger can read"
        yield c.violation("custody", f"/payload/event{where}", limit, c.event.type, message, zh)
