"""``/docs``: Swagger UI served from this service, never from a CDN (so it works offline and where a CDN is
unreachable). Its assets come from the ``fastapi-offline`` package (a current Swagger UI 5 bundle, which
renders OpenAPI 3.1); the page has no inline script (``static/docs.js`` starts it), so the site's
Content-Security-Policy holds on it too. Off with ``TRACE_DOCS=false`` (production)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .pages import INTEGRITY

ASSETS = Path(str(resources.files("fastapi_offline").joinpath("static")))
"""The directory of Swagger UI's bundle and stylesheet."""
ASSETS_URL = "/docs/assets"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js" integrity="{integrity}"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and its assets on ``app`` (made with ``docs_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    page = _PAGE.format(
        title=app.title,
        assets=ASSETS_URL,
        openapi=app.openapi_url,
        integrity=INTEGRITY["docs.js"],
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)
