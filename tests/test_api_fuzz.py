"""Requests generated from the service's own OpenAPI description (schemathesis, on hypothesis): whatever a
client sends to any operation, the answer is never a server error, and the ledger still verifies after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain import SignerKey
from ginseng_trace.demo import load_demo
from ginseng_trace.service import Ledger

LOG = SignerKey("ginseng.test/log", bytes(range(32)))


@pytest.fixture
def api_schema(engine: Engine) -> Iterator[Any]:
    """The demo ledger with a log and the development signer on (so that POST /dev/events is live too)."""
    ledger = Ledger(engine, log_signer=LOG, dev_signer=SignerKey("dev-signer", bytes(range(2, 34))))
    ledger.adopt_log_key()
    load_demo(ledger)
    ledger.publish_checkpoint()
    records = ledger.verify().records
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(ledger))
    ledger.flush_scans()
    assert ledger.verify().records >= records  # whatever was sent: nothing lost, nothing corrupted


def test_no_request_makes_a_server_error(api_schema: Any) -> None:
    """Every operation, 40 generated requests each (schemathesis' own pytest plugin does not run under this
    pytest, so its strategies are driven here)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        # valid and invalid requests alike (negative mode breaks the documented constraints on purpose)
        cases = operation.as_strategy() | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

        @given(case=cases)
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_without_a_server_error(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        answers_without_a_server_error()
