"""Who is asking: the ``authenticated(permission)`` dependency, and the session a route needs.

A request authenticates with an API token (``Authorization: Bearer gt_<id>_<secret>``) or with the
``gt_session`` cookie set at login; with the cookie, an unsafe method (anything but GET, HEAD, OPTIONS) must
also carry the session's CSRF token in ``X-CSRF-Token`` (the cookie is also ``SameSite=Strict``). Failures
are domain errors, answered by ``problems``: 401 with ``WWW-Authenticate: Bearer`` (no credentials, or
credentials that do not hold), 403 (a good credential without the permission, or a missing CSRF token).
Both read the database, so they run in the thread pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from ..service import (
    BadCredentialsError,
    CsrfError,
    MissingCredentialsError,
    Permission,
    Principal,
    Services,
    WrongScopeError,
)
from ..service.accounts import SESSION_ENDED, Session
from .dependencies import ServicesDep

SESSION_COOKIE = "gt_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_CREDENTIALS = "this needs a session (log in: POST /api/v1/session) or an API token (Authorization: Bearer gt_...)"


def _session(services: Services, request: Request) -> Session:
    """The request's live session, with its CSRF token checked for unsafe methods."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise MissingCredentialsError(NO_CREDENTIALS)
    session = services.accounts.session(cookie)
    if session is None:
        raise BadCredentialsError(SESSION_ENDED)
    if request.method not in SAFE_METHODS and not session.csrf_matches(request.headers.get(CSRF_HEADER)):
        raise CsrfError(f"a request on a session cookie needs the session's CSRF token in {CSRF_HEADER}")
    return session


def _principal(services: Services, request: Request, needed: Permission | None) -> Principal:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer":
            raise MissingCredentialsError("the Authorization header must be Bearer gt_<id>_<secret>")
        return services.tokens.check(credential.strip(), needed).principal
    principal = _session(services, request).principal
    if needed is not None and not principal.allows(needed):
        raise WrongScopeError(needed.value)
    return principal


def authenticated(needed: Permission | None) -> Callable[..., Awaitable[Principal]]:
    """A dependency returning who is asking, if they may do ``needed`` (None: anything, once authenticated)."""

    async def principal(request: Request, services: ServicesDep) -> Principal:
        return await run_in_threadpool(_principal, services, request, needed)

    return principal


def _reader(services: Services, request: Request, needed: Permission, required: bool) -> Principal | None:
    """Who reads: None without credentials (unless ``required``); a token must carry ``needed``; a session
    (a person logged in) reads as its organisation's roles allow, whatever its token permissions."""
    header = request.headers.get("authorization")
    if header is None and not request.cookies.get(SESSION_COOKIE):
        if required:
            raise MissingCredentialsError(NO_CREDENTIALS)
        return None
    if header is not None:
        return _principal(services, request, needed)
    return _session(services, request).principal


def reading(needed: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency for a read by role: who is asking (a session, or a token carrying ``needed``); what it
    then sees is decided by its organisation's roles at read time (``service.reads``)."""

    async def principal(request: Request, services: ServicesDep) -> Principal:
        found = await run_in_threadpool(_reader, services, request, needed, True)
        assert found is not None  # noqa: S101 - required: _reader raised instead
        return found

    return principal


def maybe_reading(needed: Permission) -> Callable[..., Awaitable[Principal | None]]:
    """As :func:`reading`, but None (a public read) for a request without credentials; credentials that are
    sent must hold."""

    async def principal(request: Request, services: ServicesDep) -> Principal | None:
        return await run_in_threadpool(_reader, services, request, needed, False)

    return principal


async def _logged_in(request: Request, services: ServicesDep) -> Session:
    return await run_in_threadpool(_session, services, request)


SessionDep = Annotated[Session, Depends(_logged_in)]
"""The request's live session (CSRF checked for unsafe methods); tokens are not accepted."""
