"""Property-based: random valid lifecycles pass every rule; one changed fact makes the right rule fire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ..lifecycle import NOW, Story, inspector, judge_all, lifecycles

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(lifecycles())
def test_valid_lifecycles_are_accepted_without_findings(story: Story) -> None:
    found = judge_all(story.steps)
    assert found == [[] for _ in story.steps], [(story.steps[i], v) for i, v in enumerate(found) if v]


def _held_before(story: Story, index: int, lot: str, party: str) -> float:
    judging = inspector()
    for i, step in enumerate(story.steps[:index]):
        judging.admit(step.event(i), i, NOW)
    state = judging.states[lot]
    return state.holdings.get(party, 0.0)


def older(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(st.sampled_from(story.where["harvest"]))
    story.steps[i].payload["crop_age_years"] += draw(st.sampled_from([-1, 1, 2]))
    return i, "crop_age"


def earlier(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    lots: dict[str, int] = {}
    candidates = []
    for i, step in enumerate(story.steps):
        if step.lot in lots:
            candidates.append((i, lots[step.lot]))
        lots[step.lot] = i
    i, previous = draw(st.sampled_from(candidates))
    story.steps[i].when = story.steps[previous].when - timedelta(hours=draw(st.integers(1, 1000)))
    return i, "chronology"


def oversold(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(st.sampled_from(story.where.get("sell", []) or story.where["ship"]))
    step = story.steps[i]
    key = "units" if "units" in step.payload else "net_weight_kg"
    held = _held_before(story, i, step.lot, step.actor)
    step.payload[key] = int(held) + draw(st.integers(1, 50)) if key == "units" else round(held * 1.5 + 1, 3)
    return i, "stock"


def overyield(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(st.sampled_from(story.where["process"]))
    payload = story.steps[i].payload
    fresh = sum(q["value"] for q in payload["input_quantities"])
    # dry matter is 30 % of fresh roots: at 12.5 % moisture no more than 0.36 of the input can come out
    payload["outputs"][0]["value"] = round(fresh * draw(st.floats(0.37, 1.5)), 3)
    return i, "process_yield"


def usurped(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(
        st.sampled_from(
            story.where["ship"] + story.where["pesticide"] if "pesticide" in story.where else story.where["ship"]
        )
    )
    step = story.steps[i]
    step.actor = "impostor"
    if step.type == "ship":
        step.payload["from"] = "impostor"
    return i, "custody"


def sprayed_late(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    assume("pesticide" in story.where)
    i = draw(st.sampled_from(story.where["pesticide"]))
    plot = story.steps[i].lot
    harvest = next(j for j in story.where["harvest"] if story.steps[j].inputs == (plot,))
    days = story.steps[i].payload["pre_harvest_interval_days"]
    story.steps[i].when = story.steps[harvest].when - timedelta(days=draw(st.integers(1, days - 1)))
    # keep the plot's own events in order: the late spraying is its last before the harvest
    assume(all(story.steps[j].when <= story.steps[i].when for j in range(i) if story.steps[j].lot == plot))
    assume(all(story.steps[j].when >= story.steps[i].when for j in range(i + 1, harvest) if story.steps[j].lot == plot))
    return harvest, "pesticide_interval"


def contaminated(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(st.sampled_from(story.where["test"]))
    metal, limit = draw(st.sampled_from([("Pb", 5), ("Cd", 0.3), ("As", 2), ("Hg", 0.2), ("Cu", 20)]))
    story.steps[i].payload["heavy_metals_mg_kg"][metal] = limit * draw(st.floats(1.01, 10))
    return i, "quality_limits"


def overclaimed(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(st.sampled_from(story.where["harvest"]))
    story.steps[i].payload["fresh_weight"]["value"] *= draw(st.floats(20, 50))
    return i, "yield_plausibility"


def overreceived(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(st.sampled_from(story.where["receive"]))
    payload = story.steps[i].payload
    ship = max(j for j in story.where["ship"] if j < i and story.steps[j].lot == story.steps[i].lot)
    shipped = story.steps[ship].payload
    key = "units" if "units" in payload else "net_weight_kg"
    payload[key] = shipped[key] + max(1, shipped[key] // 10) if key == "units" else shipped[key] * 1.1
    return i, "custody"


def warm(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(st.sampled_from(story.where["store"]))
    story.steps[i].payload["readings"][0]["temperature_c"] = draw(st.floats(20.5, 40))
    return i, "storage_conditions"


def resold(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A serial sold a second time (by a later sale of the same box)."""
    sales = story.where.get("sell_serials", [])
    pairs = [(a, b) for a in sales for b in sales if a < b and story.steps[a].lot == story.steps[b].lot]
    assume(pairs)
    first, again = draw(st.sampled_from(pairs))
    story.steps[again].payload["serials"][0] = draw(st.sampled_from(story.steps[first].payload["serials"]))
    return again, "serials"


def unpadded(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A sale names a serial as a number would (0007 as 7, or 7 as 0007), or one its run does not hold."""
    assume("sell_serials" in story.where)
    i = draw(st.sampled_from(story.where["sell_serials"]))
    serials = story.steps[i].payload["serials"]
    serial = serials[0]
    if serial.isascii() and serial.isdigit():
        other = serial.lstrip("0") or "00" if serial.startswith("0") else "0" + serial
    else:
        other = serial.lower()
    assume(other not in serials)
    serials[0] = other
    return i, "serials"


def misnumbered(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A packaging run that does not hold one serial per unit."""
    assume("serials" in story.where)
    i = draw(st.sampled_from(story.where["serials"]))
    payload = story.steps[i].payload
    payload["units"] += draw(st.sampled_from([-1, 1, 5])) if payload["units"] > 5 else 1
    return i, "serials"


MUTATIONS: list[Callable[[Story, st.DrawFn], tuple[int, str]]] = [
    older,
    earlier,
    oversold,
    overyield,
    usurped,
    sprayed_late,
    contaminated,
    overclaimed,
    overreceived,
    warm,
    resold,
    unpadded,
    misnumbered,
]


@pytest.mark.slow
@SETTINGS
@given(lifecycles(), st.sampled_from(MUTATIONS), st.data())
def test_one_changed_fact_fires_the_right_rule(
    story: Story, mutate: Callable[..., tuple[int, str]], data: st.DataObject
) -> None:
    index, rule = mutate(story, data.draw)
    found = judge_all(story.steps, NOW)
    assert all(v == [] for v in found[:index]), "a step before the changed one broke a rule"
    assert rule in {v.rule for v in found[index]}, (mutate.__name__, story.steps[index], found[index])
