"""Split (分批): a custodian takes a child lot from a bulk lot. Accepting and refusing examples, pure."""

from __future__ import annotations

from dataclasses import replace

from ginseng_trace.events.findings import Finding
from ginseng_trace.events.rules import Inspector

from ..lifecycle import GROWER, NOW, PREFIXES_OF, PROCESSOR, Step, day, members, standard


def before_split() -> list[Step]:
    """The standard lifecycle up to the processor's receipt of the harvest HV-1 (1446 kg on hand)."""
    steps = standard().steps
    received = next(i for i, s in enumerate(steps) if s.type == "receive" and s.lot == "HV-1")
    return steps[: received + 1]


SPLIT = Step(PROCESSOR, "RG-9", "split", day("2025-10-01"), {"kind": "harvest_lot", "net_weight_kg": 400}, ("HV-1",))


def run(steps: list[Step], inspector: Inspector | None = None) -> tuple[Inspector, list[list[Finding]]]:
    judging = inspector or Inspector(membership=members())
    found = []
    for i, step in enumerate(steps):
        event = step.event(i)
        found.append(judging.judge(event, i, NOW))
        judging.admit(event, i, NOW)
    return judging, found


def refusals(steps: list[Step], step: Step, inspector: Inspector | None = None) -> list[tuple[str, str]]:
    _, found = run([*steps, step], inspector)
    assert all(f == [] for f in found[:-1])
    return [(f.rule, f.pointer) for f in found[-1]]


def test_a_split_makes_a_child_of_the_parents_kind_from_what_the_splitter_holds() -> None:
    judging, found = run([*before_split(), SPLIT])
    assert found[-1] == []
    parent, child = judging.states["HV-1"], judging.states["RG-9"]
    assert child.kind == "harvest_lot"
    assert child.unit == "kg"
    assert child.holdings == {PROCESSOR: 400}
    assert parent.holdings[PROCESSOR] == 1446 - 400
    assert child.origins == parent.origins
    assert child.species == parent.species == "panax_ginseng"
    # the whole rest of it may be split off too, and the child processed like any harvest lot
    rest = replace(SPLIT, lot="RG-8", payload={"kind": "harvest_lot", "net_weight_kg": 1046})
    process = Step(
        PROCESSOR,
        "RG-7",
        "process",
        day("2025-10-05"),
        {
            "process": "steam_red_ginseng",
            "input_quantities": [{"lot": "RG-9", "value": 400, "unit": "kg"}],
            "outputs": [{"product": "红参 main root", "value": 120, "unit": "kg"}],
            "final_moisture_pct": 12.5,
        },
        ("RG-9",),
    )
    _, found = run([*before_split(), SPLIT, rest, process])
    assert found[-2:] == [[], []]


def test_splitting_more_than_is_held_is_refused() -> None:
    over = replace(SPLIT, payload={"kind": "harvest_lot", "net_weight_kg": 1500})
    assert ("stock", "/event/payload/net_weight_kg") in refusals(before_split(), over)
    # two splits that together exceed the parent: the second is refused
    second = replace(SPLIT, lot="RG-8", payload={"kind": "harvest_lot", "net_weight_kg": 1100})
    assert ("stock", "/event/payload/net_weight_kg") in refusals([*before_split(), SPLIT], second)


def test_only_a_custodian_splits() -> None:
    # the grower shipped the whole harvest to the processor: it holds none of it
    by_grower = replace(SPLIT, actor=GROWER, lot="HV-9")
    assert ("custody", "/event/inputs/0") in refusals(before_split(), by_grower)


def test_a_split_names_exactly_one_bulk_parent_of_its_own_kind() -> None:
    steps = before_split()
    wrong_kind = replace(SPLIT, payload={"kind": "process_batch", "net_weight_kg": 400})
    assert ("lifecycle", "/event/payload/kind") in refusals(steps, wrong_kind)
    assert ("lifecycle", "/event/inputs") in refusals(steps, replace(SPLIT, inputs=()))
    assert ("lifecycle", "/event/inputs") in refusals(steps, replace(SPLIT, inputs=("HV-1", "PLOT-1")))
    assert ("lifecycle", "/event/inputs/0") in refusals(steps, replace(SPLIT, inputs=("PLOT-1",)))
    # a split creates a lot once
    assert ("lifecycle", "/event/type") in refusals([*steps, SPLIT], replace(SPLIT, when=day("2025-10-02")))


def test_a_child_is_created_only_under_the_splitters_prefixes() -> None:
    narrowed = members()
    for party, prefixes in PREFIXES_OF.items():
        narrowed.orgs[party] = replace(narrowed.orgs[party], lot_prefixes=prefixes)
    outside = replace(SPLIT, lot="HV-9")  # the grower's identifier space, not the processor's
    assert ("authority", "/event/lot_id") in refusals(before_split(), outside, Inspector(membership=narrowed))
    judging = Inspector(membership=narrowed)
    assert refusals(before_split(), SPLIT, judging) == []


def test_holds_reach_split_children_and_held_parents_are_not_split() -> None:
    hold = Step("jilin-regulator", "HV-1", "hold", day("2025-10-02"), {"reason": "Cd above limit"})
    ship = Step(PROCESSOR, "RG-9", "ship", day("2025-10-03"), {"from": PROCESSOR, "to": "shop-f", "net_weight_kg": 10})
    assert ("hold", "/event/type") in refusals([*before_split(), SPLIT, hold], ship)
    later = replace(SPLIT, lot="RG-8", when=day("2025-10-03"))
    assert ("hold", "/event/inputs/0") in refusals([*before_split(), hold], later)


def before_sale() -> list[Step]:
    """The standard lifecycle up to the shop's receipt of 40 boxes of PK-1 (the processor holds 160; PK-1's
    run is 0001-0200, released through its batch)."""
    steps = standard().steps
    return steps[: next(i for i, s in enumerate(steps) if s.type == "sell")]


def boxes(units: int, serials: dict[str, object], lot: str = "PK-9") -> Step:
    payload = {"kind": "packaged_product", "units": units, "serials": serials}
    return Step(PROCESSOR, lot, "split", day("2025-11-10"), payload, ("PK-1",))


def sale(actor: str, lot: str, *serials: str) -> Step:
    payload = {"buyer_type": "consumer", "units": len(serials), "serials": list(serials)}
    return Step(actor, lot, "sell", day("2025-11-20"), payload)


def test_a_packaged_lot_splits_off_a_named_set_of_its_serials_and_the_child_sells_only_those() -> None:
    judging, found = run([*before_sale(), boxes(50, {"first": "0151", "last": "0200"})])
    assert found[-1] == []
    parent, child = judging.states["PK-1"], judging.states["PK-9"]
    assert (child.kind, child.unit, child.holdings) == ("packaged_product", "count", {PROCESSOR: 50})
    assert child.serials == {"first": "0151", "last": "0200"}
    assert parent.holdings[PROCESSOR] == 160 - 50
    assert parent.split_off == {"PK-9": {"first": "0151", "last": "0200"}}
    assert child.gate.released  # it inherits its parent's release
    assert (child.intended_use, child.claims) == (parent.intended_use, parent.claims)
    assert type(child).from_json(child.to_json()) == child
    steps = [*before_sale(), boxes(50, {"first": "0151", "last": "0200"})]
    assert refusals(steps, sale(PROCESSOR, "PK-9", "0152")) == []
    assert refusals(steps, sale(PROCESSOR, "PK-9", "0007")) == [("serials", "/event/payload/serials/0")]
    # the parent no longer sells a serial split off
    assert refusals(steps, sale("shop-f", "PK-1", "0160")) == [("serials", "/event/payload/serials/0")]
    _, found = run([*steps, sale("shop-f", "PK-1", "0160")])
    assert "split off into lot PK-9" in found[-1][0].message
    assert refusals(steps, sale("shop-f", "PK-1", "0007")) == []


def test_a_split_takes_only_serials_its_parent_still_has_one_per_unit() -> None:
    steps = [*before_sale(), boxes(50, {"first": "0151", "last": "0200"})]
    # split off again: refused
    assert refusals(steps, boxes(10, {"first": "0191", "last": "0200"}, "PK-8")) == [
        ("serials", "/event/payload/serials")
    ]
    # sold already: refused
    sold = [*before_sale(), replace(sale("shop-f", "PK-1", "0007"), when=day("2025-11-08"))]
    assert refusals(sold, boxes(2, {"list": ["0006", "0007"]})) == [("serials", "/event/payload/serials")]
    assert refusals(sold, boxes(2, {"list": ["0005", "0006"]})) == []
    # not the parent's, exactly as strings (7 is not 0007), and one serial per unit
    assert refusals(before_sale(), boxes(1, {"list": ["7"]})) == [("serials", "/event/payload/serials")]
    assert refusals(before_sale(), boxes(3, {"first": "0101", "last": "0102"})) == [
        ("serials", "/event/payload/serials")
    ]
    # never more units than the splitter holds
    assert ("stock", "/event/payload/units") in refusals(before_sale(), boxes(161, {"first": "0001", "last": "0161"}))
