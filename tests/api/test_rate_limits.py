"""Abuse limits per client address over real HTTP: a script that keeps submitting refused events, or floods
the service, gets 429 with Retry-After before any work, and nothing it sent is stored."""

from __future__ import annotations

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer
from .test_api import assert_problem, envelope


@pytest.mark.slow
def test_refused_submissions_and_floods_are_limited_per_address(ledger: Services, grower: Actor) -> None:
    stranger = Actor("not-registered")
    app = create_app(ledger, rate_limit="40/minute", refused_limit="3/minute")
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        for i in range(3):
            refused = client.post("/api/v1/events", json=envelope(stranger.sign(f"PLOT-{i}", "register_plot")))
            assert_problem(refused, 422)
        blocked = client.post("/api/v1/events", json=envelope(grower.sign("PLOT-9", "register_plot")))
        problem = assert_problem(blocked, 429)
        assert problem["type"] == "urn:ginseng-trace:problem:rate-limited"
        assert 1 <= int(blocked.headers["retry-after"]) <= 60
        assert ledger.records.count() == 3  # the grower's enrolment only: even the valid event waits for the window
        assert client.get("/api/v1/event-types").status_code == 200  # reads are not refused submissions
        answers = [client.get("/api/v1/event-types").status_code for _ in range(40)]
        assert answers.count(429) >= 1
        assert answers[: answers.index(429)] == [200] * answers.index(429)


def test_accepted_submissions_do_not_count_against_the_refused_limit(ledger: Services, grower: Actor) -> None:
    app = create_app(ledger, refused_limit="2/minute")
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        plot = grower.sign("PLOT-1", "register_plot")
        for _ in range(5):  # a retried event is answered 200 and is no refusal
            assert client.post("/api/v1/events", json=envelope(plot)).status_code in (200, 201)
        assert ledger.records.count() == 3 + 1  # the grower's enrolment, its plot once
