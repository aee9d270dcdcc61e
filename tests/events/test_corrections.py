"""Corrections change what the rules know: a later rule judges the corrected fact, a correction that takes
away stock already gone is flagged, and an ill-formed correction is refused (pure: no database)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ginseng_trace.events.findings import Finding

from ..lifecycle import GROWER, PROCESSOR, Step, Story, day, inspector, judge_all, standard


def rules_of(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.pointer) for f in found]


def index_of(story: Story, tag: str) -> int:
    return story.where[tag][0]


def correcting(story: Story, tag: str, corrected: dict[str, Any], *, before: str, actor: str = GROWER) -> int:
    """A correction of the first step tagged ``tag``, put in just before the first step tagged ``before``;
    returns its index. (The steps' event ids are ``e<index>``, counted after the insertion.)"""
    original = index_of(story, tag)
    at = index_of(story, before)
    step = story.steps[original]
    correction = Step(
        actor,
        step.lot,
        "correct",
        story.steps[at - 1].when + timedelta(hours=1),
        {"supersedes": f"e{original}", "reason": "mistyped", "corrected": corrected},
    )
    story.insert(at, correction, "correct")
    return at


def test_a_harvest_weight_corrected_down_refuses_the_shipment_of_the_first_weight() -> None:
    story = standard()
    at = correcting(story, "harvest", {"fresh_weight": {"value": 1300, "unit": "kg"}}, before="ship")
    found = judge_all(story.steps)
    assert found[at] == []
    ship = index_of(story, "ship")
    assert rules_of(found[ship]) == [("stock", "/event/payload/net_weight_kg")]
    assert "1300" in found[ship][0].limit


def test_a_harvest_weight_corrected_up_lets_the_shipment_through() -> None:
    story = standard()
    harvest = story.steps[index_of(story, "harvest")]
    harvest.payload["fresh_weight"]["value"] = 1045  # mistyped: the ship of 1450 kg is refused
    assert rules_of(judge_all(story.steps)[index_of(story, "ship")]) == [("stock", "/event/payload/net_weight_kg")]
    correcting(story, "harvest", {"fresh_weight": {"value": 1450, "unit": "kg"}}, before="ship")
    assert judge_all(story.steps) == [[] for _ in story.steps]


def test_a_correction_taking_away_what_was_shipped_is_stored_with_a_finding() -> None:
    story = standard()
    at = correcting(story, "harvest", {"fresh_weight": {"value": 1300, "unit": "kg"}}, before="process")
    found = judge_all(story.steps)
    assert rules_of(found[at]) == [("correction_conflict", "/event/payload/corrected")]
    assert not found[at][0].hard
    assert "150" in found[at][0].value
    assert all(f == [] for i, f in enumerate(found) if i != at)


def test_a_corrected_crop_age_is_what_the_food_rule_judges() -> None:
    story = standard()
    correcting(story, "harvest", {"crop_age_years": 6}, before="ship")
    found = judge_all(story.steps)
    package = index_of(story, "package")
    assert rules_of(found[package]) == [("food_use", "/event/payload/intended_use")]  # 6 years: not food
    assert all(f == [] for i, f in enumerate(found) if i != package)


def test_a_plot_area_corrected_down_makes_the_harvest_implausible() -> None:
    story = standard()
    correcting(story, "register", {"area_mu": 0.4}, before="harvest")
    found = judge_all(story.steps)
    harvest = index_of(story, "harvest")
    assert [f.rule for f in found[harvest]] == ["yield_plausibility"]


def test_a_process_output_corrected_down_limits_the_boxes() -> None:
    story = standard()
    outputs = [
        {"output": "main_root", "value": 40, "unit": "kg"},
        {"output": "fine_roots", "value": 70, "unit": "kg"},
    ]
    correcting(story, "process", {"outputs": outputs}, before="package", actor=PROCESSOR)
    found = judge_all(story.steps)
    package = index_of(story, "package")
    assert rules_of(found[package]) == [("stock", "/event/payload/units")]
    assert "40 kg of main root" in found[package][0].limit


def test_the_latest_correction_wins_and_the_state_keeps_the_corrected_facts() -> None:
    story = standard()
    correcting(story, "harvest", {"fresh_weight": {"value": 1300, "unit": "kg"}}, before="ship")
    correcting(story, "harvest", {"fresh_weight": {"value": 1450, "unit": "kg"}, "crop_age_years": 5}, before="ship")
    assert judge_all(story.steps) == [[] for _ in story.steps]
    judging = inspector()
    ship = index_of(story, "ship")
    for i, step in enumerate(story.steps[:ship]):
        judging.admit(step.event(i), i, day("2026-01-01"))
    lot = judging.states["HV-1"]
    assert lot.holdings == {GROWER: 1450}
    assert lot.facts[f"e{index_of(story, 'harvest')}"]["payload"]["fresh_weight"] == {"value": 1450, "unit": "kg"}
    assert type(lot).from_json(lot.to_json()) == lot


@pytest.mark.parametrize(
    ("corrected", "pointer"),
    [
        ({"fresh_weight": {"value": -5, "unit": "kg"}}, "/event/payload/corrected/fresh_weight/value"),
        ({"fresh_weight": None}, "/event/payload/corrected/fresh_weight"),
        ({"fresh_weigth": {"value": 1300, "unit": "kg"}}, "/event/payload/corrected/fresh_weigth"),
        ({"crop_age_years": "five"}, "/event/payload/corrected/crop_age_years"),
    ],
)
def test_a_correction_that_is_not_a_valid_payload_of_the_corrected_event_is_refused(
    corrected: dict[str, Any], pointer: str
) -> None:
    story = standard()
    at = correcting(story, "harvest", corrected, before="ship")
    found = judge_all(story.steps)[at]
    assert rules_of(found) == [("correction", pointer)]
    assert found[0].hard


def test_a_correction_of_a_correction_is_refused() -> None:
    story = standard()
    first = correcting(story, "harvest", {"fresh_weight": {"value": 1450, "unit": "kg"}}, before="ship")
    again = correcting(story, "correct", {"reason": "again"}, before="ship")
    assert story.steps[again].payload["supersedes"] == f"e{first}"
    found = judge_all(story.steps)[again]
    assert rules_of(found) == [("correction", "/event/payload/supersedes")]


def states_after(story: Story) -> dict[str, Any]:
    """The lot states an inspector holds after admitting every step."""
    judging = inspector()
    for i, step in enumerate(story.steps):
        judging.admit(step.event(i), i, day("2026-01-01"))
    return judging.states


def test_a_crop_age_corrected_after_the_batch_was_made_reaches_it_and_the_food_rule_refuses_its_box() -> None:
    story = standard()
    correcting(story, "harvest", {"crop_age_years": 7}, before="package")  # RG-1 exists, made from HV-1
    found = judge_all(story.steps)
    package = index_of(story, "package")
    assert rules_of(found[package]) == [("food_use", "/event/payload/intended_use")]
    assert "7" in found[package][0].value
    assert all(f == [] for i, f in enumerate(found) if i != package)


def test_a_plot_corrected_to_forest_after_the_harvest_refuses_a_food_box_of_its_batch() -> None:
    story = standard()
    correcting(story, "register", {"land_type": "forest"}, before="package")
    found = judge_all(story.steps)
    package = index_of(story, "package")
    assert ("food_use", "/event/payload/intended_use") in rules_of(found[package])
    assert any("forest" in f.value for f in found[package] if f.rule == "food_use")
    # the harvest, the batch below it and its origin all carry the corrected land type
    states = states_after(story)
    assert [o.land_type for lot in ("HV-1", "RG-1", "PK-1") for o in states[lot].origins] == ["forest"] * 3


def test_a_box_already_packed_takes_the_corrected_age_and_stays_accepted() -> None:
    story = standard()
    correcting(story, "harvest", {"crop_age_years": 7}, before="store")  # after PK-1 was packed as food
    found = judge_all(story.steps)
    assert all(f == [] for f in found)  # what was accepted stays accepted
    states = states_after(story)
    assert [o.crop_age for lot in ("HV-1", "RG-1", "PK-1") for o in states[lot].origins] == [7, 7, 7]
    box = states["PK-1"]
    assert type(box).from_json(box.to_json()) == box


def test_a_plot_species_corrected_reaches_the_species_of_the_lots_below() -> None:
    story = standard()
    correcting(story, "register", {"species": "panax_quinquefolius"}, before="store")
    states = states_after(story)
    assert [states[lot].species for lot in ("PLOT-1", "HV-1", "RG-1", "PK-1")] == ["panax_quinquefolius"] * 4


def test_a_batchs_corrected_moisture_reaches_the_boxes_and_split_lots_that_copied_it() -> None:
    story = standard()
    piece = {"kind": "process_batch", "net_weight_kg": 10}
    split = Step(PROCESSOR, "RG-9", "split", day("2025-10-25T06:00:00"), piece, ("RG-1",))
    story.insert(story.where["store"][0], split, "split")
    correcting(story, "process", {"final_moisture_pct": 14.0}, before="store", actor=PROCESSOR)
    assert judge_all(story.steps) == [[] for _ in story.steps]
    states = states_after(story)
    assert [states[lot].moisture_pct for lot in ("RG-1", "PK-1", "RG-9")] == [14.0, 14.0, 14.0]
    assert (states["PK-1"].moisture_of, states["RG-9"].moisture_of) == ("RG-1", "RG-1")
