"""Returns (退货): a trade return goes back where the goods came from; a seller takes back only what it sold,
and a serial taken back is unsold again with the sale and the return both on record. Pure."""

from __future__ import annotations

from dataclasses import replace

from ginseng_trace.events.rules import Inspector

from ..lifecycle import CARRIER, PROCESSOR, Step, day, members, standard
from .test_split import refusals, run

SHOP = "shop-f"
BACK = Step(
    SHOP, "PK-1", "return", day("2025-11-21"), {"to": PROCESSOR, "carrier": CARRIER, "units": 5, "reason": "damaged"}
)
TAKEN = Step(SHOP, "PK-1", "return", day("2025-11-21"), {"from_buyer": True, "units": 1, "serials": ["0007"]})


def sold() -> list[Step]:
    """The standard lifecycle: 40 of PK-1's 200 boxes shipped to the shop, which sold 0007 and 0008."""
    return standard().steps


def test_a_trade_return_goes_back_under_way_and_its_receiver_is_custodian_again() -> None:
    receive = Step(PROCESSOR, "PK-1", "receive", day("2025-11-23"), {"from": SHOP, "units": 5})
    judging, found = run([*sold(), BACK, receive])
    assert found[-2:] == [[], []]
    box = judging.states["PK-1"]
    assert box.holdings[SHOP] == 40 - 2 - 5
    assert box.holdings[PROCESSOR] == 160 + 5
    assert box.in_transit == []


def test_a_trade_return_only_to_a_supplier_by_a_holder_of_what_it_holds() -> None:
    steps = sold()
    assert ("custody", "/event/payload/to") in refusals(steps, replace(BACK, payload={**BACK.payload, "to": "shop-g"}))
    assert ("custody", "/event/actor") in refusals(steps, replace(BACK, actor="shop-g", payload={**BACK.payload}))
    assert ("stock", "/event/payload/units") in refusals(steps, replace(BACK, payload={**BACK.payload, "units": 39}))
    with_serials = replace(BACK, payload={**BACK.payload, "units": 1, "serials": ["0009"]})
    assert ("serials", "/event/payload/serials") in refusals(steps, with_serials)
    # the processor made the lot: it received it from nobody, so it has nowhere to return it
    by_maker = replace(BACK, actor=PROCESSOR, payload={"to": "grower-a", "units": 5})
    assert ("custody", "/event/payload/to") in refusals(steps, by_maker)


def test_a_sold_serial_taken_back_is_unsold_again_and_may_be_sold_once_more() -> None:
    judging, found = run([*sold(), TAKEN])
    assert found[-1] == []
    box = judging.states["PK-1"]
    assert "0007" not in box.sold_serials
    assert box.returned_serials == {"0007": "2025-11-21"}
    assert box.holdings[SHOP] == 40 - 2 + 1
    resale = Step(SHOP, "PK-1", "sell", day("2025-11-22"), {"buyer_type": "consumer", "units": 1, "serials": ["0007"]})
    judging, found = run([*sold(), TAKEN, resale])
    assert found[-1] == []
    assert "0007" in judging.states["PK-1"].sold_serials
    # without the return, the same resale is refused: never sold twice without a record between
    assert ("serials", "/event/payload/serials/0") in refusals(sold(), resale)


def test_a_seller_takes_back_only_serials_it_sold_and_has_not_taken_back() -> None:
    steps = sold()
    assert ("serials", "/event/payload/serials/0") in refusals([*steps, TAKEN], replace(TAKEN, when=day("2025-11-22")))
    unsold = replace(TAKEN, payload={"from_buyer": True, "units": 1, "serials": ["0009"]})
    assert ("serials", "/event/payload/serials/0") in refusals(steps, unsold)
    outside = replace(TAKEN, payload={"from_buyer": True, "units": 1, "serials": ["7"]})
    assert ("serials", "/event/payload/serials/0") in refusals(steps, outside)
    nameless = replace(TAKEN, payload={"from_buyer": True, "units": 1})
    assert ("serials", "/event/payload/serials") in refusals(steps, nameless)
    miscounted = replace(TAKEN, payload={"from_buyer": True, "units": 2, "serials": ["0007"]})
    assert ("serials", "/event/payload/units") in refusals(steps, miscounted)
    # the processor did not sell 0007 (nor anything): it takes back nothing
    by_other = refusals(steps, replace(TAKEN, actor=PROCESSOR))
    assert ("serials", "/event/payload/serials/0") in by_other
    assert ("stock", "/event/payload/units") in by_other


def test_a_seller_takes_back_at_most_what_it_sold_of_an_unserialised_lot() -> None:
    steps = standard().steps
    for step in steps:
        step.payload.pop("serials", None)
    back = Step(SHOP, "PK-1", "return", day("2025-11-21"), {"from_buyer": True, "units": 2})
    assert refusals(steps, back) == []
    assert ("stock", "/event/payload/units") in refusals(steps, replace(back, payload={"from_buyer": True, "units": 3}))


def test_a_hold_stops_a_trade_return_but_never_a_buyers() -> None:
    hold = Step("jilin-regulator", "RG-1", "recall", day("2025-11-20T12:00:00"), {"reason": "Cd above limit"})
    steps = [*sold(), hold]
    assert ("hold", "/event/type") in refusals(steps, BACK)
    assert refusals(steps, TAKEN) == []


def test_a_plot_is_never_returned() -> None:
    steps = sold()
    plot = replace(BACK, actor="grower-a", lot="PLOT-1", payload={"to": PROCESSOR, "net_weight_kg": 1})
    assert ("lifecycle", "/event/type") in refusals(steps, plot, Inspector(membership=members()))
