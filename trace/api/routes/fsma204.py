"""US FDA FSMA 204 sortable spreadsheets (docs/EPCIS.md "FSMA 204"): a lot's critical tracking events with its
ancestors', or every critical tracking event in a date range, as CSV or XLSX. Public members only, as the EPCIS
export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...chain.errors import FieldProblem, MalformedError
from ...service.fsma204 import to_csv, to_xlsx
from ..dependencies import API, ServicesDep
from .common import ERRORS

router = APIRouter(prefix=API, tags=["FSMA 204"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_DAYS = 366
_SHEETS: dict[int | str, dict[str, Any]] = {
    200: {"description": "The sortable spreadsheet", "content": {"text/csv": {}, XLSX: {}}},
    **{k: v for k, v in ERRORS.items() if k in (404, 422)},
}


def _sheet(found: list[dict[str, Any]], name: str, form: str) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{form}"'}
    if form == "csv":
        return Response(to_csv(found), media_type="text/csv; charset=utf-8; header=present", headers=disposition)
    return Response(to_xlsx(found, name), media_type=XLSX, headers=disposition)


@router.get("/lots/{lot_id}/fsma204.{form}", responses=_SHEETS, response_class=Response)
def lot_fsma204(lot_id: str, form: Literal["csv", "xlsx"], services: ServicesDep) -> Response:
    """The lot's FSMA 204 critical tracking events (harvesting, initial packing, shipping, receiving,
    transformation) and those of every lot it was made from, with their key data elements, sorted by time."""
    return _sheet(services.fsma204.for_lot(lot_id), f"fsma204-{lot_id}", form)


@router.get("/fsma204.{form}", responses=_SHEETS, response_class=Response)
def range_fsma204(
    form: Literal["csv", "xlsx"],
    services: ServicesDep,
    first: Annotated[date, Query(description="the first day (China Standard Time), e.g. 2025-09-01")],
    last: Annotated[date, Query(description=f"the last day, included; at most {MAX_DAYS} days after first")],
) -> Response:
    """Every FSMA 204 critical tracking event from ``first`` to ``last``, for a regulator's request."""
    for name, day in (("first", first), ("last", last)):
        if not 1900 <= day.year <= 9998:
            raise MalformedError(FieldProblem(f"/{name}", "must be a day between the years 1900 and 9998"))
    if last < first:
        raise MalformedError(FieldProblem("/last", "must not be before first"))
    if (last - first).days >= MAX_DAYS:
        raise MalformedError(FieldProblem("/last", f"a range is at most {MAX_DAYS} days"))
    return _sheet(services.fsma204.between(first, last), f"fsma204-{first}-{last}", form)
