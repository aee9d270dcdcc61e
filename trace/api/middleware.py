"""ASGI middleware and request guards: body size, load shedding, HEAD, NUL characters."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..chain.errors import FieldProblem, MalformedError
from .problems import PROBLEM_JSON, document

F = TypeVar("F", bound=Callable[..., Any])


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413, whether or not they declare a length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        too_large = HTTPException(413, f"request body exceeds {self.limit} bytes")
        received = 0

        async def limited() -> Message:
            nonlocal received
            # (a length of more digits than any limit is too large: int() is never asked to read 4,301 of them)
            if declared is not None and declared.isdigit() and (len(declared) > 18 or int(declared) > self.limit):
                raise too_large
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise too_large
            return message

        await self.app(scope, limited, send)


HEAD = "ginseng_trace.head"
"""Set in the scope of a HEAD request served as its GET (:class:`HeadAsGet`): a route may tell (a scan page
counts no scan for a HEAD)."""


class HeadAsGet:
    """HEAD wherever GET works (RFC 9110 §9.3.2): a HEAD request is served as the GET of the same URL, and
    the answer's status and headers (``Content-Length``, ``ETag``, ``Cache-Control``, …) are sent as that GET
    would send them, without its body. A path without GET answers HEAD as it answers GET (405, 404)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        served = {**scope, "method": "GET", HEAD: True}
        await self.app(served, receive, without_body)
        if "route" in served:  # the route that served it, for the request metrics outside (observability)
            scope["route"] = served["route"]


async def send_busy(send: Send, scope: Scope, detail: str, *, close: bool = False) -> None:
    """Answer 503 "Service busy" with ``Retry-After: 1`` (and ``Connection: close`` if ``close``), its
    ``instance`` the request's path as every other problem document's."""
    instance = str(scope.get("path") or "/")
    body = json.dumps(document(503, "Service busy", detail, slug="service-busy", instance=instance)).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", b"1"),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ShedLoad:
    """Answer 503 at once, with ``Retry-After``, while ``limit`` requests are already being served: under
    a scan burst beyond capacity, people get a quick "try again" instead of a queue that only grows."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await send_busy(send, scope, f"more than {self.limit} requests are being served; retry in a second")
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


_OWN_NUL_CHECK: set[Callable[..., Any]] = set()


def own_nul_check(endpoint: F) -> F:
    """Mark a route whose endpoint refuses NUL characters itself: the Digital Link resolver, where a NUL
    makes the scanned code malformed (400 naming the part of the code, as GS1 Digital Link asks), not a
    bad field (422). Apply above the route decorator."""
    _OWN_NUL_CHECK.add(endpoint)
    return endpoint


async def refuse_nul(request: Request) -> None:
    """No identifier or parameter of this API holds a NUL character, and PostgreSQL text cannot store one:
    refuse it by name before anything reads the database (422, like any other bad field), except on the
    routes that check it themselves (:func:`own_nul_check`)."""
    if request.scope.get("endpoint") in _OWN_NUL_CHECK:
        return
    params = [*request.path_params.items(), *request.query_params.multi_items()]
    problems = [
        FieldProblem(f"/{name}", "must not contain a NUL character")
        for name, value in params
        if (isinstance(value, str) and "\x00" in value) or "\x00" in name
    ]
    if problems:
        raise MalformedError(problems)
