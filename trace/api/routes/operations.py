"""For the operator's probes and scrapers: liveness, readiness and Prometheus metrics (outside ``/api/v1``:
they are about this instance, not the ledger)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from .. import problems
from ..dependencies import ServicesDep

router = APIRouter(tags=["operations"])
NO_STORE = {"Cache-Control": "no-store"}


class AliveOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    checks: list[str]


@router.get("/healthz", response_model=AliveOut, summary="Liveness: the process answers (reads no database)")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "alive"}, headers=NO_STORE)


@router.get(
    "/readyz",
    response_model=ReadyOut,
    summary="Readiness: database reachable, migrations current, log key loaded, checkpoints not behind",
    responses={503: problems.RESPONSE},
)
def readyz(request: Request, services: ServicesDep) -> JSONResponse:
    """200 when this instance should be sent requests; else 503 naming each check that fails (``database``,
    ``migrations``, ``log_key``, ``checkpoint``) in ``not_ready``."""
    failing = services.readiness.not_ready()
    if not failing:
        body = {"status": "ready", "checks": ["database", "migrations", "log_key", "checkpoint"]}
        return JSONResponse(body, headers=NO_STORE)
    extra: dict[str, Any] = {"not_ready": [f.to_json() for f in failing]}
    detail = "; ".join(f"{f.check}: {f.detail}" for f in failing)
    headers = {**NO_STORE, "Retry-After": "5"}
    return problems.problem(request, 503, "not-ready", "Not ready", detail, headers=headers, extra=extra)


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}},
)
def metrics(services: ServicesDep) -> Response:
    """This process's counts, or, under ``serve --workers N``, those of every worker summed."""
    body = services.metrics.exposition()
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)
