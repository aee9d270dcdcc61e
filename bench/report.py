"""Every benchmark in one run, and one report of what each printed.

    python -m bench [--quick] [--only NAME ...] [--report bench/REPORT.md]

Runs each of ``bench/*.py`` below as its own process (so one bench's memory and caches never colour another's),
at its full size or, with ``--quick``, at the toy size the test suite runs it at, and writes the report as
Markdown (what each printed, verbatim: every figure in it is a ratio or a rate against a baseline measured in
the same process, as each bench's own docstring says) and as JSON beside it (``REPORT.json``: the same outputs,
the commands, each one's wall time and exit status, and the machine). PostgreSQL figures appear when
``TRACE_TEST_POSTGRES_URL`` or ``TRACE_BENCH_POSTGRES_URL`` is set, as in each bench alone. Figures, not
pass/fail: a bench that fails is reported with its exit status and error, and the run goes on (exit 1 at the
end if any failed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    # name: (full-size arguments, quick arguments, what it measures)
    "append": ((), ("--events", "240", "--batch", "40", "--lots", "20", "--singles", "30"), "ingest"),
    "verify": ((), ("--events", "300", "--lots", "10"), "full-ledger verification"),
    "log": ((), ("--leaves", "3000", "--proofs", "20"), "the transparency log's tree, proofs and bundles"),
    "rules": ((), ("--groups", "2", "--batch", "100"), "the rules' share of ingest"),
    "scan": ((), ("--labels", "60", "--no-load"), "labels and the scan page under load"),
    "scan_workers": (
        ("--labels", "0", "--workers", "2", "--rates", "200,500"),
        ("--labels", "0", "--rates", "20", "--seconds", "1", "--workers", "2", "--requests", "json"),
        "the scan page under load, served by two workers",
    ),
    "http_ingest": (
        ("--events", "2000", "--workers", "1,2"),
        ("--events", "60", "--lots", "5", "--clients", "8", "--workers", "1", "--library", "10"),
        "single-event HTTP ingest with 32 clients, and storage bytes per event",
    ),
    "epcis_query": ((), ("--events", "300", "--lots", "10", "--runs", "3"), "the EPCIS query's plans and pages"),
    "backup": ((), ("--events", "300", "--lots", "10"), "export and import"),
}

SCRIPTS = {"scan_workers": "scan"}
"""The benches that run another's script (with other arguments); the others run ``bench/<name>.py``."""


@dataclass
class Ran:
    name: str
    measures: str
    command: list[str]
    seconds: float
    returncode: int
    output: str
    errors: str


def machine() -> dict[str, object]:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": bool(os.environ.get("TRACE_BENCH_POSTGRES_URL") or os.environ.get("TRACE_TEST_POSTGRES_URL")),
    }


def run(name: str, quick: bool, timeout: float) -> Ran:
    full, toy, measures = BENCHES[name]
    command = [sys.executable, str(HERE / f"{SCRIPTS.get(name, name)}.py"), *(toy if quick else full)]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603 (ours)
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        code, out, err = -1, str(exc.stdout or ""), f"did not finish in {timeout:g} s"
    return Ran(name, measures, command, round(time.perf_counter() - started, 1), code, out, err[-4000:])


def markdown(ran: list[Ran], facts: dict[str, object], quick: bool) -> str:
    lines = [
        "# Benchmark report",
        "",
        f"`python -m bench{' --quick' if quick else ''}` on {facts['when']}: {facts['cpus']} CPUs, Python "
        f"{facts['python']}, SQLite {facts['sqlite']}, PostgreSQL {'on' if facts['postgresql'] else 'off'} "
        f"({facts['platform']}).",
        "",
        "Each section is what one bench printed, verbatim; its own docstring (`bench/<name>.py`) says how each "
        'figure is measured and what it is compared with. README "Performance" reads the targets off these.',
    ]
    if quick:
        lines += ["", "**Quick mode**: toy sizes, to see that every bench runs; the figures mean nothing."]
    for r in ran:
        status = "ok" if r.returncode == 0 else f"FAILED (exit {r.returncode})"
        lines += ["", f"## {r.name}: {r.measures}", "", f"`{' '.join(Path(c).name for c in r.command[1:])}`, "
                  f"{r.seconds:g} s, {status}", "", r.output.rstrip() or "(no output)"]  # fmt: skip
        if r.returncode != 0:
            lines += ["", "```", r.errors.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="toy sizes (as the tests run them)")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), help="these benches only")
    parser.add_argument("--report", default=str(HERE / "REPORT.md"), help="where the Markdown report goes")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one bench may take")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHES)
    ran = []
    for name in names:
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        ran.append(run(name, args.quick, args.timeout))
    facts = machine()
    report = Path(args.report)
    report.write_text(markdown(ran, facts, args.quick), encoding="utf-8")
    report.with_suffix(".json").write_text(
        json.dumps({"machine": facts, "quick": args.quick, "benches": [asdict(r) for r in ran]}, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"bench: report in {report} and {report.with_suffix('.json')}", file=sys.stderr)
    return 0 if all(r.returncode == 0 for r in ran) else 1


if __name__ == "__main__":  # also as python bench/report.py
    raise SystemExit(main())
