"""The names' readings (pypinyin's phrase dictionary, half a second to load) are loaded as a server starts, not
in its first English page's answer; a process that reads no name (a command-line call) never loads them."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from ginseng_trace.api import create_app
from ginseng_trace.service import Services
from ginseng_trace.store import Store, create_ledger_engine, migrate
engine = create_ledger_engine("sqlite+pysqlite:///:memory:")
migrate(engine)
app = create_app(Services(Store(engine)))
before = "pypinyin" in sys.modules
with TestClient(app):
    during = "pypinyin.phrases_dict" in sys.modules
print(before, during)
"""


@pytest.mark.slow
def test_a_server_loads_the_readings_as_it_starts_and_an_import_does_not() -> None:
    ran = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["False", "True"]
