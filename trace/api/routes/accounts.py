"""Accounts: logging in and out, who am I, one's sessions and password, API tokens, and events signed with the
person's server-held key."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...chain.errors import FieldProblem, MalformedError
from ...chain.times import parse_utc
from ...service import Permission, Principal
from ...service.accounts import Session
from ...service.credentials import parse_permissions
from ...service.tokens import MAX_LIFETIME
from .. import models, problems
from ..auth import SESSION_COOKIE, SessionDep, authenticated
from ..dependencies import API, ServicesDep, WritesDep
from ..home_models import HomeOut
from .common import ERRORS, body_schema, in_write_pool, json_object
from .events import appended

router = APIRouter(prefix=API)
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    **dict.fromkeys((401, 403, 429), problems.RESPONSE),
}
HEX16 = r"^[0-9a-f]{16}$"
Writer = Annotated[Principal, Depends(authenticated(Permission.EVENTS_WRITE))]
Anyone = Annotated[Principal, Depends(authenticated(None))]


def _session_json(session: Session) -> dict[str, Any]:
    body: dict[str, Any] = {
        "login": session.login,
        "actor": session.actor,
        "expires_at": session.expires_at,
        "permissions": [p.value for p in session.principal.permissions],
    }
    if session.csrf_token:
        body["csrf_token"] = session.csrf_token
    return body


@router.post(
    "/session",
    status_code=201,
    response_model=models.SessionOut,
    responses=AUTH_ERRORS,
    openapi_extra=body_schema(models.LoginIn),
    summary="Log in: sets the gt_session cookie, returns the CSRF token",
)
async def log_in(request: Request, services: ServicesDep, writes: WritesDep) -> JSONResponse:
    body = await json_object(request, "login", "password")
    session = await in_write_pool(writes, services.accounts.login, body["login"], body["password"])
    return _with_cookie(session, 201)


def _with_cookie(session: Session, status: int) -> JSONResponse:
    """The new ``session`` as JSON (with its CSRF token), its cookie set."""
    response = JSONResponse(_session_json(session), status_code=status, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        expires=parse_utc(session.expires_at),
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/session", response_model=models.SessionOut, responses=AUTH_ERRORS, summary="Who am I")
async def who_am_i(session: SessionDep) -> JSONResponse:
    return JSONResponse(_session_json(session), headers={"Cache-Control": "no-store"})


@router.delete("/session", status_code=204, responses=AUTH_ERRORS, summary="Log out (needs X-CSRF-Token)")
async def log_out(request: Request, session: SessionDep, services: ServicesDep, writes: WritesDep) -> Response:
    await in_write_pool(writes, services.accounts.logout, request.cookies[SESSION_COOKIE])
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.get(
    "/me/sessions",
    response_model=models.SessionsOut,
    responses=AUTH_ERRORS,
    summary="Your account's live sessions, newest first (a session cookie only)",
)
async def my_sessions(request: Request, session: SessionDep, services: ServicesDep) -> JSONResponse:
    found = await run_in_threadpool(services.accounts.sessions, request.cookies[SESSION_COOKIE])
    body = {"sessions": [{"created_at": s.created_at, "expires_at": s.expires_at, "current": s.current} for s in found]}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get(
    "/me/home",
    response_model=HomeOut,
    responses=AUTH_ERRORS,
    summary="Your home: your organisation's lots (plots, stock, incoming, samples) and what is due on them",
)
async def my_home(principal: Anyone, services: ServicesDep) -> JSONResponse:
    home = await run_in_threadpool(services.home.of, principal)
    return JSONResponse(home.to_json(), headers={"Cache-Control": "no-store"})


@router.post(
    "/me/password",
    response_model=models.SessionOut,
    responses=AUTH_ERRORS,
    openapi_extra=body_schema(models.PasswordChangeIn),
    summary="Change your password (a session cookie and X-CSRF-Token): every session of the account ends; "
    "this one is replaced by a new one (a new cookie and CSRF token)",
)
async def change_password(
    request: Request, session: SessionDep, services: ServicesDep, writes: WritesDep
) -> JSONResponse:
    """A wrong ``current_password`` is a failed credential (401 ``wrong-password``, counted by the
    failed-credential limit, then 429); the session goes on. A ``new_password`` outside the policy is 422."""
    body = await json_object(request, "current_password", "new_password")
    change = services.accounts.change_password
    cookie = request.cookies[SESSION_COOKIE]
    renewed = await in_write_pool(writes, change, cookie, body["current_password"], body["new_password"])
    return _with_cookie(renewed, 200)


@router.post(
    "/tokens",
    status_code=201,
    response_model=models.TokenOut,
    responses=AUTH_ERRORS,
    openapi_extra=body_schema(models.TokenIn),
    summary="Issue an API token for the session's actor (needs X-CSRF-Token); the secret is shown once",
)
async def issue_token(request: Request, session: SessionDep, services: ServicesDep, writes: WritesDep) -> JSONResponse:
    body = await json_object(request, "permissions", "days", "label", optional=("days", "label"))
    if not isinstance(body["permissions"], list):
        raise MalformedError(FieldProblem("/permissions", "must be an array of permission names"))
    days = body.get("days", 90)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_LIFETIME.days:
        raise MalformedError(FieldProblem("/days", f"must be a whole number of days, 1 to {MAX_LIFETIME.days}"))
    label = body.get("label", "")
    issue = functools.partial(services.tokens.issue, within=session.principal.permissions, issued_by=session.login)
    token_id, token = await in_write_pool(
        writes, issue, session.actor, body["permissions"], timedelta(days=days), label
    )
    doc = {
        "token_id": token_id,
        "token": token,
        "actor": session.actor,
        "permissions": [p.value for p in parse_permissions(body["permissions"])],
        "days": days,
        "label": label,
    }
    return JSONResponse(doc, status_code=201, headers={"Cache-Control": "no-store"})


@router.delete("/tokens/{token_id}", status_code=204, responses=AUTH_ERRORS, summary="Revoke an API token")
async def revoke_token(
    who: Anyone, services: ServicesDep, writes: WritesDep, token_id: str = Path(pattern=HEX16)
) -> Response:
    """Revoke one of the caller's actor's tokens (any token, with ``admin``)."""
    own = None if who.allows(Permission.ADMIN) else who.actor
    await in_write_pool(writes, lambda: services.tokens.revoke(token_id, actor=own))
    return Response(status_code=204)


@router.post(
    "/me/events",
    status_code=201,
    response_model=models.AppendedOut,
    responses={200: {"description": "already recorded (an idempotent retry)"}, **AUTH_ERRORS},
    openapi_extra=body_schema(models.DevEventIn),
    summary="Submit an event for the server to sign with your actor's server-held key",
)
async def submit_my_event(request: Request, who: Writer, services: ServicesDep, writes: WritesDep) -> JSONResponse:
    body = await json_object(request, "event")
    signer = await run_in_threadpool(services.held_keys.signer, who.actor)
    signed = await run_in_threadpool(services.events.sign_as, signer, body["event"])
    return appended(await in_write_pool(writes, services.events.append, signed, grouped=True))
