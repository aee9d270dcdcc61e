"""The shopper's page in Chromium at a phone's width (360 px) and at a desktop's: the verdict is the first
thing on the screen, the timeline and the map fit the width, the on-device check still passes, and the page
reads the same without JavaScript. Screenshots: ``test-artifacts/shopper-*.png``."""

from __future__ import annotations

from typing import Any

import pytest

from ginseng_trace.service import Services

from .test_browser import ARTIFACTS, CHROMIUM, browser, device_check, scanned_url, site

__all__ = ["browser", "site"]  # the fixtures, shared with test_browser.py

pytestmark = [
    pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason=f"{CHROMIUM} not found"),
    pytest.mark.browser,
    pytest.mark.slow,
]


@pytest.mark.parametrize(
    ("width", "locale", "lang", "headline"),
    [(360, "zh-CN", "zh", "正品 · 记录已核验"), (1280, "en-GB", "en", "Genuine · records verified")],
)
def test_the_shoppers_page_at_a_phones_and_a_desktops_width(
    site: tuple[str, Services], browser: Any, width: int, locale: str, lang: str, headline: str
) -> None:
    base, _ledger = site
    page = browser.new_page(locale=locale, viewport={"width": width, "height": 760})
    page.goto(scanned_url(base) + f"?lang={lang}")
    state, text = device_check(page)
    assert state == "ok", text
    verdict = page.locator("#verdict .headline")
    assert verdict.inner_text() == headline
    box = verdict.bounding_box()
    assert box is not None
    assert box["y"] < 120
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # nothing runs off the side
    drawn = page.locator("svg.map").bounding_box()
    assert drawn is not None
    assert drawn["width"] >= min(width - 40, 300)
    assert page.locator(".timeline .step").count() >= 15
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"shopper-{lang}-{width}.png"), full_page=True)


def test_the_page_reads_the_same_without_javascript(site: tuple[str, Services], browser: Any) -> None:
    base, _ledger = site
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": 360, "height": 760})
    page = context.new_page()
    page.goto(scanned_url(base))
    assert page.locator("#verdict .headline").inner_text() == "正品 · 记录已核验"
    assert page.locator(".timeline .step.sell").count() == 1
    assert page.locator("svg.map path.origin").count() == 1
    assert page.locator("#device-check").get_attribute("data-state") is None  # no script ran
    context.close()
