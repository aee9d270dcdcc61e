"""Semantic rules: each has an accepting and a refusing example; refusals name the rule, field, limit and value."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.events.rules import Inspector, RuleViolationError, rules_config
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, LiveServer, enrol, example_payload, tune_rules

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def timed(engine: Engine) -> Services:
    """A ledger whose clock stands still at NOW, so that every rule about time sees the same moment."""
    return Services(Store(engine), operator=OPERATOR, clock=lambda: NOW)


@pytest.fixture
def grower(timed: Services) -> Actor:
    """The grower, its key registered at NOW on the timed ledger (not at the real time, which by now is
    later than NOW: a key registered later would not be valid for records sealed at NOW)."""
    actor = Actor("test-grower")
    enrol(timed, actor)
    return actor


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_rules_file_names_sources_and_thresholds() -> None:
    chronology = rules_config()["chronology"]
    assert chronology["severity"] == "hard"
    assert chronology["future_tolerance_minutes"] == 10
    assert "DOMAIN.md" in chronology["source"]


def test_chronology_accepts_events_in_order(timed: Services, grower: Actor) -> None:
    timed.events.append(grower.sign("PLOT-1", "register_plot", occurred_at="2020-04-01T00:00:00Z"))
    timed.events.append(grower.sign("PLOT-1", "sow", occurred_at="2020-04-20T00:00:00Z"))
    timed.events.append(
        grower.sign("PLOT-1", "field_operation", occurred_at="2020-04-20T00:00:00Z")
    )  # same time is fine
    timed.events.append(grower.sign("PLOT-1", "field_operation", occurred_at=at(NOW + timedelta(minutes=9))))
    assert timed.records.count() == 3 + 4  # the grower's enrolment, its events


def test_chronology_refuses_an_event_before_the_lots_previous(timed: Services, grower: Actor) -> None:
    timed.events.append(grower.sign("PLOT-1", "register_plot", occurred_at="2020-04-20T00:00:00Z"))
    with pytest.raises(RuleViolationError) as caught:
        timed.events.append(grower.sign("PLOT-1", "sow", occurred_at="2020-04-01T00:00:00Z"))
    v = caught.value.violation
    assert (v.rule, v.severity, v.pointer) == ("chronology", "hard", "/event/occurred_at")
    assert (v.limit, v.value) == (">= 2020-04-20T00:00:00.000000Z", "2020-04-01T00:00:00Z")
    assert "更早" in v.message_zh
    # within one batch too, and nothing of the batch is stored
    batch = [
        grower.sign("PLOT-2", "register_plot", occurred_at="2021-05-01T00:00:00Z"),
        grower.sign("PLOT-2", "sow", occurred_at="2021-04-01T00:00:00Z"),
    ]
    with pytest.raises(RuleViolationError, match="earlier"):
        timed.events.append_batch(batch)
    assert timed.records.count() == 3 + 1  # the grower's enrolment, the first plot


def test_chronology_refuses_the_future_beyond_the_tolerance(
    timed: Services, grower: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = grower.sign("PLOT-1", "register_plot", occurred_at=at(NOW + timedelta(minutes=30)))
    with pytest.raises(RuleViolationError) as caught:
        timed.events.append(later)
    assert caught.value.violation.limit == "<= 2026-11-23T08:10:00.000000Z"
    # a regulator who allows an hour of clock skew edits the number, not the code
    settings = {**rules_config(), "chronology": {**rules_config()["chronology"], "future_tolerance_minutes": 60}}
    tune_rules(monkeypatch, settings)
    assert timed.events.append(later).created


def test_a_rule_refusal_over_http_speaks_chinese_by_default_and_english_on_request(
    timed: Services, grower: Actor
) -> None:
    timed.events.append(grower.sign("PLOT-1", "register_plot", occurred_at="2020-04-20T00:00:00Z"))
    early = grower.sign("PLOT-1", "sow", occurred_at="2020-04-01T00:00:00Z")
    body = early.envelope()
    with LiveServer(create_app(timed)) as server, httpx.Client(base_url=server.url) as client:
        zh = client.post("/api/v1/events", json=body)
        en = client.post("/api/v1/events", json=body, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert zh.status_code == en.status_code == 422
    doc = zh.json()
    assert doc["type"] == "urn:ginseng-trace:problem:rule:chronology"
    assert (doc["rule"], doc["limit"], doc["value"]) == (
        "chronology",
        ">= 2020-04-20T00:00:00.000000Z",
        "2020-04-01T00:00:00Z",
    )
    assert doc["errors"][0]["pointer"] == "/event/occurred_at"
    assert "更早" in doc["detail"]
    assert zh.headers["content-language"] == "zh"
    assert "earlier" in en.json()["detail"]
    assert en.headers["content-language"] == "en"
    assert timed.records.count() == 3 + 1  # the grower's enrolment, its plot


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_chronology_accepts_exactly_the_non_decreasing_sequences(offsets: list[int]) -> None:
    """Pure rule, property-based: a lot's events are accepted until the first one earlier than its predecessor."""
    from ginseng_trace.chain import Event

    from ..lifecycle import members

    base = datetime(2020, 1, 1, tzinfo=UTC)
    inspector = Inspector(membership=members({"a": ["grower"]}))
    last = None
    for i, offset in enumerate(offsets):
        moment = base + timedelta(minutes=offset)
        event = Event.from_json(
            {
                "event_id": f"e{i}",
                "lot_id": "L",
                "type": "field_operation" if i else "register_plot",
                "occurred_at": at(moment),
                "actor": "a",
                "key_id": "00000000",
                "payload": {"operation": "inspect"}
                if i
                else {"land_type": "farmland", "county": "抚松县", "area_mu": 1},
            }
        )
        if last is not None and moment < last:
            with pytest.raises(RuleViolationError, match="earlier"):
                inspector.enforce(event, i, NOW)
            return
        assert inspector.enforce(event, i, NOW) == []
        last = moment


@pytest.mark.slow
def test_the_cli_reports_a_refusal_in_one_line(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ..conftest import demo_shop_sale
    from ..tools.test_cli import run

    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))
    db = f"--database-url={database_url}"
    assert run("demo", db).returncode == 0
    event = demo_shop_sale("too-early", "2025-10-01T00:00:00Z", tmp_path / "shop.key")  # before the lot's last sale
    signed = run("sign", "--key", str(tmp_path / "shop.key"), "-", stdin=json.dumps(event))
    (tmp_path / "env.json").write_text(signed.stdout)
    refused = run("append", db, str(tmp_path / "env.json"))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert "already has an event at 2025-11-20T07:30:00.000000Z" in refused.stderr


def harvested(ledger: Services, grower: Actor, plot: str = "PLOT-1", lot: str = "HV-1") -> None:
    """A plot registered, sown in 2020 and harvested in September 2025 (1450 kg, five years)."""
    ledger.events.append_batch(
        [grower.sign(plot, "register_plot"), grower.sign(plot, "sow"), grower.sign(lot, "harvest", inputs=[plot])]
    )


def packed(ledger: Services, grower: Actor, box: str) -> None:
    """``box``: 200 boxes of 250 g of red ginseng from a plot of the grower's own."""
    harvested(ledger, grower, f"PLOT-{box}", f"HV-{box}")
    ledger.events.append(grower.sign(f"RG-{box}", "process", inputs=[f"HV-{box}"]))
    ledger.events.append(grower.sign(box, "package", inputs=[f"RG-{box}"], payload={"batch": box}))


def test_nothing_moves_while_a_lot_is_held_and_a_held_lot_is_not_consumed(timed: Services, grower: Actor) -> None:
    regulator = Actor("jilin-regulator")
    enrol(timed, regulator, ["regulator"])
    harvested(timed, grower)
    timed.events.append(
        regulator.sign(
            "HV-1", "hold", occurred_at="2025-09-20T00:00:00Z", payload={"reason": "Cd above limit in a related batch"}
        )
    )
    with pytest.raises(RuleViolationError) as caught:
        timed.events.append(grower.sign("HV-1", "ship"))
    assert (caught.value.violation.rule, caught.value.violation.pointer) == ("hold", "/event/type")
    with pytest.raises(RuleViolationError) as consumed:
        timed.events.append(grower.sign("RG-1", "process", inputs=["HV-1"]))
    assert consumed.value.violation.pointer == "/event/inputs/0"
    lab = Actor("test-lab")
    enrol(timed, lab, ["lab"])
    timed.events.append(regulator.sign("HV-1", "sample", payload={"lab": lab.name}))  # the regulator's sampling
    timed.events.append(lab.sign("HV-1", "quality_test"))  # testing a held lot is allowed
    timed.events.append(
        regulator.sign("HV-1", "release", occurred_at="2025-09-30T00:00:00Z", payload={"reason": "retest passed"})
    )
    assert timed.events.append(grower.sign("RG-1", "process", inputs=["HV-1"])).created
    assert timed.events.append(grower.sign("HV-1", "ship")).created


def test_a_recall_is_not_lifted_by_a_release(timed: Services, grower: Actor) -> None:
    regulator = Actor("jilin-regulator")
    enrol(timed, regulator, ["regulator"])
    for box in ("PK-1", "PK-2", "PK-3"):
        packed(timed, grower, box)
    timed.events.append(
        regulator.sign("PK-1", "recall", occurred_at="2025-10-30T00:00:00Z", payload={"reason": "upstream"})
    )
    with pytest.raises(RuleViolationError, match="a recall is final"):  # a release lifts a hold, never a recall
        timed.events.append(
            regulator.sign("PK-1", "release", occurred_at="2025-10-31T00:00:00Z", payload={"reason": "mistake"})
        )
    with pytest.raises(RuleViolationError, match="under recall"):
        timed.events.append(grower.sign("PK-1", "sell"))
    # and within one batch: hold then ship is refused, hold, release, ship is accepted (to a warehouse: a
    # box goes to a shop, or out of the ledger, only once released, see the quality gate)
    warehouse = Actor("tonghua-warehouse")
    enrol(timed, warehouse, ["logistics"], [], gs1_company_prefixes=())
    to_warehouse = {**example_payload("ship"), "from": grower.name, "to": warehouse.name}
    hold = {"occurred_at": "2025-10-30T00:00:00Z", "payload": {"reason": "r"}}
    with pytest.raises(RuleViolationError):
        timed.events.append_batch([regulator.sign("PK-2", "hold", **hold), grower.sign("PK-2", "ship")])
    done = timed.events.append_batch(
        [
            regulator.sign("PK-3", "hold", **hold),
            regulator.sign("PK-3", "release", occurred_at="2025-10-31T00:00:00Z", payload={"reason": "ok"}),
            grower.sign("PK-3", "ship", payload=to_warehouse),
        ]
    )
    assert all(r.created for r in done)
