"""The FastAPI application: assembled from the routers, the middleware, the problem handlers and the lifespan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .. import __version__
from ..labels.places import gazetteer
from ..labels.signals import ScanPolicy
from ..service import Services
from . import models, problems
from .dependencies import AppSettings, Caches
from .docs import install_docs
from .lifespan import lifespan
from .middleware import BodyLimit, HeadAsGet, ShedLoad, refuse_nul
from .observability import ObserveRequests
from .pages import STATIC
from .ratelimit import RateLimits
from .routes import (
    accounts,
    app_lot,
    audit,
    capture,
    catalogue,
    complaints,
    device,
    epcis,
    epcis_query,
    epcis_resources,
    events,
    fsma204,
    home,
    labels,
    log,
    lots,
    operations,
    resolver,
    scan_page,
    scans,
)
from .security import SecurityHeaders

DEFAULT_SCAN_POLICY = ScanPolicy()


def create_app(
    services: Services,
    *,
    max_body_bytes: int = 1 << 20,
    max_in_flight: int = 64,
    checkpoint_seconds: float | None = None,
    witness_urls: Sequence[str] = (),
    public_base: str = "http://127.0.0.1:8000",
    scan_policy: ScanPolicy = DEFAULT_SCAN_POLICY,
    trust_anchors_url: str | None = None,
    rate_limit: str | None = None,
    refused_limit: str | None = None,
    login_limit: str | None = None,
    complaint_limit: str | None = "10/hour",
    trusted_proxies: Sequence[str] = (),
    docs: bool = True,
    limits_storage: str = "memory://",
    limits_namespace: str = "ginseng-trace",
) -> FastAPI:
    """The HTTP API and the people's pages over ``services``; with ``checkpoint_seconds``, checkpoints are
    also published on a timer and sent to the witnesses at ``witness_urls``. With ``trust_anchors_url``,
    scan pages verify against the log and witness keys published there (by someone other than this
    service) instead of the keys this service gives. ``rate_limit`` and ``refused_limit`` (e.g.
    ``1200/minute``, ``60/minute``; ``serve`` sets them from TRACE_RATE_LIMIT and TRACE_REFUSED_LIMIT) limit
    requests, and refused submissions, per client address; ``login_limit`` (TRACE_LOGIN_LIMIT) failed logins
    and token checks per client address; ``complaint_limit`` (TRACE_COMPLAINT_LIMIT) consumers' complaints per
    client address (on unless set to None). ``trusted_proxies`` (TRACE_TRUSTED_PROXIES: addresses or CIDR
    networks): only a request whose peer is one of them has its client taken from ``X-Forwarded-For``, the
    right-most address there that is not a trusted proxy (uvicorn's proxy-headers middleware, outermost, so
    the rate limits and the scan counter see that client); none by default, so a forged header is ignored.
    ``limits_storage`` (TRACE_LIMITS_STORAGE): where the rate limits' windows are kept, ``memory://`` or a
    Redis URL every worker shares, its keys under ``limits_namespace``."""
    app = FastAPI(
        title="Ginseng Trace",
        version=__version__,
        description="Append-only, hash-chained traceability ledger for Jilin ginseng.",
        lifespan=lifespan(services, checkpoint_seconds, witness_urls),
        dependencies=[Depends(refuse_nul)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.state.settings = AppSettings(public_base, scan_policy, trust_anchors_url)
    app.state.caches = Caches()
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    if any(limit is not None for limit in (rate_limit, refused_limit, login_limit, complaint_limit)):
        app.add_middleware(
            RateLimits,
            every=rate_limit,
            refused=refused_limit,
            failed_auth=login_limit,
            complaints=complaint_limit,
            storage=limits_storage,
            namespace=limits_namespace,
        )
    app.add_middleware(ShedLoad, limit=max_in_flight)
    app.add_middleware(SecurityHeaders, trust_anchors_url=trust_anchors_url)
    app.add_middleware(ObserveRequests, metrics=services.metrics)  # outside the limits: their 429/503 counted
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
    problems.install(app)
    gazetteer()  # loaded now (about 0.1 s), not on the first scan that names a city
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if docs:
        install_docs(app)
    app.include_router(resolver.router)
    app.include_router(scans.router)
    app.include_router(labels.router)
    app.include_router(events.router)
    if services.dev_signer is not None:
        app.include_router(events.dev_router)
    app.include_router(lots.router)
    app.include_router(epcis.router)
    app.include_router(epcis_query.router)
    app.include_router(epcis_resources.router)
    app.include_router(fsma204.router)
    app.include_router(capture.router)
    app.include_router(complaints.router)
    app.include_router(catalogue.router)
    app.include_router(log.router)
    app.include_router(accounts.router)
    app.include_router(home.router)
    app.include_router(app_lot.router)
    app.include_router(device.router)
    app.include_router(scan_page.router)
    app.include_router(audit.router)
    app.include_router(operations.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (models.SignedEventIn, models.DevEventIn, models.LoginIn, models.TokenIn):
                doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(doc.pop("$defs", {}))
                components[model.__name__] = doc
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
