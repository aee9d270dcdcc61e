"""`ginseng-trace serve` as a real process with ``TRACE_LOG_FORMAT=json`` and a configuration file, on both
engines: ready once its first checkpoint is signed, one JSON object a log line, the access log's line carrying
the request's X-Request-ID and no query string (issue 15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..serve_process import free_port

pytestmark = pytest.mark.slow  # a separate process per test


def test_serve_logs_json_lines_with_request_ids_and_becomes_ready(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(f"log_format: json\ncheckpoint_seconds: 0.3\ndatabase_url: '{database_url}'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACE_")}
    env |= {"TRACE_CONFIG": str(config), "TRACE_DATA_DIR": str(tmp_path / "data"), "TRACE_DOCS": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "ginseng_trace.cli", "serve", "--port", str(port), "--dev-signing"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=5)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.2)
        assert ready.json()["status"] == "ready"
        answer = httpx.get(
            f"{base}/api/v1/lots/NO-LOT/history", params={"near": "43.88,125.35"}, headers={"X-Request-ID": "probe-42"}
        )
        assert answer.headers["x-request-id"] == "probe-42"
        assert httpx.get(f"{base}/docs").status_code == 404  # TRACE_DOCS over the file (which says nothing)
        metrics = httpx.get(f"{base}/metrics").text
        assert "ginseng_trace_events_appended_total 3.0" in metrics  # the dev signer's enrolment
        assert "ginseng_trace_checkpoint_size 3.0" in metrics
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    lines: list[dict[str, Any]] = []
    for line in (out + err).splitlines():
        lines.append(json.loads(line))  # every line: one JSON object
    assert len(lines) > 3
    assert {"time", "level", "logger", "message", "request_id"} <= set(lines[0])
    probe = [line for line in lines if line["request_id"] == "probe-42"]
    assert len(probe) == 1
    access = probe[0]
    assert access["logger"] == "uvicorn.access"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/api/v1/lots/NO-LOT/history", 404)
    assert "43.88" not in json.dumps(lines)  # the shopper's position is in no log line
    assert "near" not in access["message"]
    started = [line["message"] for line in lines if line["logger"] == "ginseng_trace.cli"]
    assert started
    assert started[0].startswith("ledger: ")
