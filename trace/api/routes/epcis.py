"""GS1 EPCIS 2.0: a lot's history as an ``EPCISDocument`` (JSON-LD)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ..dependencies import API, ServicesDep, SettingsDep
from .common import ERRORS

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
    lot_id: str,
    services: ServicesDep,
    settings: SettingsDep,
    ancestors: bool = Query(False, description="with every lot the lot was made from"),
) -> JSONResponse:
    """The lot's history (with ``ancestors``, every lot it was made from too) as a GS1 EPCIS 2.0 JSON-LD
    ``EPCISDocument``: docs/EPCIS.md gives the mapping. Public members only."""
    document = services.epcis.lot_document(lot_id, settings.base, ancestors=ancestors)
    return JSONResponse(document, media_type="application/ld+json", headers=EPCIS_HEADERS)
