"""The scan page in browsers without WebCrypto's Ed25519 or without ``crypto.subtle`` (older and in-app browsers;
a page over plain HTTP on a LAN, which is not a secure context): the page loads the vendored pure-JavaScript
fallback (``static/vendor/noble-ed25519-*-hashes-*.js``, pinned by Subresource Integrity) and verifies as
WebCrypto would, tampering still caught; a browser that has both never loads it.

Headless Chromium (Debian's, driven by Playwright) as in tests/api/test_browser.py; WebCrypto's Ed25519 is
taken away by an init script, and ``crypto.subtle`` by serving the page from a host name that is not loopback.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api.pages import VERIFY_FALLBACK
from ginseng_trace.service import Services

from ..conftest import demo_lineage
from . import test_browser as shared
from .test_browser import CHROMIUM, _flip, device_check, scanned_url

browser, site = shared.browser, shared.site  # the fixtures, as test_browser.py's tests have them

pytestmark = [
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does)"
    ),
    pytest.mark.browser,
    pytest.mark.slow,
]

NO_ED25519 = """(() => {
  const named = (a) => String((a && a.name) || a).toLowerCase() === "ed25519";
  const refuse = () => Promise.reject(new DOMException("Algorithm: Unrecognized name", "NotSupportedError"));
  const proto = SubtleCrypto.prototype;
  for (const [name, at] of [["importKey", 2], ["verify", 0], ["generateKey", 0]]) {
    const real = proto[name];
    proto[name] = function (...args) { return named(args[at]) ? refuse() : real.apply(this, args); };
  }
})();"""
"""What a browser whose WebCrypto has no Ed25519 answers: every Ed25519 operation refused."""

NO_SUBTLE = "Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined, configurable: true });"
"""A page that is not a secure context: ``crypto.subtle`` is undefined."""

RECORDS, LOTS = demo_lineage("PK-2025-0931").bundle_records, len(demo_lineage("PK-2025-0931").lots)


def opened(chromium: Any, url: str, init: str | None = None, bundle: Any = None) -> tuple[Any, str, str]:
    """A new page of ``url`` (with the script ``init`` run first, and ``bundle`` served as the lot's proof
    bundle, when given) and its device check's state and text, once it has one."""
    page = chromium.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    if init:
        page.add_init_script(init)
    if bundle is not None:
        page.route("**/api/v1/lots/PK-2025-0931/bundle", lambda route: route.fulfill(json=bundle))
    page.goto(url)
    state, text = device_check(page)
    return page, state, text


def loaded(page: Any) -> list[str]:
    return list(page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name)"))


@pytest.mark.parametrize(("init", "lacks"), [(NO_ED25519, "ed25519"), (NO_SUBTLE, "sha256,ed25519")])
def test_the_scanned_page_verifies_on_the_fallback(
    site: tuple[str, Services], browser: Any, init: str, lacks: str
) -> None:
    base, _ledger = site
    page, state, text = opened(browser, scanned_url(base), init)
    assert state == "ok", text
    assert text.startswith(f"Verified on this device: {RECORDS} records in {LOTS} lots"), text
    assert page.locator("#device-check").get_attribute("data-crypto") == f"fallback:{lacks}"
    assert any(name.endswith(f"/static/{VERIFY_FALLBACK}") for name in loaded(page))
    # and a browser with both: the same verdict, the fallback never fetched
    page, state, same = opened(browser, scanned_url(base))
    assert (state, same) == ("ok", text)
    assert page.locator("#device-check").get_attribute("data-crypto") == "webcrypto"
    assert not any("/static/vendor/" in name for name in loaded(page))


@pytest.mark.parametrize(
    ("where", "change", "says"),
    [
        ("a signed event", lambda b: _flip(b["entries"][3], "event"), "signature|does not match its hash"),
        ("a sealed record", lambda b: _flip(b["entries"][5], "record"), "inclusion proof|breaks the chain|JSON"),
        ("a log proof", lambda b: b["entries"][2]["proof"].reverse(), "inclusion proof"),
        ("the log's signature", lambda b: b.update(checkpoint=_bent_signature(b["checkpoint"])), "signature"),
    ],
)
@pytest.mark.parametrize("init", [NO_ED25519, NO_SUBTLE], ids=["no-ed25519", "no-subtle"])
def test_tampering_is_caught_on_the_fallback(
    site: tuple[str, Services], browser: Any, init: str, where: str, change: Any, says: str
) -> None:
    import re

    base, _ledger = site
    bundle = json.loads(httpx.get(f"{base}/api/v1/lots/PK-2025-0931/bundle").content)
    change(bundle)
    page, state, text = opened(browser, scanned_url(base), init, bundle)
    assert page.locator("#device-check").get_attribute("data-crypto", timeout=1000).startswith("fallback:")
    assert state == "fail", f"{where}: {text}"
    assert text.startswith("Verification on this device FAILED: ")
    assert re.search(says, text), text


def _bent_signature(checkpoint: str) -> str:
    """The checkpoint with one bit of the log's signature changed (the last signature line's first byte)."""
    import base64

    lines = checkpoint.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("\u2014 ginseng.test/log "))
    name, signature = lines[at].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 1
    lines[at] = f"{name} {base64.b64encode(bytes(raw)).decode()}"
    return "\n".join(lines)


def test_a_fallback_altered_on_the_way_is_refused(site: tuple[str, Services], browser: Any) -> None:
    """The fallback is pinned like the verifier: one that says yes to every signature is not run, and the page
    says it cannot verify, never "verified"."""
    base, _ledger = site
    liar = "globalThis.ginsengTraceFallback = {sha256: async () => new Uint8Array(32), ed25519: async () => true};"
    page = browser.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    page.add_init_script(NO_ED25519)
    page.route(f"**/static/{VERIFY_FALLBACK}", lambda route: route.fulfill(body=liar, content_type="text/javascript"))
    page.goto(scanned_url(base))
    page.wait_for_function("() => document.getElementById('device-check').dataset.state === 'warn'")
    page.wait_for_timeout(1000)
    box = page.locator("#device-check")
    assert box.get_attribute("data-state") == "warn"
    assert box.inner_text() == "This browser cannot verify on this device."
    assert any("integrity" in e for e in errors), errors


@pytest.fixture
def lan_browser() -> Iterator[Any]:
    """Chromium that resolves shop.lan to this machine: http://shop.lan is plain HTTP on a name that is not
    loopback, so, as on a LAN, not a secure context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        lan = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--host-resolver-rules=MAP shop.lan 127.0.0.1"]
        )
        yield lan
        lan.close()


def test_over_plain_http_on_a_lan_the_page_still_verifies(site: tuple[str, Services], lan_browser: Any) -> None:
    base, _ledger = site
    url = scanned_url(base).replace("127.0.0.1", "shop.lan", 1)
    page = lan_browser.new_page(locale="zh-CN")
    page.goto(url)
    assert page.evaluate("() => [window.isSecureContext, typeof crypto.subtle]") == [False, "undefined"]
    state, text = device_check(page)
    assert state == "ok", text
    assert text.startswith(f"已在本机核验：{RECORDS} 条记录、{LOTS} 个批次"), text
    assert page.locator("#device-check").get_attribute("data-crypto") == "fallback:sha256,ed25519"
