"""What routes depend on, as ``Annotated`` dependencies: the services and the app's own settings.

Each is an ``async def`` that only reads ``app.state``: FastAPI runs a plain ``def`` dependency in the thread
pool, a hop per dependency per request that the scan page would pay for nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request

from ..labels.signals import ScanPolicy
from ..service import Services
from ..service.cache import BoundedCache

API = "/api/v1"
BUNDLE_LOTS = 1000
VIEW_LOTS = 10_000
VIEW_SECONDS = 60.0
"""A lot's page view is built again when the log has grown or after this long, whichever comes first."""


@dataclass(frozen=True)
class AppSettings:
    """The HTTP side's own settings: where labels resolve, the scan policy, whose keys pages trust."""

    public_base: str = "http://127.0.0.1:8000"
    scan_policy: ScanPolicy = field(default_factory=ScanPolicy)
    trust_anchors_url: str | None = None

    @property
    def base(self) -> str:
        return self.public_base.rstrip("/")


@dataclass
class Caches:
    """What the HTTP side keeps between requests, per app: proof bundles as served, lots' page views."""

    bundles: BoundedCache[str, tuple[bytes, bytes, str]] = field(default_factory=lambda: BoundedCache(BUNDLE_LOTS))
    views: BoundedCache[str, Any] = field(default_factory=lambda: BoundedCache(VIEW_LOTS, max_age=VIEW_SECONDS))
    # each packaged lot's serials split off into child lots (the resolver follows them), kept like the views
    splits: BoundedCache[str, Any] = field(default_factory=lambda: BoundedCache(VIEW_LOTS, max_age=VIEW_SECONDS))


async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _settings(request: Request) -> AppSettings:
    settings: AppSettings = request.app.state.settings
    return settings


ServicesDep = Annotated[Services, Depends(_services)]


async def _caches(request: Request) -> Caches:
    caches: Caches = request.app.state.caches
    return caches


WRITE_THREADS = 8
"""Writes that may run (or wait for the write lock) at once, other than single appends. Each holds a database
connection while it waits, so these few leave the rest of the engine's connections to reads."""

APPEND_THREADS = 32
"""Single appends that may run at once. They are written in groups (service/group_commit.py), and an append
waiting for its group holds no database connection (only the group's writer does), so these many cost threads,
not connections; and a group holds only the appends that wait, so this also bounds a group's size (with 8,
32 clients' appends went in groups of 8 at most: bench/http_ingest.py)."""


@dataclass
class WritePool:
    """Where writes run: at most ``WRITE_THREADS`` writes (``limiter``) and ``APPEND_THREADS`` single appends
    (``appends``) at once, on a thread limiter of their own (``threads``: so that however many wait for the
    write lock, the default limiter's 40 threads stay free for reads); a write that finds its slots all taken
    waits for one at most ``patience`` seconds (the store's lock timeout), so that a request queued behind a
    held write lock is answered 503 within about twice that, never later."""

    limiter: anyio.CapacityLimiter
    appends: anyio.CapacityLimiter
    threads: anyio.CapacityLimiter
    patience: float


async def _writes(request: Request) -> WritePool:
    pool: WritePool | None = getattr(request.app.state, "writes", None)
    if pool is None:  # made in the serving loop, on the first write
        services: Services = request.app.state.services
        pool = request.app.state.writes = WritePool(
            anyio.CapacityLimiter(WRITE_THREADS),
            anyio.CapacityLimiter(APPEND_THREADS),
            anyio.CapacityLimiter(WRITE_THREADS + APPEND_THREADS),
            services.store.timeouts.lock,
        )
    return pool


CachesDep = Annotated[Caches, Depends(_caches)]
WritesDep = Annotated[WritePool, Depends(_writes)]
SettingsDep = Annotated[AppSettings, Depends(_settings)]
