"""GS1 EPCIS 2.0 REST binding, the resources' own paths under ``/api/v1/epcis``: ``/epcs`` (the EPCs of the
indexed events), and for each resource (``eventTypes``, ``bizSteps``, ``dispositions``, ``readPoints``,
``bizLocations``, ``epcs``) ``/{resource}/{value}`` (its sub-resources: ``events``; 404 for a value no indexed
event has) and ``/{resource}/{value}/events`` (``GET /events`` with the value as that resource's filter, and any
other query parameters of ``GET /events`` beside it). Values that are URIs (EPCs, read points, locations) are
given percent-encoded or as they are: the last path segments before ``/events`` are the value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ...epcis.mapping import CONTEXT
from ...epcis.query import QueryParameterError
from ...epcis.urn import DEFAULT_FORMAT
from .. import problems
from ..dependencies import ServicesDep, SettingsDep
from .common import ERRORS
from .epcis_query import COLLECTION, EPCIS, FORMAT_HEADER, QUERY_DOCUMENT, VERSIONS, parameter_problem, query_page

router = APIRouter(prefix=EPCIS, tags=["EPCIS 2.0"])

FILTERS = {  # each resource and the query parameter its value stands for
    "eventTypes": "eventType",
    "bizSteps": "EQ_bizStep",
    "dispositions": "EQ_disposition",
    "readPoints": "EQ_readPoint",
    "bizLocations": "EQ_bizLocation",
    "epcs": "MATCH_anyEPC",
}


@router.get("/epcs", responses=COLLECTION, response_class=JSONResponse)
def epcs(services: ServicesDep, settings: SettingsDep) -> JSONResponse:
    """The EPCs of the indexed events (lists, children, parents, inputs and outputs), as Digital Links."""
    members = services.epcis_query.epcs(settings.base)
    return JSONResponse({"@context": CONTEXT, "type": "Collection", "member": members}, headers=VERSIONS)


def _sub_resources(resource: str, parameter: str) -> Callable[..., JSONResponse]:
    def sub_resources(request: Request, services: ServicesDep, settings: SettingsDep, value: str) -> JSONResponse:
        try:
            page = services.epcis_query.events([(parameter, value), ("perPage", "1")], settings.base, DEFAULT_FORMAT)
        except QueryParameterError as exc:
            return parameter_problem(request, exc)
        if not page.document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]:
            detail = f"no indexed event has {resource} {value!r}"
            return problems.problem(request, 404, "not-found", "Not found", detail)
        return JSONResponse({"@context": CONTEXT, "type": "Collection", "member": ["events"]}, headers=VERSIONS)

    sub_resources.__doc__ = f"The sub-resources of one of the {resource} (``events``); 404 if no indexed event has it."
    return sub_resources


def _events(parameter: str) -> Callable[..., JSONResponse]:
    def events(
        request: Request,
        services: ServicesDep,
        settings: SettingsDep,
        value: str,
        gs1_epc_format: str | None = FORMAT_HEADER,
    ) -> JSONResponse:
        items = [(parameter, value), *request.query_params.multi_items()]
        return query_page(request, services, settings, items, gs1_epc_format)

    events.__doc__ = f"``GET /events`` with ``{parameter}`` set to the path's value (and any other parameters)."
    return events


for _resource, _parameter in FILTERS.items():
    _not_found: dict[int | str, dict[str, Any]] = {**COLLECTION, 404: ERRORS[404]}
    router.add_api_route(
        f"/{_resource}/{{value:path}}/events",
        _events(_parameter),
        methods=["GET"],
        responses=QUERY_DOCUMENT,
        response_class=JSONResponse,
        summary=f"Events of one of the {_resource}",
        name=f"epcis_{_resource}_events",
    )
    router.add_api_route(
        f"/{_resource}/{{value:path}}",
        _sub_resources(_resource, _parameter),
        methods=["GET"],
        responses=_not_found,
        response_class=JSONResponse,
        summary=f"Sub-resources of one of the {_resource}",
        name=f"epcis_{_resource}_resource",
    )
