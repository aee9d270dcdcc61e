"""The workplace page: ``GET /app``, a person's home once signed in (the session cookie), the sign-in form
otherwise."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from ...service import Services
from ...service.errors import ForbiddenError
from ...service.home import HomeView
from ..auth import SESSION_COOKIE
from ..dependencies import ServicesDep
from ..home_page import KIND_NAMES, ROLE_NAMES, UNIT_NAMES, due_line, sections
from ..pages import INTEGRITY, TEMPLATES, wants_english

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
        other_lang_url="/app?" + urlencode({"lang": "en" if zh else "zh"}),
        lang_query="" if zh else "?lang=en",
        integrity=INTEGRITY["app.js"],
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Vary": "Cookie, Accept-Language"})
