"""The GS1 Digital Link resolver and the scan page (outside ``/api/v1``: a label's URI is the product's web
identity).

* ``GET /01/<GTIN>/10/<lot>[/21/<serial>]``: the Digital Link of a box. HTML for browsers (Chinese by
  default, English with ``?lang=en`` or ``Accept-Language``), JSON with ``Accept: application/json``,
  a GS1 linkset with ``?linkType=linkset`` or ``all``, a 307 to the EPCIS-style history with
  ``?linkType=gs1:epcis``. Invalid codes get 400 naming what is wrong; valid codes the ledger does not
  know get 404 "not registered: possibly counterfeit".
* ``GET /lot/<lot>``: the page of a lot packaged without a GTIN.
* ``GET /.well-known/gs1resolver``: what this resolver supports.

The lot code on the label (AI 10) is the ledger's lot id of the packaged product, and the lot's
``package`` event must carry the same GTIN and, for a serial, a run that holds it exactly (``events.serials``:
GS1 serials are strings, so ``/21/7`` is not the box ``/21/0007``; a serial outside the run gets the 404
page, naming the run). Scans are counted once per client and day (``service.scans``).
"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ...events.authority import policy
from ...labels.digital_link import DigitalLink, DigitalLinkError, parse
from ...labels.places import Place, city_name, gazetteer, parse_position
from ...labels.signals import recorded_sales, signals
from ...service import NotFoundError, NotLoggedYetError, Services
from ...service.complaints import CATEGORIES
from ..auth import SESSION_COOKIE
from ..dependencies import AppSettings, Caches, CachesDep, ServicesDep, SettingsDep
from ..middleware import HEAD, own_nul_check
from ..pages import (
    BEING_LOGGED,
    INTEGRITY,
    JOURNEY_NAMES,
    PAGE_NAMES,
    TEMPLATES,
    UNKNOWN,
    LotView,
    lot_view,
    problem_page,
    serial_holder,
    wants_english,
    wants_json,
)
from ..shopper_page import shopper, signer
from .lots import accepts_gzip

router = APIRouter(include_in_schema=False)
_LOT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def linkset(base: str, link: DigitalLink, lot_id: str) -> dict[str, Any]:
    anchor = base + link.path()
    return {
        "linkset": [
            {
                "anchor": anchor,
                "itemDescription": f"Ginseng Trace lot {lot_id}",
                "https://gs1.org/voc/defaultLink": [{"href": anchor, "title": "Traceability page"}],
                "https://gs1.org/voc/traceability": [
                    {"href": anchor, "title": "溯源信息 Traceability", "type": "text/html", "hreflang": ["zh", "en"]},
                    {
                        "href": f"{base}/api/v1/lots/{lot_id}/bundle",
                        "title": "Proof bundle",
                        "type": "application/json",
                    },
                ],
                "https://gs1.org/voc/pip": [
                    {"href": anchor, "title": "产品信息 Product information", "type": "text/html"}
                ],
                "https://gs1.org/voc/epcis": [
                    {
                        "href": f"{base}/api/v1/lots/{lot_id}/history",
                        "title": "Event history",
                        "type": "application/json",
                    }
                ],
            }
        ]
    }


@router.get("/.well-known/gs1resolver")
def resolver_description(settings: SettingsDep) -> dict[str, Any]:
    return {
        "name": "Ginseng Trace resolver",
        "resolverRoot": settings.base,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}],
        "linkTypeDefaultCanBeAll": True,
        "supportsLanguageVariants": True,
        "validatesAIcombinations": True,
        "activeLinkTypes": ["gs1:defaultLink", "gs1:traceability", "gs1:pip", "gs1:epcis"],
    }


def _view_or_page(request: Request, services: Services, caches: Caches, lot_id: str, code: str) -> LotView | Response:
    try:
        return lot_view(services, caches, lot_id)
    except NotFoundError:
        return problem_page(request, 404, *UNKNOWN, code)
    except NotLoggedYetError as exc:
        return problem_page(request, 503, *BEING_LOGGED, code, headers={"Retry-After": str(exc.retry_after)})


def scanned_uri(request: Request) -> str:
    """The URI as the client sent it: the raw path (Starlette's ``request.url`` has it percent-decoded, so
    ``/10/A%2FB`` would read as two segments and ``%25`` be decoded twice) and the raw query."""
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    query: bytes = request.scope.get("query_string", b"")
    base = f"{request.url.scheme}://{request.url.netloc}"
    return base + raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")


@own_nul_check
@router.get("/01/{rest:path}")
def resolve(request: Request, rest: str, services: ServicesDep, caches: CachesDep, settings: SettingsDep) -> Response:
    url = scanned_uri(request)
    try:
        link = parse(url)
    except DigitalLinkError as exc:
        return problem_page(request, 400, ("二维码无效", "Invalid code"), (str(exc), str(exc)), url, part=exc.part)
    qualifiers = dict(link.qualifiers)  # a lot in the query (after /235/, where it may stand) names no box of ours
    gtin, lot_id, serial = link.key[1], qualifiers.get("10"), qualifiers.get("21")
    if lot_id is None:
        return problem_page(request, 404, *UNKNOWN, link.uri())
    label_lot = lot_id
    if serial is not None:  # the unit may since be in a lot split from the labelled one: show that lot
        lot_id = serial_holder(services, caches, lot_id, serial)
    view = _view_or_page(request, services, caches, lot_id, link.uri())
    if not isinstance(view, LotView):
        return view
    history = view.history
    if history.gtin != gtin:
        return problem_page(request, 404, *UNKNOWN, link.uri())
    if serial is not None and (history.serials is None or serial not in history.serials):
        # exactly as the run names them (GS1 serials are strings): /21/7 is not the box /21/0007
        run = history.serials.describe() if history.serials else "无 none"
        detail = (
            f"序列号 {serial} 不在批次 {lot_id} 的包装序列号（{run}）内。{UNKNOWN[1][0]}",
            f"Serial {serial} is not one of lot {lot_id}'s packaging run ({run}). {UNKNOWN[1][1]}",
        )
        return problem_page(request, 404, UNKNOWN[0], detail, link.uri())
    link_type = dict(link.params).get("linkType")
    base = settings.base
    headers = {"Link": f'<{base + link.path()}?linkType=linkset>; rel="linkset"; type="application/linkset+json"'}
    if link_type in ("linkset", "all"):
        return JSONResponse(linkset(base, link, lot_id), media_type="application/linkset+json", headers=headers)
    if link_type == "gs1:epcis":
        return RedirectResponse(f"/api/v1/lots/{lot_id}/history", status_code=307, headers=headers)
    return show(
        request, services, settings, lot_id, view, gtin, serial, link.uri(), link.path(), headers, label_lot=label_lot
    )


@own_nul_check
@router.get("/lot/{lot_id}")
def local_lot(
    request: Request, lot_id: str, services: ServicesDep, caches: CachesDep, settings: SettingsDep
) -> Response:
    """The project-local path of a lot packaged without a GTIN (a harvest lot's tag, a bulk batch)."""
    base = settings.base
    if not _LOT_ID.fullmatch(lot_id):
        detail = f"{lot_id!r} is not a lot id (letters, digits and . _ : -, at most 128)"
        return problem_page(request, 400, ("编码无效", "Invalid code"), (detail, detail), lot_id, part="path")
    nul = next((k for k, v in request.query_params.multi_items() if "\x00" in k + v), None)
    if nul is not None:
        detail = f"query: parameter {nul!r} must not contain a NUL character (%00)"
        return problem_page(request, 400, ("编码无效", "Invalid code"), (detail, detail), lot_id, part="query")
    view = _view_or_page(request, services, caches, lot_id, f"{base}/lot/{lot_id}")
    if not isinstance(view, LotView):
        return view
    return show(request, services, settings, lot_id, view, "", None, f"{base}/lot/{lot_id}", f"/lot/{lot_id}", {})


def show(
    request: Request,
    services: Services,
    settings: AppSettings,
    lot_id: str,
    view: LotView,
    gtin: str,
    serial: str | None,
    uri: str,
    path: str,
    headers: dict[str, str],
    *,
    label_lot: str | None = None,
) -> Response:
    """The lot's public page (or JSON), after counting this scan (of the label: ``label_lot``, the lot the code
    names, when the unit is now in a lot split from it)."""
    history, verified, findings = view.history, view.verified, view.findings
    zh = not wants_english(request)
    # a place report (the form on the page, ?place=1&city=… or the browser's ?place=1&near=lat,lon)
    # tells the city of the scan just counted
    place_report = request.query_params.get("place") == "1"
    # back from a complaint (the form on the page posts it, and the browser returns here): not a new scan
    complained = request.query_params.get("complaint") == "received"
    city = request.query_params.get("city")
    near = request.query_params.get("near")
    place: Place | None = None
    if near is not None:
        try:
            place = gazetteer().nearest(*parse_position(near))
        except ValueError as exc:
            detail = f"near: {exc}"
            return problem_page(request, 400, ("位置无效", "Invalid position"), (detail, detail), near)
        city = place.name() if place else None
    elif city:
        place = gazetteer().find(city)
    client = request.client.host if request.client else None
    # a signed-in member at work (the scan page, a home's link) is not a shopper's scan: no tally, no first scan
    cookie = request.cookies.get(SESSION_COOKIE)
    at_work = cookie is not None and services.accounts.session(cookie) is not None
    head = bool(request.scope.get(HEAD))  # a link checker's HEAD is nobody's scan
    counted = not (place_report or complained or at_work or head)
    if at_work or head:
        city, place = None, None
    scans = services.scans.record(gtin, label_lot or lot_id, serial, city, place=place, counted=counted, client=client)
    complaint_counts, complaint_token = services.complaints.counts(lot_id), services.complaints.token(lot_id)
    complaint_post = f"/api/v1/lots/{lot_id}/complaints"
    sold = history.sales_of(serial)
    found = signals(scans, settings.scan_policy, recorded_sales(sold))
    if counted:  # a shopper's scan (not a place report, a member at work or a HEAD): counted, with its signals
        services.metrics.scans.inc()
        for signal in found:
            services.metrics.scan_signals.labels(signal.kind).inc()
    alerts = [s.message_zh if zh else s.message for s in found]
    if wants_json(request):
        body = {
            "link": uri,
            "lot": history.to_json(),
            "serial": serial,
            "server_verified": verified,
            "server_problems": list(view.problems),
            "unlogged_status": (
                {"status": view.unlogged_status[0], "reason": view.unlogged_status[1]} if view.unlogged_status else None
            ),
            "findings": [{"rule": f.rule, "message": f.message, "message_zh": f.message_zh} for f in findings],
            "scans": {
                "count": scans.count,
                "first": scans.first,
                "alerts": alerts,
                "signals": [s.to_json() for s in found],
            },
            "sold": sold,
            "complaints": {**complaint_counts.to_json(), "post": complaint_post, "token": complaint_token},
            "bundle": f"/api/v1/lots/{lot_id}/bundle",
        }
        return JSONResponse(body, headers={**headers, "Cache-Control": "no-store", "Vary": "Accept, Accept-Language"})
    query = dict(request.query_params)
    query["lang"] = "en" if zh else "zh"
    page = shopper(history, zh, verified, view.unlogged_status, sold)
    html = TEMPLATES.get_template("lot.html").render(
        zh=zh,
        s=page,
        signer=lambda actor: signer(actor, zh),
        t=lambda a, b: a if zh else b,
        h=history,
        serial=serial,
        names=PAGE_NAMES,
        journey_names=JOURNEY_NAMES,
        findings=findings,
        server_verified=verified,
        server_problems=view.problems,
        unlogged=view.unlogged_status,
        scan={
            "count": scans.count,
            "first": scans.first,
            "alerts": alerts,
            "sold": [{**sale, "city": city_name(sale["city"], zh)} for sale in sold],
            "place_told": (place.name(zh) if place else city) if place_report else None,
            "place_unknown": place_report and near is not None and place is None,
        },
        path=path,
        linkset_url=f"{path}?linkType=linkset" if gtin else None,
        other_lang_url=f"{path}?{urlencode(query)}",
        json_url=f"/api/v1/lots/{lot_id}/history",
        bundle_url=f"/api/v1/lots/{lot_id}/bundle",
        log_keys=view.log_keys,
        log_size=view.size,
        witness_keys=json.dumps([key.text() for key in services.witness_keys]),
        anchor_keys=json.dumps([key.text() for key in services.anchors]),
        policy=json.dumps(policy(), separators=(",", ":")),
        trust_anchors_url=settings.trust_anchors_url,
        integrity=INTEGRITY,
        complaint={
            "counts": complaint_counts,
            "categories": CATEGORIES,
            "post": complaint_post,
            "token": complaint_token,
            "gtin": gtin,
            "sent": complained,
        },
    )
    page_headers = {
        **headers,
        "Cache-Control": "no-store",
        "Vary": "Accept, Accept-Language, Accept-Encoding",
        "Content-Language": "zh" if zh else "en",
    }
    if accepts_gzip(request.headers.get("accept-encoding", "")):  # the page is a fifth of the weight budget
        packed = gzip.compress(html.encode(), 6)
        return Response(
            packed, media_type="text/html; charset=utf-8", headers={**page_headers, "Content-Encoding": "gzip"}
        )
    return HTMLResponse(html, headers=page_headers)
