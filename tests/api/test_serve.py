"""`ginseng-trace serve --demo`, as the README's first command runs it: a real process on a real port."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ..conftest import demo_lineage, demo_size
from ..serve_process import free_port

pytestmark = pytest.mark.slow  # a separate process or a whole bench per test


def test_serve_with_demo_data(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    args = ["serve", "--demo", "--port", str(port), "--data-dir", str(tmp_path), f"--database-url={database_url}"]
    server = subprocess.Popen(
        [sys.executable, "-m", "ginseng_trace.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                verified = httpx.get(f"{base}/lots/PK-2025-0931/verify", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert verified.status_code == 200
        assert verified.json()["intact"] is True
        # the box's lineage: with the demo's two samples, their two releases, the plot's certificate
        assert verified.json()["records"] == demo_lineage("PK-2025-0931").records
        history = httpx.get(f"{base}/lots/PK-2025-0931/history").json()["records"]
        assert [r["event"]["type"] for r in history] == ["package", "ship", "store", "receive", "sell"]
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()["info"]["title"] == "Ginseng Trace"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"loaded the demo data set: {demo_size()} events" in output  # membership, then ginseng
