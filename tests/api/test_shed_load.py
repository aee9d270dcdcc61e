"""Load shedding: beyond the configured number of requests in flight, a quick 503 with Retry-After."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ginseng_trace.api.middleware import ShedLoad
from ginseng_trace.api.models import ProblemOut


def test_requests_beyond_the_limit_get_503_at_once_and_the_limit_frees_up() -> None:
    release = asyncio.Event()
    started = 0

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal started
        started += 1
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    shed = ShedLoad(slow_app, limit=2)

    async def scenario() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shed), base_url="http://t") as client:
            held = [asyncio.create_task(client.get("/")) for _ in range(2)]
            while started < 2:
                await asyncio.sleep(0.001)
            busy = await client.get("/api/v1/lots/PK-1/history")
            assert busy.headers["retry-after"] == "1"
            assert busy.headers["content-type"] == "application/problem+json"
            assert busy.json()["status"] == 503
            # a problem document as the OpenAPI description documents every 503 (instance included)
            assert ProblemOut.model_validate(busy.json()).instance == "/api/v1/lots/PK-1/history"
            release.set()
            done = [r.status_code for r in await asyncio.gather(*held)]
            after = await client.get("/")
            return [busy.status_code, *done, after.status_code, shed.in_flight]

    assert asyncio.run(scenario()) == [503, 200, 200, 200, 0]
