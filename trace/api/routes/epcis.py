"""GS1 EPCIS 2.0: a lot's history as an ``EPCISDocument`` (JSON-LD)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ...epcis.query import QueryParameterError
from ...service import MissingCredentialsError
from ..auth import NO_CREDENTIALS
from ..dependencies import API, ServicesDep, SettingsDep
from .audit import NOT_SHARED, READ_ERRORS, MaybeReader, endpoint
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
    responses={**_DOCUMENT, **{k: v for k, v in READ_ERRORS.items() if k in (400, 401, 404, 422)}},
    response_class=JSONResponse,
)
def lot_epcis(
    request: Request,
    lot_id: str,
    services: ServicesDep,
    settings: SettingsDep,
    principal: MaybeReader,
    ancestors: bool = Query(False, description="with every lot the lot was made from"),
    private: bool = Query(
        False,
        description="with a session or a token carrying private:read: each private member in plain text "
        "(`gt:<member>`) in the events whose private members the reader's organisation may read (README: Reads "
        "by role); their eventIDs are the hashes of the events so shown; audited",
    ),
    gs1_epc_format: str | None = FORMAT_HEADER,
) -> JSONResponse:
    """The lot's history (with ``ancestors``, every lot it was made from too) as a GS1 EPCIS 2.0 JSON-LD
    ``EPCISDocument``: docs/EPCIS.md gives the mapping. Public members only, unless ``private``."""
    try:
        epc_format = epc_format_of(gs1_epc_format)
    except QueryParameterError as exc:
        return parameter_problem(request, exc)
    headers = {**EPCIS_HEADERS, "GS1-EPC-Format": epc_format}
    if private:
        if principal is None:
            raise MissingCredentialsError(NO_CREDENTIALS)
        document, _shown = services.epcis.private_lot_document(
            lot_id, settings.base, principal, endpoint(request), ancestors=ancestors, epc_format=epc_format
        )
        return JSONResponse(document, media_type="application/ld+json", headers={**headers, **NOT_SHARED})
    document = services.epcis.lot_document(lot_id, settings.base, ancestors=ancestors, epc_format=epc_format)
    return JSONResponse(document, media_type="application/ld+json", headers=headers)
