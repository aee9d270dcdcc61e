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


def test_python_m_bench_runs_benches_and_writes_one_report(tmp_path: Path) -> None:
    env = {**os.environ, "TRACE_TEST_POSTGRES_URL": "", "TRACE_BENCH_POSTGRES_URL": ""}
    report = tmp_path / "REPORT.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "rules", "verify", "--report", str(report)],
        cwd=BENCH.parent,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = report.read_text()
    assert "## rules: the rules' share of ingest" in text
    assert "## verify: full-ledger verification" in text
    assert "rules alone, in memory" in text  # what the bench printed, verbatim
    facts = json.loads(report.with_suffix(".json").read_text())
    assert [b["name"] for b in facts["benches"]] == ["rules", "verify"]
    assert all(b["returncode"] == 0 and b["output"] for b in facts["benches"])
    assert facts["quick"] is True
