"""The workplace's lot page: ``GET /app/lot/<lot>``, a lot's lineage as a graph (ancestors left, descendants
right, each with its verification, findings and holds) for a signed-in person; for a regulator, hold, recall
and release (the release naming the standing hold it lifts); the proof bundle to download with the command that
verifies it offline; and, for the organisation that packed it, its packaging run's label sheets."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...labels import qr
from ...service import Services
from ...service.credentials import Principal
from ...service.errors import NotFoundError
from ...service.lot_graph import LotGraph
from ..auth import SESSION_COOKIE
from ..dependencies import ServicesDep
from ..home_page import FORM_NAMES, KIND_NAMES
from ..lot_graph_page import node_lines, svg
from ..pages import INTEGRITY, TEMPLATES, problem_page, wants_english

router = APIRouter()

GRIDS = ((4, 6), (3, 8), (2, 5), (1, 1))
"""The label grids (columns x rows on A4) the page offers: the sheets' default first, then others that label
makers sell; any other is one ``columns``/``rows`` query away (up to ``qr.MAX_GRID``)."""
assert all(c <= qr.MAX_GRID and r <= qr.MAX_GRID for c, r in GRIDS)  # noqa: S101 - a programming error


def _graph(services: Services, lot_id: str, principal: Principal, endpoint: str) -> tuple[LotGraph, str, bool]:
    reader = services.reads.reader(principal)
    graph = services.lot_graphs.graph(lot_id, principal, endpoint)
    return graph, reader.org if reader else "", bool(reader and reader.regulator)


@router.get("/app/lot", include_in_schema=False)
def find_lot(request: Request, lot: str = "") -> Response:
    """The console's "open a lot" form: the typed lot id's page (the console again when none was typed)."""
    lang = request.query_params.get("lang", "")
    target = f"/app/lot/{quote(lot.strip(), safe='')}" if lot.strip() else "/app/console"
    return RedirectResponse(target + (f"?lang={quote(lang, safe='')}" if lang else ""), status_code=303)


@router.get("/app/lot/{lot_id}", response_class=HTMLResponse, include_in_schema=False)
def lot_page(request: Request, lot_id: str, services: ServicesDep) -> Response:
    zh = not wants_english(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    session = services.accounts.session(cookie) if cookie else None
    if session is None:
        return problem_page(request, 401, ("请先登录", "Sign in first"), ("/app", "/app"), request.url.path)
    try:
        graph, org, regulator = _graph(services, lot_id, session.principal, request.url.path)
    except NotFoundError as exc:
        return problem_page(request, 404, ("批次不存在", "No such lot"), (exc.diagnostics(),) * 2, lot_id)

    def t(chinese: str, english: str) -> str:
        return chinese if zh else english

    lang_query = "" if zh else "?lang=en"
    me = graph.node(lot_id)
    log_signer = services.log_signer
    html = TEMPLATES.get_template("app_lot.html").render(
        zh=zh,
        t=t,
        graph=graph,
        me=me,
        lines={n.lot_id: node_lines(n, KIND_NAMES, t) for n in graph.nodes},
        drawing=svg(graph, KIND_NAMES, t, lambda lot: f"/app/lot/{lot}{lang_query}"),
        regulator=regulator,
        labels=bool(me.serials) and me.creator == org,
        label_pages={grid: -(-me.serials // (grid[0] * grid[1])) for grid in GRIDS},
        grids=GRIDS,
        kind_names=KIND_NAMES,
        form_names=FORM_NAMES,
        log_key=log_signer.verifier().text() if log_signer else None,
        lang_query=lang_query,
        lang_amp="" if zh else "&lang=en",
        other_lang_url=f"/app/lot/{lot_id}?lang={'en' if zh else 'zh'}",
        integrity=INTEGRITY["lot.js"],
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
