"""Property-based: random valid lifecycles pass every rule; one changed fact makes the right rule fire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ginseng_trace.events.rules import rules_config

from ..lifecycle import COUNTIES, LAB, NOW, SPECIES, Step, Story, inspector, judge_all, lifecycles

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


def seedlings_uncounted(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A plot planted with bought-in seedlings whose harvest declares only the seasons they grew on it."""
    assume("source_seed" in story.where)
    source = story.steps[draw(st.sampled_from(story.where["source_seed"]))]
    plot = source.lot
    sow = next(story.steps[j] for j in story.where["sow"] if story.steps[j].lot == plot)
    i = next(j for j in story.where["harvest"] if story.steps[j].inputs == (plot,))
    age = source.payload.get("seedling_age_years", sow.payload.get("seedling_age_years"))
    story.steps[i].payload["crop_age_years"] -= age
    assume(story.steps[i].payload["crop_age_years"] >= 1)
    return i, "crop_age"


def mixed_species(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """One plot of a batch merged from several is of the other species (its records say so throughout)."""
    merged = [j for j in story.where["process"] if len(story.steps[j].inputs) > 1]
    assume(merged)
    i = draw(st.sampled_from(merged))
    harvest_lot = draw(st.sampled_from(story.steps[i].inputs[1:]))
    plot = next(story.steps[j].inputs[0] for j in story.where["harvest"] if story.steps[j].lot == harvest_lot)
    other = next(s for s in SPECIES if s != story.steps[story.where["register"][0]].payload["species"])
    for step in story.steps:
        if step.lot == plot and "species" in step.payload:
            step.payload["species"] = other
    return i, "species"


def mislabelled(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A box states the species its roots are not."""
    i = draw(st.sampled_from(story.where["package"]))
    other = next(s for s in SPECIES if s != story.steps[story.where["register"][0]].payload["species"])
    story.steps[i].payload["species"] = other
    return i, "species"


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


def oversplit(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A split of a received harvest, just before it is processed, taking more than the processor holds."""
    i = draw(st.sampled_from(story.where["process"]))
    process = story.steps[i]
    parent = draw(st.sampled_from(process.inputs))
    held = _held_before(story, i, parent, process.actor)
    payload = {"kind": "harvest_lot", "net_weight_kg": round(held * draw(st.floats(1.01, 2.0)) + 0.01, 3)}
    story.insert(i, Step(process.actor, "RG-S", "split", process.when, payload, (parent,)))
    return i, "stock"


def misreturned(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A box returned, just after its receipt, to a party it did not come from."""
    i = draw(st.sampled_from([j for j in story.where["receive"] if story.steps[j].lot.startswith("PK-")]))
    receipt = story.steps[i]
    stranger = draw(st.sampled_from(["someone-else", "shop-g", "wholesale-e", "carrier-d"]))
    assume(stranger not in (receipt.payload["from"], receipt.actor))
    story.insert(i + 1, Step(receipt.actor, receipt.lot, "return", receipt.when, {"to": stranger, "units": 1}))
    return i + 1, "custody"


def overyield(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    i = draw(st.sampled_from(story.where["process"]))
    payload = story.steps[i].payload
    fresh = sum(q["value"] for q in payload["input_quantities"])
    # dry matter is 30 % of fresh roots: at 12.5 % moisture no more than 0.36 of the input can come out
    payload["outputs"][0]["value"] = round(fresh * draw(st.floats(0.37, 1.5)), 3)
    return i, "process_yield"


def filled_from_fine_roots(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A box of main-root weight says it is packed from the batch's fine roots, which hold less."""
    i = draw(st.sampled_from(story.where["package"]))
    step = story.steps[i]
    batch = next(story.steps[j] for j in story.where["process"] if story.steps[j].lot == step.inputs[0])
    fine = sum(o["value"] for o in batch.payload["outputs"] if o.get("output") == "fine_roots")
    assume(step.payload["units"] * step.payload["net_weight_g"] / 1000 > fine)
    step.payload["from_output"] = "fine_roots"
    return i, "stock"


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
    metal, limit = draw(st.sampled_from([("Pb", 5), ("Cd", 1), ("As", 2), ("Hg", 0.2), ("Cu", 20)]))
    story.steps[i].payload["heavy_metals_mg_kg"][metal] = limit * draw(st.floats(1.01, 10))
    return i, "quality_limits"


def _tested_process(story: Story, test: int) -> str:
    lot = story.steps[test].lot
    return str(next(s.payload["process"] for s in story.steps if s.lot == lot and s.type == "process"))


def thin(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """Ginsenosides below the minimum of the tested batch's own species and form: ChP 2020 红参 Rg1+Re 0.25 %,
    人参 0.30 %; 西洋参 Rg1+Re+Rb1 2.0 % (its dried root; steamed 西洋参 has no content limit here, so its
    lead is raised past 5 mg/kg instead)."""
    i = draw(st.sampled_from(story.where["test"]))
    payload, red = story.steps[i].payload, _tested_process(story, i) == "steam_red_ginseng"
    if story.steps[story.where["register"][0]].payload["species"] == "panax_quinquefolius":
        if red:
            payload["heavy_metals_mg_kg"]["Pb"] = round(draw(st.floats(5.1, 50)), 2)
        else:
            payload["ginsenosides_pct"]["Rb1"] = round(draw(st.floats(0.05, 0.89)), 3)  # Rg1+Re is 1.1
        return i, "quality_limits"
    minimum = 0.25 if red else 0.30
    payload["ginsenosides_pct"]["Rg1+Re"] = round(draw(st.floats(0.05, minimum - 0.005)), 3)
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


def recalled_upstream(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A regulator's recall of one harvest (or batch) a box was made from, inserted just before the box's
    sale or shipment: that step must be refused, though the box itself was never recalled."""
    steps = story.steps
    moves = [i for i in story.where.get("sell", []) + story.where["ship"] if steps[i].lot.startswith("PK-")]
    i = draw(st.sampled_from(moves))
    batch = next(step for step in steps if step.lot == steps[i].lot and step.type == "package").inputs[0]
    upstream = [batch, *next(step for step in steps if step.lot == batch and step.type == "process").inputs]
    lot = draw(st.sampled_from(upstream))
    kind = draw(st.sampled_from(["recall", "hold"]))
    steps.insert(i, Step("jilin-regulator", lot, kind, steps[i].when, {"reason": "Cd above limit upstream"}))
    return i + 1, "hold"


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


def unreleased(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A batch's release left out: the first shipment of a box packed from it (to a retailer) is refused."""
    i = draw(st.sampled_from(story.where["release"]))
    batch = story.remove(i).lot
    boxes = {s.lot for s in story.steps if s.type == "package" and batch in s.inputs}
    return next(j for j in story.where["ship"] if story.steps[j].lot in boxes), "quality_gate"


def failed(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """The lab's verdict on a batch is fail: the custodian's release on it is refused."""
    i = draw(st.sampled_from(story.where["test"]))
    story.steps[i].payload["verdict"] = "fail"
    return next(j for j in story.where["release"] if story.steps[j].lot == story.steps[i].lot), "quality_gate"


def failed_upstream(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A regulator's sampling of the batch a box was packed from fails, recorded just before a sale of the box:
    the sale is refused, though the box itself was released and never tested."""
    steps = story.steps
    sales = [i for i in story.where.get("sell", []) if steps[i].lot.startswith("PK-")]
    assume(sales)
    i = draw(st.sampled_from(sales))
    batch = next(step for step in steps if step.lot == steps[i].lot and step.type == "package").inputs[0]
    tested = next(step for step in steps if step.lot == batch and step.type == "quality_test")
    result = {**tested.payload, "sample_id": "MPA-1", "verdict": "fail"}
    gap = (steps[i].when - steps[i - 1].when) / 3
    assume(gap > timedelta(0))
    sampling = {"sample_id": "MPA-1", "lab": LAB, "purpose": "regulatory_sampling"}
    steps.insert(i, Step(LAB, batch, "quality_test", steps[i - 1].when + 2 * gap, result))
    steps.insert(i, Step("jilin-regulator", batch, "sample", steps[i - 1].when + gap, sampling))
    return i + 2, "quality_gate"


def misplaced(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A plot's county named as another county than its GB/T 2260 code's (names are derived, not trusted)."""
    i = draw(st.sampled_from(story.where["register"]))
    payload = story.steps[i].payload
    code = payload.get("county_code") or draw(st.sampled_from(sorted(COUNTIES)))
    payload["county_code"] = code
    payload["county"] = draw(st.sampled_from([name for c, name in COUNTIES.items() if c != code]))
    return i, "place_code"


def unsuffixed(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A plot named by its county without the suffix (抚松 for 抚松县) and no code: stored, and flagged."""
    i = draw(st.sampled_from(story.where["register"]))
    payload = story.steps[i].payload
    name = COUNTIES[payload.pop("county_code", None) or draw(st.sampled_from(sorted(COUNTIES)))]
    payload["county"] = name[:-1]
    return i, "county_name"


def misdrawn(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A plot's polygon encloses far more or less than its declared area (beyond the rules file's 20 %)."""
    mapped = [i for i in story.where["register"] if "location" in story.steps[i].payload]
    assume(mapped)
    i = draw(st.sampled_from(mapped))
    story.steps[i].payload["area_mu"] = round(story.steps[i].payload["area_mu"] * draw(st.sampled_from([0.5, 1.6])), 1)
    return i, "plot_area"


def mislabelled_product(story: Story, draw: st.DrawFn) -> tuple[int, str]:
    """A pesticide application citing a registration number the registry table knows for another ingredient."""
    assume("pesticide" in story.where)
    i = draw(st.sampled_from(story.where["pesticide"]))
    known = rules_config()["registration_product"]["known"]
    number = draw(st.sampled_from(sorted(known)))
    story.steps[i].payload["registration_number"] = number
    assume(known[number]["active_ingredient"].casefold() != story.steps[i].payload["active_ingredient"].casefold())
    return i, "registration_product"


MUTATIONS: list[Callable[[Story, st.DrawFn], tuple[int, str]]] = [
    older,
    seedlings_uncounted,
    mixed_species,
    mislabelled,
    earlier,
    oversold,
    oversplit,
    misreturned,
    overyield,
    filled_from_fine_roots,
    usurped,
    sprayed_late,
    contaminated,
    thin,
    overclaimed,
    overreceived,
    warm,
    recalled_upstream,
    resold,
    unpadded,
    misnumbered,
    unreleased,
    failed,
    failed_upstream,
    misplaced,
    unsuffixed,
    misdrawn,
    mislabelled_product,
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


def honest_between_standards(story: Story, draw: Callable[..., Any]) -> None:
    """A result that a stricter standard the product does not claim would fail, or one on a basis the
    standards are not on: Cd between the green-trade 0.3 and ChP's 1 mg/kg; red ginseng's Rg1+Re between its
    0.25 % and the herb's 0.30 %; GI-only figures (total saponins) on a lot without the GI claim; a fresh-basis
    result at fresh roots' moisture."""
    i = draw(st.sampled_from(story.where["test"]))
    payload = story.steps[i].payload
    change = draw(st.sampled_from(["cadmium", "red", "saponins", "fresh"]))
    if change == "cadmium":
        payload["heavy_metals_mg_kg"]["Cd"] = round(draw(st.floats(0.31, 1.0)), 3)
    elif change == "red":
        assume(_tested_process(story, i) == "steam_red_ginseng")
        payload["ginsenosides_pct"]["Rg1+Re"] = round(draw(st.floats(0.25, 0.299)), 3)
    elif change == "saponins":
        payload["ginsenosides_pct"]["total_saponins"] = round(draw(st.floats(0.5, 2.99)), 2)
    else:
        payload.update(basis="fresh", moisture_pct=round(draw(st.floats(55, 75)), 1))
        payload["ginsenosides_pct"]["Rg1+Re"] = round(draw(st.floats(0.05, 0.2)), 3)


@pytest.mark.slow
@SETTINGS
@given(lifecycles(), st.data())
def test_results_no_applicable_standard_refuses_raise_nothing(story: Story, data: st.DataObject) -> None:
    honest_between_standards(story, data.draw)
    found = judge_all(story.steps)
    assert found == [[] for _ in story.steps], [(story.steps[i], v) for i, v in enumerate(found) if v]
