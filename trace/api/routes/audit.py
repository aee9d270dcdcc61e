"""The audit trail of reads by role (regulators only), and what the routes serving such reads share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from ...chain.errors import FieldProblem, MalformedError
from ...chain.times import format_utc, parse_utc
from ...service import Permission, Principal
from .. import models, problems
from ..auth import maybe_reading, reading
from ..dependencies import API, ServicesDep
from .common import ERRORS

router = APIRouter(prefix=API)

READ_ERRORS: dict[int | str, dict[str, Any]] = {**ERRORS, 401: problems.RESPONSE}
"""A read by role's documented errors: also 401 (credentials sent that do not hold)."""
MaybeReader = Annotated[Principal | None, Depends(maybe_reading(Permission.PRIVATE_READ))]
"""Who reads (None: the public); a token must carry private:read."""
Reader = Annotated[Principal, Depends(reading(Permission.PRIVATE_READ))]
NOT_SHARED = {"Cache-Control": "private, no-store", "Vary": "Authorization, Cookie"}
"""For answers that depend on who asks: no shared cache may keep or reuse them."""


def endpoint(request: Request) -> str:
    """The read as the audit trail names it: method, path and query."""
    query = request.url.query
    return f"{request.method} {request.url.path}" + (f"?{query}" if query else "")


def _time(value: str | None, pointer: str) -> str | None:
    if value is None:
        return None
    try:
        return format_utc(parse_utc(value))
    except ValueError as exc:
        raise MalformedError(FieldProblem(pointer, f"an RFC 3339 UTC time: {exc}")) from None


@router.get("/audit", response_model=models.AuditOut, responses=READ_ERRORS)
def audit(
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(reading(Permission.AUDIT_READ))],
    actor: str | None = Query(None, description="only this actor's reads"),
    lot: str | None = Query(None, description="only reads of this lot"),
    since: str | None = Query(None, description="only reads at or after this time (RFC 3339)"),
    until: str | None = Query(None, description="only reads before this time (RFC 3339)"),
    after: int = Query(0, ge=0, description="only rows after this id (the previous page's next_after)"),
    limit: int = Query(100, ge=1, le=1000),
) -> JSONResponse:
    """Every read of private members or of data the public may not see, oldest first: when, who (actor,
    organisation, credential), the endpoint, the lot and the events. For regulators only (a token needs
    audit:read); reading it is audited too."""
    rows = services.reads.audit(
        principal,
        endpoint(request),
        actor=actor,
        lot_id=lot,
        since=_time(since, "/since"),
        until=_time(until, "/until"),
        after=after,
        limit=limit,
    )
    entries = [{**row.__dict__, "event_ids": list(row.event_ids)} for row in rows]
    body = {"entries": entries, "next_after": rows[-1].id if len(rows) == limit else None}
    return JSONResponse(body, headers=NOT_SHARED)
