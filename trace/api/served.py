"""The app ``ginseng-trace serve`` runs, built from the settings: in the serving process itself, or in each of
several worker processes (``--workers`` / ``TRACE_WORKERS``).

With several workers, uvicorn starts each as a new process (``spawn``) that imports :func:`worker_app` and
calls it: the worker reads the same settings from its environment (``serve`` puts its command-line overrides
there first), opens the ledger without migrating it (``serve`` migrated it, and loaded the demo, once, before
starting any), and sets its protocol's bounds (:class:`WorkerH11`). The workers share one listening socket,
so the kernel spreads connections over them.

What the workers share is what the deployment shares: the database (the ledger, sessions, tokens, scan tallies
and their visitors, complaints), the data directory's keys, and, for the rate limits, ``TRACE_LIMITS_STORAGE``
(a Redis URL; with ``memory://``, each worker counts its own, so a limit admits up to ``workers`` times as
much, and ``serve`` says so when it starts), and the Prometheus counts (``PROMETHEUS_MULTIPROC_DIR``, a
directory ``serve`` gives them: see ``service/metrics.py``). What each keeps to itself is only what is rebuilt from the
database: its caches (pages, lot-heads maps, the log's state, scan tallies read within the last 5 s), its
checkpoint timer (checkpoints are signed under the ledger's append lock, so two workers never sign two
different checkpoints of one size) and its request bounds (``TRACE_MAX_IN_FLIGHT`` and
``TRACE_MAX_CONNECTIONS`` are per worker).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from ..bootstrap import open_ledger
from ..config import CONFIG_ENV, load_settings
from ..labels.signals import ScanPolicy
from ..service import Services
from ..settings import Settings
from .app import create_app
from .serving import HeaderTimeoutH11

SERVE_ADDRESS = "TRACE_SERVE_ADDRESS"
"""The environment variable in which ``serve`` tells its workers the ``host:port`` it listens on (the default
public base of labels' Digital Links)."""


def served_app(settings: Settings, ledger: Services, host: str, port: int) -> FastAPI:
    """The app over ``ledger`` as ``settings`` configure it, for a server listening on ``host:port``."""
    return create_app(
        ledger,
        max_body_bytes=settings.max_body_bytes,
        max_in_flight=settings.max_in_flight,
        checkpoint_seconds=settings.checkpoint_seconds,
        witness_urls=settings.parsed_witness_urls,
        public_base=settings.public_base or f"http://{host}:{port}",
        scan_policy=ScanPolicy(settings.scan_alert_count, settings.scan_alert_cities, settings.scan_alert_km),
        trust_anchors_url=settings.trust_anchors_url,
        rate_limit=settings.rate_limit,
        refused_limit=settings.refused_limit,
        login_limit=settings.login_limit,
        complaint_limit=settings.complaint_limit,
        trusted_proxies=settings.parsed_trusted_proxies,
        docs=settings.docs,
        limits_storage=settings.limits_storage,
        limits_namespace=f"ginseng-trace:{settings.log_origin}",  # one ledger's limits apart from another's
    )


def worker_environment(settings: Settings, host: str, port: int, config: str | None = None) -> dict[str, str]:
    """What a worker needs in its environment beyond the parent's to read the parent's settings: the
    command-line overrides (database, data directory, development signing, the configuration file) and the
    address ``serve`` listens on."""
    file = {CONFIG_ENV: str(Path(config).resolve())} if config else {}
    return {
        **file,
        "TRACE_DATABASE_URL": settings.resolved_database_url,
        "TRACE_DATA_DIR": str(settings.data_dir),
        "TRACE_DEV_SIGNING": "true" if settings.dev_signing else "false",
        "TRACE_WORKERS": str(settings.workers),
        SERVE_ADDRESS: f"{host}:{port}",
    }


class WorkerH11(HeaderTimeoutH11):
    """The bounded h11 protocol of a worker process, importable by name (uvicorn hands a worker its protocol
    class by reference); :func:`worker_app` sets its bounds from the settings before the worker serves."""


def worker_app() -> FastAPI:
    """uvicorn's app factory in each worker process (see the module's docstring)."""
    settings = load_settings(None)  # the environment, and the file TRACE_CONFIG names, as the parent read them
    WorkerH11.header_timeout = settings.header_timeout
    WorkerH11.max_in_flight = settings.max_in_flight
    WorkerH11.max_connections = settings.max_connections
    host, _, port = os.environ.get(SERVE_ADDRESS, "127.0.0.1:8000").rpartition(":")
    return served_app(settings, open_ledger(settings, migrate_first=False), host, int(port))


__all__ = ["SERVE_ADDRESS", "WorkerH11", "served_app", "worker_app", "worker_environment"]
