"""Events: submitting signed events, and reading a record by its hash."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...chain.records import SignedEvent
from ...service import Appended
from .. import models
from ..dependencies import API, ServicesDep, WritesDep
from .common import DIGEST, ERRORS, IMMUTABLE, body_schema, in_write_pool, json_object

router = APIRouter(prefix=API)
dev_router = APIRouter(prefix=API)
"""Included only when the server holds a development signing key."""


def appended(result: Appended) -> JSONResponse:
    view = result.record
    return JSONResponse(
        {**view.to_json(), "findings": [f.to_json() for f in result.findings]},
        status_code=201 if result.created else 200,
        headers={"Location": f"{API}/events/{view.record_hash}"},
    )


@router.post(
    "/events",
    status_code=201,
    response_model=models.AppendedOut,
    responses={200: {"description": "already recorded (an idempotent retry)"}, **ERRORS},
    openapi_extra=body_schema(models.SignedEventIn),
    summary="Submit a client-signed event",
)
async def submit_event(request: Request, services: ServicesDep, writes: WritesDep) -> JSONResponse:
    body = await json_object(request, "event", "signature", "disclosures", optional=("disclosures",))
    signed = await run_in_threadpool(SignedEvent.from_envelope, body)
    return appended(await in_write_pool(writes, services.events.append, signed, grouped=True))


@dev_router.post(
    "/dev/events",
    status_code=201,
    response_model=models.AppendedOut,
    responses=ERRORS,
    openapi_extra=body_schema(models.DevEventIn),
    summary="Submit an event for the server's development actor to sign (development only)",
)
async def submit_dev_event(request: Request, services: ServicesDep, writes: WritesDep) -> JSONResponse:
    body = await json_object(request, "event")
    signed = await run_in_threadpool(services.events.sign_as_dev, body["event"])
    return appended(await in_write_pool(writes, services.events.append, signed, grouped=True))


@router.get("/events/{digest}", response_model=models.RecordOut, responses=ERRORS, summary="Get a record")
def get_event(
    services: ServicesDep, digest: str = Path(pattern=DIGEST, description="a record hash or event hash")
) -> JSONResponse:
    """The record whose record hash or event hash (64 hex digits) is ``digest``: immutable, cached for
    a year by anyone."""
    return JSONResponse(services.records.record(digest).to_json(), headers=IMMUTABLE)
