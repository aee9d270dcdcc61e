"""/docs from this service's own copy of Swagger UI (no outside host), off with TRACE_DOCS=false; the security
headers on pages, API answers, problem documents and static files (issue 15)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services
from ginseng_trace.settings import Settings

from ..conftest import LiveServer


@contextmanager
def served(ledger: Services, **options: Any) -> Iterator[httpx.Client]:
    with LiveServer(create_app(ledger, **options)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def test_docs_reference_no_outside_host_and_their_assets_are_served(ledger: Services) -> None:
    with served(ledger) as client:
        docs_are_local(client)


def docs_are_local(client: httpx.Client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(references) == 4
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references)
    assert "<script>" not in page.text  # no inline script: the policy holds on /docs too
    for ref in references:
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert len(asset.content) > 100, ref
    bundle = client.get("/docs/assets/swagger-ui-bundle.js").text
    assert re.search(r'"5\.\d+\.\d+"', bundle)  # Swagger UI 5: renders OpenAPI 3.1
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    assert client.get("/redoc").status_code == 404  # ReDoc's page would load fonts from an outside host


def test_docs_off_in_production(ledger: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACE_DOCS", "false")
    with served(ledger, docs=Settings().docs) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 404
        assert client.get("/openapi.json").status_code == 200  # the description stays: clients generate from it


def test_every_answer_carries_the_security_headers(ledger: Services) -> None:
    with served(ledger, trust_anchors_url="https://regulator.example.cn/anchors.json") as client:
        headers_everywhere(client)


def headers_everywhere(client: httpx.Client) -> None:
    for path, status in (
        ("/.well-known/gs1resolver", 200),  # JSON
        ("/app", 200),  # a page
        ("/static/verify.js", 200),  # a static file
        ("/lot/NO-SUCH-LOT", 404),  # the 404 page
        ("/api/v1/lots/NO-SUCH-LOT/history", 404),  # a problem document
    ):
        answer = client.get(path)
        assert answer.status_code == status, path
        policy = answer.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert directives["connect-src"] == "'self' https://regulator.example.cn"  # the scan page fetches anchors
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"  # a scan URL's query never leaves as Referer
