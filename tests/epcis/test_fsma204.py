"""FSMA 204 sortable spreadsheets over real HTTP on both engines, and from the CLI: the CSV parses and the XLSX
opens with openpyxl, both with the critical tracking events the demo's own events say (the oracle: the demo's
event list, not the ledger), with their key data elements; bad ranges as problems naming the field."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ginseng_trace.cli import main
from ginseng_trace.events.fsma204 import COLUMNS, CTE
from ginseng_trace.service import Services

from ..conftest import demo_lineage

BOX = "PK-2025-0931"


def demo_ctes(keep: Any) -> list[tuple[str, str, str]]:
    """``(lot, CTE, event id)`` of the demo's events of a critical tracking event type that ``keep`` keeps."""
    from ginseng_trace.demo import _events

    found = []
    for _actor, event in _events():
        if event["type"] in CTE and keep(event):
            found.append((event["occurred_at"], event["lot_id"], CTE[event["type"]], event["event_id"]))
    return [(lot, cte, event_id) for _, lot, cte, event_id in sorted(found)]


def _china_date(event: dict[str, Any]) -> date:
    moment = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00")).astimezone(UTC)
    return (moment + timedelta(hours=8)).date()


def parsed_csv(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def parsed_xlsx(data: bytes) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == COLUMNS
    return [dict(zip(COLUMNS, row, strict=True)) for row in values[1:]]


def _keys(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["Traceability Lot Code"], r["Critical Tracking Event"], r["Reference Document Number"]) for r in rows]


def test_a_lots_spreadsheet(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    lots = demo_lineage(BOX).lots
    expected = demo_ctes(lambda e: e["lot_id"] in lots)
    assert {cte for _, cte, _ in expected} >= {
        "Harvesting",
        "Shipping",
        "Receiving",
        "Transformation",
        "Initial Packing",
    }
    answer = client.get(f"/api/v1/lots/{BOX}/fsma204.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = parsed_csv(answer.text)
    assert _keys(rows) == expected
    harvest = next(r for r in rows if r["Critical Tracking Event"] == "Harvesting")
    assert (harvest["Quantity"], harvest["Unit of Measure"]) == ("15000", "kg")
    assert "Panax ginseng" in harvest["Product Description"]
    assert "抚松县" in harvest["Location Description"]
    packing = next(r for r in rows if r["Critical Tracking Event"] == "Initial Packing")
    assert (packing["GTIN"], packing["Quantity"], packing["Unit of Measure"]) == ("06975123400010", "200", "each")
    assert packing["Input Traceability Lot Codes"] == "RG-2025-0931"
    shipping = next(r for r in rows if r["Critical Tracking Event"] == "Shipping" and r["Traceability Lot Code"] == BOX)
    assert shipping["Ship From Location"]
    assert shipping["Ship To Location"]
    assert shipping["Ship From Location"] != shipping["Ship To Location"]
    for row in rows:
        assert len(row["Ledger Record Hash"]) == 64
        assert client.get(f"/api/v1/events/{row['Ledger Record Hash']}").status_code == 200

    workbook = client.get(f"/api/v1/lots/{BOX}/fsma204.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    sheet = parsed_xlsx(workbook.content)
    assert _keys(sheet) == expected
    assert next(r for r in sheet if r["Critical Tracking Event"] == "Harvesting")["Quantity"] == 15000  # a number
    assert [{k: str(v if v is not None else "") for k, v in r.items()} for r in sheet] == rows


def test_a_date_range(demo_site: tuple[Any, Services]) -> None:
    client, _ = demo_site
    first, last = date(2025, 9, 18), date(2025, 10, 31)
    expected = demo_ctes(lambda e: first <= _china_date(e) <= last)
    assert len(expected) > 3
    rows = parsed_csv(client.get("/api/v1/fsma204.csv", params={"first": str(first), "last": str(last)}).text)
    assert sorted(_keys(rows)) == sorted(expected)
    assert all(str(first) <= r["Event Date"] <= str(last) for r in rows)
    sheet = parsed_xlsx(client.get("/api/v1/fsma204.xlsx", params={"first": str(first), "last": str(last)}).content)
    assert sorted(_keys(sheet)) == sorted(expected)


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/v1/fsma204.csv", {"first": "2025-10-01", "last": "2025-09-01"}, 422, "/last"),
        ("/api/v1/fsma204.csv", {"first": "2024-01-01", "last": "2025-09-01"}, 422, "/last"),
        ("/api/v1/fsma204.csv", {"first": "September", "last": "2025-09-01"}, 422, "/first"),
        ("/api/v1/fsma204.csv", {"last": "2025-09-01"}, 422, "/first"),
        ("/api/v1/lots/NO-SUCH-LOT/fsma204.csv", {}, 404, None),
        (f"/api/v1/lots/{BOX}/fsma204.pdf", {}, 422, "/form"),
    ],
)
@pytest.mark.slow
def test_bad_requests_are_problems(
    demo_site: tuple[Any, Services], path: str, params: dict[str, str], status: int, field: str | None
) -> None:
    client, _ = demo_site
    answer = client.get(path, params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in [e["pointer"] for e in answer.json()["errors"]]


@pytest.mark.slow
def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main(["demo", *data]) == 0
    capsys.readouterr()
    assert main(["fsma204", *data, "--lot", BOX]) == 0
    lots = demo_lineage(BOX).lots
    assert _keys(parsed_csv(capsys.readouterr().out)) == demo_ctes(lambda e: e["lot_id"] in lots)
    out = tmp_path / "range.xlsx"
    assert (
        main(["fsma204", *data, "--first", "2025-09-01", "--last", "2025-09-30", "--format", "xlsx", "-o", str(out)])
        == 0
    )
    september = demo_ctes(lambda e: date(2025, 9, 1) <= _china_date(e) <= date(2025, 9, 30))
    assert sorted(_keys(parsed_xlsx(out.read_bytes()))) == sorted(september)
    for wrong in (
        ["--first", "2025-09-01"],
        ["--lot", BOX, "--first", "x", "--last", "y"],
        ["--first", "x", "--last", "2025-09-01"],
    ):
        capsys.readouterr()
        assert main(["fsma204", *data, *wrong]) != 0
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
