"""The Python client signs on the client's side and submits over real HTTP, retrying safely."""

from __future__ import annotations

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.client import LedgerClient, SubmissionRefusedError
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer

PLOT = {
    "event_id": "client-plot-1",
    "lot_id": "PLOT-C1",
    "type": "register_plot",
    "occurred_at": "2025-04-01T02:00:00Z",
    "payload": {"land_type": "farmland", "county": "抚松县", "area_mu": 8},
}


def test_the_client_signs_submits_and_retries_without_recording_twice(ledger: Services, grower: Actor) -> None:
    with LiveServer(create_app(ledger)) as server:
        answers: list[int] = []
        busy_once = {"left": 1}
        with httpx.Client(base_url=server.url) as real:

            def flaky(request: httpx.Request) -> httpx.Response:  # the first submission meets a busy service
                if busy_once["left"]:
                    busy_once["left"] -= 1
                    answers.append(503)
                    return httpx.Response(503, headers={"Retry-After": "0"}, json={"title": "busy"})
                forwarded = real.send(
                    real.build_request(
                        request.method,
                        request.url.path,
                        content=request.content,
                        headers={"content-type": "application/json"},
                    )
                )
                answers.append(forwarded.status_code)
                return httpx.Response(forwarded.status_code, content=forwarded.content, headers=forwarded.headers)

            with LedgerClient(
                server.url, grower.key, http=httpx.Client(transport=httpx.MockTransport(flaky))
            ) as client:
                stored = client.submit(dict(PLOT))
                assert stored["created"] is True
                assert stored["event"]["actor"] == grower.name
                assert client.submit(dict(PLOT))["created"] is False  # the same event again: recorded once
                with pytest.raises(SubmissionRefusedError) as refused:
                    client.submit(
                        {
                            **PLOT,
                            "event_id": "client-sow",
                            "lot_id": "PLOT-NONE",
                            "type": "sow",
                            "payload": {"variety": "大马牙", "seed_lot": "S-1", "quantity": {"value": 5, "unit": "kg"}},
                        }
                    )
    assert answers[:3] == [503, 201, 200]
    assert refused.value.status == 422
    assert refused.value.problem["type"].startswith("urn:ginseng-trace:problem:")
    assert ledger.records.count() == 3 + 1  # the grower's enrolment, its plot once


def test_the_client_fills_in_its_own_actor_and_key(grower: Actor) -> None:
    client = LedgerClient("http://127.0.0.1:9", grower.key)
    signed = client.sign({**PLOT, "actor": "someone-else"})
    client.close()
    assert (signed.event.actor, signed.event.key_id) == (grower.name, grower.key_id)
    signed.verify(grower.key.verifier())
