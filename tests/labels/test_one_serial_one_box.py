"""One serial, one box, over real HTTP on both engines: ``/21/7`` is not the box ``/21/0007`` anywhere (the
resolver, the page, the labels, the tallies, the sales), a serial is sold once, and malformed serials get a
clear 4xx, never a 500."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from starlette.exceptions import HTTPException

from ginseng_trace.api.middleware import BodyLimit
from ginseng_trace.service import Services

from ..api.test_api import envelope
from ..conftest import demo_actor
from .test_labels import GTIN, Site, from_phone

BOX = f"/01/{GTIN}/10/PK-2025-0931/21/"
JSON = {"Accept": "application/json"}


def sale(serials: list[str], at: str = "2025-11-22T07:30:00Z", **extra: Any) -> dict[str, Any]:
    payload = {"units": len(serials), "serials": serials, "buyer_type": "consumer", "city": "长春", **extra}
    return envelope(demo_actor("changchun-herb-shop").sign("PK-2025-0931", "sell", occurred_at=at, payload=payload))


@pytest.mark.slow
def test_a_serial_is_a_string_on_the_page_and_in_the_tallies(demo: Services) -> None:
    with Site(demo) as site:
        genuine = site.get(BOX + "0007", headers=JSON)  # the demo sold 0007 in 长春
        assert genuine.status_code == 200
        assert [s["city"] for s in genuine.json()["sold"]] == ["长春"]
        for alias in ("7", "007", "00007", "%D9%A0%D9%A0%D9%A0%D9%A7"):  # ... and ٠٠٠٧
            for headers in (JSON, {"Accept": "text/html"}):
                copy = from_phone(site, 2, BOX + alias, headers=headers)
                assert copy.status_code in (400, 404), (alias, copy.status_code)
                assert "已在本机核验" not in copy.text
        seven = from_phone(site, 2, BOX + "7", headers=JSON)
        assert seven.status_code == 404
        assert seven.headers["content-type"] == "application/problem+json"
        assert seven.json()["detail"].startswith("Serial 7 is not one of lot PK-2025-0931's packaging run (0001-0200).")
        page = from_phone(site, 2, BOX + "7", params={"lang": "en"})
        assert "Not registered: possibly counterfeit" in page.text
        assert "0001-0200" in page.text
        again = from_phone(site, 3, BOX + "0007", headers=JSON).json()
    assert again["scans"]["count"] == 2  # the genuine scan and this one; no alias counted anywhere
    demo.scans.flush()
    assert [serial for _g, _lot, serial, _s in demo.scans.report("PK-2025-0931")] == ["0007"]


@pytest.mark.slow
def test_labels_exist_only_for_the_runs_own_serials(demo: Services) -> None:
    with Site(demo) as site:
        assert site.get("/api/v1/lots/PK-2025-0931/label.svg", params={"serial": "0007"}).status_code == 200
        for alias in ("7", "00007"):
            answer = site.get("/api/v1/lots/PK-2025-0931/label.svg", params={"serial": alias})
            assert answer.status_code == 404, alias
        for bad in ("٠٠٠٧", "7" * 4301):  # not a GS1 serial at all: 422 naming it (issue 15)
            answer = site.get("/api/v1/lots/PK-2025-0931/label.svg", params={"serial": bad})
            assert answer.status_code == 422, bad
            assert answer.json()["errors"][0]["pointer"] == "/serial"
        link = site.get("/api/v1/lots/PK-2025-0931/label.svg", params={"serial": "0200"}).headers["x-digital-link"]
    assert link.endswith(BOX + "0200")


@pytest.mark.slow
def test_a_serial_is_sold_once_and_only_from_its_run(demo: Services) -> None:
    with Site(demo) as site:
        twice = site.post("/api/v1/events", json=sale(["0009", "0008"]), headers={"Accept-Language": "en"})
        assert twice.status_code == 422
        problem = twice.json()
        assert problem["type"].endswith("rule:serials")
        assert problem["errors"][0]["pointer"].endswith("/payload/serials/1")
        assert "serial 0008 of lot PK-2025-0931 was already sold on 2025-11-20" in problem["detail"]
        zh = site.post("/api/v1/events", json=sale(["0008"]))
        assert "已于 2025-11-20售出" in zh.json()["detail"]
        unpadded = site.post("/api/v1/events", json=sale(["7"]), headers={"Accept-Language": "en"})
        assert unpadded.status_code == 422
        assert "serial 7 is not in lot PK-2025-0931's packaging run (0001-0200" in unpadded.json()["detail"]
        outside = site.post("/api/v1/events", json=sale(["0201"]))
        assert outside.status_code == 422
        assert outside.json()["errors"][0]["pointer"].endswith("/payload/serials/0")
        repeated = site.post("/api/v1/events", json=sale(["0010", "0010"]))
        assert repeated.status_code == 422  # the payload schema: serials are unique
        for bad in ("٠٠٠٧", "7" * 4301, "A 7"):
            answer = site.post("/api/v1/events", json=sale([bad]))
            assert answer.status_code == 422, bad
        assert site.post("/api/v1/events", json=sale(["0009", "0010"])).status_code == 201
        sold = site.get(BOX + "0010", headers=JSON).json()["sold"]
        assert [s["on"] for s in sold] == ["2025-11-22"]
    report = demo.checks.check()  # the replay judges the stored sales again: none breaks a rule
    assert not [f for f in report.findings if f.rule == "serials"]


@pytest.mark.slow
def test_malformed_serials_and_lengths_get_a_clear_4xx(demo: Services) -> None:
    with Site(demo) as site:
        for path in (BOX + "7" * 4301, BOX + "7" * 21, BOX + "%FF", BOX + "a%20b"):
            answer = site.get(path, headers=JSON)
            assert answer.status_code == 400, (path[:80], answer.status_code)
            assert answer.json()["title"] == "Invalid code"
        nul = site.get(BOX + "%00", headers=JSON)  # a NUL makes the code malformed (issue 14): 400 naming the part
        assert (nul.status_code, nul.json()["part"]) == (400, "path")
        host, port = site.base_url.host, site.base_url.port
        assert port is not None
        with socket.create_connection((host, port)) as raw:  # a length no int() may be asked to read
            raw.sendall(b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 4301 + b"\r\n\r\n{}")
            status = raw.recv(64).split(b" ")[1]
        assert status.startswith(b"4"), status


def test_the_body_limit_reads_no_length_of_thousands_of_digits() -> None:
    """Behind a server that passes any Content-Length on, the body limit answers 413, not a ValueError."""
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "headers": [(b"content-length", b"9" * 4301)]}
    with pytest.raises(HTTPException) as refused:
        asyncio.run(BodyLimit(app, 1 << 20)(scope, receive, send))
    assert refused.value.status_code == 413
