"""The demo data set: realistic, deterministic, and intact."""

from __future__ import annotations

from ginseng_trace.demo import ACTORS, GTIN_250G, LOTS, demo_events, load_demo
from ginseng_trace.labels.digital_link import check_digit
from ginseng_trace.service import Services


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
    assert types >= {"process", "package", "ship", "store", "receive", "sell"}
    process = next(e.event for e in first if e.event.type == "process")
    assert len(process.inputs) == 2  # the red-ginseng batch merges two harvests


def test_loading_twice_creates_nothing_new(ledger: Services) -> None:
    first = load_demo(ledger)
    second = load_demo(ledger)
    # each organisation's registration, its actor and the actor's key, then the events
    assert first["events_created"] == 3 * len(ACTORS) + len(demo_events())
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
