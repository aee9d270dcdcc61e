"""Scanning a label at work: ``GET /app/scan``, the page (camera preview, a chosen photo, or the code typed),
and ``GET /api/v1/me/lots/{lot}``, the scanned lot as the person's organisation stands to it.

The page decodes the QR in the browser (``static/scan.js``: the BarcodeDetector API where the browser has it,
the vendored jsQR otherwise), resolves the code through the resolver's JSON (``Accept: application/json`` on
the scanned path: the lot's public facts, findings and holds, or the 400/404 of a code that is not one of ours)
and then asks this API what the person's organisation may record for the lot; nothing is recorded here, each
action opens ``/app/record``."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..auth import SESSION_COOKIE
from ..dependencies import API, ServicesDep, SettingsDep
from ..home_page import KIND_NAMES, UNIT_NAMES
from ..pages import INTEGRITY, STATIC, TEMPLATES, problem_page, subresource_integrity, wants_english
from .accounts import AUTH_ERRORS, Anyone
from .home import EVENT_NAMES

router = APIRouter()
DECODER = "vendor/jsQR-1.4.0.js"
"""The QR decoder the page loads where the browser has no BarcodeDetector (``scripts/vendor_js.sh``)."""
DECODER_INTEGRITY = subresource_integrity((STATIC / DECODER).read_bytes())


@router.get("/app/scan", response_class=HTMLResponse, include_in_schema=False)
def scan_page(request: Request, services: ServicesDep, settings: SettingsDep) -> Response:
    """The scan page, for a signed-in person (a session cookie)."""
    zh = not wants_english(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None or services.accounts.session(cookie) is None:
        return problem_page(request, 401, ("请先登录", "Sign in first"), ("/app", "/app"), "/app/scan")
    html = TEMPLATES.get_template("app_scan.html").render(
        zh=zh,
        t=lambda chinese, english: chinese if zh else english,
        base=settings.base,
        event_names={name: names[0 if zh else 1] for name, names in EVENT_NAMES.items()},
        kind_names={name: names[0 if zh else 1] for name, names in KIND_NAMES.items()},
        unit_names={name: names[0 if zh else 1] for name, names in UNIT_NAMES.items()},
        lang_query="" if zh else "?lang=en",
        other_lang_url="/app/scan?" + urlencode({"lang": "en" if zh else "zh"}),
        integrity=INTEGRITY["scan.js"],
        decoder=f"/static/{DECODER}",
        decoder_integrity=DECODER_INTEGRITY,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Vary": "Accept-Language"})


@router.get(
    API + "/me/lots/{lot_id}",
    responses=AUTH_ERRORS,
    summary="A lot as your organisation stands to it (after scanning its label): relations, on hand, hold, the "
    "actions its roles may record, shipments of it under way to it, and its custodians where you may see them",
)
async def my_lot(request: Request, lot_id: str, principal: Anyone, services: ServicesDep) -> JSONResponse:
    """``custodians`` and ``in_transit`` are null unless the reader is a regulator or its organisation recorded
    something in the lot's lineage (reads by role; audited as ``custodians``). 404 for an unknown lot, 403
    ``relation-required`` (``member``) for an actor of no standing organisation."""
    found = await run_in_threadpool(services.scanning.lot, principal, lot_id, request.url.path)
    return JSONResponse(found.to_json(), headers={"Cache-Control": "no-store"})
