"""The web app on the device (issue 13): a person registers a key made on their phone for their own actor
(``POST /api/v1/me/keys``), and the app installs and opens offline (its manifest and service worker, served
from the app's scope ``/app``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..auth import SessionDep
from ..dependencies import API, ServicesDep, WritesDep
from ..home_models import DeviceKeyIn, DeviceKeyOut
from ..pages import STATIC
from .accounts import AUTH_ERRORS
from .common import body_schema, in_write_pool, json_object

router = APIRouter()


@router.post(
    f"{API}/me/keys",
    status_code=201,
    response_model=DeviceKeyOut,
    responses={200: {"description": "the key was registered before"}, **AUTH_ERRORS},
    openapi_extra=body_schema(DeviceKeyIn),
    summary="Register a key you made on your device for your own actor (a session cookie and X-CSRF-Token)",
)
async def register_device_key(
    request: Request, session: SessionDep, services: ServicesDep, writes: WritesDep
) -> JSONResponse:
    """Records a ``register_key`` membership event signed by the operator; the key signs from the next log
    position on. Only your own actor's keys (403 otherwise), at most ``MAX_LIVE_KEYS`` live ones (403)."""
    body = await json_object(request, "key")
    added, key = await in_write_pool(writes, services.membership.add_own_key, session.actor, body["key"])
    doc = {
        "actor": key.name,
        "key_id": key.key_id_hex,
        "key": key.text(),
        "record_hash": added.record.record_hash if added else None,
    }
    return JSONResponse(doc, status_code=201 if added else 200, headers={"Cache-Control": "no-store"})


MANIFEST = {
    "name": "人参溯源 Ginseng Trace",
    "short_name": "人参溯源",
    "start_url": "/app",
    "scope": "/app",
    "display": "standalone",
    "background_color": "#fafaf7",
    "theme_color": "#0b57d0",
    "lang": "zh-CN",
    "icons": [{"src": "/app/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
}
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" rx="18" fill="#0b57d0"/>'
    '<text x="48" y="64" font-size="48" text-anchor="middle" fill="#fff" font-family="sans-serif">参</text></svg>'
)


@router.get("/app/manifest.webmanifest", include_in_schema=False)
def manifest() -> JSONResponse:
    return JSONResponse(MANIFEST, media_type="application/manifest+json")


@router.get("/app/icon.svg", include_in_schema=False)
def icon() -> Response:
    return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


@router.get("/app/sw.js", include_in_schema=False)
def service_worker() -> Response:
    """The service worker, from the app's scope; ``Service-Worker-Allowed`` lets it control ``/app`` itself
    (the home page) as well as ``/app/...``. Never cached by HTTP, so an update reaches the phone."""
    return Response(
        (STATIC / "sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/app", "Cache-Control": "no-cache"},
    )
