"""HEAD wherever GET works (RFC 9110 §9.3.2, issue 14): every GET route of the app, its path parameters filled
from the served demo, answers HEAD with the GET's status and headers and no body, over real HTTP on both
engines; a HEAD of a label's page counts no scan."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest
from starlette.routing import BaseRoute, Route

from ginseng_trace.api import create_app
from ginseng_trace.chain.monitor import tile_path
from ginseng_trace.service import Services

from ..conftest import LiveServer

BOX = "06975123400010/10/PK-2025-0931/21/0007"
LOT = "PK-2025-0931"


def get_routes(routes: Iterable[BaseRoute]) -> Iterator[str]:
    """The path templates of every route that answers GET, through included routers."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from get_routes(included.routes)
        elif isinstance(route, Route) and "GET" in (route.methods or ()):
            yield route.path


def served_paths(client: httpx.Client, ledger: Services) -> list[str]:
    record = client.get(f"/api/v1/lots/{LOT}/history").json()["records"][0]["record_hash"]
    size = client.get("/api/v1/log/checkpoint").text.splitlines()[1]
    full, partial = divmod(int(size), 256)
    values = {
        "lot_id": LOT,
        "digest": record,
        "event_type": "harvest",
        "size": size,
        "level": "0",
        "path:path": tile_path(0) if full else tile_path(0, partial),
        "rest:path": BOX,
        "form": "csv",
        "capture_id": "0" * 32,  # an EPCIS capture job (401 without credentials, GET and HEAD alike)
        "value:path": "shipping",  # an EPCIS resource's value (a bizStep; other resources answer 400 or 404)
    }
    app = create_app(ledger)
    paths = []
    for template in get_routes(app.routes):
        path = template
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"no demo value for a parameter of {template}"
        paths.append(path)
    return paths


@pytest.mark.slow
def test_every_get_route_answers_head_with_the_same_status_and_headers(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    paths = served_paths(client, ledger)
    paths += ["/static/verify.js", "/api/v1/log/tile/entries/000", "/api/v1/lots/NO-SUCH-LOT/history", "/nowhere"]
    assert len(paths) > 40
    statuses: dict[str, int] = {}
    for path in paths:
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        if path != "/metrics":  # (its length changes with every request it counts)
            assert strip(head.headers) == strip(got.headers), path
        statuses[path] = got.status_code
    # the walk reaches real resources, not only refusals
    assert statuses["/api/v1/log/checkpoint"] == 200
    assert [status for path, status in statuses.items() if path.startswith("/api/v1/log/tile/0/")] == [200]
    assert statuses[f"/01/{BOX}"] == 200
    assert statuses[f"/api/v1/lots/{LOT}/bundle"] == 200
    assert statuses["/api/v1/schemas"] == 200
    assert statuses[f"/lot/{LOT}"] == 200
    assert sum(status == 200 for status in statuses.values()) > 25


def strip(headers: httpx.Headers) -> dict[str, Any]:
    return {k: v for k, v in headers.items() if k not in {"date", "x-request-id"}}  # (each request its own id)


@pytest.mark.slow
def test_head_is_not_allowed_where_get_is_not(demo_site: tuple[httpx.Client, Services]) -> None:
    client, _ = demo_site
    assert client.get("/api/v1/events").status_code == client.head("/api/v1/events").status_code == 405


def test_a_head_of_a_label_counts_no_scan(demo_site: tuple[httpx.Client, Services]) -> None:
    client, _ = demo_site
    box = "/01/06975123400010/10/PK-2025-0931/21/0003"
    for _ in range(3):
        assert client.head(box).status_code == 200
    assert client.get(box, headers={"Accept": "application/json"}).json()["scans"]["count"] == 1


def test_an_app_without_demo_data_answers_head_too(ledger: Services) -> None:
    """Without the log signed yet: a HEAD of the checkpoint answers as its GET does."""
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        got, head = client.get("/api/v1/log/checkpoint"), client.head("/api/v1/log/checkpoint")
        assert head.status_code == got.status_code
        assert strip(head.headers) == strip(got.headers)
