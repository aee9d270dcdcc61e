"""Scanning a label at work in headless Chromium (Debian's): a processor signs in on a 360 px screen, opens the
scan page from the home, and scans the label of a harvest lot on its way to it, once with the camera (Chromium's
fake camera fed a Y4M video made from the generated label; Chromium on Linux has no BarcodeDetector, so the
vendored jsQR decodes it) and once from a chosen photo; the page shows the lot, from whom it comes and what may
be recorded, and the processor records the lot's receipt (a receive, not a processing batch: a process's inputs
and outputs are arrays, which the generated form cannot fill yet). Codes that are not ours are shown as such.
Screenshots land in test-artifacts/."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import LiveServer, example_payload
from .test_browser import ARTIFACTS, CHROMIUM, CONTRAST, browser, pytestmark  # noqa: F401 - the fixture, the marks
from .test_home import GROWER, REGULATOR, WORKS, services  # noqa: F401 - the story's ledger fixture
from .test_home_browser import sign_in


@pytest.fixture
def site(services: Services) -> Iterator[str]:  # noqa: F811
    services.membership.add_key(services.held_keys.create(WORKS.name))  # the works records from the app
    with LiveServer(factory=lambda url: create_app(services, public_base=url)) as server:
        yield server.url


def label(base: str, lot: str) -> Image.Image:
    answer = httpx.get(f"{base}/api/v1/lots/{lot}/label.png", params={"scale": 6})
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-digital-link"] == f"{base}/lot/{lot}"
    return Image.open(io.BytesIO(answer.content)).convert("RGB")


def scene(code: Image.Image, size: tuple[int, int], angle: float = 0) -> Image.Image:
    """The label as a camera sees it: on a grey sack, a little turned."""
    picture = Image.new("RGB", size, (120, 112, 96))
    turned = code.rotate(angle, expand=True, fillcolor=(120, 112, 96))
    picture.paste(turned, ((size[0] - turned.width) // 2, (size[1] - turned.height) // 2))
    return picture


def y4m(picture: Image.Image, path: Path, frames: int = 10) -> None:
    """A Y4M video (the header a text line, then each frame's Y, Cb and Cr planes, 4:2:0) of ``picture``
    standing still, for Chromium's --use-file-for-fake-video-capture."""
    width, height = picture.size
    y, cb, cr = picture.convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + frame)


def receive_the_scanned_lot(page: Any, services: Services) -> None:  # noqa: F811
    card = page.locator("#scanned-lot")
    assert card.get_attribute("data-lot") == "HV-2"
    text = card.inner_text()
    assert "发往本单位" in text
    assert f"{GROWER.name}: 1000 千克" in text
    assert "（仅监管部门和该批次上游的单位可见）" in text  # who holds it: not this works' to see yet
    assert page.locator("#scanned-lot .actions a").all_inner_texts() == ["收货"]  # no processing before receipt
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    ratio, where = page.evaluate(CONTRAST)
    assert ratio >= 4.5, f"contrast {ratio:.2f} at {where}"
    page.get_by_role("link", name="收货").click()
    page.wait_for_selector("#f-from")
    assert page.locator("#lot_id").input_value() == "HV-2"
    page.fill("#f-from", GROWER.name)
    page.fill("#f-net_weight_kg", "998")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#verdict.stored")
    [received] = [r for r in services.records.history("HV-2") if r.event["type"] == "receive"]
    assert received.event["actor"] == WORKS.name
    assert received.event["payload"] == {"from": GROWER.name, "net_weight_kg": 998}


def test_a_processor_scans_a_sack_with_the_camera_and_receives_it(
    site: str,
    services: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    video = tmp_path / "label.y4m"
    y4m(scene(label(site, "HV-2"), (640, 480)), video)
    args = [
        "--no-sandbox",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=args)
        context = chromium.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
        context.grant_permissions(["camera"], origin=site)
        page = context.new_page()
        sign_in(page, site, WORKS.name)
        page.get_by_role("link", name="扫码").click()
        page.wait_for_selector("#start-camera")
        assert page.evaluate("() => 'BarcodeDetector' in window") is False  # so jsQR decodes here
        page.get_by_role("button", name="打开相机扫码").click()
        page.wait_for_selector("#scanned-lot", timeout=20000)
        assert page.locator("#camera").is_hidden()  # the camera stops once a code is read
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-scan-camera-360.png"), full_page=True)
        receive_the_scanned_lot(page, services)
        page.screenshot(path=str(ARTIFACTS / "app-scan-received-360.png"), full_page=True)
        chromium.close()


def test_a_processor_scans_a_photo_then_may_process_what_it_received(
    site: str,
    services: Services,  # noqa: F811
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    photo = tmp_path / "label.jpg"
    scene(label(site, "HV-2"), (1200, 1600), angle=8).save(photo, quality=85)
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
    sign_in(page, site, WORKS.name)
    page.goto(f"{site}/app/scan")
    page.set_input_files("#photo", str(photo))
    page.wait_for_selector("#scanned-lot")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-scan-photo-360.png"), full_page=True)
    receive_the_scanned_lot(page, services)
    page.goto(f"{site}/app/scan")
    page.fill("#code", f"{site}/lot/HV-2")  # the address printed under the code, typed
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("#scanned-lot")
    held = page.locator("#scanned-lot").inner_text()
    assert "当前持有方\ntest organisation js-works 998 千克" in held  # it holds the lot now: it may see who does
    assert "类型\n采收批" in held
    offered = page.locator("#scanned-lot .actions a")
    assert "加工（转化）" in offered.all_inner_texts()
    page.locator("#scanned-lot .actions a[data-action='process:from']").click()
    page.wait_for_selector("#record")
    assert page.locator("#record").get_attribute("data-inputs") == "HV-2"
    assert page.locator("#record").get_attribute("data-type") == "process"


def test_codes_that_are_not_ours_are_shown_as_such_and_offer_nothing(site: str, browser: Any) -> None:  # noqa: F811
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
    sign_in(page, site, WORKS.name)
    page.goto(f"{site}/app/scan")
    for code, said in (
        (f"{site}/lot/HV-9", "未登记：可能是假冒产品"),
        ("https://trace.example.com/lot/HV-2", "此码指向其他网站"),
        ("WIFI:S:plant;T:WPA;P:secret;;", "不是 GS1 数字链接"),
        (f"{site}/01/06975123400011/10/HV-2", "二维码无效"),
    ):
        page.fill("#code", code)
        page.get_by_role("button", name="查询").click()
        page.wait_for_selector("#result .alarm")
        assert said in page.locator("#result").inner_text(), code
        assert page.locator("#result a").count() == 0
        if "HV-9" in code:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "app-scan-counterfeit-360.png"), full_page=True)
        page.evaluate("() => document.getElementById('result').replaceChildren()")
    assert page.evaluate("() => document.querySelector('script[src*=jsQR]')") is None  # typing needs no decoder


def test_a_hold_over_the_scanned_lot_is_shown_first_and_loudly(
    site: str,
    services: Services,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    hold = {**example_payload("hold"), "reason": "农残超标待复检"}
    services.events.append(REGULATOR.sign("HV-2", "hold", occurred_at="2025-09-16T08:00:00Z", payload=hold))
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
    sign_in(page, site, WORKS.name)
    page.goto(f"{site}/app/scan?lang=en")  # in English
    page.fill("#code", f"{site}/lot/HV-2")
    page.get_by_role("button", name="Look up").click()
    page.wait_for_selector("#scanned-lot")
    first = page.locator("#scanned-lot > :nth-child(2)")
    assert first.get_attribute("class") == "alarm hold"
    assert first.inner_text().startswith("HOLD: 农残超标待复检 · placed on HV-2 · 2025-09-16")
    assert "Kind\nharvest lot" in page.locator("#scanned-lot").inner_text()
    assert page.locator("#scanned-lot .actions a").count() == 0  # receiving would move it: not offered
    assert "nothing that moves this lot can be recorded" in page.locator("#scanned-lot .note").inner_text()
    ratio, where = page.evaluate(CONTRAST)
    assert ratio >= 4.5, f"contrast {ratio:.2f} at {where}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-scan-hold-360-en.png"), full_page=True)


def test_the_browsers_barcode_detector_is_used_where_it_exists(site: str, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    """Where the browser has BarcodeDetector (Chrome on Android), the page asks it and never loads jsQR (here a
    stand-in detector that reads any picture as the lot's label)."""
    detector = f"""window.BarcodeDetector = class {{
      static async getSupportedFormats() {{ return ["ean_13", "qr_code"]; }}
      constructor(options) {{ window.askedFor = options.formats; }}
      async detect(source) {{ return [{{ format: "qr_code", rawValue: "{site}/lot/HV-2" }}]; }}
    }};"""
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
    page.add_init_script(detector)
    sign_in(page, site, WORKS.name)
    page.goto(f"{site}/app/scan")
    blank = tmp_path / "blank.png"
    Image.new("RGB", (64, 64), (255, 255, 255)).save(blank)
    page.set_input_files("#photo", str(blank))
    page.wait_for_selector("#scanned-lot")
    assert page.locator("#scanned-lot").get_attribute("data-lot") == "HV-2"
    assert page.evaluate("() => window.askedFor") == ["qr_code"]
    assert page.evaluate("() => document.querySelector('script[src*=jsQR]')") is None
