"""Abuse limits per client address: on every request, and, tighter, on refused submissions and on failed
logins and credential checks (401 answers: password and token guessing).

A client over its limit gets 429 with ``Retry-After`` at once, before any work. The windows are moving
windows (the ``limits`` library, its asyncio API, so the event loop never blocks on them) kept where
``storage`` says: this process's memory by default (each process counts its own), or a Redis server that
every worker and every server of the deployment shares (``TRACE_LIMITS_STORAGE=redis://host:6379/0``), so
that a limit is one limit however many processes serve. A storage that fails (Redis unreachable) lets the
request through and logs it: abuse limits are not worth refusing shoppers for. The in-memory storage keeps
every address's window and expires them on a timer, which costs CPU in proportion to the addresses seen:
the limit on every request is therefore off unless configured (a festival crowd is tens of thousands of
addresses), while the limit on refused submissions, which only refused clients enter, is on by default.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import PROBLEM_JSON, document

SUBMISSIONS = ("/api/v1/events", "/api/v1/dev/events", "/api/v1/me/events")
LOGIN = "/api/v1/session"
COMPLAINTS = re.compile(r"/api/v1/lots/[^/]+/complaints")
SHARED_SCHEMES = ("redis://", "rediss://")
logger = logging.getLogger(__name__)


def limits_storage(uri: str, namespace: str = "ginseng-trace") -> Storage:
    """The windows' storage for ``uri``: ``memory://`` (this process), or ``redis://`` / ``rediss://`` (one
    Redis server every process shares, through redis-py's asyncio client, its keys under ``namespace``, so
    that several ledgers can share one Redis). Anything else is a ValueError naming the setting."""
    if uri == "memory://":
        return MemoryStorage()
    if not uri.startswith(SHARED_SCHEMES):
        raise ValueError(f"TRACE_LIMITS_STORAGE: {uri!r} is neither memory:// nor a redis:// or rediss:// URL")
    try:
        storage = storage_from_string("async+" + uri, implementation="redispy", key_prefix=namespace)
    except ConfigurationError as exc:
        raise ValueError(f"TRACE_LIMITS_STORAGE: {exc}") from None
    if not isinstance(storage, Storage):  # pragma: no cover - "async+" URLs always give an asyncio storage
        raise ValueError(f"TRACE_LIMITS_STORAGE: {uri!r} gives no asyncio storage")
    return storage


def _presents_credentials(scope: Scope) -> bool:
    """A login, or a request carrying a token or a session cookie: what a guesser of credentials sends."""
    if scope["method"] == "POST" and scope["path"] == LOGIN:
        return True
    headers = dict(scope["headers"])
    return b"authorization" in headers or b"gt_session=" in headers.get(b"cookie", b"")


class RateLimits:
    """``every``: requests per client address (e.g. ``1200/minute``); ``refused``: submissions the ledger
        refused (a 4xx answer to a POST of an event) per client address, after which its submissions get 429;
        ``failed_auth``: failed logins and credential checks (a 401 answer, and a 403 to a GET: a read refused
    for its scope or role) per client address, after which its
        logins and requests carrying credentials get 429; ``complaints``: consumers' complaints posted (every
        one counts, kept or not) per client address."""

    def __init__(
        self,
        app: ASGIApp,
        every: str | None,
        refused: str | None,
        failed_auth: str | None = None,
        complaints: str | None = None,
        storage: str = "memory://",
        namespace: str = "ginseng-trace",
    ) -> None:
        self.app = app
        self.every: RateLimitItem | None = parse(every) if every else None
        self.refused: RateLimitItem | None = parse(refused) if refused else None
        self.failed_auth: RateLimitItem | None = parse(failed_auth) if failed_auth else None
        self.complaints: RateLimitItem | None = parse(complaints) if complaints else None
        self.limiter = MovingWindowRateLimiter(limits_storage(storage, namespace))

    async def _hit(self, item: RateLimitItem, kind: str, client: str) -> bool:
        try:
            return await self.limiter.hit(item, kind, client)
        except Exception:  # the storage failed: let the request through (see the module's docstring)
            logger.warning("rate limit storage failed; %s not counted", kind, exc_info=True)
            return True

    async def _test(self, item: RateLimitItem, kind: str, client: str) -> bool:
        try:
            return await self.limiter.test(item, kind, client)
        except Exception:
            logger.warning("rate limit storage failed; %s not checked", kind, exc_info=True)
            return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        if self.every is not None and not await self._hit(self.every, "every", client):
            await self._too_many(scope, send, self.every, "every", client, "requests")
            return
        if (
            self.complaints is not None
            and scope["method"] == "POST"
            and COMPLAINTS.fullmatch(scope["path"])
            and not await self._hit(self.complaints, "complaints", client)
        ):
            await self._too_many(scope, send, self.complaints, "complaints", client, "complaints")
            return
        watched: list[tuple[RateLimitItem, str, str, int, int]] = []  # item, kind, what, counted statuses
        if self.refused is not None and scope["method"] == "POST" and scope["path"] in SUBMISSIONS:
            watched.append((self.refused, "refused", "refused submissions", 400, 499))
        if self.failed_auth is not None and _presents_credentials(scope):
            # a refused read (403 to a GET with credentials: a scope or role it lacks) counts like a failed check
            refused_read = 403 if scope["method"] == "GET" else 401
            watched.append((self.failed_auth, "auth", "failed logins or credential checks", 401, refused_read))
        if not watched:
            await self.app(scope, receive, send)
            return
        for item, kind, what, _, _ in watched:
            if not await self._test(item, kind, client):
                await self._too_many(scope, send, item, kind, client, what)
                return

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start":  # counted before the client can see the answer, so
                status = int(message["status"])  # its next request is tested against this one's count
                for item, kind, _, low, high in watched:
                    if low <= status <= high:
                        await self._hit(item, kind, client)
            await send(message)

        await self.app(scope, receive, watching)

    async def _too_many(self, scope: Scope, send: Send, item: RateLimitItem, kind: str, client: str, what: str) -> None:
        try:
            reset = (await self.limiter.get_window_stats(item, kind, client)).reset_time
        except Exception:  # the storage failed between the hit and now: the window's length is an upper bound
            reset = time.time() + item.get_expiry()
        wait = max(1, math.ceil(reset - time.time()))
        detail = f"more than {item} {what} from this address; retry in {wait} s"
        body = json.dumps(
            document(429, "Too many requests", detail, slug="rate-limited", instance=scope["path"])
        ).encode()
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(wait).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
