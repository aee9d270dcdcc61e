"""TRACE_TRUSTED_PROXIES over real HTTP: behind a reverse proxy the scan counter and the rate limits key on the
shopper's address from X-Forwarded-For, but only when the peer is a trusted proxy; a forged header from anyone
else is ignored, and a trusted proxy's header counts from its right-most untrusted address (what the proxy saw),
never the left-most (what the client wrote)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from ginseng_trace.api import create_app
from ginseng_trace.labels.signals import ScanPolicy
from ginseng_trace.service import Services
from ginseng_trace.settings import Settings

from ..conftest import LiveServer

GTIN = "06975123400010"
LABEL = f"/01/{GTIN}/10/PK-2025-0931/21/0077"
JSON = {"Accept": "application/json"}


def peer(server: LiveServer, n: int) -> httpx.Client:
    """A client whose TCP peer address is 127.0.0.n (the proxy, or a client talking to the service directly)."""
    return httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address=f"127.0.0.{n}"))


def serve(ledger: Services, trusted: Sequence[str], **options: Any) -> LiveServer:
    policy = ScanPolicy(max_scans=50, max_cities=5)
    return LiveServer(
        factory=lambda url: create_app(ledger, public_base=url, scan_policy=policy, trusted_proxies=trusted, **options)
    )


def scans(client: httpx.Client, forwarded_for: str | None = None) -> int:
    headers = {**JSON, **({"X-Forwarded-For": forwarded_for} if forwarded_for else {})}
    answer = client.get(LABEL, headers=headers)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["scans"]["count"])


@pytest.mark.slow
def test_a_forwarded_for_from_an_untrusted_peer_is_ignored(demo: Services) -> None:
    """No trusted proxy (the default): every forged address is the same client, the peer."""
    with serve(demo, ()) as server, peer(server, 1) as client:
        assert scans(client) == 1
        for shopper in ("203.0.113.1", "203.0.113.2", "198.51.100.7, 203.0.113.3"):
            assert scans(client, shopper) == 1
    with serve(demo, ["127.0.0.2"]) as server, peer(server, 3) as stranger:
        # a proxy is trusted, but this peer is not it: its header is ignored too (127.0.0.3 is one new client)
        assert scans(stranger, "203.0.113.4") == 2
        assert scans(stranger, "203.0.113.5") == 2


def test_a_trusted_proxy_s_forwarded_for_is_honoured_from_its_right_most_untrusted_address(demo: Services) -> None:
    with serve(demo, ["127.0.0.2", "10.0.0.0/8"]) as server, peer(server, 2) as proxy:
        assert scans(proxy, "203.0.113.1") == 1
        assert scans(proxy, "203.0.113.2") == 2  # another shopper behind the same proxy
        assert scans(proxy, "203.0.113.1") == 2  # the first one again, the same day
        # a shopper who writes its own X-Forwarded-For: the proxy appends what it saw, and that counts
        assert scans(proxy, "192.0.2.99, 203.0.113.2") == 2
        # a chain of trusted proxies (10.0.0.0/8): the right-most untrusted address is the shopper
        assert scans(proxy, "203.0.113.9, 10.1.2.3") == 3
        # the proxy itself, without the header, is a client of its own
        assert scans(proxy) == 4


@pytest.mark.slow
def test_the_rate_limits_key_on_the_trusted_proxy_s_client(demo: Services) -> None:
    with serve(demo, ["127.0.0.2"], rate_limit="3/minute") as server, peer(server, 2) as proxy:
        for _ in range(3):
            assert proxy.get("/api/v1/event-types", headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 200
        assert proxy.get("/api/v1/event-types", headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 429
        # another shopper behind the same proxy has its own window
        assert proxy.get("/api/v1/event-types", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200
        with peer(server, 4) as direct:  # a client of its own, forging addresses: one window whatever it writes
            answers = [
                direct.get("/api/v1/event-types", headers={"X-Forwarded-For": f"203.0.113.{10 + i}"}).status_code
                for i in range(4)
            ]
        assert answers == [200, 200, 200, 429]


def test_the_setting_takes_addresses_and_networks_and_refuses_anything_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACE_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1 ::1")
    assert Settings().parsed_trusted_proxies == ["10.0.0.0/8", "127.0.0.1", "::1"]
    monkeypatch.delenv("TRACE_TRUSTED_PROXIES")
    assert Settings().parsed_trusted_proxies == []  # trust none by default
    monkeypatch.setenv("TRACE_TRUSTED_PROXIES", "10.0.0.0/8,proxy.example")
    with pytest.raises(ValidationError, match=r"'proxy\.example' is not an IP address or CIDR network"):
        Settings()


def test_serve_leaves_the_decision_to_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """`serve` turns uvicorn's own proxy headers off (they would trust 127.0.0.1 by default) and gives the app
    TRACE_TRUSTED_PROXIES; a malformed setting is one line and a non-zero exit, before anything is served."""
    import uvicorn

    from ginseng_trace import cli

    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    monkeypatch.setenv("TRACE_TRUSTED_PROXIES", "127.0.0.2")
    assert cli.main(["serve", "--data-dir", str(tmp_path)]) == 0
    assert served["proxy_headers"] is False
    middleware = [m.cls.__name__ for m in served["app"].user_middleware]
    assert middleware[0] == "ProxyHeadersMiddleware"  # outermost: the limits and the scans see the shopper
    monkeypatch.setenv("TRACE_TRUSTED_PROXIES", "proxy.example")
    served.clear()
    assert cli.main(["serve", "--data-dir", str(tmp_path)]) != 0
    assert served == {}
