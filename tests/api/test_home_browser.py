"""The workplace page in headless Chromium (Debian's, as the scan page's tests): a processor signs in through
the form on a 360 px screen, sees the shipment it must receive, switches to English, signs out; every text has
WCAG AA contrast. Screenshots land in test-artifacts/."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import LiveServer
from .test_browser import ARTIFACTS, CHROMIUM, CONTRAST, browser  # noqa: F401 - the browser fixture
from .test_home import GROWER, PASSWORD, REGULATOR, WORKS, services  # noqa: F401 - the story's ledger fixture

pytestmark = [
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does)"
    ),
    pytest.mark.browser,
    pytest.mark.slow,
]


def test_a_processor_signs_in_on_a_phone_and_sees_what_to_receive(services: Services, browser: Any) -> None:  # noqa: F811
    with LiveServer(create_app(services)) as server:
        page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
        page.goto(f"{server.url}/app")
        page.get_by_label("账号").fill(WORKS.name)
        page.get_by_label("密码").fill("wrong password, wrong")
        page.get_by_role("button", name="登录").click()
        page.wait_for_function("() => document.getElementById('error').textContent !== ''")
        assert page.locator("#error").inner_text() == "账号或密码错误。"
        page.get_by_label("密码").fill(PASSWORD)
        page.keyboard.press("Enter")  # by keyboard
        page.wait_for_selector("#due-h")
        assert "待收货：fs-grower 发来的 HV-2，1000 千克" in page.locator(".due").inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        ratio, where = page.evaluate(CONTRAST)
        assert ratio >= 4.5, f"contrast {ratio:.2f} at {where}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-home-processor-360.png"), full_page=True)
        page.get_by_role("link", name="English").click()
        page.wait_for_selector("text=To receive: HV-2 from fs-grower, 1000 kg")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=str(ARTIFACTS / "app-home-processor-desktop-en.png"), full_page=True)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_selector("form#sign-in")


def sign_in(page: Any, base: str, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/app")
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#due-h")


def test_a_grower_records_a_spraying_from_the_generated_form(services: Services, browser: Any) -> None:  # noqa: F811
    """The form is the schema's (labels, units, the members a pesticide makes required); a refusal is shown
    beside the field it names, in Chinese; the corrected event is stored once, however often it is sent."""
    with LiveServer(create_app(services)) as server:
        page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
        sign_in(page, server.url, GROWER.name)
        page.get_by_role("link", name="田间作业").first.click()
        page.wait_for_selector("#f-operation")
        assert page.locator("label[for=f-pre_harvest_interval_days]").inner_text() == "安全间隔期 (days)"
        assert "required" not in (page.locator("label[for=f-registration_number]").get_attribute("class") or "")
        page.select_option("#f-operation", "pesticide")
        assert "required" in (page.locator("label[for=f-registration_number]").get_attribute("class") or "")
        page.fill("#f-product", "苯醚甲环唑 10% 水分散粒剂")
        page.fill("#f-registration_number", "XYZ-123")  # not a registry number's form
        page.fill("#f-active_ingredient", "difenoconazole")
        page.fill("#f-dose-value", "30")
        page.select_option("#f-dose-unit", "g a.i./hm2")
        page.fill("#f-pre_harvest_interval_days", "21")
        page.get_by_role("button", name="提交").click()
        page.wait_for_selector("#verdict.refused")
        assert "登记证号" in page.locator("#f-registration_number-error").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-record-refused-360.png"), full_page=True)
        page.fill("#f-registration_number", "PD20141234")
        page.get_by_role("button", name="提交").click()
        page.wait_for_selector("#verdict.stored")
        assert page.locator("#verdict").inner_text().startswith("已记录")
        page.screenshot(path=str(ARTIFACTS / "app-record-stored-360.png"), full_page=True)
        page.get_by_role("button", name="提交").click()  # sent again: the same event
        page.wait_for_function("() => document.getElementById('verdict').textContent.includes('重复')")
    sprayings = [r for r in services.records.history("PLOT-1") if r.event["type"] == "field_operation"]
    assert len(sprayings) == 2  # the story's, and this one, once
    assert sprayings[-1].event["payload"]["registration_number"] == "PD20141234"
    assert sprayings[-1].event["payload"]["dose"] == {"value": 30, "unit": "g a.i./hm2"}


def test_a_regulator_filters_by_county_sees_the_reach_and_recalls(services: Services, browser: Any) -> None:  # noqa: F811
    with LiveServer(create_app(services)) as server:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        sign_in(page, server.url, REGULATOR.name)
        page.goto(f"{server.url}/app/console")
        page.select_option("#filter-county", "抚松县")
        page.get_by_role("button", name="筛选").click()
        page.wait_for_url("**county=**")
        ratio, where = page.evaluate(CONTRAST)
        assert ratio >= 4.5, f"contrast {ratio:.2f} at {where}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-console-desktop.png"), full_page=True)
        page.locator("#findings").get_by_role("link", name="召回").first.click()
        page.wait_for_selector("li.reached")
        reached = page.locator("li.reached").all_inner_texts()
        assert reached[0].startswith("PLOT-2 · 地块 · test organisation fs-grower")
        assert reached[1] == "HV-2 · 采收批 · → js-works"  # the harvest made from it, on its way to the works
        page.fill("#f-reason", "登记证号与产品不符，待查")
        page.get_by_role("button", name="提交").click()
        page.wait_for_selector("#verdict.stored")
        page.screenshot(path=str(ARTIFACTS / "app-recall-stored.png"), full_page=True)
    assert services.records.public_history("HV-2").status == "recall"  # it reaches the harvest


def test_a_tab_opened_later_signs_out_with_the_token_its_page_carries(services: Services, browser: Any) -> None:  # noqa: F811
    with LiveServer(create_app(services)) as server:
        context = browser.new_context(locale="zh-CN")
        first = context.new_page()
        sign_in(first, server.url, GROWER.name)
        later = context.new_page()  # a new tab: its sessionStorage is empty, the cookie is shared
        later.goto(f"{server.url}/app")
        later.wait_for_selector("#due-h")
        later.get_by_role("button", name="退出").click()
        later.wait_for_selector("form#sign-in")
        first.reload()
        first.wait_for_selector("form#sign-in")  # the session is over in every tab
        context.close()
