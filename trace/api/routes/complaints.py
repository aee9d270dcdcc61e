"""Consumers' complaints (投诉): posted from the scan page without an account, counted in public, read by role.

* ``POST /api/v1/lots/{lot}/complaints``: a form post from the scan page (``category``, ``text``, the page's
  ``token``, the label's ``gtin`` and ``serial``, and ``back``: the page to return to, answered 303 there), or
  the same fields as a JSON object (answered 201). Limited per client address (``TRACE_COMPLAINT_LIMIT``; 429
  with ``Retry-After`` beyond); refused (403) from another site's page: a foreign ``Origin``, or no page token.
* ``GET /api/v1/lots/{lot}/complaints``: how many complaints each category has, for anyone; the complaints
  themselves (text, label, time) for a regulator or an organisation in the lot's lineage, audited.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...chain.errors import FieldProblem, MalformedError
from ...service import CrossSiteError, NotFoundError
from ...service.complaints import CATEGORIES, complaint_json
from ..dependencies import API, ServicesDep, SettingsDep
from ..pages import problem_page
from .audit import NOT_SHARED, READ_ERRORS, MaybeReader, endpoint
from .common import ERRORS, json_object

router = APIRouter(prefix=API)
FORM = "application/x-www-form-urlencoded"
FIELDS = ("category", "text", "token", "gtin", "serial", "back", "lang")
BACK = re.compile(r"/(01|lot)/[A-Za-z0-9/._:%-]{1,300}")
"""Where a form post may send the browser back to: a scan page of this service (a path, never another site)."""
MAX_FORM_BYTES = 8192


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _same_site(request: Request, base: str) -> bool:
    """Whether a browser says the post comes from a page of this service (no ``Origin``: not a browser's
    cross-site post, which always sends one)."""
    origin = request.headers.get("origin")
    return origin is None or origin in {_origin(base), _origin(str(request.base_url))}


def _form(body: bytes) -> dict[str, str]:
    if len(body) > MAX_FORM_BYTES:
        raise MalformedError(FieldProblem("", f"a complaint form is at most {MAX_FORM_BYTES} bytes"))
    try:
        parsed = parse_qs(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=len(FIELDS), strict_parsing=False
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedError(FieldProblem("", f"not a form of UTF-8 fields: {exc}")) from exc
    unknown = sorted(set(parsed) - set(FIELDS))
    if unknown:
        raise MalformedError([FieldProblem(f"/{k}", "unknown field") for k in unknown])
    return {k: v[0] for k, v in parsed.items()}


@router.post(
    "/lots/{lot_id}/complaints",
    summary="A consumer's complaint about a lot, from its scan page (no account; limited per address)",
    status_code=201,
    responses={**ERRORS, 429: ERRORS[400]},
)
async def complain(lot_id: str, request: Request, services: ServicesDep, settings: SettingsDep) -> Response:
    """Keep a complaint (``category``: one of the categories in ``GET /api/v1/lots/{lot}/complaints``; ``text``:
    at most 500 characters, never shown in public; ``token``: the one the lot's page gives). A form post is
    answered with 303 to ``back`` (the page it came from) and its problems as a page."""
    form = request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM
    try:
        if not _same_site(request, settings.base):
            raise CrossSiteError("this complaint was sent from another site's page")
        if form:
            fields: dict[str, Any] = _form(await request.body())
        else:
            optional = ("text", "gtin", "serial")
            fields = await json_object(request, "category", "token", *optional, optional=optional)
        client = request.client.host if request.client else None
        await run_in_threadpool(
            lambda: services.complaints.submit(
                lot_id,
                category=fields.get("category"),
                text=fields.get("text", ""),
                token=fields.get("token"),
                gtin=fields.get("gtin") or None,
                serial=fields.get("serial") or None,
                client=client,
            )
        )
    except (MalformedError, CrossSiteError, NotFoundError) as exc:
        if not form:
            raise
        status = 422 if isinstance(exc, MalformedError) else 403 if isinstance(exc, CrossSiteError) else 404
        detail = exc.diagnostics()
        return problem_page(request, status, ("投诉未能提交", "Complaint not sent"), (detail, detail), lot_id)
    if form:
        back = str(fields.get("back", ""))
        target = back if BACK.fullmatch(back) and "//" not in back else f"/lot/{lot_id}"
        lang = "en" if str(fields.get("lang", "")).startswith("en") else "zh"
        return RedirectResponse(f"{target}?complaint=received&lang={lang}", status_code=303)
    return JSONResponse({"received": True, "lot": lot_id, "category": fields["category"]}, status_code=201)


@router.get(
    "/lots/{lot_id}/complaints",
    summary="A lot's consumer complaints: counts per category for anyone; the complaints for a regulator or partner",
    responses=READ_ERRORS,
)
def complaints(
    lot_id: str,
    request: Request,
    services: ServicesDep,
    principal: MaybeReader,
    after: int = Query(0, ge=0, le=2**63 - 1),
    limit: int = Query(100, ge=1, le=1000),
) -> JSONResponse:
    """The public aggregate (``counts``: how many in each category) and the categories' names; for a regulator,
    or an organisation that recorded something in the lot's lineage, also ``complaints`` (oldest first, a page
    of ``limit`` after the id ``after``), audited."""
    counts, found = services.reads.complaints(lot_id, principal, endpoint(request), after=after, limit=limit)
    body: dict[str, Any] = {
        "lot": lot_id,
        "counts": counts.to_json(),
        "categories": {k: {"zh": zh, "en": en} for k, (zh, en) in CATEGORIES.items()},
    }
    if found is not None:
        body["complaints"] = [complaint_json(c) for c in found]
    return JSONResponse(body, headers=NOT_SHARED)
