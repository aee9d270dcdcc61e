"""How ``ginseng-trace serve`` runs uvicorn: bounded connections and an access log without query strings.

What is bounded, per connection (h11, uvicorn's pure-Python HTTP/1.1 parser, chosen over httptools so that
these limits hold whichever extras are installed):

* reading a request's head (request line and headers): ``header_timeout`` seconds from its first byte, or
  from the connection's start, else the connection is closed (uvicorn has no such timeout of its own: the
  subclass below adds it, so a client that sends its headers a byte at a time cannot hold a connection);
* a request's head still incomplete after ``max_header_bytes``: h11 answers 400 (so a client cannot make
  the server buffer a head without end; a head that arrives whole in one read is parsed, a read being at most
  256 KiB);
* an idle keep-alive connection: ``keep_alive`` seconds after its last response;
* shutting down: requests in progress get ``graceful_shutdown`` seconds, then are cancelled.

* requests in progress (``max_in_flight``, TRACE_MAX_IN_FLIGHT) and open connections (``max_connections``,
  TRACE_MAX_CONNECTIONS), counted where uvicorn parses each request's head, before the app runs: every request
  parsed counts, even one whose task has not started yet, and one beyond either bound is answered at once with
  a 503 problem document, ``Retry-After: 1`` and ``Connection: close``, never queued (uvicorn's own
  ``limit_concurrency`` would answer plain text and count both against one bound).

Not bounded here: how slowly a client sends a body it has announced (the body limit bounds its size).

The access log keeps the method, the path, the status and the client, never the query string: a scan's
query carries the shopper's rounded position (``near``) and city, which README says are not kept.
"""

from __future__ import annotations

import asyncio
import logging
from copy import deepcopy
from typing import Any

import h11
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from .middleware import send_busy


class DropQueryStrings(logging.Filter):
    """Remove the query string from uvicorn's access-log records (their third argument is the path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def log_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's own logging configuration with :class:`DropQueryStrings` on the access log and the request
    id on every record; with ``log_format`` ``json``, one JSON object a line (``observability.JsonLines``)."""
    config = deepcopy(LOGGING_CONFIG)
    config["filters"] = {
        "drop_query_strings": {"()": f"{__name__}.DropQueryStrings"},
        "request_id": {"()": "ginseng_trace.api.observability.RequestIdFilter"},
    }
    config["handlers"]["access"]["filters"] = ["drop_query_strings", "request_id"]
    config["handlers"]["default"]["filters"] = ["request_id"]
    if log_format == "json":
        json_lines = {"()": "ginseng_trace.api.observability.JsonLines"}
        config["formatters"] = {"default": json_lines, "access": dict(json_lines)}
    # the app's own loggers (ginseng_trace.*) through the same handler, so that they are JSON lines too
    config["loggers"]["ginseng_trace"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


async def _busy(scope: Any, _receive: Any, send: Any) -> None:
    detail = "the server is serving as many requests (or connections) as it may; retry in a second"
    await send_busy(send, scope, detail, close=True)


class HeaderTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's head, and load shed before the app."""

    header_timeout = 10.0
    max_in_flight: int | None = None
    max_connections: int | None = None

    @property
    def app(self) -> Any:
        """What serves the request whose head was just parsed (uvicorn reads it then): the app, or a quick
        503 when the server already serves ``max_in_flight`` requests or holds more than ``max_connections``
        connections (``tasks`` and ``connections`` are the whole server's, not this connection's)."""
        tasks, connections = getattr(self, "tasks", ()), getattr(self, "connections", ())
        if (self.max_in_flight is not None and len(tasks) >= self.max_in_flight) or (
            self.max_connections is not None and len(connections) > self.max_connections
        ):
            return _busy
        return self._app

    @app.setter
    def app(self, value: Any) -> None:
        self._app = value

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # no complete request head in time: nothing is being served on it

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:  # the first bytes of a new request head (after a keep-alive)
            self._arm()
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the head is in: the request is served without a deadline here

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def uvicorn_options(
    *,
    header_timeout: float,
    keep_alive: int,
    max_header_bytes: int,
    graceful_shutdown: int,
    max_in_flight: int | None = None,
    max_connections: int | None = None,
    log_format: str = "text",
) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` for these bounds (see the module's docstring)."""
    bounds = {"header_timeout": header_timeout, "max_in_flight": max_in_flight, "max_connections": max_connections}
    protocol = type("HeaderTimeoutH11", (HeaderTimeoutH11,), bounds)
    return {
        "http": protocol,
        "timeout_keep_alive": keep_alive,
        "h11_max_incomplete_event_size": max_header_bytes,
        "timeout_graceful_shutdown": graceful_shutdown,
        "log_config": log_config(log_format),
    }
