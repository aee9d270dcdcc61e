"""RFC 9457 problem details: every domain error is mapped to HTTP here, and only here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..chain.canonical import NotJSONError
from ..chain.errors import Error, FieldProblem, MalformedError, SignatureError
from ..events.rules import RuleViolationError
from ..service import (
    ConflictError,
    IntegrityError,
    KeyNotValidError,
    NotFoundError,
    RefusedError,
    UnknownKeyError,
    UnknownLotError,
)
from .models import ProblemOut

PROBLEM_JSON = "application/problem+json"
RESPONSE = {"model": ProblemOut, "content": {PROBLEM_JSON: {}}}
"""How routes document a problem answer in OpenAPI (``responses={404: RESPONSE, ...}``)."""
TYPE_PREFIX = "urn:ginseng-trace:problem:"


def problem(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = [{"pointer": e.pointer, "detail": e.detail} for e in errors]
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = (
        [str(p) for p in loc[1:]] if loc and loc[0] in {"body", "query", "path", "header"} else [str(p) for p in loc]
    )
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def install(app: FastAPI) -> None:
    """Register one handler per error type."""

    @app.exception_handler(NotJSONError)
    async def not_json(request: Request, exc: NotJSONError) -> JSONResponse:
        return problem(request, 400, "not-json", "Body is not JSON", exc.diagnostics(), exc.problems)

    @app.exception_handler(MalformedError)
    async def malformed(request: Request, exc: MalformedError) -> JSONResponse:
        return problem(request, 422, "invalid-field", "Invalid field", exc.diagnostics(), exc.problems)

    @app.exception_handler(SignatureError)
    async def bad_signature(request: Request, exc: SignatureError) -> JSONResponse:
        errors = [FieldProblem("/signature", exc.diagnostics())]
        return problem(request, 422, "bad-signature", "Signature does not verify", exc.diagnostics(), errors)

    def refused(status: int, slug: str, title: str) -> Any:
        async def handler(request: Request, exc: RefusedError) -> JSONResponse:
            errors = [FieldProblem(exc.pointer, exc.diagnostics())] if exc.pointer else None
            return problem(request, status, slug, title, exc.diagnostics(), errors)

        return handler

    app.add_exception_handler(UnknownKeyError, refused(422, "unknown-key", "Unknown actor key"))
    app.add_exception_handler(UnknownLotError, refused(422, "unknown-lot", "Unknown input lot"))
    app.add_exception_handler(KeyNotValidError, refused(422, "key-not-valid", "Actor key not valid now"))
    app.add_exception_handler(ConflictError, refused(409, "conflict", "Event id already used"))
    app.add_exception_handler(RefusedError, refused(403, "refused", "Refused"))

    @app.exception_handler(RuleViolationError)
    async def rule_violation(request: Request, exc: RuleViolationError) -> JSONResponse:
        """A rule's refusal, in Chinese unless the client prefers English (Accept-Language)."""
        v = exc.violation
        english = request.headers.get("accept-language", "zh").lower().startswith("en")
        detail = v.message if english else v.message_zh
        extra = {"rule": v.rule, "severity": v.severity, "limit": v.limit, "value": v.value}
        return problem(
            request,
            422,
            f"rule:{v.rule}",
            f"Refused by rule {v.rule}",
            detail,
            [FieldProblem(v.pointer, detail)],
            headers={"Content-Language": "en" if english else "zh"},
            extra={**extra, "detail_en": v.message, "detail_zh": v.message_zh},
        )

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return problem(request, 404, "not-found", "Not found", exc.diagnostics())

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        return problem(request, 500, "ledger-integrity", "Stored ledger data is damaged", exc.diagnostics())

    @app.exception_handler(Error)
    async def other(request: Request, exc: Error) -> JSONResponse:  # pragma: no cover - safety net
        return problem(request, 500, "internal", "Internal error", exc.diagnostics())

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldProblem(_pointer(tuple(e.get("loc", ()))), str(e.get("msg", "invalid"))) for e in exc.errors()]
        detail = "; ".join(f"{e.pointer}: {e.detail}" for e in errors)
        return problem(request, 422, "invalid-field", "Invalid field", detail, errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(exc.status_code, "http-error")
        return problem(request, exc.status_code, slug, str(exc.detail), str(exc.detail), headers=exc.headers)
