"""The regulator's tools stand alone: the witness and the monitor import the chain and an HTTP client (and,
for witness-serve, Starlette), never the server's storage, use cases, API or domain rules."""

from __future__ import annotations

import json
import subprocess
import sys

SERVER_PARTS = ("sqlalchemy", "fastapi", "alembic", "psycopg", "jinja2")
SERVER_ROOMS = ("ginseng_trace.store", "ginseng_trace.service", "ginseng_trace.api", "ginseng_trace.events")


def test_the_witness_and_the_monitor_import_nothing_of_the_server() -> None:
    code = "import json, sys, ginseng_trace.witness, ginseng_trace.monitor;print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout)
    assert "ginseng_trace.chain.witness" in loaded  # the check sees what the tools import
    server = [m for m in loaded if m.split(".")[0] in SERVER_PARTS or m.startswith(SERVER_ROOMS)]
    assert server == []
