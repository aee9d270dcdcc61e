"""The workplace page: ``GET /app``, a person's home once signed in (the session cookie), the sign-in form
otherwise."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ...events.catalogue import catalogue
from ...events.membership import Organisation
from ...service import Services
from ...service.console import Filters
from ...service.errors import ForbiddenError, NotFoundError
from ...service.home import HomeView
from ..auth import SESSION_COOKIE
from ..dependencies import ServicesDep
from ..home_page import FORM_NAMES, KIND_NAMES, ROLE_NAMES, UNIT_NAMES, due_line, sections
from ..pages import INTEGRITY, TEMPLATES, problem_page, wants_english

router = APIRouter()


def _home(services: Services, cookie: str | None) -> tuple[HomeView | None, str | None, str | None]:
    """The signed-in person's home (None when not signed in) or why there is none to show, and the session's
    CSRF token for the page to carry."""
    session = services.accounts.session(cookie) if cookie else None
    if session is None or cookie is None:
        return None, None, None
    csrf = services.accounts.csrf_for(cookie)
    try:
        return services.home.of(session.principal), None, csrf
    except ForbiddenError as exc:
        return None, exc.diagnostics(), csrf


@router.get("/app", response_class=HTMLResponse, include_in_schema=False)
async def workplace(request: Request, services: ServicesDep) -> HTMLResponse:
    zh = not wants_english(request)
    home, problem, csrf = await run_in_threadpool(_home, services, request.cookies.get(SESSION_COOKIE))
    html = TEMPLATES.get_template("app.html").render(
        zh=zh,
        t=lambda chinese, english: chinese if zh else english,
        home=home,
        problem=problem,
        csrf=csrf,
        due=[due_line(item) for item in home.due] if home else [],
        sections=sections(home) if home else [],
        role_names=ROLE_NAMES,
        kind_names=KIND_NAMES,
        unit_names=UNIT_NAMES,
        event_names=EVENT_NAMES,
        other_lang_url="/app?" + urlencode({"lang": "en" if zh else "zh"}),
        lang_query="" if zh else "?lang=en",
        integrity=INTEGRITY["app.js"],
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Vary": "Cookie, Accept-Language"})


EVENT_NAMES = {
    name: (str(s.schema.get("x-title-zh") or name), str(s.schema.get("title") or name))
    for name, s in catalogue().items()
}
"""Each event type's name in Chinese and English, from its schema."""


def _csrf(services: Services, request: Request) -> str | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return services.accounts.csrf_for(cookie) if cookie else None


def _organisation(services: Services, request: Request) -> Organisation | None:
    """The signed-in person's organisation, or None (not signed in, or a member of none)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    session = services.accounts.session(cookie) if cookie else None
    if session is None:
        return None
    try:
        return services.membership.organisation(services.membership.org_of(session.principal.actor))
    except NotFoundError:
        return None


def _prefill(members: dict[str, Any], organisation: Organisation | None, made_from: str, sample: str) -> dict[str, str]:
    """What the form can be filled with before the person types, by JSON pointer: the lot a new lot is made from
    as the first input quantity's lot; a lab's own name and accreditation, and the sample it was sent; a
    regulator's name as a hold's or recall's authority."""
    found: dict[str, str] = {}
    if made_from and "input_quantities" in members:
        found["/input_quantities/0/lot"] = made_from
    if organisation and "lab" in organisation.roles and "sample_id" in members:
        if members.get("lab", {}).get("type") == "string":  # a test names its lab; a sample's is an id
            found["/lab"] = organisation.name
        if organisation.accreditations and "accreditation" in members:
            found["/accreditation"] = organisation.accreditations[0]
    if organisation and "regulator" in organisation.roles and members.get("authority", {}).get("type") == "string":
        found["/authority"] = organisation.name  # a hold's or recall's deciding authority
    if sample and "sample_id" in members:
        found["/sample_id"] = sample
    return found


@router.get("/app/record", response_class=HTMLResponse, include_in_schema=False)
def record_page(
    request: Request,
    services: ServicesDep,
    event_type: str = Query("field_operation", alias="type"),
    lot: str = "",
    made_from: str = Query("", alias="from"),
    sample: str = "",
) -> Response:
    """The form of one event type, generated in the browser from its schema: on ``lot``, or making a new lot
    from the lot ``from`` (a harvest from a plot, a batch from a harvest), its fields filled where the page
    knows their value (:func:`_prefill`)."""
    zh = not wants_english(request)
    schema = catalogue().get(event_type)
    if schema is None:
        detail = f"{event_type!r} is not an event type of the catalogue (GET /api/v1/event-types)"
        return problem_page(request, 400, ("事件类型无效", "Unknown event type"), (detail, detail), event_type)
    organisation = _organisation(services, request)
    members = schema.schema.get("properties") or {}
    html = TEMPLATES.get_template("app_record.html").render(
        zh=zh,
        t=lambda chinese, english: chinese if zh else english,
        title_zh=str(schema.schema.get("x-title-zh") or event_type),
        title_en=str(schema.schema.get("title") or event_type),
        event_type=event_type,
        lot_id=lot,
        lot_fixed=bool(lot) and not made_from,
        inputs=[made_from] if made_from else [],
        names=json.dumps(
            {
                "kinds": {kind: names[0 if zh else 1] for kind, names in KIND_NAMES.items()},
                "units": {unit: names[0 if zh else 1] for unit, names in UNIT_NAMES.items()},
            },
            ensure_ascii=False,
        ),
        prefill=json.dumps(_prefill(members, organisation, made_from, sample), ensure_ascii=False),
        lot_hint=" ".join(f"{p}…" for p in organisation.lot_prefixes) if organisation and made_from else "",
        csrf=_csrf(services, request),
        lang_query="" if zh else "?lang=en",
        integrity=INTEGRITY,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


FILTER_NAMES = (
    ("county", "县（市）", "County"),
    ("kind", "批次类型", "Kind of lot"),
    ("product", "产品形态", "Product"),
    ("rule", "规则", "Rule"),
    ("standard", "标准", "Standard"),
)


@router.get("/app/console", response_class=HTMLResponse, include_in_schema=False)
def console_page(
    request: Request,
    services: ServicesDep,
    county: str = "",
    kind: str = "",
    product: str = "",
    rule: str = "",
    standard: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    """The regulator's console (a session of a regulator's actor): findings filtered and counted."""
    zh = not wants_english(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    session = services.accounts.session(cookie) if cookie else None
    if session is None:
        return problem_page(request, 401, ("请先登录", "Sign in first"), ("/app", "/app"), "/app/console")
    day = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits (\d takes any script's)
    filters = Filters(
        county or None,
        kind or None,
        product or None,
        rule or None,
        standard or None,
        since if day.fullmatch(since) else None,
        until if day.fullmatch(until) else None,
    )
    try:
        view = services.console.view(session.principal, request.url.path, filters)
    except ForbiddenError as exc:
        return problem_page(request, 403, ("仅限监管部门", "For regulators only"), (exc.diagnostics(),) * 2, "")
    counts = [count for _, count in (*view.by_county, *view.by_rule)]
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    html = TEMPLATES.get_template("app_console.html").render(
        zh=zh,
        t=lambda chinese, english: chinese if zh else english,
        view=view,
        csrf=_csrf(services, request),
        filters=filters.__dict__,
        filter_names=FILTER_NAMES,
        charts=[
            ("按县统计", "By county", view.by_county, "by-county"),
            ("按规则统计", "By rule", view.by_rule, "by-rule"),
        ],
        top=max(counts, default=1),
        kind_names=KIND_NAMES,
        choice_names={"kind": KIND_NAMES, "product": FORM_NAMES},
        lang_query="" if zh else "?lang=en",
        other_lang_url="/app/console?" + urlencode({**query, "lang": "en" if zh else "zh"}),
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
