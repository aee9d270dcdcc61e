"""Labels and the consumer's scan: GS1 Digital Link resolution, the public lot page, QR images.

Routes (outside ``/api/v1``, because a label's URI is the product's web identity):

* ``GET /01/<GTIN>/10/<lot>[/21/<serial>]``: the Digital Link of a box. HTML for browsers (Chinese by
  default, English with ``?lang=en`` or ``Accept-Language``), JSON with ``Accept: application/json``,
  a GS1 linkset with ``?linkType=linkset`` or ``all``, a 307 to the EPCIS-style history with
  ``?linkType=gs1:epcis``. Invalid codes get 400 naming what is wrong; valid codes the ledger does not
  know get 404 "not registered: possibly counterfeit".
* ``GET /.well-known/gs1resolver``: what this resolver supports.
* ``GET /api/v1/lots/{lot}/label.png|svg[?serial=]``, ``GET /api/v1/lots/{lot}/labels.svg?page=N``,
  ``GET /api/v1/lots/{lot}/labels.pdf[?page=N]``: QR labels.

The lot code on the label (AI 10) is the ledger's lot id of the packaged product, and the lot's
``package`` event must carry the same GTIN and, for a serial, a serial range that holds it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..chain.errors import ChainBrokenError
from ..events.public import JOURNEY_TYPES, PROCESS_NAMES, PublicHistory, serial_in_range
from ..events.rules import rules_config
from ..labels import qr
from ..labels.digital_link import DigitalLink, DigitalLinkError, build, parse
from ..labels.places import Place, gazetteer, parse_position
from ..labels.signals import Sale, ScanPolicy, signals
from ..service import Ledger, NotFoundError
from ..store.repository import StoredFinding
from . import problems

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
JOURNEY_NAMES = {
    "ship": ("发运", "shipped"),
    "receive": ("收货", "received"),
    "store": ("贮藏", "stored"),
    "sell": ("销售", "sold"),
}
PAGE_NAMES = {**PROCESS_NAMES, "package": ("包装", "packed")}
assert set(JOURNEY_NAMES) == set(JOURNEY_TYPES)  # noqa: S101 - a programming error, caught at import


@dataclass(frozen=True)
class LotView:
    """What every scan of a lot shows until the ledger grows: computed once, reused."""

    history: PublicHistory
    verified: bool
    findings: list[StoredFinding]
    log_keys: str  # JSON list of the log's verifier keys, for the page's own verifier
    size: int  # the tree size the history was read at (at least): every record below it is in the history


DEFAULT_SCAN_POLICY = ScanPolicy()
PROBLEMS: dict[int | str, dict[str, Any]] = dict.fromkeys((404, 422), problems.RESPONSE)
"""The label routes' documented errors: an unknown lot or serial (404), a bad parameter (422)."""
UNKNOWN = (
    ("未登记：可能是假冒产品", "Not registered: possibly counterfeit"),
    (
        "此码在人参溯源账本中没有记录。请勿购买或食用，并向商家或监管部门反映。",
        "This code has no record in the Ginseng Trace ledger. Do not buy or eat the product; "
        "report it to the seller or the regulator.",
    ),
)
_LOT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
VIEW_SECONDS = 60.0
VIEW_CACHE_LOTS = 10_000


def _wants_english(request: Request) -> bool:
    lang = request.query_params.get("lang")
    if lang:
        return lang.lower().startswith("en")
    accept = request.headers.get("accept-language", "")
    first = accept.split(",")[0].strip().lower()
    return first.startswith("en")


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def install(
    app: FastAPI,
    ledger: Ledger,
    *,
    public_base: str,
    scan_policy: ScanPolicy = DEFAULT_SCAN_POLICY,
    trust_anchors_url: str | None = None,
) -> None:
    """Add the label and resolver routes to ``app``. With ``trust_anchors_url``, scan pages verify against
    the log and witness keys published there (by someone other than this service) instead of the keys
    this service gives."""
    base = public_base.rstrip("/")
    gazetteer()  # loaded now (about 0.1 s), not on the first scan that names a city
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    integrity = {path.name: subresource_integrity(path.read_bytes()) for path in static.glob("*.js")}

    def page(request: Request, status: int, title: tuple[str, str], detail: tuple[str, str], code: str) -> Response:
        zh = not _wants_english(request)
        if _wants_json(request) or request.headers.get("accept", "").startswith("application/problem+json"):
            return JSONResponse(
                {"type": "about:blank", "title": title[1], "status": status, "detail": detail[1], "code": code},
                status_code=status,
                media_type="application/problem+json",
            )
        html = TEMPLATES.get_template("problem.html").render(
            zh=zh, title=title[0 if zh else 1], detail=detail[0 if zh else 1], code=code
        )
        return HTMLResponse(html, status_code=status)

    def linkset(link: DigitalLink, lot_id: str) -> dict[str, Any]:
        anchor = base + link.path()
        return {
            "linkset": [
                {
                    "anchor": anchor,
                    "itemDescription": f"Ginseng Trace lot {lot_id}",
                    "https://gs1.org/voc/defaultLink": [{"href": anchor, "title": "Traceability page"}],
                    "https://gs1.org/voc/traceability": [
                        {
                            "href": anchor,
                            "title": "溯源信息 Traceability",
                            "type": "text/html",
                            "hreflang": ["zh", "en"],
                        },
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

    views: dict[str, tuple[int, float, LotView]] = {}

    def lot_view(lot_id: str) -> LotView:
        """The lot's public history, the server's verification of it, its public findings and the log's
        keys: computed again whenever the ledger has grown (``Ledger.log_state``: at once for this process's
        appends, within a second for others') or a minute has passed, otherwise reused."""
        size, now = ledger.log_state()[0], time.monotonic()
        cached = views.get(lot_id)
        if cached is not None and cached[0] == size and now - cached[1] < VIEW_SECONDS:
            return cached[2]
        history = ledger.public_history(lot_id)
        try:
            ledger.verify(lot_id)
            verified = True
        except ChainBrokenError:
            verified = False
        public = [f for f in ledger.findings(lot_id, ancestors=True) if rules_config().get(f.rule, {}).get("public")]
        log_keys = json.dumps([period.key.text() for period in ledger.log_keys()])
        view = LotView(history, verified, public, log_keys, size)
        if len(views) >= VIEW_CACHE_LOTS:
            views.pop(next(iter(views)))
        views[lot_id] = (size, now, view)
        return view

    @app.get("/.well-known/gs1resolver", include_in_schema=False)
    def resolver_description() -> dict[str, Any]:
        return {
            "name": "Ginseng Trace resolver",
            "resolverRoot": base,
            "supportedPrimaryKeys": ["01"],
            "supportedLinkType": [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}],
            "linkTypeDefaultCanBeAll": True,
            "supportsLanguageVariants": True,
            "validatesAIcombinations": True,
            "activeLinkTypes": ["gs1:defaultLink", "gs1:traceability", "gs1:pip", "gs1:epcis"],
        }

    @app.get("/01/{rest:path}", include_in_schema=False)
    def resolve(request: Request, rest: str) -> Response:
        url = str(request.url)
        try:
            link = parse(url)
        except DigitalLinkError as exc:
            return page(request, 400, ("二维码无效", "Invalid code"), (str(exc), str(exc)), url)
        elements = link.elements
        gtin, lot_id, serial = elements["01"], elements.get("10"), elements.get("21")
        if lot_id is None:
            return page(request, 404, *UNKNOWN, link.uri())
        try:
            view = lot_view(lot_id)
        except NotFoundError:
            return page(request, 404, *UNKNOWN, link.uri())
        history = view.history
        if history.gtin != gtin or (
            serial is not None and (history.serials is None or not serial_in_range(serial, *history.serials))
        ):
            return page(request, 404, *UNKNOWN, link.uri())
        link_type = dict(link.params).get("linkType")
        headers = {"Link": f'<{base + link.path()}?linkType=linkset>; rel="linkset"; type="application/linkset+json"'}
        if link_type in ("linkset", "all"):
            return JSONResponse(linkset(link, lot_id), media_type="application/linkset+json", headers=headers)
        if link_type == "gs1:epcis":
            return RedirectResponse(f"/api/v1/lots/{lot_id}/history", status_code=307, headers=headers)
        return show(request, lot_id, view, gtin, serial, link.uri(), link.path(), headers)

    @app.get("/lot/{lot_id}", include_in_schema=False)
    def local_lot(request: Request, lot_id: str) -> Response:
        """The project-local path of a lot packaged without a GTIN (a harvest lot's tag, a bulk batch)."""
        if not _LOT_ID.fullmatch(lot_id):
            detail = f"{lot_id!r} is not a lot id (letters, digits and . _ : -, at most 128)"
            return page(request, 400, ("编码无效", "Invalid code"), (detail, detail), lot_id)
        try:
            view = lot_view(lot_id)
        except NotFoundError:
            return page(request, 404, *UNKNOWN, f"{base}/lot/{lot_id}")
        return show(request, lot_id, view, "", None, f"{base}/lot/{lot_id}", f"/lot/{lot_id}", {})

    def show(
        request: Request,
        lot_id: str,
        view: LotView,
        gtin: str,
        serial: str | None,
        uri: str,
        path: str,
        headers: dict[str, str],
    ) -> Response:
        """The lot's public page (or JSON), after counting this scan."""
        history, verified, findings = view.history, view.verified, view.findings
        zh = not _wants_english(request)
        # a place report (the form on the page, ?place=1&city=… or the browser's ?place=1&near=lat,lon)
        # tells the city of the scan just counted
        place_report = request.query_params.get("place") == "1"
        city = request.query_params.get("city")
        near = request.query_params.get("near")
        place: Place | None = None
        if near is not None:
            try:
                place = gazetteer().nearest(*parse_position(near))
            except ValueError as exc:
                detail = f"near: {exc}"
                return page(request, 400, ("位置无效", "Invalid position"), (detail, detail), near)
            city = place.name() if place else None
        elif city:
            place = gazetteer().find(city)
        scans = ledger.record_scan(gtin, lot_id, serial, city, place=place, counted=not place_report)
        sold = history.sales_of(serial)
        found = signals(scans, scan_policy, _sales(sold))
        alerts = [s.message_zh if zh else s.message for s in found]
        if _wants_json(request):
            body = {
                "link": uri,
                "lot": history.to_json(),
                "serial": serial,
                "server_verified": verified,
                "findings": [{"rule": f.rule, "message": f.message, "message_zh": f.message_zh} for f in findings],
                "scans": {
                    "count": scans.count,
                    "first": scans.first,
                    "alerts": alerts,
                    "signals": [s.to_json() for s in found],
                },
                "sold": sold,
                "bundle": f"/api/v1/lots/{lot_id}/bundle",
            }
            return JSONResponse(
                body, headers={**headers, "Cache-Control": "no-store", "Vary": "Accept, Accept-Language"}
            )
        query = dict(request.query_params)
        query["lang"] = "en" if zh else "zh"
        html = TEMPLATES.get_template("lot.html").render(
            zh=zh,
            t=lambda a, b: a if zh else b,
            h=history,
            serial=serial,
            names=PAGE_NAMES,
            journey_names=JOURNEY_NAMES,
            findings=findings,
            server_verified=verified,
            scan={
                "count": scans.count,
                "first": scans.first,
                "alerts": alerts,
                "sold": [{**sale, "city": _city_name(sale["city"], zh)} for sale in sold],
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
            witness_keys=json.dumps([key.text() for key in ledger.witness_keys]),
            trust_anchors_url=trust_anchors_url,
            integrity=integrity,
        )
        return HTMLResponse(
            html,
            headers={
                **headers,
                "Cache-Control": "no-store",
                "Vary": "Accept, Accept-Language",
                "Content-Language": "zh" if zh else "en",
            },
        )

    def label_text(lot_id: str, serial: str | None) -> str:
        """What a lot's label encodes: its GS1 Digital Link, or for a lot without a GTIN its local path."""
        history = ledger.public_history(lot_id)
        if history.gtin is None and serial is None:
            return f"{base}/lot/{lot_id}"
        return gs1_link(history, lot_id, serial).uri()

    @app.get(
        "/api/v1/scan-signals",
        summary="Labels whose scans suggest a copied label (for regulators)",
        responses={422: PROBLEMS[422]},
    )
    def scan_signals(lot: str | None = Query(None, description="only this lot's labels")) -> JSONResponse:
        """Every scanned label with a copied-label signal: scanned more often than ``max_scans``, in more
        than ``max_cities`` cities, in two places more than ``max_km`` apart, or in another city after the
        ledger recorded the unit as sold. Scans still waiting to be written are counted too."""
        flagged = []
        for gtin, lot_id, serial, scans in ledger.scan_report(lot):
            try:
                sold = lot_view(lot_id).history.sales_of(serial)
            except NotFoundError:
                sold = []
            found = signals(scans, scan_policy, _sales(sold))
            if found:
                flagged.append(
                    {
                        "gtin": gtin or None,
                        "lot": lot_id,
                        "serial": serial,
                        "scans": scans.count,
                        "first": scans.first,
                        "last": scans.last,
                        "cities": sorted(scans.cities),
                        "sold": sold,
                        "signals": [s.to_json() for s in found],
                    }
                )
        return JSONResponse({"policy": scan_policy.to_json(), "labels": flagged}, headers={"Cache-Control": "no-store"})

    def gs1_link(history: PublicHistory, lot_id: str, serial: str | None) -> DigitalLink:
        if history.gtin is None:
            raise NotFoundError(f"lot {lot_id!r} was not packaged under a GTIN: it has no GS1 label")
        if serial is not None and (history.serials is None or not serial_in_range(serial, *history.serials)):
            raise NotFoundError(f"serial {serial!r} is not in lot {lot_id}'s packaging run")
        return build(base, history.gtin, lot=history.batch or lot_id, serial=serial)

    @app.get(
        "/api/v1/lots/{lot_id}/label.png",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}, **PROBLEMS},
    )
    def label_png(lot_id: str, serial: str | None = Query(None), scale: int = Query(8, ge=2, le=40)) -> Response:
        """The QR label (PNG) of a lot (a GS1 Digital Link if it was packaged under a GTIN, else its local
        path ``/lot/<lot>``) or of one serialised unit."""
        text = label_text(lot_id, serial)
        return Response(qr.png(text, scale=scale), media_type="image/png", headers={"X-Digital-Link": text})

    @app.get(
        "/api/v1/lots/{lot_id}/label.svg",
        response_class=Response,
        responses={200: {"content": {"image/svg+xml": {}}}, **PROBLEMS},
    )
    def label_svg(lot_id: str, serial: str | None = Query(None)) -> Response:
        """The QR label (SVG) of a lot or of one serialised unit (as ``label.png``)."""
        text = label_text(lot_id, serial)
        return Response(qr.svg(text), media_type="image/svg+xml", headers={"X-Digital-Link": text})

    @app.get(
        "/api/v1/lots/{lot_id}/labels.svg",
        response_class=Response,
        responses={200: {"content": {"image/svg+xml": {}}}, **PROBLEMS},
    )
    def label_sheet(
        lot_id: str,
        page_number: int = Query(1, alias="page", ge=1),
        columns: int = Query(4, ge=1, le=qr.MAX_GRID, description="labels across the sheet"),
        rows: int = Query(6, ge=1, le=qr.MAX_GRID, description="labels down the sheet"),
    ) -> Response:
        """One A4 page (4 x 6 labels unless ``columns`` and ``rows`` say otherwise) of the lot's whole
        packaging run, one label per serial."""
        layout = qr.Sheet(columns=columns, rows=rows)
        labels, pages = run_labels(lot_id, page_number, layout)
        return Response(qr.sheets(labels, layout)[0], media_type="image/svg+xml", headers={"X-Pages": str(pages)})

    @app.get(
        "/api/v1/lots/{lot_id}/labels.pdf",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}, **PROBLEMS},
    )
    def label_sheets_pdf(
        lot_id: str,
        page_number: int | None = Query(None, alias="page", ge=1),
        columns: int = Query(4, ge=1, le=qr.MAX_GRID, description="labels across the sheet"),
        rows: int = Query(6, ge=1, le=qr.MAX_GRID, description="labels down the sheet"),
    ) -> Response:
        """The lot's whole packaging run as one print-ready A4 PDF (4 x 6 labels a page unless ``columns``
        and ``rows`` say otherwise), or only ``page``."""
        layout = qr.Sheet(columns=columns, rows=rows)
        labels, pages = run_labels(lot_id, page_number, layout)
        headers = {"X-Pages": str(pages), "Content-Disposition": f'inline; filename="{lot_id}-labels.pdf"'}
        return Response(qr.sheets_pdf(labels, layout), media_type="application/pdf", headers=headers)

    def run_labels(lot_id: str, page_number: int | None, layout: qr.Sheet) -> tuple[list[tuple[str, str]], int]:
        """The labels of the lot's packaging run (of one page of it, when ``page_number`` is given) and the
        number of pages the whole run fills."""
        history = ledger.public_history(lot_id)
        gs1_link(history, lot_id, None)
        run = packaging_run(history, base, lot_id)
        per_page = layout.per_page
        pages = -(-len(run) // per_page)
        if page_number is not None:
            if not 1 <= page_number <= pages:
                raise NotFoundError(f"lot {lot_id} has {pages} label page(s)")
            run = run[(page_number - 1) * per_page : page_number * per_page]
        return [(link.uri(), f"{lot_id} {serial}") for serial, link in run], pages


def subresource_integrity(script: bytes) -> str:
    """The W3C Subresource Integrity value of a script (``sha384-`` and the base64 digest): the page names
    the exact bytes it runs, so a cache or CDN that altered the verifier would have it refused by the browser,
    and an auditor can compare the value with the script they read (README lists it)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(script).digest()).decode()


def _sales(sold: list[dict[str, Any]]) -> list[Sale]:
    """The public history's sales of one unit, as the scan signals take them: a city the gazetteer knows
    under the name scans keep for it (长春市 as 长春)."""
    return [Sale(sale["at"], _city_name(sale["city"]), sale["by"]) for sale in sold]


def _city_name(city: str | None, zh: bool = True) -> str | None:
    """A city as the gazetteer names it in the page's language (长春市 as 长春, or Changchun), else as given."""
    place = gazetteer().find(city) if city else None
    return place.name(zh) if place else city


def packaging_run(history: PublicHistory, base: str, lot_id: str) -> list[tuple[str, DigitalLink]]:
    """Every serial of a packaging run with its Digital Link (numeric ranges, zero-padded as printed)."""
    if history.gtin is None or history.serials is None:
        return []
    first, last = history.serials
    if not (first.isdigit() and last.isdigit()):
        return [(first, build(base, history.gtin, lot=history.batch or lot_id, serial=first))]
    width = len(first)
    return [
        (f"{n:0{width}d}", build(base, history.gtin, lot=history.batch or lot_id, serial=f"{n:0{width}d}"))
        for n in range(int(first), int(last) + 1)
    ]


__all__ = ["ScanPolicy", "install", "packaging_run"]
