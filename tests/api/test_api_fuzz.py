"""Requests generated from the service's own OpenAPI description (schemathesis, on hypothesis): whatever a
client sends to any operation, the answer is never a server error, and the ledger still verifies after."""

from __future__ import annotations

import string
from collections.abc import Iterator
from types import SimpleNamespace
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
from ginseng_trace.api.problems import PROBLEM_JSON
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


def a_problem_document(ctx: Any, response: Any, case: Any) -> None:
    """A schemathesis check: every 4xx and 5xx answer is an RFC 9457 problem document (``application/
    problem+json``, with a ``type`` and a ``title`` and the answer's own ``status``)."""
    if response.status_code < 400:
        return
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    assert media_type == PROBLEM_JSON, f"{where}: Content-Type {media_type!r}, not {PROBLEM_JSON}"
    body = response.json()
    assert isinstance(body, dict), f"{where}: {body!r}"
    for member in ("type", "title"):
        assert isinstance(body.get(member), str), f"{where}: no {member} in {body}"
        assert body[member], f"{where}: no {member} in {body}"
    assert body.get("status") == response.status_code, f"{where}: status {body.get('status')!r} in {body}"


CHECKS = [not_a_server_error, response_schema_conformance, a_problem_document]


def fuzz_every_operation(api_schema: Any, examples: int) -> int:
    """``examples`` generated requests to each operation, valid and invalid alike (negative mode breaks the
    documented constraints on purpose), each answer held to :data:`CHECKS`; the number of operations.
    (schemathesis' own pytest plugin does not run under this pytest, so its strategies are driven here.)"""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        cases = operation.as_strategy() | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

        @given(case=cases)
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_by_the_description(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        answers_by_the_description()
    return len(operations)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.slow
def test_a_few_requests_to_every_operation_answer_by_the_description(api_schema: Any) -> None:
    """The quick loop's pass (SQLite): 4 requests an operation, no 5xx, every 4xx a problem document, every
    answer matching its documented schema."""
    assert fuzz_every_operation(api_schema, examples=4) >= 25


@pytest.mark.slow
def test_no_request_makes_a_server_error(api_schema: Any) -> None:
    """The slow pass, both engines: 40 requests an operation, under the same checks."""
    assert fuzz_every_operation(api_schema, examples=40) >= 25


def test_the_problem_check_refuses_an_error_that_is_not_a_problem_document() -> None:
    case = SimpleNamespace(method="GET", formatted_path="/api/v1/lots/X/history")

    def answer(status: int, content_type: str, body: object) -> Any:
        return SimpleNamespace(status_code=status, headers={"content-type": [content_type]}, json=lambda: body)

    problem = {"type": "about:blank", "title": "Not Found", "status": 404}
    a_problem_document(None, answer(404, PROBLEM_JSON, problem), case)
    a_problem_document(None, answer(200, "text/plain", "ok"), case)  # only errors are held to it
    for refused, why in (
        (answer(404, "application/json", {"detail": "Not Found"}), "Content-Type"),  # Starlette's own
        (answer(405, "text/plain", "Method Not Allowed"), "Content-Type"),
        (answer(404, PROBLEM_JSON, {**problem, "status": 400}), "status 400"),
        (answer(404, PROBLEM_JSON, {"title": "Not Found", "status": 404}), "no type"),
        (answer(500, PROBLEM_JSON, {"type": "about:blank", "status": 500}), "no title"),
    ):
        with pytest.raises(AssertionError, match=why):
            a_problem_document(None, refused, case)


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


@pytest.mark.slow
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
