"""Request ids, request metrics and JSON logs.

Every HTTP request gets an id: the client's ``X-Request-ID`` if it is well-formed (1 to 128 of
``A-Z a-z 0-9 . _ : -``, so that a log line cannot be forged through it), else a new random one. The id is
echoed on the answer and held in a context variable while the request is served, so that every log line of
that request (the access log, the app's own, those of its worker threads) carries it (:class:`RequestIdFilter`).

:class:`ObserveRequests` also counts each answer by method, route template (``/api/v1/lots/{lot_id}``, never
the raw path: a bounded set of labels) and status, and times it. With ``log_format: json`` (TRACE_LOG_FORMAT)
``serve`` writes one JSON object a line (:class:`JsonLines`).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..service.metrics import Metrics

REQUEST_ID = "x-request-id"
WELL_FORMED_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "unmatched"
"""The route label of a request no route matched (any path: one label, not one per path tried)."""

request_id: ContextVar[str | None] = ContextVar("ginseng_trace_request_id", default=None)


def route_template(scope: Scope) -> str:
    """The template of the route that served ``scope`` (``/static`` for a static file), or ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class ObserveRequests:
    """Give each request its id (echoed as ``X-Request-ID``), then count and time its answer."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID.encode())
        rid = given.decode() if given is not None and WELL_FORMED_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # unless an answer starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != REQUEST_ID.encode()]
                message = {**message, "headers": [*headers, (REQUEST_ID.encode(), rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route, method = route_template(scope), str(scope["method"])
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Set ``request_id`` on every log record: the id of the request being served, or None."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")
"""The arguments of uvicorn's access-log record, in order (the path already without its query string)."""


class JsonLines(logging.Formatter):
    """One JSON object a line: time (RFC 3339 UTC), level, logger, message, request_id; an access-log line
    also its client, method, path, HTTP version and status as fields; an exception its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            line.update(zip(ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def startup_line(text: str) -> str:
    """``text`` as the JSON line :class:`JsonLines` would write for it (what ``serve`` says before uvicorn's
    logging starts)."""
    record = logging.makeLogRecord({"name": "ginseng_trace.cli", "levelno": logging.INFO, "levelname": "INFO"})
    record.msg = text
    return JsonLines().format(record)
