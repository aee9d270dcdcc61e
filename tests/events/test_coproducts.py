"""Co-products: a process batch keeps each output apart, packing draws from a named output and never more
than it holds, waste is never stock, and the mass balance covers every output (pure: no database)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.events.catalogue import catalogue
from ginseng_trace.events.coproducts import OUTPUTS, amounts, on_hand, output_of
from ginseng_trace.events.findings import Finding
from ginseng_trace.events.state import kg

from ..lifecycle import PROCESSOR, Step, Story, day, inspector, judge_all, standard


def first(story: Story, tag: str) -> Step:
    return story.steps[story.where[tag][0]]


def rules_of(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.pointer) for f in found]


def packed(story: Story, index: int, **payload: Any) -> int:
    """Replace the standard story's packaging run's payload members; returns its index."""
    first(story, "package").payload.update(payload)
    return index


def test_the_standard_batch_keeps_its_main_root_and_fine_roots_apart() -> None:
    story = standard()
    judging = inspector()
    package = story.where["package"][0]
    for i, step in enumerate(story.steps[:package]):
        judging.admit(step.event(i), i, day("2026-01-01"))
    batch = judging.states["RG-1"]
    # a record naming only a product ("红参 main root", "红参须 fine roots") is read from its name
    assert batch.outputs == {"main_root": 400, "fine_roots": 70}
    assert batch.holdings == {PROCESSOR: 470}
    event = story.steps[package].event(package)
    judging.admit(event, package, day("2026-01-01"))
    assert judging.states["RG-1"].outputs == {"main_root": 350, "fine_roots": 70}  # 200 x 250 g of main root


@pytest.mark.parametrize(
    ("payload", "pointer", "limit"),
    [
        # 1700 x 250 g = 425 kg: less than the batch's 470 kg, more than its 400 kg of main root
        ({"units": 1700, "serials": {"first": "0001", "last": "1700"}}, "/event/payload/units", "400 kg of main root"),
        # fine roots: 70 kg, not the 100 kg of 400 boxes
        (
            {"from_output": "fine_roots", "units": 400, "serials": {"first": "0001", "last": "0400"}},
            "/event/payload/from_output",
            "70 kg of fine roots",
        ),
        ({"from_output": "main_root", "from_grade": "一等"}, "/event/payload/from_output", "0 kg of main root (一等)"),
    ],
)
def test_a_box_is_never_filled_from_another_outputs_weight(payload: dict[str, Any], pointer: str, limit: str) -> None:
    story = standard()
    index = packed(story, story.where["package"][0], **payload)
    found = judge_all(story.steps)
    assert all(f == [] for f in found[:index])
    assert rules_of(found[index]) == [("stock", pointer)], found[index]
    assert limit in found[index][0].limit
    assert found[index][0].hard
    assert "须根" in found[index][0].message_zh or "主根" in found[index][0].message_zh


def test_fine_roots_are_packed_from_fine_roots_and_a_graded_main_root_from_its_grade() -> None:
    story = standard()
    process = first(story, "process")
    process.payload["outputs"] = [
        {"output": "main_root", "grade": "一等", "value": 300, "unit": "kg"},
        {"output": "main_root", "grade": "二等", "value": 100, "unit": "kg"},
        {"output": "fine_roots", "value": 70, "unit": "kg"},
    ]
    first(story, "package").payload.update({"from_output": "fine_roots", "units": 280})  # 70 kg
    serial = first(story, "package").payload["serials"]
    serial.update({"first": "0001", "last": "0280"})
    assert judge_all(story.steps)[story.where["package"][0]] == []
    story = standard()
    first(story, "process").payload["outputs"] = process.payload["outputs"]
    first(story, "package").payload.update({"from_output": "main_root", "from_grade": "二等"})  # 50 of 100 kg
    assert judge_all(story.steps) == [[] for _ in story.steps]


def test_a_second_run_sees_what_the_first_took_of_the_main_root() -> None:
    story = standard()
    index = story.where["package"][0]
    first(story, "package").payload.update({"units": 1500, "serials": {"first": "0001", "last": "1500"}})  # 375 kg
    second = Step(
        PROCESSOR,
        "PK-2",
        "package",
        day("2025-10-25"),
        {"gtin": "06975123400010", "batch": "PK-2", "net_weight_g": 250, "units": 200},  # 50 kg of 25 left
        ("RG-1",),
    )
    story.insert(index + 1, second)
    found = judge_all(story.steps)
    assert found[index] == []
    assert rules_of(found[index + 1]) == [("stock", "/event/payload/units")]
    assert "25 kg of main root" in found[index + 1][0].limit


def test_waste_counts_in_the_mass_balance_but_is_never_stock() -> None:
    story = standard()
    index = story.where["process"][0]
    outputs = first(story, "process").payload["outputs"]
    # 1400 kg fresh at 12.5 % moisture gives at most 1400 x 0.30 / 0.875 x 1.05 = 504 kg: 400 + 70 + 40 is more
    outputs.append({"output": "waste", "value": 40, "unit": "kg"})
    found = judge_all(story.steps)
    assert rules_of(found[index]) == [("process_yield", "/event/payload/outputs")]
    outputs[-1]["value"] = 30
    assert judge_all(story.steps) == [[] for _ in story.steps]
    # the 30 kg of waste is not on hand: the batch ships 470 kg at most
    ship = Step(
        PROCESSOR, "RG-1", "ship", day("2025-10-21"), {"from": PROCESSOR, "to": "wholesale-e", "net_weight_kg": 500}
    )
    at = story.where["release"][0] + 1  # once the batch is released for sale (the quality gate)
    story.insert(at, ship)
    found = judge_all(story.steps)
    assert rules_of(found[at]) == [("stock", "/event/payload/net_weight_kg")]


def test_the_main_root_ratio_is_of_the_main_root_wherever_it_is_listed() -> None:
    story = standard()
    index = story.where["process"][0]
    outputs = first(story, "process").payload["outputs"]
    outputs.reverse()  # fine roots first: the ratio is still 1400 : 400
    assert judge_all(story.steps)[index] == []
    outputs[1]["value"] = 200  # 1400 : 200 = 7 : 1
    found = judge_all(story.steps)[index]
    assert rules_of(found) == [("main_root_ratio", "/event/payload/outputs/1/value")]


def test_a_further_process_draws_from_the_output_it_names() -> None:
    story = standard()
    index = story.where["package"][0]
    slicing = Step(
        PROCESSOR,
        "SL-1",
        "process",
        day("2025-10-24"),
        {
            "process": "slicing",
            "input_quantities": [{"lot": "RG-1", "value": 80, "unit": "kg", "from_output": "fine_roots"}],
            "outputs": [{"output": "main_root", "value": 75, "unit": "kg"}],
        },
        ("RG-1",),
    )
    story.insert(index, slicing)
    found = judge_all(story.steps)
    assert rules_of(found[index]) == [("stock", "/event/payload/input_quantities/0/from_output")]
    slicing.payload["input_quantities"][0]["value"] = 70
    slicing.payload["outputs"][0]["value"] = 68
    assert judge_all(story.steps) == [[] for _ in story.steps]


def test_waste_cannot_be_named_as_what_a_box_holds() -> None:
    schema = catalogue()["package"]
    payload = dict(schema.examples[0], from_output="waste")
    assert schema.problems(payload, "/p")
    assert not schema.problems(dict(schema.examples[0], from_output="fine_roots"), "/p")
    process = catalogue()["process"]
    assert not process.problems(process.examples[0], "/p")
    assert process.problems(
        {**process.examples[0], "outputs": [{"value": 1, "unit": "kg"}]}, "/p"
    )  # no output, no name


@pytest.mark.parametrize(
    ("product", "output"),
    [
        ("红参 main root", "main_root"),
        ("红参须 fine roots", "fine_roots"),
        ("Fine roots", "fine_roots"),
        ("芦头", "rhizome_heads"),
        ("rhizome heads", "rhizome_heads"),
        ("waste", "waste"),
        ("废料", "waste"),
        ("生晒参", "main_root"),  # a name it does not know: main root, as every output counted before
    ],
)
def test_a_record_naming_only_a_product_is_read_from_its_name(product: str, output: str) -> None:
    assert output_of({"product": product}) == output
    assert output_of({"product": product, "output": "waste"}) == "waste"  # a stated output wins


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "output": st.sampled_from(OUTPUTS),
                "value": st.floats(0, 10_000),
                "unit": st.sampled_from(["kg", "g", "t"]),
            },
            optional={"grade": st.sampled_from(["一等", "二等"])},
        ),
        min_size=1,
        max_size=6,
    )
)
def test_outputs_add_up_and_only_waste_is_off_hand(outputs: list[dict[str, Any]]) -> None:
    by_key = amounts(outputs)
    assert sum(by_key.values()) == pytest.approx(sum(kg(o) for o in outputs))
    assert on_hand(by_key) == pytest.approx(sum(kg(o) for o in outputs if o["output"] != "waste"))
