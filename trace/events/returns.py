"""Rules of a return (退货): goods go back only where they came from, nobody returns more than it holds or
takes back more than it sold, and a serial comes back only to the party that sold it, once per sale. Pure
Python; what a return does to the lot is :mod:`.movements`. The findings carry the ids of the rules they
belong to (``custody``, ``stock``, ``serials`` in ``schemas/rules.yaml``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .context import Context
from .context import num as _num
from .custody import not_custodian
from .findings import Finding
from .serials import SerialRun
from .state import EPSILON, LotState


def check_return(c: Context) -> Iterator[Finding]:
    event, lot = c.event, c.lot
    if event.type != "return" or lot is None:
        return
    amount = lot.amount(event.payload)
    where = "/payload/units" if "units" in event.payload else "/payload/net_weight_kg"
    if amount is None:
        yield c.violation(
            "stock",
            where,
            "a quantity in the lot's unit",
            "missing",
            f"lot {lot.lot_id} is kept in {lot.unit}: say how much is returned",
            f"批次 {lot.lot_id} 以 {lot.unit} 计量，须注明退货数量",
        )
    if event.payload.get("from_buyer"):
        yield from _from_buyer(c, lot, amount, where)
    else:
        yield from _trade(c, lot, amount, where)


def _trade(c: Context, lot: LotState, amount: float | None, where: str) -> Iterator[Finding]:
    event, actor = c.event, c.event.actor
    to = str(event.payload["to"])
    if actor not in lot.custodians():
        yield not_custodian(c, "/actor", lot)
        return
    suppliers = lot.received_from.get(actor, [])
    if to not in suppliers:
        came = ", ".join(suppliers) or "nobody on the ledger (it made the lot)"
        yield c.violation(
            "custody",
            "/payload/to",
            f"one of: {', '.join(suppliers) or 'none'}",
            to,
            f"{actor} received lot {lot.lot_id} from {came}: goods are returned to where they came from, not to {to}",
            f"{actor} 的批次 {lot.lot_id} 来自 {came}，只能退回来源方，不能退给 {to}",
        )
    held = lot.holdings.get(actor, 0.0)
    if amount is not None and amount > held * (1 + EPSILON) + EPSILON:
        yield c.violation(
            "stock",
            where,
            f"<= {_num(held)} {lot.unit}",
            f"{_num(amount)} {lot.unit}",
            f"{actor} has {_num(held)} {lot.unit} of lot {lot.lot_id} on hand; it cannot return {_num(amount)}",
            f"{actor} 持有批次 {lot.lot_id} {_num(held)} {lot.unit}，不能退货 {_num(amount)} {lot.unit}",
        )
    if "serials" in event.payload:
        yield c.violation(
            "serials",
            "/payload/serials",
            "no serials (they name sold units taken back from a buyer)",
            ", ".join(str(s) for s in event.payload["serials"][:5]),
            "a trade return moves unsold stock, which has no serials of its own on the ledger; a return names "
            "serials only when sold units come back from their buyer (from_buyer)",
            "退回来源方的是未售库存，不填写序列号；只有收回已售商品时才填写序列号",
        )


def _from_buyer(c: Context, lot: LotState, amount: float | None, where: str) -> Iterator[Finding]:
    event, actor = c.event, c.event.actor
    sold = lot.sold.get(actor, 0.0)
    if amount is not None and amount > sold * (1 + EPSILON) + EPSILON:
        yield c.violation(
            "stock",
            where,
            f"<= {_num(sold)} {lot.unit} (sold by {actor} and not yet taken back)",
            f"{_num(amount)} {lot.unit}",
            f"{actor} has sold {_num(sold)} {lot.unit} of lot {lot.lot_id} not yet returned; it cannot take back "
            f"{_num(amount)}",
            f"{actor} 售出批次 {lot.lot_id} 尚未退回的数量为 {_num(sold)} {lot.unit}，"
            f"不能收回 {_num(amount)} {lot.unit}",
        )
    yield from _returned_serials(c, lot, event.payload.get("serials"))


def _returned_serials(c: Context, lot: LotState, serials: list[Any] | None) -> Iterator[Finding]:
    run, actor = SerialRun.of(lot.serials), c.event.actor
    if run is None:
        if serials:
            yield c.violation(
                "serials",
                "/payload/serials",
                "no serials (the lot was packaged without a run)",
                ", ".join(str(s) for s in serials[:5]),
                f"lot {lot.lot_id} was not packaged with serials: a return of it names none",
                f"批次 {lot.lot_id} 包装时未登记序列号，退货时不得填写序列号",
            )
        return
    units = c.event.payload.get("units")
    if not serials:
        yield c.violation(
            "serials",
            "/payload/serials",
            "the serial of each unit taken back",
            "none",
            f"lot {lot.lot_id} is serialised: a unit taken back from its buyer is named by its serial, so that it "
            "is unsold again on the record",
            f"批次 {lot.lot_id} 一物一码：收回已售商品须填写每件的序列号",
        )
        return
    if units is not None and int(units) != len(serials):
        yield c.violation(
            "serials",
            "/payload/units",
            f"{len(serials)} units, one per serial",
            str(units),
            f"the return names {len(serials)} serials but {units} units",
            f"退货填写了 {len(serials)} 个序列号，件数却为 {units}",
        )
    for i, serial in enumerate(str(s) for s in serials):
        seller = lot.serial_sellers.get(serial)
        if serial in lot.sold_serials and seller in (actor, None):
            continue  # sold (by the recorder; or before sellers were remembered) and not yet taken back
        if serial not in run:
            why = f"serial {serial} is not in lot {lot.lot_id}'s packaging run ({run.describe()})"
            zh = f"序列号 {serial} 不在批次 {lot.lot_id} 的包装序列号内"
        elif serial not in lot.sold_serials:
            back = lot.returned_serials.get(serial)
            why = f"serial {serial} of lot {lot.lot_id} is not sold" + (f" (taken back on {back})" if back else "")
            zh = f"批次 {lot.lot_id} 序列号 {serial} 未售出" + (f"（已于 {back} 退回）" if back else "")
        else:
            why = (
                f"serial {serial} of lot {lot.lot_id} was sold by {seller}, not {actor}: only its seller takes it back"
            )
            zh = f"批次 {lot.lot_id} 序列号 {serial} 由 {seller} 售出，只能由售出方收回"
        yield c.violation(
            "serials", f"/payload/serials/{i}", f"a serial {actor} sold and has not taken back", serial, why, zh
        )
