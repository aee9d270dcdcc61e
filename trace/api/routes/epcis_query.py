"""GS1 EPCIS 2.0 REST binding, query side, under ``/api/v1/epcis``: ``GET /events`` (an ``EPCISQueryDocument``,
keyset-paginated with ``perPage``, ``nextPageToken`` and a ``Link: <…>; rel="next"`` header) and the resource
lists ``/eventTypes``, ``/bizSteps``, ``/dispositions``, ``/readPoints``, ``/bizLocations``. Public: what the
lot export shows anyone (public members only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from ...chain.errors import FieldProblem
from ...epcis.mapping import CONTEXT
from ...epcis.query import NotServedError, QueryParameterError
from ...epcis.urn import DEFAULT_FORMAT, FORMATS
from .. import problems
from ..dependencies import API, ServicesDep, SettingsDep

EPCIS = API + "/epcis"
router = APIRouter(prefix=EPCIS, tags=["EPCIS 2.0"])
VERSIONS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
_OBJECT = {"schema": {"type": "object"}}
QUERY_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {"description": "An EPCISQueryDocument (GS1's JSON Schema)", "content": {"application/json": _OBJECT}},
    400: problems.RESPONSE,
    501: problems.RESPONSE,
}
COLLECTION: dict[int | str, dict[str, Any]] = {
    200: {"description": "A Collection of the values in the repository", "content": {"application/json": _OBJECT}}
}
FORMAT_HEADER = Header(
    None,
    alias="GS1-EPC-Format",
    description="Always_GS1_Digital_Link (the default), Always_EPC_URN, Never_Translates or No_Preference",
)


def epc_format_of(value: str | None) -> str:
    """The ``GS1-EPC-Format`` asked for (``QueryParameterError`` naming the header for another value)."""
    if value is None or value == "No_Preference":
        return DEFAULT_FORMAT
    if value not in FORMATS:
        raise QueryParameterError("GS1-EPC-Format", f"must be one of {', '.join(FORMATS)}")
    return value


def parameter_problem(request: Request, exc: QueryParameterError) -> JSONResponse:
    """RFC 9457, naming the parameter: 400 ``QueryParameterException``, 501 ``ImplementationException``."""
    served = not isinstance(exc, NotServedError)
    status, slug = (400, "epcis:QueryParameterException") if served else (501, "epcis:ImplementationException")
    title = "Bad EPCIS query parameter" if served else "EPCIS query parameter not served"
    pointer = "/headers/" + exc.parameter.lower() if exc.parameter.startswith("GS1-") else "/" + exc.parameter
    return problems.problem(
        request,
        status,
        slug,
        title,
        f"{exc.parameter}: {exc.detail}",
        [FieldProblem(pointer, exc.detail)],
        extra={"parameter": exc.parameter},
    )


def _next_link(request: Request, token: str) -> str:
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
    return f'<{request.url.path}?{urlencode([*items, ("nextPageToken", token)])}>; rel="next"'


@router.get("/events", responses=QUERY_DOCUMENT, response_class=JSONResponse)
def query_events(
    request: Request, services: ServicesDep, settings: SettingsDep, gs1_epc_format: str | None = FORMAT_HEADER
) -> JSONResponse:
    """EPCIS 2.0 ``GET /events``: the indexed events matching ``GE_eventTime``, ``LT_eventTime``,
    ``GE_recordTime``, ``LT_recordTime``, ``eventType``, ``EQ_action``, ``EQ_bizStep``, ``EQ_disposition``,
    ``EQ_readPoint``, ``EQ_bizLocation``, ``MATCH_epc``, ``MATCH_anyEPC``, ``MATCH_epcClass`` (and the parentID,
    input and output variants), values pipe-delimited; ``perPage`` (1 to 500, default 30) events a page, in ledger
    order, the next page at the ``Link`` header's ``rel="next"``. docs/EPCIS.md "Query"."""
    return query_page(request, services, settings, request.query_params.multi_items(), gs1_epc_format)


def query_page(
    request: Request,
    services: ServicesDep,
    settings: SettingsDep,
    items: Sequence[tuple[str, str]],
    gs1_epc_format: str | None,
) -> JSONResponse:
    """One page of the query ``items`` as an ``EPCISQueryDocument`` with the binding's headers, or the problem
    naming the parameter it refuses."""
    try:
        epc_format = epc_format_of(gs1_epc_format)
        page = services.epcis_query.events(items, settings.base, epc_format)
    except QueryParameterError as exc:
        return parameter_problem(request, exc)
    headers = {**VERSIONS, "GS1-EPC-Format": epc_format}
    if page.next_token is not None:
        headers["Link"] = _next_link(request, page.next_token)
    return JSONResponse(page.document, headers=headers)


def _collection(services: ServicesDep, name: str) -> JSONResponse:
    members = services.epcis_query.resource(name)
    return JSONResponse({"@context": CONTEXT, "type": "Collection", "member": members}, headers=VERSIONS)


@router.get("/eventTypes", responses=COLLECTION, response_class=JSONResponse)
def event_types(services: ServicesDep) -> JSONResponse:
    """The EPCIS event types of the indexed events."""
    return _collection(services, "eventTypes")


@router.get("/bizSteps", responses=COLLECTION, response_class=JSONResponse)
def biz_steps(services: ServicesDep) -> JSONResponse:
    """The business steps of the indexed events (CBV terms bare, others as URIs)."""
    return _collection(services, "bizSteps")


@router.get("/dispositions", responses=COLLECTION, response_class=JSONResponse)
def dispositions(services: ServicesDep) -> JSONResponse:
    """The dispositions of the indexed events."""
    return _collection(services, "dispositions")


@router.get("/readPoints", responses=COLLECTION, response_class=JSONResponse)
def read_points(services: ServicesDep) -> JSONResponse:
    """The read points of the indexed events."""
    return _collection(services, "readPoints")


@router.get("/bizLocations", responses=COLLECTION, response_class=JSONResponse)
def biz_locations(services: ServicesDep) -> JSONResponse:
    """The business locations of the indexed events."""
    return _collection(services, "bizLocations")
