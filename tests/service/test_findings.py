"""The rules on a real ledger (SQLite and PostgreSQL): a realistic lifecycle through the HTTP API by a grower,
a processor, a lab, a carrier and a shop; findings stored, served and recomputed; lot states rebuilt."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ginseng_trace.api import create_app
from ginseng_trace.chain import Event, sign_event
from ginseng_trace.chain.times import format_utc
from ginseng_trace.events import private_fields
from ginseng_trace.events.rules import rules_config
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer, demo_size, enrol, tune_rules
from ..lifecycle import PREFIXES_OF, ROLES_OF, Step, gs1_of, name_of, standard

SUSPICIOUS = "HV-2025-LJ-0011"


def envelope(actor: Actor, step: Step, event_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "lot_id": step.lot,
        "type": step.type,
        "occurred_at": format_utc(step.when),
        "actor": actor.name,
        "key_id": actor.key_id,
        "payload": step.payload,
    }
    if step.inputs:
        body["inputs"] = list(step.inputs)
    return sign_event(Event.from_json(body), actor.key, private=private_fields(step.type)).envelope()


@pytest.fixture
def client(ledger: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url + "/api/v1") as client:
        yield client


@pytest.mark.slow
def test_a_whole_lifecycle_through_the_api(ledger: Services, client: httpx.Client) -> None:
    """Grower, carrier, processor, lab and shop record the standard lifecycle over HTTP; a regulator
    then inspects the box: its ancestry back to the plot, its verification, and its (absent) findings.
    A warm warehouse afterwards is stored with a finding that the response and the lot's findings show."""
    story = standard()
    actors = {name: Actor(name) for name in {s.actor for s in story.steps} | {"jilin-regulator"}}
    for name, actor in actors.items():
        enrol(
            ledger,
            actor,
            ROLES_OF[name],
            PREFIXES_OF.get(name, []),
            gs1_company_prefixes=gs1_of(name),
            name=name_of(name),
        )  # each party with its own role: the lab tests, the carrier stores, the certifier certifies
    ids: dict[str, str] = {}
    for i, step in enumerate(story.steps):
        response = client.post("/events", json=envelope(actors[step.actor], step.naming(ids, f"life-{i}"), f"life-{i}"))
        assert response.status_code == 201, response.text
        assert response.json()["findings"] == []
    assert [a["lot_id"] for a in client.get("/lots/PK-1/ancestors").json()["ancestors"]] == ["RG-1", "HV-1", "PLOT-1"]
    assert client.get("/lots/PK-1/verify").json()["intact"] is True
    assert client.get("/lots/PK-1/findings").json()["findings"] == []

    warm = Step(
        "shop-f",
        "PK-1",
        "store",
        story.steps[-1].when,
        {"warehouse": "shop back room", "readings": [{"at": "2025-11-21T06:00:00Z", "temperature_c": 27}]},
    )
    stored = client.post("/events", json=envelope(actors["shop-f"], warm, "life-warm"))
    assert stored.status_code == 201, stored.text
    [finding] = stored.json()["findings"]
    assert (finding["rule"], finding["severity"], finding["pointer"]) == (
        "storage_conditions",
        "soft",
        "/event/payload/readings/0/temperature_c",
    )
    found = client.get("/lots/PK-1/findings").json()["findings"]
    assert [(f["lot_id"], f["rule"], f["value"], f["public"]) for f in found] == [
        ("PK-1", "storage_conditions", "27 °C", True)
    ]
    assert found[0]["log_index"] == stored.json()["log_index"]

    # a hard rule over HTTP: the shop cannot sell what it does not hold, in Chinese or in English
    oversell = Step("shop-f", "PK-1", "sell", warm.when, {"buyer_type": "consumer", "units": 39})
    zh = client.post("/events", json=envelope(actors["shop-f"], oversell, "life-over"))
    en = client.post(
        "/events", json=envelope(actors["shop-f"], oversell, "life-over"), headers={"Accept-Language": "en"}
    )
    assert zh.status_code == en.status_code == 422
    assert (zh.json()["rule"], zh.json()["errors"][0]["pointer"]) == ("stock", "/event/payload/units")
    assert (zh.json()["limit"], zh.json()["value"]) == ("<= 38 count", "39 count")
    assert "持有" in zh.json()["detail"]
    assert "on hand" in en.json()["detail"]
    assert ledger.records.count() == 3 * len(actors) + len(story.steps) + 1  # the enrolments, the story, the warm store


def test_the_demo_flags_its_suspicious_forest_lot(demo: Services) -> None:
    [finding] = demo.records.findings()
    assert (finding.lot_id, finding.rule, finding.severity) == (SUSPICIOUS, "yield_plausibility", "soft")
    assert finding.value == "4.00 kg/mu/year"
    assert "园参充林下参" in finding.message_zh
    assert demo.records.findings("PK-2025-0931", ancestors=True) == []
    assert demo.records.findings(SUSPICIOUS, ancestors=True) == [finding]
    report = demo.checks.check()
    assert report.ok
    assert [(f.lot_id, f.rule) for f in report.findings] == [(SUSPICIOUS, "yield_plausibility")]


@pytest.mark.slow
def test_findings_over_http(demo: Services) -> None:
    with LiveServer(create_app(demo)) as server, httpx.Client(base_url=server.url + "/api/v1") as client:
        assert [f["rule"] for f in client.get(f"/lots/{SUSPICIOUS}/findings").json()["findings"]] == [
            "yield_plausibility"
        ]
        assert client.get("/findings?rule=yield_plausibility").json()["findings"][0]["lot_id"] == SUSPICIOUS
        assert client.get("/findings?rule=crop_age").json()["findings"] == []
        assert client.get("/lots/NOPE/findings").status_code == 404
        assert client.get("/rules").json()["yield_plausibility"]["forest_max_kg_per_mu_per_year"] == 2.0


def test_findings_are_append_only(engine: Engine, demo: Services) -> None:
    for statement in ("DELETE FROM findings", "UPDATE findings SET rule = 'x'"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert len(demo.records.findings()) == 1


def test_check_follows_the_rules_file_and_never_drops_a_finding(
    demo: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dict(rules_config())

    def tune(rule: str, **changes: Any) -> None:
        config[rule] = {**config[rule], **changes}
        tune_rules(monkeypatch, config)

    # a regulator tightens the garden yield limit: every stored garden harvest now deserves a finding
    gardens = ["HV-2025-FS-0017", "HV-2025-JA-0102", "HV-2025-JA-0108", "HV-2025-XY-0005"]
    tune("yield_plausibility", garden_max_kg_per_mu=100)
    report = demo.checks.check()
    assert not report.ok
    assert sorted(str(f.lot_id) for f in report.unstored) == gardens
    assert demo.checks.check(record=True).unstored  # stored now ...
    assert demo.checks.check().ok  # ... and so reproduced
    assert len(demo.records.findings()) == 1 + len(gardens)
    # loosening the limits again keeps what was found, and says so
    tune("yield_plausibility", garden_max_kg_per_mu=2500, forest_max_kg_per_mu_per_year=10)
    report = demo.checks.check()
    assert len(report.unreproduced) == 1 + len(gardens)
    assert len(demo.records.findings()) == 1 + len(gardens)


def test_lot_states_are_derived_and_rebuilt_from_the_records(engine: Engine, demo: Services) -> None:
    with engine.connect() as conn:
        before: dict[str, str] = dict(conn.execute(text("SELECT lot_id, state FROM lot_states")).all())
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM lot_states"))
    assert demo.checks.ensure_lot_states()
    assert not demo.checks.ensure_lot_states()  # only when missing
    with engine.connect() as conn:
        after: dict[str, str] = dict(conn.execute(text("SELECT lot_id, state FROM lot_states")).all())
    assert {lot: json.loads(s) for lot, s in after.items()} == {lot: json.loads(s) for lot, s in before.items()}
    assert len(demo.records.findings()) == 1  # nothing stored twice


@pytest.mark.slow
def test_check_on_the_command_line(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ..tools.test_cli import run

    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))
    db = f"--database-url={database_url}"
    assert run("demo", db).returncode == 0
    whole = run("check", db)
    assert whole.returncode == 0, whole.stderr
    # the demo's membership records and events
    assert whole.stdout.startswith(f"checked {demo_size()} events; whole ledger: 1 finding(s)")
    assert f"{SUSPICIOUS} soft yield_plausibility" in whole.stdout
    clean = run("check", db, "--lot", "PK-2025-0931")
    assert (clean.returncode, clean.stdout.splitlines()[0]) == (
        0,
        f"checked {demo_size()} events; lot PK-2025-0931 and its ancestors: 0 finding(s)",
    )
    as_json = json.loads(run("check", db, "--lot", SUSPICIOUS, "--json").stdout)
    assert (as_json["ok"], as_json["lots"]) == (True, [SUSPICIOUS, "PLOT-LJ-0011"])
    missing = run("check", db, "--lot", "NOPE")
    assert missing.returncode == 2
    assert missing.stderr.startswith("ginseng-trace: error: ")
    assert missing.stderr.count("\n") == 1


def test_quality_findings_name_their_standard_over_http(ledger: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """A box labelled green trade, tested by the lab: Pb 9 fails the Pharmacopoeia, Cd 0.5 only the green-trade
    standard it claims; both findings name their standard in the POST response and at /lots/{lot}/findings.
    A regulator who makes the rule hard gets a refusal naming the standard and the field."""
    from ..events.test_standards import packed_box

    story = packed_box(["green_trade"])
    test = story.steps[story.where["test"][0]]
    test.payload["heavy_metals_mg_kg"].update(Pb=9, Cd=0.5)
    actors = {name: Actor(name) for name in {s.actor for s in story.steps}}
    for name, actor in actors.items():
        enrol(
            ledger,
            actor,
            ROLES_OF[name],
            PREFIXES_OF.get(name, []),
            gs1_company_prefixes=gs1_of(name),
            name=name_of(name),
        )
    wanted = [
        ("chp2020_metals", "ChP 2020 人参: Pb ≤ 5 mg/kg", "/event/payload/heavy_metals_mg_kg/Pb"),
        ("wm_t2_green_trade", "WM/T 2-2004 绿色: Cd ≤ 0.3 mg/kg", "/event/payload/heavy_metals_mg_kg/Cd"),
    ]
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url + "/api/v1") as client:
        ids: dict[str, str] = {}
        for i, step in enumerate(story.steps[: story.where["test"][0] + 1]):
            response = client.post(
                "/events", json=envelope(actors[step.actor], step.naming(ids, f"std-{i}"), f"std-{i}")
            )
            assert response.status_code == 201, response.text
        inline = response.json()["findings"]
        assert [(f["standard"], f["limit"], f["pointer"]) for f in inline] == wanted
        found = client.get("/lots/PK-1/findings").json()["findings"]
        assert [(f["standard"], f["limit"], f["pointer"]) for f in found] == wanted
        assert all(f["public"] and f["rule"] == "quality_limits" for f in found)
        assert "ChP 2020" in found[0]["message"]
        # findings of other rules carry no standard
        assert all(
            "standard" not in f for f in client.get("/findings").json()["findings"] if f["rule"] != "quality_limits"
        )

        config = dict(rules_config())
        config["quality_limits"] = {**config["quality_limits"], "severity": "hard"}
        tune_rules(monkeypatch, config)
        again = Step(test.actor, "PK-1", "quality_test", test.when, dict(test.payload))
        refused = client.post("/events", json=envelope(actors[test.actor], again, "std-hard"))
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert (body["rule"], body["standard"], body["errors"][0]["pointer"]) == (
            "quality_limits",
            "chp2020_metals",
            "/event/payload/heavy_metals_mg_kg/Pb",
        )
        assert "Pb ≤ 5 mg/kg" in body["limit"]
        assert "药典" in body["detail"]
