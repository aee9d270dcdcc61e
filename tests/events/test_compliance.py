"""A processor's upstream compliance facts (events.compliance), pure: what the view holds for the standard
lifecycle, the pre-harvest interval judged as the rules judge it (checked against a plain oracle over random
lifecycles), and the allow-list: private values the test plants, in plain text, and every party's id never
appear in the view."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.events.compliance import PLOT_FACTS, TEST_FACTS, compliance_facts

from ..lifecycle import CARRIER, GROWER, LAB, NOW, PROCESSOR, Step, Story, day, judge_all, lifecycles, standard

ORIGIN_KEYS = {
    "harvest_lot",
    "plot",
    *PLOT_FACTS,
    "variety",
    "sown_on",
    "harvested_on",
    "harvest_year",
    "crop_age_years",
    "pre_harvest_interval",
}


def view(steps: list[Step], lot: str = "PK-1") -> dict[str, Any]:
    facts: dict[str, Any] = compliance_facts(lot, [(i, s.event(i), NOW) for i, s in enumerate(steps)]).to_json()
    return facts


def test_the_standard_box_tells_its_origin_its_interval_and_its_test() -> None:
    facts = view(standard().steps)
    assert facts["kind"] == "packaged_product"
    assert {(x["lot_id"], x["kind"]) for x in facts["lineage"]} == {
        ("PLOT-1", "plot_crop"),
        ("HV-1", "harvest_lot"),
        ("RG-1", "process_batch"),
        ("PK-1", "packaged_product"),
    }
    [origin] = facts["origins"]
    assert origin == {
        "harvest_lot": "HV-1",
        "plot": "PLOT-1",
        "land_type": "farmland",
        "county_code": "220621",
        "county": "抚松县",
        "prefecture": "白山市",
        "certifications": ["GAP", "长白山人参 brand base", "GB/T 19506 地理标志产品"],
        "variety": "大马牙",
        "sown_on": "2020-10-20",
        "species": "panax_ginseng",
        "harvested_on": "2025-09-18",
        "harvest_year": 2025,
        "crop_age_years": 5,
        "pre_harvest_interval": {
            "passed": True,
            "binding_application": {
                "on": "2025-06-20",
                "product": "嘧菌酯 azoxystrobin SC",
                "active_ingredient": "azoxystrobin",
                "pre_harvest_interval_days": 30,
                "harvest_allowed_from": "2025-07-20",
            },
        },
    }
    [test] = facts["tests"]
    assert (test["lot"], test["on"], test["verdict"], test["heavy_metals_mg_kg"]["Cd"]) == (
        "RG-1",
        "2025-10-20",
        "pass",
        0.09,
    )
    assert set(test) <= {"lot", "on", *TEST_FACTS}
    # the harvest lot's own view: only its plot and itself upstream, no test yet in its lineage
    harvest = view(standard().steps, "HV-1")
    assert [x["lot_id"] for x in harvest["lineage"]] == ["HV-1", "PLOT-1"]
    assert harvest["tests"] == []
    assert harvest["origins"] == facts["origins"]


def test_a_harvest_inside_an_interval_fails_exactly_as_the_rule_refuses_it() -> None:
    steps = standard().steps
    early = next(i for i, s in enumerate(steps) if s.type == "field_operation")
    steps[early] = replace(steps[early], when=day("2025-09-01"))  # 30 days before harvest: not yet allowed
    harvest = next(i for i, s in enumerate(steps) if s.type == "harvest")
    assert "pesticide_interval" in {f.rule for f in judge_all(steps)[harvest]}  # the rules' own verdict
    interval = view(steps)["origins"][0]["pre_harvest_interval"]
    assert interval["passed"] is False
    assert interval["binding_application"]["harvest_allowed_from"] == "2025-10-01"
    # a biological product with a longer interval applied earlier is not the binding one
    bio = replace(
        steps[early],
        when=day("2025-05-01"),
        payload={**steps[early].payload, "product": "枯草芽孢杆菌", "pre_harvest_interval_days": 14},
    )
    steps.insert(early, bio)
    assert view(steps)["origins"][0]["pre_harvest_interval"]["binding_application"]["on"] == "2025-09-01"


def test_a_harvest_of_a_plot_never_sprayed_passes_with_no_binding_application() -> None:
    steps = [s for s in standard().steps if s.type != "field_operation"]
    assert view(steps)["origins"][0]["pre_harvest_interval"] == {"passed": True, "binding_application": None}


def test_an_unknown_lot_is_refused() -> None:
    with pytest.raises(ValueError, match="not among the records"):
        view(standard().steps, "PK-9")


def _plant(story: Story) -> tuple[Story, list[str]]:
    """Every private member a lifecycle could carry, in plain text (as if the view were handed revealed events):
    a polygon on each plot, a note on every event, an invoice on every sale."""
    secrets: list[str] = []
    for step in story.steps:
        note = f"note-{uuid.uuid4().hex}"
        step.payload = {**step.payload, "note": note}
        secrets.append(note)
        if step.type == "register_plot":
            lon = 126.123456 + len(secrets) / 1000
            step.payload["location"] = {"private": True, "polygon": [[lon, 41.5], [lon + 0.01, 41.5], [lon, 41.51]]}
            secrets.append(str(lon))
        if step.type == "sell":
            invoice = f"INV-{uuid.uuid4().hex[:16]}"
            step.payload["invoice_reference"] = invoice
            secrets.append(invoice)
    return story, secrets


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(lifecycles(), st.lists(st.integers(-20, 20), min_size=3, max_size=3))
def test_the_view_judges_every_interval_and_carries_nothing_private(story: Story, shifts: list[int]) -> None:
    story, secrets = _plant(story.copy())
    steps = story.steps
    # move each sprayed plot's harvest to some days before or after its last interval ends
    expected: dict[str, bool] = {}
    for n, i in enumerate(story.where["harvest"]):
        harvest = steps[i]
        plot = harvest.inputs[0]
        sprays = [s for s in steps[:i] if s.lot == plot and s.payload.get("operation") == "pesticide"]
        if sprays:
            ready = max(s.when + timedelta(days=s.payload["pre_harvest_interval_days"]) for s in sprays)
            steps[i] = replace(harvest, when=ready + timedelta(days=shifts[n]))
        expected[harvest.lot] = not sprays or steps[i].when >= ready
    for box in {s.lot for s in steps if s.type == "package"}:
        facts = view(steps, box)
        text = json.dumps(facts, ensure_ascii=False)
        for secret in [*secrets, GROWER, PROCESSOR, CARRIER, LAB, "wholesale-e", "shop-f", "shop-g", "invoice"]:
            assert secret not in text, secret
        for origin in facts["origins"]:
            assert set(origin) <= ORIGIN_KEYS
            assert origin["pre_harvest_interval"]["passed"] is expected[origin["harvest_lot"]], origin
        for test in facts["tests"]:
            assert set(test) <= {"lot", "on", *TEST_FACTS}
