"""The demo data set: realistic, deterministic, intact, and raising exactly the findings it is designed to raise
(issue 12, "Demo realism": docs/DOMAIN.md §Demo data)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from ginseng_trace.demo import ACTORS, GTIN_250G, LOTS, MEMBERSHIP_EVENTS_PER_ACTOR, _events, demo_events, load_demo
from ginseng_trace.demo import loading as demo_loading
from ginseng_trace.demo import slices as demo_slices
from ginseng_trace.events.context import rules_config
from ginseng_trace.labels.digital_link import check_digit
from ginseng_trace.service import Services

from ..conftest import tune_rules

DESIGNED_FINDINGS = {
    # the suspicious lot: "forest ginseng" at 4 kg a 亩 a year of 50 g roots (garden ginseng sold as forest)
    ("yield_plausibility", "HV-2025-LJ-0011", "soft"),
}
"""Every finding the demo raises, by rule, lot and severity: each one designed, and nothing else."""


def _by_lot() -> dict[str, list[dict[str, Any]]]:
    lots: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _actor, event in _events():
        lots[event["lot_id"]].append(event)
    return lots


def _kg(quantity: dict[str, Any]) -> float:
    return float(quantity["value"]) * {"kg": 1.0, "g": 0.001, "t": 1000.0}[quantity["unit"]]


def _harvests() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(harvest payload, its plot's register_plot payload) of every harvest of the demo."""
    lots = _by_lot()
    return [
        (event["payload"], lots[event["inputs"][0]][0]["payload"])
        for events in lots.values()
        for event in events
        if event["type"] == "harvest"
    ]


def test_gs1_check_digit() -> None:
    # GS1 General Specifications worked example: GTIN-13 629104150021 -> check digit 3
    assert check_digit("629104150021") == 3
    assert len(GTIN_250G) == 14
    assert check_digit(GTIN_250G[:-1]) == int(GTIN_250G[-1])


def test_demo_events_are_deterministic_and_cover_the_lifecycle() -> None:
    first, second = demo_events(), demo_events()
    assert [e.signed_bytes for e in first] == [e.signed_bytes for e in second]
    types = {e.event.type for e in first}
    assert types >= {"register_plot", "sow", "transplant", "field_operation", "harvest", "quality_test"}
    assert types >= {"process", "package", "ship", "store", "receive", "sell", "recall", "certify"}
    process = next(e.event for e in first if e.event.type == "process")
    assert len(process.inputs) == 2  # the red-ginseng batch merges two harvests


def test_loading_twice_creates_nothing_new(ledger: Services) -> None:
    first = load_demo(ledger)
    second = load_demo(ledger)
    # each organisation's registration, its actor and the actor's key, then the events
    assert first["events_created"] == MEMBERSHIP_EVENTS_PER_ACTOR * len(ACTORS) + len(demo_events())
    assert second["events_created"] == 0
    assert second["lots"] == first["lots"]
    assert {lot["lot_id"] for lot in first["lots"]} == set(LOTS)
    assert all(lot["head"] for lot in first["lots"])
    assert len(first["actors"]) == len(ACTORS)
    report = ledger.checks.verify("PK-2025-0931")
    assert set(report.lots) == {
        "PK-2025-0931",
        "RG-2025-0931",
        "HV-2025-FS-0017",
        "HV-2025-JA-0102",
        "PLOT-FS-0017",
        "PLOT-JA-0102",
    }


def test_the_demo_passes_every_hard_rule_and_raises_exactly_its_designed_findings(demo: Services) -> None:
    stored = demo.records.count()
    assert stored == MEMBERSHIP_EVENTS_PER_ACTOR * len(ACTORS) + len(demo_events())  # none refused
    found = demo.records.findings()
    assert {(f.rule, f.lot_id, f.severity) for f in found} == DESIGNED_FINDINGS
    assert len(found) == len(DESIGNED_FINDINGS)  # each once
    assert not any(f.hard for f in found)


def test_without_the_yield_rule_the_suspicious_lot_goes_unflagged(
    ledger: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The findings test is not empty-handed: the suspicious lot's one finding comes from the yield rule."""
    loose = {**rules_config()["yield_plausibility"], "forest_max_kg_per_mu_per_year": 10**6}
    config = {**rules_config(), "yield_plausibility": loose}
    tune_rules(monkeypatch, config)
    load_demo(ledger)
    assert {(f.rule, f.lot_id, f.severity) for f in ledger.records.findings()} == set()


def test_harvests_are_at_the_trades_magnitudes() -> None:
    """Garden ginseng ~1.2 t fresh a 亩; forest ~0.67 kg a 亩 a year; the suspicious lot far above (docs/DOMAIN.md
    §Yield plausibility)."""
    settings = rules_config()["yield_plausibility"]
    seen = set()
    for harvest, plot in _harvests():
        kg, mu, age = _kg(harvest["fresh_weight"]), float(plot["area_mu"]), int(harvest["crop_age_years"])
        grams = kg * 1000 / int(harvest["root_count"])
        if plot["land_type"] == "farmland" and plot["species"] == "panax_ginseng":
            assert 1080 <= kg / mu <= 1320, (plot, kg)  # 1.2 t a 亩, within 10 %
            assert 40 <= grams <= 100  # a garden root
            seen.add("garden")
        elif plot["land_type"] == "farmland":  # 西洋参: the demo's 0.8 t a 亩 [asm], below 园参's
            assert 600 <= kg / mu < 1080
            seen.add("quinquefolius")
        elif plot["county"] == "临江市":
            assert kg / mu / age > float(settings["forest_max_kg_per_mu_per_year"])
            assert harvest["grams_per_root"] >= 40  # garden-weight roots
            seen.add("suspicious")
        else:
            assert 0.6 <= kg / mu / age <= 0.74, (plot, kg)  # 0.67 kg a 亩 a year, within 10 %
            assert harvest["grams_per_root"] <= 30
            seen.add("forest")
    assert seen == {"garden", "quinquefolius", "suspicious", "forest"}


def test_dried_output_is_about_a_third_of_the_fresh_input_and_never_above_the_dry_matter_bound() -> None:
    settings = rules_config()["process_yield"]
    dried = 0
    for events in _by_lot().values():
        for event in events:
            payload = event["payload"]
            if event["type"] != "process" or payload["process"] not in settings["drying_processes"]:
                continue
            fresh = sum(_kg(q) for q in payload["input_quantities"])
            out = sum(_kg(q) for q in payload["outputs"])
            moisture = float(payload["final_moisture_pct"]) / 100
            bound = fresh * (1 - settings["fresh_moisture_pct"] / 100) / (1 - moisture) * settings["drying_tolerance"]
            assert out <= bound
            assert 0.30 <= out / fresh <= 0.36, (event["lot_id"], out / fresh)
            dried += 1
    assert dried == 3  # red ginseng, the recalled sun-dried batch, the 西洋参 batch


def test_no_plot_is_sown_directly_and_then_transplanted() -> None:
    """A transplanted plot was sown on nursery beds (or planted with bought-in seedlings): docs/DOMAIN.md
    §Crop age counts its seasons from that sowing."""
    transplanted = 0
    for events in _by_lot().values():
        sowings = [e["payload"] for e in events if e["type"] == "sow"]
        if any(e["type"] == "transplant" for e in events):
            transplanted += 1
            assert all("nursery" in s.get("method", "") or "seedling_age_years" in s for s in sowings), sowings
        for sowing in sowings:
            assert "direct" not in sowing.get("method", "") or not any(e["type"] == "transplant" for e in events)
    assert transplanted >= 1


def test_gardens_are_sprayed_several_times_a_season_rotating_chemicals_with_known_registrations() -> None:
    known = rules_config()["registration_product"]["known"]
    gardens = 0
    for events in _by_lot().values():
        if events[0]["type"] != "register_plot" or events[0]["payload"]["land_type"] != "farmland":
            continue
        gardens += 1
        sprays = [e for e in events if e["payload"].get("operation") == "pesticide"]
        by_season: dict[str, list[str]] = defaultdict(list)
        for spray in sprays:
            payload = spray["payload"]
            assert known[payload["registration_number"]]["active_ingredient"] == payload["active_ingredient"]
            if payload["pesticide_class"] == "chemical":
                by_season[spray["occurred_at"][:4]].append(payload["active_ingredient"])
        assert len([s for s in sprays if s["occurred_at"].startswith("2025")]) >= 3, events[0]["lot_id"]
        for season, chemicals in by_season.items():
            assert len(chemicals) == len(set(chemicals)), (events[0]["lot_id"], season)  # each once a season
    assert gardens == 4


def test_the_slices_are_judged_by_the_slice_standard(ledger: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The slices' content lies between 红参片's limits and 红参's: they pass because the slice standard judges
    them; below the slice limits they are flagged, naming that standard."""
    standards = rules_config()["quality_limits"]["standards"]
    slices, herb = standards["chp2020_red_slices"]["limits"], standards["chp2020_red"]["limits"]
    for name, value in demo_slices.CONTENT.items():
        key = f"ginsenosides_pct/{name}"
        assert slices[key]["min"] <= value < herb[key]["min"]
    # below 红参片's Rg1+Re: flagged (and no longer a passing test, so the slices' release is left out)
    monkeypatch.setattr(demo_slices, "CONTENT", {"Rg1+Re": 0.21, "Rb1": 0.19})
    unreleased = [*demo_loading.STORIES[:-1], lambda: demo_slices.red_ginseng_slices()[:-1]]
    assert demo_loading.STORIES[-1] is demo_slices.red_ginseng_slices
    monkeypatch.setattr(demo_loading, "STORIES", tuple(unreleased))
    load_demo(ledger)
    [finding] = ledger.records.findings(demo_slices.SLICES)
    assert (finding.rule, finding.standard) == ("quality_limits", "chp2020_red_slices")
