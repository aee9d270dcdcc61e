"""QR labels: one lot's or one box's label (PNG, SVG), and the whole packaging run on A4 sheets (SVG, PDF)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...chain.errors import FieldProblem, MalformedError
from ...events.serials import is_serial
from ...labels import qr
from ...labels.runs import gs1_link, label_text, packaging_run
from ...service import NotFoundError
from .. import problems
from ..dependencies import API, ServicesDep, SettingsDep

router = APIRouter(prefix=API)
PROBLEMS: dict[int | str, dict[str, Any]] = dict.fromkeys((404, 422), problems.RESPONSE)
"""The label routes' documented errors: an unknown lot or serial (404), a bad parameter (422)."""


def _text(services: ServicesDep, settings: SettingsDep, lot_id: str, serial: str | None) -> str:
    if serial is not None and not is_serial(serial):  # before any lookup: 422 naming it, not "not in the run"
        raise MalformedError(FieldProblem("/serial", "a GS1 serial: 1-20 characters of GS1 character set 82"))
    return label_text(services.records.public_history(lot_id), settings.base, lot_id, serial)


@router.get(
    "/lots/{lot_id}/label.png", response_class=Response, responses={200: {"content": {"image/png": {}}}, **PROBLEMS}
)
def label_png(
    lot_id: str,
    services: ServicesDep,
    settings: SettingsDep,
    serial: str | None = Query(None),
    scale: int = Query(8, ge=2, le=40),
) -> Response:
    """The QR label (PNG) of a lot (a GS1 Digital Link if it was packaged under a GTIN, else its local
    path ``/lot/<lot>``) or of one serialised unit."""
    text = _text(services, settings, lot_id, serial)
    return Response(qr.png(text, scale=scale), media_type="image/png", headers={"X-Digital-Link": text})


@router.get(
    "/lots/{lot_id}/label.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}, **PROBLEMS}
)
def label_svg(lot_id: str, services: ServicesDep, settings: SettingsDep, serial: str | None = Query(None)) -> Response:
    """The QR label (SVG) of a lot or of one serialised unit (as ``label.png``)."""
    text = _text(services, settings, lot_id, serial)
    return Response(qr.svg(text), media_type="image/svg+xml", headers={"X-Digital-Link": text})


def _run_labels(
    services: ServicesDep, base: str, lot_id: str, page_number: int | None, layout: qr.Sheet
) -> tuple[list[tuple[str, str]], int]:
    """The labels of the lot's packaging run (of one page of it, when ``page_number`` is given) and the
    number of pages the whole run fills."""
    history = services.records.public_history(lot_id)
    gs1_link(history, base, lot_id, None)
    run = packaging_run(history, base, lot_id)
    per_page = layout.per_page
    pages = -(-len(run) // per_page)
    if page_number is not None:
        if not 1 <= page_number <= pages:
            raise NotFoundError(f"lot {lot_id} has {pages} label page(s)")
        run = run[(page_number - 1) * per_page : page_number * per_page]
    code = f"\n追溯码 {history.national_trace_code}" if history.national_trace_code else ""
    return [(link.uri(), f"{lot_id} {serial}{code}") for serial, link in run], pages


@router.get(
    "/lots/{lot_id}/labels.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **PROBLEMS},
)
def label_sheet(
    lot_id: str,
    services: ServicesDep,
    settings: SettingsDep,
    page_number: int = Query(1, alias="page", ge=1),
    columns: int = Query(4, ge=1, le=qr.MAX_GRID, description="labels across the sheet"),
    rows: int = Query(6, ge=1, le=qr.MAX_GRID, description="labels down the sheet"),
) -> Response:
    """One A4 page (4 x 6 labels unless ``columns`` and ``rows`` say otherwise) of the lot's whole
    packaging run, one label per serial."""
    layout = qr.Sheet(columns=columns, rows=rows)
    labels, pages = _run_labels(services, settings.base, lot_id, page_number, layout)
    return Response(qr.sheets(labels, layout)[0], media_type="image/svg+xml", headers={"X-Pages": str(pages)})


@router.get(
    "/lots/{lot_id}/labels.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **PROBLEMS},
)
def label_sheets_pdf(
    lot_id: str,
    services: ServicesDep,
    settings: SettingsDep,
    page_number: int | None = Query(None, alias="page", ge=1),
    columns: int = Query(4, ge=1, le=qr.MAX_GRID, description="labels across the sheet"),
    rows: int = Query(6, ge=1, le=qr.MAX_GRID, description="labels down the sheet"),
) -> Response:
    """The lot's whole packaging run as one print-ready A4 PDF (4 x 6 labels a page unless ``columns``
    and ``rows`` say otherwise), or only ``page``."""
    layout = qr.Sheet(columns=columns, rows=rows)
    labels, pages = _run_labels(services, settings.base, lot_id, page_number, layout)
    headers = {"X-Pages": str(pages), "Content-Disposition": f'inline; filename="{lot_id}-labels.pdf"'}
    return Response(qr.sheets_pdf(labels, layout), media_type="application/pdf", headers=headers)
