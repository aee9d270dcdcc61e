"""GS1 EPCIS 2.0: a lot's history as an ``EPCISDocument`` (JSON-LD)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ...epcis.query import QueryParameterError
from ..dependencies import API, ServicesDep, SettingsDep
from .common import ERRORS
from .epcis_query import FORMAT_HEADER, epc_format_of, parameter_problem

router = APIRouter(prefix=API)

EPCIS_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0", "GS1-EPC-Format": "Always_GS1_Digital_Link"}
_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An EPCIS 2.0 EPCISDocument (GS1's JSON Schema); each eventID is the event's CBV 2.0 hash",
        "content": {"application/ld+json": {"schema": {"type": "object"}}},
    }
}


@router.get(
    "/lots/{lot_id}/epcis",
    responses={**_DOCUMENT, **{k: v for k, v in ERRORS.items() if k in (400, 404, 422)}},
    response_class=JSONResponse,
)
def lot_epcis(
    request: Request,
    lot_id: str,
    services: ServicesDep,
    settings: SettingsDep,
    ancestors: bool = Query(False, description="with every lot the lot was made from"),
    gs1_epc_format: str | None = FORMAT_HEADER,
) -> JSONResponse:
    """The lot's history (with ``ancestors``, every lot it was made from too) as a GS1 EPCIS 2.0 JSON-LD
    ``EPCISDocument``: docs/EPCIS.md gives the mapping. Public members only."""
    try:
        epc_format = epc_format_of(gs1_epc_format)
    except QueryParameterError as exc:
        return parameter_problem(request, exc)
    document = services.epcis.lot_document(lot_id, settings.base, ancestors=ancestors, epc_format=epc_format)
    headers = {**EPCIS_HEADERS, "GS1-EPC-Format": epc_format}
    return JSONResponse(document, media_type="application/ld+json", headers=headers)
