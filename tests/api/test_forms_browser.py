"""The generated forms in headless Chromium: a processor records a process with two input quantities and two
outputs from the form's rows (arrays, labels in Chinese, added and removed by keyboard); a grower sees the
crop-age warning beside the field as they type a harvest's wrong age, before submitting, and a form lists
what it cannot take yet. Screenshots land in test-artifacts/."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import LiveServer, example_payload
from .test_browser import ARTIFACTS, CHROMIUM, browser  # noqa: F401 - the browser fixture
from .test_home import GROWER, WORKS, services  # noqa: F401 - the story's ledger fixture
from .test_home_browser import sign_in

pytestmark = [
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does)"
    ),
    pytest.mark.browser,
    pytest.mark.slow,
]


def _two_harvests_at_the_works(ledger: Services) -> None:
    """HV-3 harvested from PLOT-2 beside the story's HV-2, both shipped to and received by the works."""
    harvest = {**example_payload("harvest"), "fresh_weight": {"value": 500, "unit": "kg"}}
    ledger.events.append(
        GROWER.sign("HV-3", "harvest", occurred_at="2025-09-15T01:00:00Z", inputs=["PLOT-2"], payload=harvest)
    )
    ship = {"from": GROWER.name, "to": WORKS.name, "net_weight_kg": 500}
    ledger.events.append(GROWER.sign("HV-3", "ship", occurred_at="2025-09-16T02:00:00Z", payload=ship))
    for lot, kg in (("HV-2", 1000), ("HV-3", 500)):
        received = {"from": GROWER.name, "net_weight_kg": kg}
        ledger.events.append(WORKS.sign(lot, "receive", occurred_at="2025-09-17T03:00:00Z", payload=received))
    ledger.membership.add_key(ledger.held_keys.create(WORKS.name))


def test_a_processor_records_a_process_with_two_inputs_and_two_outputs(services: Services, browser: Any) -> None:  # noqa: F811
    _two_harvests_at_the_works(services)
    with LiveServer(create_app(services)) as server:
        page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
        sign_in(page, server.url, WORKS.name)
        page.goto(f"{server.url}/app/record?type=process&from=HV-2,HV-3")
        page.wait_for_selector("#f-process")
        assert page.locator("#f-input_quantities > legend").inner_text() == "投料"
        assert page.locator("#f-process option[value=steam_red_ginseng]").inner_text() == "蒸制红参"
        assert page.locator("label[for=f-input_quantities-0-unit]").inner_text() == "单位"
        assert page.locator("#f-input_quantities-0-unit option[value=kg]").inner_text() == "千克"
        assert page.locator("#f-input_quantities .remove-row").first.is_disabled()  # minItems 1
        page.select_option("#f-process", "washing")
        page.fill("#f-input_quantities-0-lot", "HV-2")
        page.fill("#f-input_quantities-0-value", "1000")
        page.select_option("#f-input_quantities-0-unit", "kg")
        add = page.get_by_role("button", name="添加一行: 投料")
        add.focus()
        page.keyboard.press("Enter")  # by keyboard: the new row's first field takes the focus
        assert page.evaluate("() => document.activeElement.id") == "f-input_quantities-1-lot"
        page.keyboard.type("HV-3")
        page.fill("#f-input_quantities-1-value", "500")
        page.select_option("#f-input_quantities-1-unit", "kg")
        page.select_option("#f-outputs-0-output", "main_root")
        page.fill("#f-outputs-0-value", "1400")
        page.select_option("#f-outputs-0-unit", "kg")
        outputs_add = page.get_by_role(
            "button", name="添加一行: 产出（各自计量：主根按等级、须根、芦头、废料；物料平衡按其总和）"
        )
        outputs_add.click()
        outputs_add.click()  # one row too many, removed again
        assert page.locator("#f-outputs .row").count() == 3
        page.select_option("#f-outputs-1-output", "waste")
        page.fill("#f-outputs-1-value", "90")
        page.select_option("#f-outputs-1-unit", "kg")
        page.get_by_role(
            "button", name="删除: 产出（各自计量：主根按等级、须根、芦头、废料；物料平衡按其总和） 第 3 行"
        ).click()
        assert page.locator("#f-outputs .row").count() == 2
        assert page.locator("#f-outputs-1-value").input_value() == "90"  # the kept rows keep their values
        page.fill("#lot_id", "RG-9")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-record-process-rows-360.png"), full_page=True)
        page.get_by_role("button", name="提交").click()
        page.wait_for_selector("#verdict.stored, #verdict.refused")
        assert page.locator("#verdict").inner_text().startswith("已记录"), page.locator("#verdict").inner_text()
    [process] = [r for r in services.records.history("RG-9") if r.event["type"] == "process"]
    payload = process.event["payload"]
    assert payload["input_quantities"] == [
        {"lot": "HV-2", "value": 1000, "unit": "kg"},
        {"lot": "HV-3", "value": 500, "unit": "kg"},
    ]
    assert payload["outputs"] == [
        {"output": "main_root", "value": 1400, "unit": "kg"},
        {"output": "waste", "value": 90, "unit": "kg"},
    ]


def test_a_grower_sees_the_crop_age_warning_before_submitting_a_harvest(services: Services, browser: Any) -> None:  # noqa: F811
    with LiveServer(create_app(services)) as server:
        page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
        sign_in(page, server.url, GROWER.name)
        page.goto(f"{server.url}/app/record?type=harvest&from=PLOT-2")
        page.wait_for_selector("#f-crop_age_years")
        page.fill("#occurred_at", "2025-09-20T10:00")
        page.fill("#f-crop_age_years", "4")  # sown in October 2020: 2021-2025 are 5 seasons
        page.wait_for_function("() => (document.getElementById('f-crop_age_years-warning') || {}).textContent")
        warning = page.locator("#f-crop_age_years-warning").inner_text()
        assert "参龄应为 5 年，而非 4 年" in warning
        assert page.locator("#verdict").inner_text() == ""  # nothing submitted yet
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-record-harvest-warning-360.png"), full_page=True)
        page.fill("#f-crop_age_years", "5")
        page.wait_for_function("() => document.getElementById('f-crop_age_years-warning').textContent === ''")
        page.goto(f"{server.url}/app/record?type=register_plot")  # what the form cannot take is said, not dropped
        page.wait_for_selector(".not-in-form")
        assert page.locator(".not-in-form").inner_text() == "尚未纳入表单（请通过 API 记录）: 边界 (/location/polygon)"
