"""Issue 13's offline test in headless Chromium: a grower signs in, makes a signing key on the device (WebCrypto
Ed25519, non-extractable, registered for their own actor), records a field operation while the browser is offline
(Playwright's offline mode), closes the page and opens a new one (the service worker serves it), goes online, and
the event is stored exactly once and verifies. Also: a queued event the ledger refuses shows its reason; an event
whose answer was lost is sent again and stored once. Screenshots land in test-artifacts/."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import LiveServer
from .test_browser import ARTIFACTS, CHROMIUM, browser  # noqa: F401 - the browser fixture
from .test_home import GROWER, services  # noqa: F401 - the story's ledger fixture
from .test_home_browser import sign_in

pytestmark = [
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does)"
    ),
    pytest.mark.browser,
    pytest.mark.slow,
]
RECORD = "/app/record?type=field_operation&lot=PLOT-1"


def weedings(services: Services) -> list[Any]:  # noqa: F811
    return [
        r
        for r in services.records.history("PLOT-1")
        if r.event["type"] == "field_operation" and r.event["payload"].get("operation") == "weed"
    ]


def with_device_key(context: Any, base: str) -> Any:
    """A signed-in grower's record page, with a key made on the device and registered."""
    page = context.new_page()
    sign_in(page, base, GROWER.name)
    page.goto(base + RECORD)
    page.get_by_role("button", name="在本设备上生成签名密钥").click()
    page.wait_for_selector("#device.has-key")
    assert page.locator("#device-state").inner_text().startswith(f"本设备签名： {GROWER.name}")
    return page


def weed(page: Any, when: str | None = None) -> None:
    page.wait_for_selector("#f-operation")
    page.select_option("#f-operation", "weed")
    page.fill("#f-note", "东坡三号地块人工除草")  # private: signed as a salted digest, disclosed beside it
    if when:
        page.fill("#occurred_at", when)
    page.get_by_role("button", name="提交").click()


def test_a_grower_records_offline_closes_reopens_and_the_event_is_stored_once(services: Services, browser: Any) -> None:  # noqa: F811
    with LiveServer(create_app(services)) as server:
        context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
        page = with_device_key(context, server.url)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.reload()  # now through the worker, which keeps what it answers
        page.wait_for_selector("#device.has-key")
        context.set_offline(True)
        weed(page)
        page.wait_for_selector("#outbox li.queued")
        assert page.locator("#verdict").get_attribute("class") == "queued"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-offline-queued-360.png"), full_page=True)
        assert weedings(services) == []
        page.close()
        page = context.new_page()
        page.goto(server.url + RECORD)  # offline: the service worker's copy
        page.wait_for_selector("#outbox li.queued")
        context.set_offline(False)  # the connection returns: the outbox syncs
        page.wait_for_selector("#outbox li.stored")
        assert "field_operation" not in page.locator("#outbox li.stored").inner_text()  # named by its title
        page.screenshot(path=str(ARTIFACTS / "app-offline-synced-360.png"), full_page=True)
        page.reload()  # a later load syncs nothing more
        page.wait_for_selector("#outbox li.stored")
        context.close()
    stored = weedings(services)
    assert len(stored) == 1  # exactly once
    event = stored[0].event
    assert event["actor"] == GROWER.name
    assert event["key_id"] in {k.key.key_id_hex for k in services.keys.all([GROWER.name])}
    assert "note" not in event["payload"]  # signed as a digest
    assert len(event["payload"]["_sd"]) == 1
    services.checks.verify("PLOT-1")  # raises at a broken record or signature


def test_a_refused_queued_event_shows_its_reason(services: Services, browser: Any) -> None:  # noqa: F811
    with LiveServer(create_app(services)) as server:
        context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
        page = with_device_key(context, server.url)
        context.set_offline(True)
        weed(page, when="2021-01-01T08:00")  # before the plot's latest record: the chronology rule refuses it
        page.wait_for_selector("#outbox li.queued")
        context.set_offline(False)
        page.wait_for_selector("#outbox li.refused")
        reason = page.locator("#outbox li.refused").inner_text()
        assert "PLOT-1" in reason
        assert "更早" in reason  # the ledger's reason, in Chinese
        assert page.locator("#verdict").get_attribute("class") == "refused"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-offline-refused-360.png"), full_page=True)
        context.close()
    assert weedings(services) == []


def test_the_repeat_after_a_lost_answer_is_stored_once(services: Services, browser: Any) -> None:  # noqa: F811
    with LiveServer(create_app(services)) as server:
        context = browser.new_context(locale="zh-CN", service_workers="block")  # so that routes see every request
        page = with_device_key(context, server.url)
        lost: list[int] = []

        def lose_the_first_answer(route: Any) -> None:
            if lost:
                route.continue_()
                return
            lost.append(route.fetch().status)  # the ledger stores it...
            route.abort("connectionreset")  # ...and the answer never reaches the phone

        page.route("**/api/v1/events", lose_the_first_answer)
        weed(page)
        page.wait_for_function("() => document.querySelector('#outbox li.sent') !== null")
        assert lost == [201]
        assert len(weedings(services)) == 1
        page.reload()  # the outbox syncs on load: the same bytes again
        page.wait_for_selector("#outbox li.stored")
        context.close()
    assert len(weedings(services)) == 1
