"""A lot's history as an EPCIS 2.0 EPCISDocument, on both engines: it validates against GS1's JSON Schema,
every eventID is the CBV 2.0 hash recomputed (ours and the reference implementation's), the mapping's CBV
terms, no private member; over the CLI and HTTP too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from epcis_event_hash_generator import hash_generator, json_to_py

from ginseng_trace.cli import main
from ginseng_trace.epcis.capture import validator
from ginseng_trace.epcis.hash import event_hashes
from ginseng_trace.epcis.mapping import LedgerRecord, epcis_document
from ginseng_trace.service import Services

from ..labels.test_labels import demo_secrets

BOX = "PK-2025-0931"
BASE = "https://trace.example.cn"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the reference's importlib.resources use


def schema_errors(document: dict[str, Any]) -> list[str]:
    """GS1's JSON Schema (shipped in the package, trace/epcis/EPCIS-JSON-Schema.json: capture validates by it)."""
    return [f"{list(e.instance_path)}: {e.message}" for e in validator().iter_errors(document)]


def reference_hashes(document: dict[str, Any]) -> list[str]:
    events = json_to_py.event_list_from_epcis_document_json(json.loads(json.dumps(document)))
    return list(hash_generator.epcis_hashes_from_events(events))


def events_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = document["epcisBody"]["eventList"]
    return events


def test_the_schema_check_can_fail() -> None:
    document = epcis_document([_record("hold", {"reason": "suspected mould"})], BASE, "2025-12-01T00:00:00.000Z")
    assert schema_errors(document) == []
    del events_of(document)[0]["eventTimeZoneOffset"]
    assert schema_errors(document) != []


@pytest.mark.parametrize("ancestors", [False, True])
def test_the_demo_box_exports_valid_with_hashes_as_event_ids(demo: Services, ancestors: bool) -> None:
    document = demo.epcis.lot_document(BOX, BASE, ancestors=ancestors)
    assert schema_errors(document) == []
    events = events_of(document)
    ids = [e["eventID"] for e in events]
    assert ids == event_hashes(document) == reference_hashes(document)
    assert len(set(ids)) == len(ids)
    own = demo.records.history(BOX)
    if not ancestors:
        assert [e["gt:ledgerEventHash"] for e in events] == [r.event_hash for r in own]
    else:
        lots = {e["gt:lot"] for e in events}
        assert {BOX, "RG-2025-0931", "HV-2025-FS-0017", "PLOT-FS-0017"} <= lots
        assert len(events) > len(own)
    for event in events:
        view = demo.records.record(event["gt:ledgerRecordHash"])
        assert (view.event_hash, view.log_index) == (event["gt:ledgerEventHash"], event["gt:logIndex"])
        assert event["gt:inclusionProof"] == f"{BASE}/api/v1/log/inclusion/{view.record_hash}"


def test_the_mapping_on_the_demo(demo: Services) -> None:
    events = events_of(demo.epcis.lot_document(BOX, BASE, ancestors=True))
    by_type = {e["gt:eventType"]: e for e in events}
    steps = {t: (e["type"], e.get("action"), e.get("bizStep"), e.get("disposition")) for t, e in by_type.items()}
    assert steps["register_plot"] == ("ObjectEvent", "ADD", "commissioning", "active")
    assert steps["sow"] == ("ObjectEvent", "ADD", "commissioning", "active")
    assert steps["harvest"] == ("ObjectEvent", "ADD", "commissioning", "active")
    assert steps["sample"][2] == "sampling"
    assert steps["quality_test"][:3] == ("ObjectEvent", "OBSERVE", "inspecting")
    assert steps["quality_test"][3] in ("conformant", "non_conformant")
    assert steps["process"] == ("TransformationEvent", None, "commissioning", "active")
    assert steps["package"] == ("TransformationEvent", None, "packing", "active")
    assert steps["ship"] == ("ObjectEvent", "OBSERVE", "shipping", "in_transit")
    assert steps["receive"] == ("ObjectEvent", "OBSERVE", "receiving", "active")
    assert steps["store"] == ("ObjectEvent", "OBSERVE", "storing", "active")
    assert steps["sell"] == ("ObjectEvent", "OBSERVE", "retail_selling", "retail_sold")
    harvest = by_type["harvest"]
    assert harvest["ilmd"]["gt:crop_age_years"] >= 4
    assert harvest["ilmd"]["gt:species"] == "panax_ginseng"
    assert harvest["quantityList"][0]["uom"] == "KGM"
    package = by_type["package"]
    assert package["ilmd"]["cbvmda:lotNumber"] == BOX
    assert package["outputQuantityList"][0] == {
        "epcClass": f"{BASE}/01/06975123400010/10/{BOX}",
        "quantity": 200,
        "uom": "H87",
    }
    assert package["outputEPCList"][0] == f"{BASE}/01/06975123400010/10/{BOX}/21/0001"
    assert [q["epcClass"] for q in package["inputQuantityList"]] == [f"{BASE}/lot/RG-2025-0931"]
    ship = by_type["ship"]
    assert {s["type"] for s in ship["sourceList"]} == {"owning_party", "possessing_party"}
    assert any(d["type"] == "owning_party" for d in ship["destinationList"])
    reports = [r for element in by_type["store"]["sensorElementList"] for r in element["sensorReport"]]
    assert {(r["type"], r["uom"]) for r in reports} == {("Temperature", "CEL"), ("RelativeHumidity", "P1")}
    assert by_type["sell"]["epcList"] == [f"{BASE}/01/06975123400010/10/{BOX}/21/{s}" for s in ("0007", "0008")]


def test_no_private_member_is_exported(demo: Services) -> None:
    for lot in ("PK-2025-0931", "HV-2025-FS-0017", "HV-2025-LJ-0011"):
        text = json.dumps(demo.epcis.lot_document(lot, BASE, ancestors=True), ensure_ascii=False)
        assert "_sd" not in text
        leaked = [s for s in demo_secrets() if len(s) > 4 and s in text]
        assert leaked == []


def _record(
    kind: str, payload: dict[str, Any], *, lot: str = "HV-2025-X", inputs: list[str] | None = None
) -> LedgerRecord:
    event = {
        "type": kind,
        "lot_id": lot,
        "actor": "some-farm",
        "occurred_at": "2025-09-18T00:00:00Z",
        "payload": payload,
        "inputs": inputs or [],
    }
    return LedgerRecord(event, "ab" * 32, "cd" * 32, 7, "2025-09-18T00:00:01.5Z")


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        ("hold", {"reason": "mould"}, ("holding", "non_sellable_other", "OBSERVE")),
        ("recall", {"reason": "pesticide", "authority": "SAMR"}, ("holding", "recalled", "OBSERVE")),
        ("release", {"reason": "retested"}, ("holding", "active", "OBSERVE")),
        ("destroy", {"reason": "recalled stock", "method": "incineration"}, ("destroying", "destroyed", "DELETE")),
        ("quality_test", {"verdict": "fail", "ginsenosides_pct": {"Rb1": 0.1}}, ("inspecting", "non_conformant", "OBSERVE")),  # noqa: E501
        ("correct", {"supersedes": "x", "reason": "typo", "corrected": {}}, (None, None, "OBSERVE")),
    ],
)  # fmt: skip
def test_holds_recalls_and_destruction(kind: str, payload: dict[str, Any], expected: tuple[Any, ...]) -> None:
    document = epcis_document([_record(kind, payload)], BASE, "2025-12-01T00:00:00.000Z")
    assert schema_errors(document) == []
    event = events_of(document)[0]
    assert (event.get("bizStep"), event.get("disposition"), event["action"]) == expected
    assert event["eventID"] == reference_hashes(document)[0]
    if kind == "quality_test":
        assert event["gt:ginsenosides_pct"] == {"Rb1": 0.1}


def test_aggregation_names_units_by_digital_link() -> None:
    package = _record(
        "package", {"gtin": "06975123400010", "batch": "PK-1", "units": 2, "net_weight_g": 250}, lot="PK-1"
    )
    case = _record("aggregate", {"level": "case", "sscc": "069751234000000010", "children": ["PK-1/0001"]}, lot="CS-1")
    document = epcis_document([package, case], BASE, "2025-12-01T00:00:00.000Z")
    assert schema_errors(document) == []
    event = events_of(document)[1]
    assert (event["type"], event["action"], event["bizStep"]) == ("AggregationEvent", "ADD", "packing")
    assert event["parentID"] == f"{BASE}/00/069751234000000010"
    assert event["childEPCs"] == [f"{BASE}/01/06975123400010/10/PK-1/21/0001"]
    assert [e["eventID"] for e in events_of(document)] == reference_hashes(document)


def test_a_changed_record_changes_its_event_id() -> None:
    one = epcis_document(
        [_record("harvest", {"crop_age_years": 5, "fresh_weight": {"value": 10, "unit": "t"}})], BASE, "x"
    )
    two = epcis_document(
        [_record("harvest", {"crop_age_years": 6, "fresh_weight": {"value": 10, "unit": "t"}})], BASE, "x"
    )
    assert events_of(one)[0]["quantityList"][0] == {"epcClass": f"{BASE}/lot/HV-2025-X", "quantity": 10, "uom": "TNE"}
    assert events_of(one)[0]["eventID"] != events_of(two)[0]["eventID"]


@pytest.mark.slow
def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main(["demo", *data]) == 0
    capsys.readouterr()
    assert main(["epcis", "export", *data, "--lot", BOX, "--ancestors"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert schema_errors(document) == []
    assert [e["eventID"] for e in events_of(document)] == event_hashes(document)
    assert main(["epcis", "export", *data, "--lot", "NO-SUCH-LOT"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


@pytest.mark.slow
def test_cli_export_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--private`` (the operator reading the database, as ``history --private``): every private member shown."""
    data = ["--data-dir", str(tmp_path)]
    assert main(["demo", *data]) == 0
    capsys.readouterr()
    assert main(["epcis", "export", *data, "--lot", BOX, "--ancestors"]) == 0
    public = json.loads(capsys.readouterr().out)
    assert main(["epcis", "export", *data, "--lot", BOX, "--ancestors", "--private"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert schema_errors(document) == []
    assert [e["eventID"] for e in events_of(document)] == event_hashes(document) == reference_hashes(document)
    text = json.dumps(document, ensure_ascii=False)
    assert [s for s in demo_secrets() if len(s) > 4 and s in text] != []
    assert "_sd" not in text
    plots = [e for e in events_of(document) if e["gt:eventType"] == "register_plot"]
    assert plots
    assert all("gt:location" in e["ilmd"] for e in plots)
    assert len(events_of(document)) == len(events_of(public))
    changed = [a["eventID"] != b["eventID"] for a, b in zip(events_of(document), events_of(public), strict=True)]
    assert any(changed)


@pytest.mark.slow
def test_http_export(demo_site: tuple[Any, Services]) -> None:
    client, _ledger = demo_site
    answer = client.get(f"/api/v1/lots/{BOX}/epcis", params={"ancestors": "true"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/ld+json")
    assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    document = answer.json()
    assert schema_errors(document) == []
    assert [e["eventID"] for e in events_of(document)] == event_hashes(document)
    assert len(events_of(document)) > len(events_of(client.get(f"/api/v1/lots/{BOX}/epcis").json()))
    for path, params, status in [
        ("/api/v1/lots/NO-SUCH-LOT/epcis", {}, 404),
        (f"/api/v1/lots/{BOX}/epcis", {"ancestors": "perhaps"}, 422),
    ]:
        problem = client.get(path, params=params)
        assert problem.status_code == status
        assert problem.headers["content-type"] == "application/problem+json"
        assert problem.json()["status"] == status
        if status == 422:
            assert "ancestors" in json.dumps(problem.json()["errors"])
