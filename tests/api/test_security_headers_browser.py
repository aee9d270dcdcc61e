"""The security headers in a real browser (issue 15): headless Chromium loads the consumer's scan page, the
workplace's pages and /docs under the site's Content-Security-Policy; no page reports a violation
(``securitypolicyviolation`` events, and Chromium's console), the scan page still verifies the lot's proof on
the device, the regulator's pages still draw, and Swagger UI still renders from this service's own copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.demo import DEMO_PASSWORD, load_demo, open_demo_accounts
from ginseng_trace.demo.actors import REGULATOR, WORKS
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, LiveServer
from .test_browser import CHROMIUM, LOG_KEY, browser, device_check  # noqa: F401 - the browser fixture
from .test_demo_accounts import KEK
from .test_home_browser import sign_in

pytestmark = [
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does)"
    ),
    pytest.mark.browser,
    pytest.mark.slow,
]

WATCH = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.documentURI}`);
});"""


@pytest.fixture
def site(engine: Engine) -> Iterator[str]:
    """The demo, its accounts open and its log checkpointed (so that the scan page's proof verifies), served."""
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG_KEY, key_encryption_key=KEK)
    ledger.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    open_demo_accounts(ledger)
    ledger.checkpointer.publish()
    with LiveServer(factory=lambda url: create_app(ledger, public_base=url)) as server:
        yield server.url
    ledger.scans.flush()


def watched(browser: Any, console: list[str]) -> Any:  # noqa: F811
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def violations(page: Any) -> list[str]:
    return list(page.evaluate("() => window.__violations"))


def test_the_pages_run_under_the_policy(site: str, browser: Any) -> None:  # noqa: F811
    base = site.rstrip("/")
    console: list[str] = []
    seen: dict[str, list[str]] = {}

    page = watched(browser, console)
    page.goto(f"{base}/01/06975123400010/10/PK-2025-0931/21/0007")
    state, text = device_check(page)
    assert state == "ok", (text, violations(page), console)  # verification still runs (WebCrypto, SRI scripts)
    seen["scan page"] = violations(page)

    page = watched(browser, console)
    sign_in(page, base, REGULATOR, DEMO_PASSWORD)
    seen["/app"] = violations(page)
    page.goto(f"{base}/app/console")
    page.wait_for_selector("form.filters")
    seen["/app/console"] = violations(page)
    page.goto(f"{base}/app/lot/RG-2025-0931")
    page.wait_for_selector("#lineage-graph a.node")
    seen["/app/lot"] = violations(page)
    page.goto(f"{base}/app/scan")
    page.wait_for_selector("#typed")
    seen["/app/scan"] = violations(page)

    page = watched(browser, console)
    sign_in(page, base, WORKS, DEMO_PASSWORD)
    page.goto(f"{base}/app/record?type=process&from=HV-2025-FS-0017")
    page.wait_for_selector("#record button, #record [type=submit]")
    seen["/app/record"] = violations(page)

    page = watched(browser, console)
    page.goto(f"{base}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)  # rendered from /docs/assets
    assert "Ginseng Trace" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".opblock", timeout=20_000)
    seen["/docs"] = violations(page)

    assert all(not found for found in seen.values()), seen
    assert console == []
