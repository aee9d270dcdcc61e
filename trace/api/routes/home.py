"""The workplace page: ``GET /app``, a person's home once signed in (the session cookie), the sign-in form
otherwise."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ...events.catalogue import catalogue
from ...service import Services
from ...service.errors import ForbiddenError
from ...service.home import HomeView
from ..auth import SESSION_COOKIE
from ..dependencies import ServicesDep
from ..home_page import KIND_NAMES, ROLE_NAMES, UNIT_NAMES, due_line, sections
from ..pages import INTEGRITY, TEMPLATES, problem_page, wants_english

router = APIRouter()


def _home(services: Services, cookie: str | None) -> tuple[HomeView | None, str | None]:
    """The signed-in person's home (None when not signed in), or why there is none to show."""
    session = services.accounts.session(cookie) if cookie else None
    if session is None:
        return None, None
    try:
        return services.home.of(session.principal), None
    except ForbiddenError as exc:
        return None, exc.diagnostics()


@router.get("/app", response_class=HTMLResponse, include_in_schema=False)
async def workplace(request: Request, services: ServicesDep) -> HTMLResponse:
    zh = not wants_english(request)
    home, problem = await run_in_threadpool(_home, services, request.cookies.get(SESSION_COOKIE))
    html = TEMPLATES.get_template("app.html").render(
        zh=zh,
        t=lambda chinese, english: chinese if zh else english,
        home=home,
        problem=problem,
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


@router.get("/app/record", response_class=HTMLResponse, include_in_schema=False)
def record_page(
    request: Request,
    event_type: str = Query("field_operation", alias="type"),
    lot: str = "",
    made_from: str = Query("", alias="from"),
) -> Response:
    """The form of one event type, generated in the browser from its schema: on ``lot``, or making a new lot
    from the lot ``from`` (a harvest from a plot, a batch from a harvest)."""
    zh = not wants_english(request)
    schema = catalogue().get(event_type)
    if schema is None:
        detail = f"{event_type!r} is not an event type of the catalogue (GET /api/v1/event-types)"
        return problem_page(request, 400, ("事件类型无效", "Unknown event type"), (detail, detail), event_type)
    html = TEMPLATES.get_template("app_record.html").render(
        zh=zh,
        t=lambda chinese, english: chinese if zh else english,
        title_zh=str(schema.schema.get("x-title-zh") or event_type),
        title_en=str(schema.schema.get("title") or event_type),
        event_type=event_type,
        lot_id=lot,
        lot_fixed=bool(lot) and not made_from,
        inputs=[made_from] if made_from else [],
        lang_query="" if zh else "?lang=en",
        integrity=INTEGRITY,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
