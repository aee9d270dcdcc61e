"""Issue 13's flows end to end in headless Chromium (Debian's), on the demo data set as `./scripts/serve` serves it
(its accounts, the published password, the demo actors' keys held by the server), each as README "How to use the
web app" tells a new user to do it by hand: a processor scans the label of the harvest it holds (a chosen photo)
and records a processing batch with the scanned lot as its input; the lab opens the sample waiting on its home
and records its result, and sees the finding it raises; a regulator filters the findings by county, opens a
harvest, recalls it after seeing what the recall reaches, and the shopper's page of a box made from it shows the
recall. The grower's offline flow is tests/api/test_offline_browser.py. Also: the field app's first load held to
its page-weight budget. Screenshots of each screen at 360 px and at desktop width land in test-artifacts/."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from argon2 import PasswordHasher
from PIL import Image
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.demo import DEMO_PASSWORD, load_demo, open_demo_accounts
from ginseng_trace.demo.actors import LAB, REGULATOR, WORKS
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import DEMO_LOG, OPERATOR, LiveServer
from .test_browser import ARTIFACTS, CHROMIUM, CONTRAST, browser  # noqa: F401 - the browser fixture
from .test_demo_accounts import KEK
from .test_scan_browser import scene

pytestmark = [
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does)"
    ),
    pytest.mark.browser,
    pytest.mark.slow,
]
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
FIRST_LOAD_BUDGET = 120_000
"""Bytes (as served: the service does not compress) of the field app's first load, every answer summed: the sign-in
page and its script, the home, and the record page with its scripts, the schema it builds the form from and the
service worker (README "How to use the web app"; 107 KB measured on 2026-12-02)."""


@pytest.fixture
def site(engine: Engine) -> Iterator[tuple[str, Services]]:
    """The demo as `./scripts/serve` serves it, with its own address as the labels' base (so that a scanned
    label is this site's): the URL and the ledger."""
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=DEMO_LOG, key_encryption_key=KEK)
    ledger.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # quick, still argon2id
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    open_demo_accounts(ledger)
    ledger.checkpointer.publish()
    with LiveServer(factory=lambda url: create_app(ledger, public_base=url)) as server:
        yield server.url, ledger
    ledger.scans.flush()


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/app")
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#due-h")


def shot(page: Any, name: str) -> None:
    """The page at 360 px and at desktop width, as test-artifacts/<name>-360.png and <name>-desktop.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for width, suffix in ((360, "360"), (1280, "desktop")):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(ARTIFACTS / f"flow-{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size(before)


def legible(page: Any) -> None:
    ratio, where = page.evaluate(CONTRAST)
    assert ratio >= 4.5, f"contrast {ratio:.2f} at {where}"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_processor_scans_a_harvest_and_records_a_batch_made_from_it(
    site: tuple[str, Services],
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    base, ledger = site
    png = httpx.get(f"{base}/api/v1/lots/HV-2025-FS-0017/label.png", params={"scale": 6}).content
    photo = tmp_path / "sack.jpg"
    scene(Image.open(io.BytesIO(png)).convert("RGB"), (1200, 1600), angle=6).save(photo, quality=85)
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    sign_in(page, base, WORKS)
    shot(page, "processor-home")
    page.get_by_role("link", name="扫码").click()
    page.set_input_files("#photo", str(photo))  # the phone's camera app, or a photo of the label
    page.wait_for_selector("#scanned-lot")
    scanned = page.locator("#scanned-lot")
    assert scanned.get_attribute("data-lot") == "HV-2025-FS-0017"
    assert "本单位在手\n8960 千克" in scanned.inner_text()  # what the works holds of it: it may process it
    legible(page)
    shot(page, "processor-scanned")
    page.get_by_role("link", name="加工（转化）").click()
    page.wait_for_selector("#f-process")
    assert page.locator("#f-input_quantities-0-lot").input_value() == "HV-2025-FS-0017"  # the scanned lot, filled
    assert "RG-…" in page.locator("#lot_id-hint").inner_text()  # the new lot's id: the works' prefixes shown
    page.fill("#lot_id", "RG-2025-1201")
    page.select_option("#f-process", "steam_red_ginseng")
    page.fill("#f-input_quantities-0-value", "1000")
    page.select_option("#f-input_quantities-0-unit", "kg")
    page.select_option("#f-outputs-0-output", "main_root")
    page.fill("#f-outputs-0-value", "290")
    page.select_option("#f-outputs-0-unit", "kg")
    outputs = "产出（各自计量：主根按等级、须根、芦头、废料；物料平衡按其总和）"
    page.get_by_role("button", name=f"添加一行: {outputs}").click()
    page.select_option("#f-outputs-1-output", "fine_roots")
    page.fill("#f-outputs-1-value", "50")
    page.select_option("#f-outputs-1-unit", "kg")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#verdict.stored, #verdict.refused", timeout=15_000)
    assert page.locator("#verdict").inner_text().startswith("已记录"), page.locator("#verdict").inner_text()
    legible(page)
    shot(page, "processor-batch-stored")
    page.get_by_role("link", name="查看批次").click()  # the new lot's page: made from the scanned harvest
    page.wait_for_selector("#lineage-graph")
    assert page.locator("#lineage-graph a.node", has_text="HV-2025-FS-0017").count() == 1
    page.close()
    history = httpx.get(f"{base}/api/v1/lots/RG-2025-1201/history").json()["records"]
    [process] = [r["event"] for r in history if r["event"]["type"] == "process"]
    assert process["actor"] == WORKS
    assert process["inputs"] == ["HV-2025-FS-0017"]
    assert process["payload"]["input_quantities"] == [{"lot": "HV-2025-FS-0017", "value": 1000, "unit": "kg"}]
    ancestors = httpx.get(f"{base}/api/v1/lots/RG-2025-1201/ancestors").json()["ancestors"]
    assert {"HV-2025-FS-0017", "PLOT-FS-0017"} <= {a["lot_id"] for a in ancestors}
    assert httpx.get(f"{base}/api/v1/lots/RG-2025-1201/verify").json()["intact"] is True
    assert "RG-2025-1201" in {d.lot_id for d in ledger.records.lineage("HV-2025-FS-0017", "descendants")}


def test_the_lab_records_the_result_of_the_sample_waiting_on_its_home(
    site: tuple[str, Services],
    browser: Any,  # noqa: F811
) -> None:
    base, ledger = site
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    sign_in(page, base, LAB)
    due = page.locator(".due")
    assert "待检测：SS-2025-1010 的样品 S-2025-1124-05" in due.inner_text()
    legible(page)
    shot(page, "lab-home")
    due.get_by_role("link", name="待检测：SS-2025-1010 的样品 S-2025-1124-05（1 份未出结果）").click()
    page.wait_for_selector("#f-sample_id")
    assert page.locator("#lot_id").input_value() == "SS-2025-1010"
    assert page.locator("#f-sample_id").input_value() == "S-2025-1124-05"  # the sample it was sent
    assert page.locator("#f-lab").input_value() == "吉林省中药材检测中心"  # the lab's registered name
    assert page.locator("#f-accreditation").input_value() != ""  # and its accreditation, as enrolled
    page.fill("#f-method", "中国药典 2020 年版 一部 西洋参")
    page.select_option("#f-basis", "dry")
    page.fill("#f-ginsenosides_pct-Rg1-Re-Rb1", "1.6")  # under 西洋参's 2.0 %
    page.fill("#f-moisture_pct", "11.5")
    page.select_option("#f-verdict", "fail")
    page.fill("#f-report_reference", "JL-2025-1201-07")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#verdict.stored, #verdict.refused", timeout=15_000)
    verdict = page.locator("#verdict").inner_text()
    assert verdict.startswith("已记录"), verdict
    assert "提示: Rg1+Re+Rb1 1.6 % 低于中华人民共和国药典 2020年版 一部 西洋参的限量" in verdict  # the finding
    legible(page)
    shot(page, "lab-result-stored")
    page.get_by_role("link", name="查看批次").click()
    page.wait_for_selector("#lineage-graph")
    assert "问题 1" in page.locator("#lineage-graph a.node", has_text="SS-2025-1010").text_content()
    shot(page, "lab-lot")
    page.goto(f"{base}/app")
    assert "待检测" not in page.locator("main").inner_text()  # nothing waits any more
    page.close()
    [test] = [r for r in ledger.records.history("SS-2025-1010") if r.event["type"] == "quality_test"]
    assert test.event["actor"] == LAB
    assert test.event["payload"]["sample_id"] == "S-2025-1124-05"
    assert test.event["payload"]["ginsenosides_pct"] == {"Rg1+Re+Rb1": 1.6}
    findings = httpx.get(f"{base}/api/v1/lots/SS-2025-1010/findings").json()["findings"]
    assert [f["rule"] for f in findings] == ["quality_limits"]


def box_link(base: str) -> str:
    """The Digital Link a shopper's phone reads off box 0007's label."""
    png = httpx.get(f"{base}/api/v1/lots/PK-2025-0931/label.png", params={"serial": "0007"}).content
    [text] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    return text


def test_a_regulator_filters_by_county_recalls_a_harvest_and_the_box_shows_it(
    site: tuple[str, Services],
    browser: Any,  # noqa: F811
) -> None:
    base, ledger = site
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, base, REGULATOR)
    page.get_by_role("link", name="监管控制台：问题、扣留与召回").click()
    page.select_option("#filter-county", "临江市")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**county=**")
    assert page.locator("#matching b").inner_text() == "1"
    assert page.locator("#findings tbody tr").first.inner_text().startswith("HV-2025-LJ-0011")  # the forest lot
    legible(page)
    shot(page, "regulator-console")
    page.get_by_label("按批次号打开批次（含无问题的批次）").fill("HV-2025-FS-0017")  # a harvest with boxes on a shelf
    page.get_by_role("button", name="打开批次").click()
    page.wait_for_url("**/app/lot/HV-2025-FS-0017")
    page.get_by_role("link", name="召回").click()
    page.wait_for_selector("li.reached")
    reached = page.locator("li.reached").all_inner_texts()
    assert reached[0] == "HV-2025-FS-0017 · 采收批 · 集安红参加工厂 Ji'an red ginseng works 8960 千克"
    assert any(line.startswith("PK-2025-0931 · 包装产品 · 长春参茸药店") and " 38 件" in line for line in reached)
    assert page.locator("#f-authority").input_value().startswith("吉林省药品监督管理局")  # its registered name
    page.fill("#f-reason", "留样检出镉 1.8 mg/kg，超出限量")
    legible(page)
    shot(page, "regulator-recall-reach")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#verdict.stored", timeout=15_000)
    page.close()
    ledger.checkpointer.publish()  # as the log's timer does
    for locale, said in (("zh-CN", "召回"), ("en-GB", "recall")):
        shopper = browser.new_page(locale=locale, viewport=PHONE, extra_http_headers={"Accept-Language": locale})
        shopper.goto(box_link(base))
        shopper.wait_for_load_state("networkidle")
        text = shopper.locator("body").inner_text()
        assert said in text.lower(), text[:400]
        assert "HV-2025-FS-0017" in text  # the recalled harvest, named
        assert shopper.get_by_text(said, exact=False).first.is_visible()
        shot(shopper, f"shopper-box-recalled-{locale[:2]}")
        shopper.close()
    box = httpx.get(box_link(base), headers={"Accept": "application/json"}).json()["lot"]
    assert box["status"] == "recall"


def test_the_field_apps_first_load_is_within_its_budget(site: tuple[str, Services], browser: Any) -> None:  # noqa: F811
    """Every byte the browser fetches (as served, before compression) from opening /app to a record page's
    form being built: the sign-in page and its script, the home, the record page, its scripts, the schema, the
    session and the service worker."""
    base, _ledger = site
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    fetched: list[tuple[str, int]] = []

    def count(response: Any) -> None:  # every answer, the service worker's own fetches (its copies) too
        if not 300 <= response.status < 400:
            fetched.append((response.url, len(response.body())))

    context.on("response", count)
    page = context.new_page()
    sign_in(page, base, WORKS)
    page.goto(f"{base}/app/record?type=process&from=HV-2025-FS-0017")
    page.wait_for_selector("#f-process")
    page.wait_for_load_state("networkidle")
    context.close()
    scripts = [url for url, _ in fetched if url.endswith(".js")]
    assert {f"{base}/static/record.js", f"{base}/static/forms.js", f"{base}/static/app.js"} <= set(scripts)
    assert not [url for url, _ in fetched if "vendor" in url]  # no decoder or library on this path
    total = sum(size for _, size in fetched)
    print(f"first load: {total} bytes in {len(fetched)} responses")  # the README quotes it
    assert total <= FIRST_LOAD_BUDGET, sorted(fetched, key=lambda kv: -kv[1])
