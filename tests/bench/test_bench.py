"""The benchmarks still run (at toy sizes; their figures are not checked here, only that each measures
and prints what the README quotes): a bench that rots silently reports nothing the next time it is
needed. Timings are never asserted (these machines are shared and noisy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a separate process or a whole bench per test


BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench(script: str, *args: str) -> str:
    env = {**os.environ, "TRACE_TEST_POSTGRES_URL": "", "TRACE_BENCH_POSTGRES_URL": ""}  # SQLite only: quick
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_append_bench_measures_ingest_and_its_bounds() -> None:
    out = bench("append.py", "--events", "240", "--batch", "40", "--lots", "20", "--singles", "30")
    for line in ("plain INSERT", "library ingest (batches)", "library single appends", "Ed25519 verify, one core"):
        assert line in out
    assert "library/Ed25519" in out


def test_rules_bench_measures_the_rules_share() -> None:
    out = bench("rules.py", "--groups", "2", "--batch", "100")
    assert "rules alone, in memory" in out
    assert "| SQLite (embedded) |" in out


def test_log_bench_measures_the_tree() -> None:
    pytest.importorskip("pymerkle", reason="bench/log.py compares with pymerkle: pip install -e '.[bench]'")
    out = bench("log.py", "--leaves", "3000", "--proofs", "20")
    assert "pymerkle" in out
    assert "monitor replay of 1,000 records" in out


def test_scan_bench_prints_labels_and_prepares_the_40_record_history(tmp_path: Path) -> None:
    out = bench("scan.py", "--labels", "60", "--no-load")
    assert "a run of 60 labels as PDF" in out
    sys.path.insert(0, str(BENCH))
    try:
        import scan

        assert scan.prepare(f"sqlite+pysqlite:///{tmp_path / 'ledger.sqlite3'}", str(tmp_path)) == 40
    finally:
        sys.path.remove(str(BENCH))


def test_verify_bench_measures_whole_ledger_verification_and_its_bound() -> None:
    out = bench("verify.py", "--events", "300", "--lots", "10")
    for line in (
        "whole-ledger verify",
        "Ed25519 verify, one core",
        "verify / one-core bound",
        "verify / all-core bound",
        "peak RSS of the verifying process",
    ):
        assert line in out


def test_backup_bench_measures_export_and_import() -> None:
    out = bench("backup.py", "--events", "300", "--lots", "10")
    assert "records, SQLite" in out
    for line in ("export ", "import (verified, rebuilt) ", "verify of the same ledger ", "bytes/record"):
        assert line in out, out


def quick_report(report: Path, *benches: str) -> subprocess.CompletedProcess[str]:
    """``python -m bench --quick`` of ``benches`` into ``report``, on SQLite only."""
    env = {**os.environ, "TRACE_TEST_POSTGRES_URL": "", "TRACE_BENCH_POSTGRES_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", *benches, "--report", str(report)],
        cwd=BENCH.parent,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


def test_python_m_bench_runs_benches_and_writes_one_report(tmp_path: Path) -> None:
    report = tmp_path / "REPORT.md"
    done = quick_report(report, "rules", "verify")
    assert done.returncode == 0, done.stderr[-2000:]
    text = report.read_text()
    assert "## rules: the rules' share of ingest" in text
    assert "## verify: full-ledger verification" in text
    assert "rules alone, in memory" in text  # what the bench printed, verbatim
    facts = json.loads(report.with_suffix(".json").read_text())
    assert [b["name"] for b in facts["benches"]] == ["rules", "verify"]
    assert all(b["returncode"] == 0 and b["output"] for b in facts["benches"])
    assert facts["quick"] is True


def _row(out: str, starts: str) -> list[str]:
    """The cells of the first table row of ``out`` that starts with ``starts``."""
    rows = [line for line in out.splitlines() if line.startswith(starts)]
    assert rows, out
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


def _number(cell: str, unit: str) -> float:
    assert cell.endswith(unit), cell
    return float(cell.removesuffix(unit).replace(",", ""))


def test_python_m_bench_measures_single_event_http_ingest_bytes_per_event_and_scans_with_two_workers(
    tmp_path: Path,
) -> None:
    """The report's quick mode of the two benches the README's targets read off: each row with its numbers."""
    report = tmp_path / "REPORT.md"
    done = quick_report(report, "http_ingest", "scan_workers")
    assert done.returncode == 0, done.stderr[-2000:] + report.read_text()
    text = report.read_text()
    assert "## http_ingest: single-event HTTP ingest with 32 clients, and storage bytes per event" in text
    assert "## scan_workers: the scan page under load, served by two workers" in text
    outputs = {b["name"]: b["output"] for b in json.loads(report.with_suffix(".json").read_text())["benches"]}

    ingest = outputs["http_ingest"]
    _engine, _served, clients, acknowledged, p50, p99, answered, _others = _row(ingest, "| SQLite | 1 worker |")
    assert clients == "8"
    assert _number(acknowledged, "/s") > 0
    assert _number(p50, " ms") <= _number(p99, " ms")
    assert answered == "55/55", ingest  # every event after the 5 lots' registrations was acknowledged
    storage = _row(ingest, "| SQLite, 1 worker |")
    assert storage[1] == "63", ingest  # the enrolment's 3 records and the 60 events
    assert _number(storage[4], " B") > 0  # bytes per event beyond the empty ledger
    assert "records " in storage[5]  # the tables that grew most, the records' among them
    assert "HTTP/library" in ingest
    assert "Ed25519 verify on one core" in ingest

    scans = outputs["scan_workers"]
    assert "(the scanned box's history: 40 records; 2 workers)" in scans
    _engine, _request, offered, achieved, p50, p99, answered, _others = _row(scans, "| SQLite | JSON resolve |")
    assert offered == "20/s"
    assert _number(achieved, "/s") > 0
    assert _number(p50, " ms") <= _number(p99, " ms")
    assert answered == "20/20", scans
    assert "HTML page" not in scans  # --requests json only
