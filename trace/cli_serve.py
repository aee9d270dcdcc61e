"""``ginseng-trace serve``: the HTTP API and the pages, in one process or in several workers."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from .bootstrap import open_ledger
from .cli_common import EXIT_OK, settings_of

if TYPE_CHECKING:
    from .service import Services


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn
    from sqlalchemy.engine import make_url

    from .api.observability import startup_line
    from .api.served import served_app, worker_environment
    from .api.serving import uvicorn_options
    from .demo import load_demo
    from .service.metrics import shared_between_processes

    settings = settings_of(args)
    ledger = open_ledger(settings)

    def say(text: str) -> None:  # before uvicorn's logging starts: a JSON line too with log_format json
        print(startup_line(text) if settings.log_format == "json" else text, file=sys.stderr)

    if args.demo and ledger.records.count() == 0:
        created = load_demo(ledger)["events_created"]
        say(f"loaded the demo data set: {created} events")
    if args.demo:
        print_demo_accounts(ledger)
    say(f"ledger: {make_url(settings.resolved_database_url).render_as_string(hide_password=True)}")
    bounds = uvicorn_options(
        header_timeout=settings.header_timeout,
        keep_alive=settings.keep_alive_timeout,
        max_header_bytes=settings.max_header_bytes,
        graceful_shutdown=10,
        max_in_flight=settings.max_in_flight,
        max_connections=settings.max_connections,
        log_format=settings.log_format,
    )
    # the app believes X-Forwarded-For only from TRACE_TRUSTED_PROXIES; uvicorn's own default (trust it from
    # 127.0.0.1, or FORWARDED_ALLOW_IPS) is off, so that a local client cannot pose as another
    where = {"host": args.host, "port": args.port, "log_level": "info", "proxy_headers": False}
    workers = args.workers or settings.workers
    if workers == 1:
        uvicorn.run(served_app(settings, ledger, args.host, args.port), **where, **bounds)
        return EXIT_OK
    ledger.close()  # each worker opens its own (api/served.py)
    ledger.store.close()
    if settings.limits_storage == "memory://":
        say(
            f"rate limits count in each worker's memory: a limit admits up to {workers} times as much "
            "(TRACE_LIMITS_STORAGE=redis://… shares them)"
        )
    os.environ.update(worker_environment(settings, args.host, args.port, getattr(args, "config", None)))
    bounds["http"] = "ginseng_trace.api.served:WorkerH11"
    # a worker imports the package and opens the ledger before it answers the supervisor's health checks:
    # seconds on a loaded machine, beyond uvicorn's 5 s default, after which it would be killed and replaced
    with shared_between_processes():  # one scrape sums the workers' counts (service/metrics.py)
        uvicorn.run(
            "ginseng_trace.api.served:worker_app",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=60,
            **where,
            **bounds,
        )
    return EXIT_OK


def print_demo_accounts(ledger: Services) -> None:
    """Open the demo accounts (idempotent) and say how to sign in as each demo role."""
    from .demo import DEMO_PASSWORD, open_demo_accounts

    accounts = open_demo_accounts(ledger)
    logins = ", ".join(f"{login} ({role})" for login, role in accounts)
    print(f"demo accounts (password {DEMO_PASSWORD}): {logins}", file=sys.stderr)
    if not ledger.held_keys.enabled:
        print("recording from /app needs TRACE_KEY_ENCRYPTION_KEY (./scripts/serve sets one)", file=sys.stderr)


def add_serve(sub: Any, db: argparse.ArgumentParser) -> None:
    """The ``serve`` command on the top parser's subcommands ``sub`` (``db``: the common database options)."""
    p = sub.add_parser("serve", parents=[db], help="run the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true", help="load the demo data set first if the ledger is empty")
    p.add_argument(
        "--dev-signing", action="store_true", help="let the server sign events as 'dev-signer' (development only)"
    )
    p.add_argument(
        "--workers", type=int, choices=range(1, 65), metavar="N", help="worker processes (default: TRACE_WORKERS, 1)"
    )
    p.set_defaults(run=cmd_serve)
