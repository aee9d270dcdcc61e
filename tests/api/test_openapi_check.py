"""The response-schema check every LiveServer applies (tests/openapi_check.py) does catch a response that is
not what the OpenAPI description says, and passes one that is."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import LiveServer
from ..openapi_check import ResponseSchemas


def test_a_documented_response_is_checked_against_its_schema(demo: Services) -> None:
    schemas = ResponseSchemas(create_app(demo).openapi())
    assert schemas.operation("GET", "/api/v1/lots/PK-2025-0931/history") is not None
    assert schemas.operation("GET", "/01/06975123400010/10/PK-2025-0931") is None  # a page, not an operation
    wrong = schemas.problems("GET", "/api/v1/lots/PK-2025-0931/history", 200, "application/json", b'{"x": 1}')
    assert wrong
    assert "/api/v1/lots/{lot_id}/history" in wrong[0]
    problem = b"""{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no lot X",
        "instance": "/api/v1/lots/X/history"}"""
    assert schemas.problems("GET", "/api/v1/lots/X/history", 404, "application/problem+json", problem) == []
    assert schemas.problems("GET", "/api/v1/lots/X/label.png", 200, "image/png", b"\x89PNG") == []


def test_the_live_server_collects_what_does_not_match() -> None:
    app = FastAPI()
    schema = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}

    @app.get("/n", responses={200: {"content": {"application/json": {"schema": schema}}}})
    def n(good: bool = True) -> JSONResponse:
        return JSONResponse({"n": 1} if good else {"n": "one"})

    server = LiveServer(app)
    with server, httpx.Client(base_url=server.url) as client:
        assert client.get("/n").json() == {"n": 1}
        assert not server.checked.mismatches
        assert client.get("/n", params={"good": "false"}).status_code == 200
        assert server.checked.mismatches == ['GET /n -> 200 (/n): "one" is not of type "integer" at n']
        server.checked.mismatches.clear()  # the server would fail this test when it stops
