"""The quality gate (放行) and destruction (销毁), pure: the standard lifecycle (tests/lifecycle.py) with one
fact changed. An untested or unreleased box is neither sold nor shipped to a retailer; after a failing test only
a regulator releases; a box inherits its batch's release, also one recorded after it was packed; a destroyed lot
takes nothing more; regulatory sampling is a regulator's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ginseng_trace.events.findings import Finding

from ..lifecycle import CARRIER, GROWER, LAB, PROCESSOR, Step, Story, day, judge_all, standard

REGULATOR = "jilin-regulator"


def index(story: Story, kind: str, lot: str) -> int:
    return next(i for i, s in enumerate(story.steps) if s.type == kind and s.lot == lot)


def hard(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.pointer) for f in found if f.hard]


def clean_until(story: Story, stop: int) -> list[list[Finding]]:
    found = judge_all(story.steps)
    assert all(v == [] for v in found[:stop]), [(i, v) for i, v in enumerate(found[:stop]) if v]
    return found


def test_the_standard_story_releases_its_batch_and_the_box_inherits_it() -> None:
    story = standard()
    assert any(s.type == "quality_release" for s in story.steps)
    assert judge_all(story.steps) == [[] for _ in story.steps]


def test_an_untested_box_is_neither_shipped_to_a_retailer_nor_sold() -> None:
    story = standard()
    for kind in ("quality_release", "quality_test", "sample"):
        story.remove(index(story, kind, "RG-1"))
    ship = index(story, "ship", "PK-1")
    found = clean_until(story, ship)
    assert hard(found[ship]) == [("quality_gate", "/event/type")]
    refusal = next(f for f in found[ship] if f.rule == "quality_gate")
    assert "awaits the release of RG-1" in refusal.message
    assert refusal.message_zh
    # sold by the works itself: refused too
    sold = standard()
    for kind in ("quality_release", "quality_test", "sample"):
        sold.remove(index(sold, kind, "RG-1"))
    at = index(sold, "ship", "PK-1")
    sold.steps[at] = Step(PROCESSOR, "PK-1", "sell", sold.steps[at].when, {"buyer_type": "consumer", "units": 1})
    assert hard(judge_all(sold.steps)[at]) == [("quality_gate", "/event/type")]


def test_a_shipment_to_a_carrier_or_processor_is_not_gated() -> None:
    story = standard()
    story.remove(index(story, "quality_release", "RG-1"))
    ship = index(story, "ship", "PK-1")
    story.steps[ship].payload["to"] = CARRIER  # logistics, not a retailer
    found = judge_all(story.steps)
    assert "quality_gate" not in {f.rule for f in found[ship]}
    # the fresh harvest goes to the processor untested (a harvest lot needs no test)
    assert found[index(story, "ship", "HV-1")] == []


def test_a_shipment_out_of_the_ledger_is_gated_as_one_to_a_shop() -> None:
    """A consignee not in membership may be a shop outside the system: an unreleased box never goes there."""
    story = standard()
    story.remove(index(story, "quality_release", "RG-1"))
    ship = index(story, "ship", "PK-1")
    story.steps[ship].payload["to"] = "some-unregistered-trader"
    found = clean_until(story, ship)
    assert hard(found[ship]) == [("quality_gate", "/event/type")]
    assert "some-unregistered-trader (not in membership)" in found[ship][0].message
    released = standard()
    released.steps[index(released, "ship", "PK-1")].payload["to"] = "some-unregistered-trader"
    assert "quality_gate" not in {f.rule for f in judge_all(released.steps)[index(released, "ship", "PK-1")]}


def test_a_passing_test_without_a_release_is_not_enough() -> None:
    story = standard()
    story.remove(index(story, "quality_release", "RG-1"))
    ship = index(story, "ship", "PK-1")
    found = clean_until(story, ship)
    assert hard(found[ship]) == [("quality_gate", "/event/type")]


def test_a_release_recorded_after_packing_reaches_the_box() -> None:
    story = standard()
    release = story.remove(index(story, "quality_release", "RG-1"))
    store = index(story, "store", "PK-1")
    story.insert(store + 1, replace(release, when=day("2025-10-27")), "release")
    assert judge_all(story.steps) == [[] for _ in story.steps]


def test_after_a_failing_test_only_a_regulator_releases() -> None:
    story = standard()
    story.steps[index(story, "quality_test", "RG-1")].payload["verdict"] = "fail"
    release = index(story, "quality_release", "RG-1")
    found = clean_until(story, release)
    assert hard(found[release]) == [("quality_gate", "/event/payload/test")]
    # the regulator decides: released on the failing test, the box ships and sells
    story.steps[release] = replace(
        story.steps[release], actor=REGULATOR, payload={"test": "test-1", "reason": "retest within limits"}
    )
    assert judge_all(story.steps) == [[] for _ in story.steps]


def test_a_test_outside_a_standards_limits_is_a_failing_one_whatever_the_verdict() -> None:
    story = standard()
    story.steps[index(story, "quality_test", "RG-1")].payload["heavy_metals_mg_kg"]["Pb"] = 9
    release = index(story, "quality_release", "RG-1")
    found = judge_all(story.steps)
    assert [f.rule for f in found[release - 1]] == ["quality_limits"]  # the lab's result: a soft finding
    assert hard(found[release]) == [("quality_gate", "/event/payload/test")]


def test_a_later_failing_test_blocks_a_released_lot_until_a_regulator_decides() -> None:
    story = standard()
    sell = index(story, "sell", "PK-1")
    at = story.steps[sell].when - timedelta(days=3)
    sample = Step(REGULATOR, "PK-1", "sample", at, {"sample_id": "S-9", "lab": LAB, "purpose": "regulatory_sampling"})
    result = {**story.steps[index(story, "quality_test", "RG-1")].payload, "sample_id": "S-9", "verdict": "fail"}
    test = Step(LAB, "PK-1", "quality_test", at + timedelta(days=1), result, eid="test-9")
    story.insert(sell, test)
    story.insert(sell, sample)
    sell += 2
    found = clean_until(story, sell)
    assert hard(found[sell]) == [("quality_gate", "/event/type")]
    assert "test-9 failed" in next(f for f in found[sell] if f.rule == "quality_gate").message
    # the shop (custodian) cannot release on the earlier pass while the failure stands
    mine = Step("shop-f", "PK-1", "quality_release", at + timedelta(days=2), {"test": "test-9"})
    story.insert(sell, mine)
    assert hard(judge_all(story.steps)[sell]) == [("quality_gate", "/event/payload/test")]
    story.steps[sell] = replace(mine, actor=REGULATOR, payload={"test": "test-9", "reason": "the sample was mixed up"})
    assert judge_all(story.steps) == [[] for _ in story.steps]


def test_a_release_names_a_test_of_its_lot_done_before_it() -> None:
    story = standard()
    release = index(story, "quality_release", "RG-1")
    story.steps[release].payload["test"] = "e3"
    assert hard(judge_all(story.steps)[release]) == [("quality_gate", "/event/payload/test")]
    early = standard()
    early.steps[release] = replace(early.steps[release], when=day("2025-10-19"))
    # the lot's chronology refuses it too; the gate names the test it relies on
    assert ("quality_gate", "/event/occurred_at") in hard(judge_all(early.steps)[release])


def test_a_destroyed_lot_is_never_shipped_sold_or_made_into_anything() -> None:
    story = standard()
    ship = index(story, "ship", "PK-1")
    story.insert(ship, Step(PROCESSOR, "PK-1", "destroy", day("2025-10-30"), {"reason": "water damage"}))
    found = clean_until(story, ship + 1)
    assert hard(found[ship + 1])[0] == ("destruction", "/event/type")
    # a batch destroyed before packing: nothing is packed from it
    batch = standard()
    pack = index(batch, "package", "PK-1")
    batch.insert(pack, Step(PROCESSOR, "RG-1", "destroy", day("2025-10-22"), {"reason": "Pb 9"}))
    assert hard(judge_all(batch.steps)[pack + 1])[0] == ("destruction", "/event/inputs/0")
    # a correction is still taken
    fixed = standard()
    fixed.insert(ship, Step(PROCESSOR, "PK-1", "destroy", day("2025-10-30"), {"reason": "water damage"}))
    pk = index(fixed, "package", "PK-1")
    fixed.steps[ship + 1] = Step(
        PROCESSOR,
        "PK-1",
        "correct",
        day("2025-10-31"),
        {"supersedes": f"e{pk}", "reason": "r", "corrected": {"units": 200}},
    )
    del fixed.steps[ship + 2 :]
    assert judge_all(fixed.steps) == [[] for _ in fixed.steps]


def test_a_custodian_destroys_only_what_it_alone_holds_a_regulator_any() -> None:
    story = standard()
    sell = index(story, "sell", "PK-1")
    story.steps[sell] = Step(PROCESSOR, "PK-1", "destroy", story.steps[sell].when, {"reason": "expired"})
    found = judge_all(story.steps)
    assert hard(found[sell]) == [("destruction", "/event/actor")]  # shop-f holds 40 of the boxes
    story.steps[sell] = replace(
        story.steps[sell], actor=REGULATOR, payload={"reason": "Pb 9", "authority": "吉林省药品监督管理局"}
    )
    assert judge_all(story.steps)[sell] == []


def test_regulatory_sampling_is_a_regulators() -> None:
    story = standard()
    sample = index(story, "sample", "RG-1")
    story.steps[sample].payload["purpose"] = "regulatory_sampling"
    assert hard(judge_all(story.steps)[sample]) == [("quality_gate", "/event/payload/purpose")]
    story.steps[sample] = replace(story.steps[sample], actor=REGULATOR)
    assert judge_all(story.steps) == [[] for _ in story.steps]


def _failing_batch_test(story: Story, before: int) -> int:
    """Insert a regulator's sampling of RG-1 and its failing result before step ``before``; return where the
    steps from ``before`` now start."""
    at = story.steps[before].when - timedelta(days=3)
    sample = Step(REGULATOR, "RG-1", "sample", at, {"sample_id": "S-9", "lab": LAB, "purpose": "regulatory_sampling"})
    result = {**story.steps[index(story, "quality_test", "RG-1")].payload, "sample_id": "S-9", "verdict": "fail"}
    story.insert(before, Step(LAB, "RG-1", "quality_test", at + timedelta(days=1), result, eid="test-9"))
    story.insert(before, sample)
    return before + 2


def test_a_later_failing_test_of_the_batch_reaches_the_boxes_already_on_a_shelf() -> None:
    story = standard()
    sell = _failing_batch_test(story, index(story, "sell", "PK-1"))
    found = clean_until(story, sell)
    assert hard(found[sell]) == [("quality_gate", "/event/type")]
    refusal = next(f for f in found[sell] if f.rule == "quality_gate")
    assert "test test-9 of lot RG-1" in refusal.message
    assert "RG-1" in refusal.message_zh
    # the box's custodian cannot lift it by a release of its own on the batch's earlier pass
    at = story.steps[sell].when - timedelta(hours=1)
    own = story.insert(sell, Step("shop-f", "PK-1", "quality_release", at, {"test": "test-1"}))
    found = judge_all(story.steps)
    assert ("quality_gate", "/event/actor") in hard(found[sell]) or ("quality_gate", "/event/payload/test") in hard(
        found[sell]
    )
    story.steps.remove(own)
    # the regulator releases the batch on its failing test: the shop's sale goes through
    decision = {"test": "test-9", "reason": "retest within limits"}
    story.insert(sell, Step(REGULATOR, "RG-1", "quality_release", at, decision))
    assert judge_all(story.steps) == [[] for _ in story.steps]


def test_a_failing_batch_destroyed_leaves_its_boxes_blocked() -> None:
    story = standard()
    sell = _failing_batch_test(story, index(story, "sell", "PK-1"))
    at = story.steps[sell].when - timedelta(hours=1)
    story.insert(sell, Step(REGULATOR, "RG-1", "destroy", at, {"reason": "Pb 9", "authority": "吉林省药品监督管理局"}))
    found = clean_until(story, sell + 1)
    assert hard(found[sell + 1]) == [("quality_gate", "/event/type")]


def test_a_box_packed_after_the_failing_result_stands_under_it_too() -> None:
    story = standard()
    pack = index(story, "package", "PK-1")
    # the batch was released on test-1; a second test of the same sample fails before the packing
    result = {**story.steps[index(story, "quality_test", "RG-1")].payload, "verdict": "fail"}
    story.insert(pack, Step(LAB, "RG-1", "quality_test", day("2025-10-22"), result, eid="test-2"))
    ship = index(story, "ship", "PK-1")
    found = clean_until(story, ship)
    assert hard(found[ship]) == [("quality_gate", "/event/type")]
    assert "test test-2 of lot RG-1" in next(f for f in found[ship] if f.rule == "quality_gate").message


def test_a_plots_failing_soil_test_does_not_reach_its_products() -> None:
    # a plot takes no quality release, so nothing below could ever be decided: its tests stay its own
    story = standard()
    harvest = index(story, "harvest", "HV-1")
    soil = {**story.steps[index(story, "quality_test", "RG-1")].payload, "sample_id": "SOIL-1", "verdict": "fail"}
    story.insert(harvest, Step(LAB, "PLOT-1", "quality_test", day("2025-08-02"), soil))
    story.insert(harvest, Step(GROWER, "PLOT-1", "sample", day("2025-08-01"), {"sample_id": "SOIL-1", "lab": LAB}))
    found = judge_all(story.steps)
    assert "quality_gate" not in {f.rule for step in found for f in step}
