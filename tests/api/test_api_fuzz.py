"""Requests generated from the service's own OpenAPI description (schemathesis, on hypothesis): whatever a
client sends to any operation, the answer is never a server error, and the ledger still verifies after."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain import SignerKey
from ginseng_trace.demo import load_demo
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR

LOG = SignerKey("ginseng.test/log", bytes(range(32)))


@pytest.fixture
def api_schema(engine: Engine) -> Iterator[Any]:
    """The demo ledger with a log and the development signer on (so that POST /dev/events is live too)."""
    ledger = Services(
        Store(engine), operator=OPERATOR, log_signer=LOG, dev_signer=SignerKey("dev-signer", bytes(range(2, 34)))
    )
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    ledger.checkpointer.publish()
    records = ledger.checks.verify().records
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(ledger))
    ledger.scans.flush()
    assert ledger.checks.verify().records >= records  # whatever was sent: nothing lost, nothing corrupted


@pytest.mark.slow
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
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        answers_without_a_server_error()


segments = st.text(alphabet=string.printable + "人参长春%/", max_size=30)
queries = st.dictionaries(
    st.sampled_from(["near", "city", "place", "lang", "linkType", "10", "21"]), segments, max_size=4
)


@pytest.mark.slow
def test_no_scanned_code_makes_a_server_error(demo: Services) -> None:
    """The resolver's paths are not in the OpenAPI description (a label's URI is the product's identity):
    random codes, paths and query parameters get a page, never a server error."""
    from ..labels.test_labels import GTIN, Site

    with Site(demo) as site:

        @given(rest=segments, query=queries, as_json=st.booleans())
        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers(rest: str, query: dict[str, str], as_json: bool) -> None:
            headers = {"Accept": "application/json"} if as_json else {}
            for path in (f"/01/{GTIN}/10/PK-2025-0931/21/{rest}", f"/01/{rest}", f"/lot/{rest}"):
                try:
                    response = site.get(path, params=query, headers=headers)
                except httpx.InvalidURL:
                    continue  # not even a URL a phone could send
                assert response.status_code < 500, (path, query, response.text[:200])

        answers()


def test_a_nul_character_in_a_parameter_is_refused_by_name_on_both_engines(demo: Services) -> None:
    """PostgreSQL text cannot hold NUL: schemathesis found /api/v1/scan-signals?lot=%00 answering 500 there.
    Every path and query parameter with one is now refused (422, the parameter named; on the resolver, where
    it makes the scanned code malformed, 400 naming the part, issue 14), and a city with control characters
    given to the library directly is kept without them, so that no scan poisons the batch it is written in."""
    from ..labels.test_labels import GTIN, Site

    with Site(demo) as site:
        for path, pointer in (
            ("/api/v1/scan-signals?lot=%00", "/lot"),
            ("/api/v1/lots/PK%00/history", "/lot_id"),
            ("/api/v1/findings?rule=%00x", "/rule"),
        ):
            refused = site.get(path)
            assert refused.status_code == 422, path
            assert [e["pointer"] for e in refused.json()["errors"]] == [pointer], path
        scanned = site.get(
            f"/01/{GTIN}/10/PK-2025-0931/21/0007?city=%E9%95%BF%00", headers={"Accept": "application/json"}
        )
        assert scanned.status_code == 400
        assert scanned.json()["part"] == "query"
        assert site.get("/api/v1/scan-signals").status_code == 200
    scans = demo.scans.record(GTIN, "PK-2025-0931", "0009", "长\x00春\n")
    assert sorted(scans.cities) == ["长春"]
    assert demo.scans.flush() == 1
