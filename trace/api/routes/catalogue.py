"""The catalogue and the rules: event types, their schemas, the rules in force and everything they found."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from ...events.authority import policy
from ...events.catalogue import catalogue, check_event_type, event_types
from ...events.rules import rules_config
from .. import models
from ..dependencies import API, ServicesDep
from .audit import NOT_SHARED, READ_ERRORS, MaybeReader, endpoint
from .common import ERRORS

router = APIRouter(prefix=API)


@router.get("/findings", response_model=models.FindingsOut, responses=READ_ERRORS)
def all_findings(
    request: Request,
    services: ServicesDep,
    principal: MaybeReader,
    rule: str | None = Query(None, description="only this rule's findings"),
) -> JSONResponse:
    """Every stored finding the reader may see, in log order: without credentials the public ones; a
    regulator all; another member organisation also the non-public ones of lots in whose lineage it
    recorded something (README: Reads by role; audited)."""
    found = services.reads.findings(principal, endpoint(request), rule=rule)
    body = {"lot_id": None, "ancestors": False, "findings": [f.to_json(rules_config()) for f in found]}
    return JSONResponse(body, headers=NOT_SHARED)


@router.get("/rules")
def rules() -> dict[str, Any]:
    """The rules in force: each rule's severity, thresholds and source (schemas/rules.yaml)."""
    return dict(rules_config())


@router.get("/authority")
def authority(services: ServicesDep) -> dict[str, Any]:
    """Who may record what (the authority rule's settings, as the browser verifier reads them) and the
    membership trust anchors' verifier keys, with which every bundle's membership records are checked."""
    return {"anchor_keys": [key.text() for key in services.anchors], "policy": policy()}


@router.get("/event-types", response_model=list[models.EventTypeOut])
def list_event_types() -> list[dict[str, str]]:
    return [{"type": name, "description": text} for name, text in event_types().items()]


@router.get("/schemas")
def schemas() -> dict[str, Any]:
    """The event catalogue: every event type's payload schema (JSON Schema 2020-12, titles in English
    and Chinese, units in ``x-unit``, a documented example in ``examples``). Also in docs/EVENTS.md."""
    return {name: dict(s.schema) for name, s in catalogue().items()}


@router.get("/schemas/{event_type}", responses=ERRORS)
def schema(event_type: str = Path(json_schema_extra={"enum": sorted(catalogue())})) -> dict[str, Any]:
    """One event type's payload schema."""
    return dict(check_event_type(event_type, "/event_type").schema)
