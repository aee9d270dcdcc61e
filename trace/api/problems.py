"""RFC 9457 problem details: one builder for every problem document the service answers with, and the one
place where domain errors are mapped to HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..chain.canonical import NotJSONError
from ..chain.errors import Error, FieldProblem, MalformedError, SignatureError
from ..chain.pointer import pointer
from ..events.rules import RuleViolationError
from ..labels.runs import NoSuchLabelError
from ..service import (
    ConflictError,
    CrossSiteError,
    CsrfError,
    HeldKeysDisabledError,
    HeldKeyUnreadableError,
    IntegrityError,
    KeyNotValidError,
    NotAuthenticatedError,
    NotFoundError,
    NotLoggedYetError,
    RefusedError,
    RelationRequiredError,
    RoleRequiredError,
    UnknownKeyError,
    UnknownLotError,
    WrongPasswordError,
    WrongScopeError,
)
from ..store import StorageFullError, StoreError, TransientStoreError
from .models import ProblemOut

PROBLEM_JSON = "application/problem+json"
RESPONSE = {"model": ProblemOut, "content": {PROBLEM_JSON: {}}}
"""How routes document a problem answer in OpenAPI (``responses={404: RESPONSE, ...}``)."""
TYPE_PREFIX = "urn:ginseng-trace:problem:"
logger = logging.getLogger("ginseng_trace.api")


def document(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    instance: str | None = None,
    errors: Sequence[FieldProblem] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A problem document: ``type`` is ``urn:ginseng-trace:problem:<slug>`` (``about:blank`` without one),
    ``errors`` name each field at fault by JSON Pointer."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if errors:
        body["errors"] = [{"pointer": e.pointer, "detail": e.detail} for e in errors]
    body.update(extra or {})
    return body


def problem(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = document(status, title, detail, slug=slug, instance=request.url.path, errors=errors, extra=extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_pointer(loc: tuple[Any, ...]) -> str:
    return pointer(loc[1:] if loc and loc[0] in {"body", "query", "path", "header"} else loc)


def _refused(status: int, slug: str, title: str) -> Any:
    async def handler(request: Request, exc: RefusedError) -> JSONResponse:
        errors = [FieldProblem(exc.pointer, exc.diagnostics())] if exc.pointer else []
        return problem(request, status, slug, title, exc.diagnostics(), errors)

    return handler


async def _not_json(request: Request, exc: NotJSONError) -> JSONResponse:
    return problem(request, 400, "not-json", "Body is not JSON", exc.diagnostics(), exc.problems)


async def _malformed(request: Request, exc: MalformedError) -> JSONResponse:
    return problem(request, 422, "invalid-field", "Invalid field", exc.diagnostics(), exc.problems)


async def _bad_signature(request: Request, exc: SignatureError) -> JSONResponse:
    errors = [FieldProblem("/signature", exc.diagnostics())]
    return problem(request, 422, "bad-signature", "Signature does not verify", exc.diagnostics(), errors)


async def _rule_violation(request: Request, exc: RuleViolationError) -> JSONResponse:
    """A rule's refusal, in Chinese unless the client prefers English (Accept-Language): 403 when the rule is
    the authority rule (the signer may not record this), with the role held and the role needed."""
    v = exc.violation
    english = request.headers.get("accept-language", "zh").lower().startswith("en")
    detail = v.message if english else v.message_zh
    extra = {"rule": v.rule, "severity": v.severity, "limit": v.limit, "value": v.value}
    if v.standard is not None:
        extra["standard"] = v.standard
    if v.rule == "authority":
        extra |= {"role_needed": v.limit, "role_held": v.value}
    return problem(
        request,
        403 if v.rule == "authority" else 422,
        f"rule:{v.rule}",
        f"Refused by rule {v.rule}",
        detail,
        [FieldProblem(v.pointer, detail)],
        headers={"Content-Language": "en" if english else "zh"},
        extra={**extra, "detail_en": v.message, "detail_zh": v.message_zh},
    )


async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
    return problem(request, 404, "not-found", "Not found", exc.diagnostics())


async def _no_such_label(request: Request, exc: NoSuchLabelError) -> JSONResponse:
    return problem(request, 404, "not-found", "Not found", str(exc))


async def _not_logged_yet(request: Request, exc: NotLoggedYetError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)}
    return problem(request, 503, "not-logged-yet", "Not in a checkpoint yet", exc.diagnostics(), headers=headers)


async def _store_busy(request: Request, exc: TransientStoreError) -> JSONResponse:
    """A lock or statement wait that ran out (another process holds the write lock), or a dropped connection:
    the request waited a bounded time, and is worth sending again."""
    logger.warning("database busy on %s: %s", request.url.path, exc.diagnostics())
    detail = (
        "the database is busy (another writer holds its lock) or dropped the connection; retry in a second "
        "(sending the same signed event again is safe: it is recorded once)"
    )
    return problem(request, 503, "database-busy", "Database busy", detail, headers={"Retry-After": "1"})


async def _storage_full(request: Request, exc: StorageFullError) -> JSONResponse:
    logger.error("database full on %s: %s", request.url.path, exc.diagnostics())
    detail = "the database has no room left to write; nothing was changed; the operator must free space"
    headers = {"Retry-After": "60"}
    return problem(request, 507, "storage-full", "Insufficient storage", detail, headers=headers)


async def _store_failed(request: Request, exc: StoreError) -> JSONResponse:
    """The driver's words stay in the log (they name hosts, tables and constraints), never in the answer."""
    logger.error("database failure on %s: %s", request.url.path, exc.diagnostics(), exc_info=exc)
    detail = "the database could not be reached or refused the request; nothing was changed; retry later"
    return problem(request, 503, "database-unavailable", "Database unavailable", detail, headers={"Retry-After": "5"})


async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
    return problem(request, 500, "ledger-integrity", "Stored ledger data is damaged", exc.diagnostics())


async def _not_authenticated(request: Request, exc: NotAuthenticatedError) -> JSONResponse:
    """One answer for every credential that does not hold: nothing says which part was wrong."""
    headers = {"WWW-Authenticate": 'Bearer realm="ginseng-trace"'}
    return problem(request, 401, "unauthenticated", "Not authenticated", exc.diagnostics(), headers=headers)


async def _wrong_password(request: Request, exc: WrongPasswordError) -> JSONResponse:
    """A logged-in person's current password, wrong: a failed credential naming its field (the session
    already names the account, so this tells nothing about which accounts exist)."""
    headers = {"WWW-Authenticate": 'Bearer realm="ginseng-trace"'}
    errors = [FieldProblem(exc.pointer, exc.diagnostics())]
    return problem(request, 401, "wrong-password", "Wrong password", exc.diagnostics(), errors, headers=headers)


async def _wrong_scope(request: Request, exc: WrongScopeError) -> JSONResponse:
    headers = {"WWW-Authenticate": f'Bearer realm="ginseng-trace", error="insufficient_scope", scope="{exc.needed}"'}
    return problem(request, 403, "insufficient-scope", "Permission missing", exc.diagnostics(), headers=headers)


async def _role_required(request: Request, exc: RoleRequiredError) -> JSONResponse:
    return problem(request, 403, "role-required", "Role missing", exc.diagnostics(), extra={"role_needed": exc.role})


async def _relation_required(request: Request, exc: RelationRequiredError) -> JSONResponse:
    extra = {"relation_needed": exc.relation}
    return problem(request, 403, "relation-required", "Relation to the lot missing", exc.diagnostics(), extra=extra)


async def _csrf(request: Request, exc: CsrfError) -> JSONResponse:
    errors = [FieldProblem("/headers/x-csrf-token", exc.diagnostics())]
    return problem(request, 403, "csrf", "CSRF token missing or wrong", exc.diagnostics(), errors)


async def _cross_site(request: Request, exc: CrossSiteError) -> JSONResponse:
    return problem(request, 403, "cross-site", "Not sent from this service's page", exc.diagnostics())


async def _held_keys_disabled(request: Request, exc: HeldKeysDisabledError) -> JSONResponse:
    return problem(request, 503, "held-keys-disabled", "Server-held keys are disabled", exc.diagnostics())


async def _held_key_unreadable(request: Request, exc: HeldKeyUnreadableError) -> JSONResponse:
    """The cause (a wrong key-encryption key, or a changed row) is for the operator's log."""
    logger.error("held key unreadable on %s: %s", request.url.path, exc.diagnostics())
    detail = "the server could not use its held key for this actor; nothing was signed"
    return problem(request, 500, "held-key-unreadable", "Held key unreadable", detail)


async def _other(request: Request, exc: Error) -> JSONResponse:  # pragma: no cover - safety net
    return problem(request, 500, "internal", "Internal error", exc.diagnostics())


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        FieldProblem(_validation_pointer(tuple(e.get("loc", ()))), str(e.get("msg", "invalid"))) for e in exc.errors()
    ]
    detail = "; ".join(f"{e.pointer}: {e.detail}" for e in errors)
    return problem(request, 422, "invalid-field", "Invalid field", detail, errors)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(exc.status_code, "http-error")
    return problem(request, exc.status_code, slug, str(exc.detail), str(exc.detail), headers=exc.headers)


HANDLERS: dict[type[Exception], Any] = {
    NotJSONError: _not_json,
    MalformedError: _malformed,
    SignatureError: _bad_signature,
    UnknownKeyError: _refused(422, "unknown-key", "Unknown actor key"),
    UnknownLotError: _refused(422, "unknown-lot", "Unknown input lot"),
    KeyNotValidError: _refused(403, "key-not-valid", "Actor key not valid here"),
    ConflictError: _refused(409, "conflict", "Event id already used"),
    RefusedError: _refused(403, "refused", "Refused"),
    RuleViolationError: _rule_violation,
    NotFoundError: _not_found,
    NoSuchLabelError: _no_such_label,
    NotLoggedYetError: _not_logged_yet,
    TransientStoreError: _store_busy,
    StorageFullError: _storage_full,
    StoreError: _store_failed,
    IntegrityError: _integrity,
    NotAuthenticatedError: _not_authenticated,
    WrongPasswordError: _wrong_password,
    WrongScopeError: _wrong_scope,
    RoleRequiredError: _role_required,
    RelationRequiredError: _relation_required,
    CsrfError: _csrf,
    CrossSiteError: _cross_site,
    HeldKeysDisabledError: _held_keys_disabled,
    HeldKeyUnreadableError: _held_key_unreadable,
    Error: _other,
    RequestValidationError: _invalid_request,
    HTTPException: _http_error,
}
"""Each error type's handler; Starlette picks the most specific type an error is an instance of."""


async def problem_document(request: Request, exc: Error) -> tuple[int, dict[str, Any]]:
    """The status and problem document the service answers ``exc`` with (for an error reported inside another
    answer, such as an EPCIS capture job's ``errors``)."""
    handler = next(HANDLERS[kind] for kind in type(exc).__mro__ if kind in HANDLERS)
    response: JSONResponse = await handler(request, exc)
    body: dict[str, Any] = json.loads(bytes(response.body))
    return response.status_code, body


def install(app: FastAPI) -> None:
    """Register one handler per error type."""
    for error, handler in HANDLERS.items():
        app.add_exception_handler(error, handler)
