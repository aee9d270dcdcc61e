"""The lot page in headless Chromium, on the demo: the regulator, signed in through the form at desktop width,
sees the red-ginseng batch's lineage drawn and listed, releases one of two standing holds by picking it (signed
with the regulator's held demo key); on a 360 px screen the box's page scrolls only its drawing sideways; every
text, the drawing's included, has WCAG AA contrast. Screenshots land in test-artifacts/."""

from __future__ import annotations

import shutil
from typing import Any

import httpx
import pytest

from ginseng_trace.demo import DEMO_PASSWORD
from ginseng_trace.demo.actors import REGULATOR, WORKS
from ginseng_trace.service import Services

from .test_browser import ARTIFACTS, CHROMIUM, CONTRAST, browser  # noqa: F401 - the browser fixture
from .test_demo_accounts import demo, session  # noqa: F401 - the demo's ledger and its sign-in
from .test_home_browser import sign_in

pytestmark = [
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does)"
    ),
    pytest.mark.browser,
    pytest.mark.slow,
]

SVG_CONTRAST = """() => {
  const rgb = (s) => s.match(/[\\da-f]{2}/gi).map((h) => parseInt(h, 16));
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let worst = [99, ""];
  for (const node of document.querySelectorAll("#lineage-graph a.node")) {
    const fill = node.querySelector("rect").getAttribute("fill");
    for (const text of node.querySelectorAll("text")) {
      const [a, b] = [lum(rgb(text.getAttribute("fill"))), lum(rgb(fill))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < worst[0]) worst = [ratio, text.textContent];
    }
  }
  return worst;
}"""
"""The worst contrast of the drawing's texts against their boxes (SVG texts have no offsetParent, so the page's
CONTRAST script passes them by)."""


def legible(page: Any) -> None:
    for script in (CONTRAST, SVG_CONTRAST):
        ratio, where = page.evaluate(script)
        assert ratio >= 4.5, f"contrast {ratio:.2f} at {where}"


def test_a_regulator_reads_the_graph_and_releases_the_hold_it_picks(
    demo: tuple[httpx.Client, Services],  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    client, _ledger = demo
    cookie, csrf = session(client, REGULATOR)
    for n in (1, 2):
        event = {
            "event_id": f"browser-hold-{n}",
            "lot_id": "RG-2025-0931",
            "type": "hold",
            "occurred_at": f"2025-12-0{n}T02:00:00Z",
            "payload": {"reason": f"inspection {n}"},
        }
        stored = client.post("/api/v1/me/events", json={"event": event}, headers={**cookie, "X-CSRF-Token": csrf})
        assert stored.status_code == 201, stored.text
    base = str(client.base_url).rstrip("/")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, base, REGULATOR, DEMO_PASSWORD)
    page.goto(f"{base}/app/lot/RG-2025-0931")
    drawn = page.locator("#lineage-graph a.node").evaluate_all("(all) => all.map((a) => a.dataset.lot).sort()")
    listed = page.locator("#lineage-list > li").evaluate_all("(all) => all.map((li) => li.dataset.lot).sort()")
    assert drawn == listed
    assert {"PLOT-FS-0017", "HV-2025-FS-0017", "RG-2025-0931", "PK-2025-0931"} <= set(drawn)
    legible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-lot-regulator-desktop.png"), full_page=True)
    page.get_by_label("browser-hold-2", exact=False).check()
    page.get_by_label("原因").fill("复检合格 retest passed")
    page.get_by_role("button", name="签名并解除").click()
    page.wait_for_selector("#release-verdict.stored")
    assert "已解除扣留" in page.locator("#release-verdict").inner_text()
    page.reload()
    assert page.locator("input[name=hold]").evaluate_all("(all) => all.map((i) => i.value)") == ["browser-hold-1"]


def test_the_box_on_a_phone_and_the_works_labels(demo: tuple[httpx.Client, Services], browser: Any) -> None:  # noqa: F811
    client, _ledger = demo
    base = str(client.base_url).rstrip("/")
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 780})
    sign_in(page, base, WORKS, DEMO_PASSWORD)
    page.locator('a.labels[href^="/app/lot/PK-2025-0931"]').click()
    page.wait_for_selector("#labels-h")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # only the drawing scrolls
    assert page.evaluate("() => document.querySelector('.graph-wrap').scrollLeft") > 0  # to the box, on the right
    assert page.locator("#labels a").count() == 4
    legible(page)
    page.screenshot(path=str(ARTIFACTS / "app-lot-box-works-360.png"), full_page=True)
    page.get_by_role("link", name="English").click()
    page.wait_for_selector("text=The lots, as a list")
    page.screenshot(path=str(ARTIFACTS / "app-lot-box-works-360-en.png"), full_page=True)
