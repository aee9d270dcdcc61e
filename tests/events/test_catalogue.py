"""The event catalogue: schemas that load, validate their own examples and the demo, and refuse what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ginseng_trace.chain import MalformedError
from ginseng_trace.demo import demo_events
from ginseng_trace.events import catalogue, check_payload, check_submitted

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "register_enterprise",
    "register_plot",
    "certify",
    "withdraw_certification",
    "source_seed",
    "sow",
    "transplant",
    "field_operation",
    "harvest",
    "quality_test",
    "quality_release",
    "destroy",
    "process",
    "package",
    "aggregate",
    "store",
    "ship",
    "receive",
    "sell",
    "split",
    "return",
    "hold",
    "recall",
    "release",
    "correct",
    "sample",
    "register_organisation",
    "register_actor",
    "register_key",
    "revoke_key",
    "grant_role",
    "withdraw_role",
    "suspend",
    "reinstate",
    "agree_cooperative",
    "end_cooperative",
    "epcis_event",
}


def test_every_lifecycle_step_has_a_schema_with_titles_in_both_languages() -> None:
    assert set(catalogue()) == EXPECTED
    for name, schema in catalogue().items():
        assert schema.title, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in schema.title_zh), name
        assert schema.schema["additionalProperties"] is False, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_schema_validates_its_documented_example(name: str) -> None:
    schema = catalogue()[name]
    assert schema.examples, f"{name} documents no example"
    for example in schema.examples:
        assert schema.problems(example, "") == []


def test_the_demo_data_follows_the_catalogue() -> None:
    for signed in demo_events():
        check_submitted(signed)


@pytest.mark.parametrize(
    ("event_type", "payload", "pointer"),
    [
        ("harvest", {"crop_age_years": 0, "fresh_weight": {"value": 1, "unit": "kg"}}, "/crop_age_years"),
        ("harvest", {"crop_age_years": 5}, "/fresh_weight"),
        ("register_plot", {"land_type": "desert", "county": "抚松县", "area_mu": 1}, "/land_type"),
        (
            "register_plot",
            {"land_type": "forest", "county": "抚松县", "area_mu": 1, "location": {"private": False, "polygon": []}},
            "/location/private",
        ),
        ("package", {"gtin": "123", "batch": "B1", "net_weight_g": 250, "units": 1}, "/gtin"),
        ("sell", {"buyer_type": "consumer"}, ""),
        ("store", {"warehouse": "W", "readings": [{"at": "yesterday", "temperature_c": 5}]}, "/readings/0/at"),
        (
            "process",
            {"process": "slicing", "input_quantities": [], "outputs": [{"product": "饮片", "value": 1, "unit": "kg"}]},
            "/input_quantities",
        ),
        ("quality_test", {"lab": "L", "sample_id": "S", "method": "M", "verdict": "maybe"}, "/verdict"),
        ("correct", {"supersedes": "e1", "reason": "typo"}, "/corrected"),
    ],
)
def test_wrong_payloads_name_the_field(event_type: str, payload: dict[str, object], pointer: str) -> None:
    with pytest.raises(MalformedError) as caught:
        check_payload(event_type, payload)
    assert "/event/payload" + pointer in [p.pointer for p in caught.value.problems]


def _script(name: str) -> Any:
    """A module of scripts/ (not a package), loaded by path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_events_md_is_generated_from_the_schemas() -> None:
    assert (ROOT / "docs" / "EVENTS.md").read_text(encoding="utf-8") == _script("events_doc").render(), (
        "docs/EVENTS.md is stale: run python scripts/events_doc.py"
    )


def test_the_form_generators_copy_of_the_catalogue_is_the_catalogue() -> None:
    vector = ROOT / "tests" / "vectors" / "forms" / "schemas.json"
    assert vector.read_text(encoding="utf-8") == _script("forms_vector").schemas_json(), (
        "tests/vectors/forms/schemas.json is stale: run python scripts/forms_vector.py"
    )


def test_the_devices_crop_age_cases_are_what_seasons_py_counts() -> None:
    vector = ROOT / "tests" / "vectors" / "forms" / "seasons.json"
    assert vector.read_text(encoding="utf-8") == _script("seasons_vector").seasons_json(), (
        "tests/vectors/forms/seasons.json is stale: run python scripts/seasons_vector.py"
    )
