"""GS1 EPCIS 2.0 capture, the REST binding's ``POST /capture``, ``GET /capture/{id}`` and ``POST /events``, under
``/api/v1/epcis`` (docs/EPCIS.md "Capture"), in JSON-LD or EPCIS 2.0 XML (read into JSON-LD by ``epcis.xml``).
Authenticated as the submitting actor (an API token with ``events:write``, or a session and its CSRF token); the
events are signed with that actor's server-held key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...chain.canonical import parse_json
from ...chain.errors import MalformedError
from ...epcis.xml import XmlDocument, read_xml, read_xml_event
from ...service import Permission, Principal
from .. import problems
from ..auth import authenticated
from ..dependencies import API, ServicesDep, SettingsDep, WritesDep
from .common import ERRORS, in_write_pool
from .epcis import EPCIS_HEADERS

PREFIX = f"{API}/epcis"
router = APIRouter(prefix=PREFIX, tags=["EPCIS 2.0"])
Submitter = Annotated[Principal, Depends(authenticated(Permission.EVENTS_WRITE))]
JSON_TYPES = ("application/json", "application/ld+json")
XML_TYPES = ("application/xml", "text/xml")
MEDIA_TYPES = JSON_TYPES + XML_TYPES
_BODY = {
    "requestBody": {
        "required": True,
        "content": {m: {"schema": {"type": "object"}} for m in JSON_TYPES}
        | {m: {"schema": {"type": "string"}} for m in XML_TYPES},
        "description": "EPCIS 2.0 JSON-LD (GS1's JSON Schema) or EPCIS 2.0 XML (read into the JSON-LD form)",
    }
}
_PROBLEMS = dict(ERRORS) | {401: problems.RESPONSE, 415: problems.RESPONSE}


async def _body(request: Request, *, single: bool = False) -> tuple[object, XmlDocument | None]:
    """The request's EPCIS document (or event) in its JSON-LD form, and the XML it was read from, if it was."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in MEDIA_TYPES:
        raise _UnsupportedMedia(kind)
    data = await request.body()
    if kind in XML_TYPES:
        xml = await run_in_threadpool(read_xml_event if single else read_xml, data)
        return xml.document, xml
    return await run_in_threadpool(parse_json, data), None


class _UnsupportedMedia(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


def _unsupported(request: Request, kind: str) -> JSONResponse:
    return problems.problem(
        request,
        415,
        "unsupported-media-type",
        "Unsupported media type",
        f"an EPCIS capture is {' or '.join(MEDIA_TYPES)}, not {kind or 'untyped'}",
    )


def _invalid(request: Request, exc: MalformedError) -> JSONResponse:
    """The binding's 400: the document is not EPCIS 2.0 as GS1's schema has it; nothing is captured."""
    return problems.problem(
        request, 400, "epcis-invalid", "Not a valid EPCIS 2.0 capture", exc.diagnostics(), exc.problems
    )


@router.post(
    "/capture",
    status_code=202,
    responses={202: {"description": "Captured (or refused): the job is at Location"}, **_PROBLEMS},
    openapi_extra=_BODY,
    summary="Capture an EPCIS 2.0 EPCISDocument (REST binding POST /capture)",
)
async def capture(
    request: Request,
    who: Submitter,
    services: ServicesDep,
    settings: SettingsDep,
    writes: WritesDep,
    behaviour: str = Header("rollback", alias="GS1-Capture-Error-Behaviour"),
) -> JSONResponse:
    """Every event is judged before anything is stored: with ``rollback`` (the default) one refused event
    stores none, with ``proceed`` the others are stored. Answers 202 once the job has run; the job
    (``GET /capture/{id}``) names each refused event (its index) and why, as RFC 9457 problems. A document
    that is not schema-valid EPCIS 2.0 is 400 at once, naming every problem."""
    xml = None
    try:
        document, xml = await _body(request)
        outcome = await in_write_pool(
            writes, lambda: services.capture.capture(who.actor, document, behaviour=behaviour, base=settings.base)
        )
    except _UnsupportedMedia as exc:
        return _unsupported(request, exc.kind)
    except MalformedError as exc:
        return _invalid(request, xml.located(exc) if xml else exc)
    job = dict(outcome.job)
    described: list[dict[str, Any]] = []
    for index, error in outcome.errors.items():
        status, body = await problems.problem_document(request, error)
        described.append({**body, "status": status, "eventIndex": index})
    job["errors"] = described
    await in_write_pool(writes, services.capture.save, who.actor, job)
    location = f"{PREFIX}/capture/{job['captureID']}"
    headers = {**EPCIS_HEADERS, "Location": location, "GS1-Capture-Error-Behaviour": behaviour}
    return JSONResponse(job, status_code=202, headers=headers)


@router.get(
    "/capture/{capture_id}",
    responses={200: {"description": "The capture job (REST binding CaptureJob)"}, **_PROBLEMS},
    summary="A capture job: running, success, captureErrorBehaviour, errors",
)
async def capture_job(
    who: Annotated[Principal, Depends(authenticated(None))],
    services: ServicesDep,
    capture_id: str = Path(pattern=r"^[0-9a-f]{32}$"),
) -> JSONResponse:
    """The job of one capture, for the actor that submitted it (404 for anyone else)."""
    job = await run_in_threadpool(services.capture.job, capture_id, who.actor, admin=who.allows(Permission.ADMIN))
    return JSONResponse(job, headers={**EPCIS_HEADERS, "Cache-Control": "no-store"})


@router.post(
    "/events",
    status_code=201,
    responses={201: {"description": "Captured: the ledger record is at Location"}, **_PROBLEMS},
    openapi_extra=_BODY,
    summary="Capture one EPCIS 2.0 event (REST binding POST /events)",
)
async def capture_event(
    request: Request, who: Submitter, services: ServicesDep, settings: SettingsDep, writes: WritesDep
) -> JSONResponse:
    """One event, stored at once (201, ``Location`` its ledger record) or refused with the problem (400 for
    an event that is not schema-valid EPCIS 2.0, 403 or 422 for the rules, 409 for an event ID used)."""
    xml = None
    try:
        event, xml = await _body(request, single=True)
        appended, event_id = await in_write_pool(
            writes, lambda: services.capture.capture_event(who.actor, event, base=settings.base)
        )
    except _UnsupportedMedia as exc:
        return _unsupported(request, exc.kind)
    except MalformedError as exc:
        return _invalid(request, xml.located(exc) if xml else exc)
    view = appended.record
    body = {"eventID": event_id, **view.to_json()}
    headers = {**EPCIS_HEADERS, "Location": f"{API}/events/{view.record_hash}"}
    return JSONResponse(body, status_code=201 if appended.created else 200, headers=headers)
