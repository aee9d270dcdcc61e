"""The scan page in a real browser: headless Chromium (Debian's, driven by Playwright; no browser is
downloaded) opens the URL a real decoder read off a printed label, and the page verifies the lot's proof
bundle on the device with WebCrypto. A tampered bundle (one byte changed) must be caught in the browser.

Needs /usr/bin/chromium (`apt-get install -y chromium`, which .ci/run does); skipped with that reason
when it is missing.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from ginseng_trace.api import create_app
from ginseng_trace.chain import SignerKey, sign_event
from ginseng_trace.demo import load_demo
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, VECTORS, LiveServer, demo_lineage, demo_size, enrol

CHROMIUM = os.environ.get("TRACE_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TRACE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
LOG_KEY = SignerKey("ginseng.test/log", bytes(range(32)))
BOX_LINEAGE = demo_lineage("PK-2025-0931")
"""The demo box's lot and the lots it was made from, as the demo's events give them."""

pytestmark = [
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does)"
    ),
    pytest.mark.browser,
    pytest.mark.slow,
]


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def site(engine: Any) -> Iterator[tuple[str, Services]]:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG_KEY)
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    ledger.checkpointer.publish()
    with LiveServer(factory=lambda url: create_app(ledger, public_base=url)) as server:
        yield server.url, ledger


def scanned_url(base: str) -> str:
    png = httpx.get(f"{base}/api/v1/lots/PK-2025-0931/label.png", params={"serial": "0007"}).content
    [text] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    return text


def device_check(page: Any) -> tuple[str, str]:
    page.wait_for_function(
        "() => ['ok', 'fail'].includes(document.getElementById('device-check').dataset.state)", timeout=20_000
    )
    box = page.locator("#device-check")
    return str(box.get_attribute("data-state")), box.inner_text()


def test_the_scanned_page_verifies_on_the_device(site: tuple[str, Services], browser: Any) -> None:
    base, _ledger = site
    url = scanned_url(base)
    page = browser.new_page(locale="zh-CN")
    page.goto(url)
    state, text = device_check(page)
    assert state == "ok", text
    # the box's lineage (with the demo's two samples, HV-2025-FS-0017 and RG-2025-0931), and the membership
    # records (3 each) of the organisations that signed them, against which the phone re-judged who was
    # allowed to record what
    records, lots = BOX_LINEAGE.bundle_records, len(BOX_LINEAGE.lots)
    assert f"已在本机核验：{records} 条记录、{lots} 个批次，签名、哈希链、日志证明与记录者权限全部通过" in text
    assert "红参（园参）" in page.locator("h1").inner_text()
    assert "白山市抚松县" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "scan-page-zh.png"), full_page=True)
    english = browser.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en-GB,en"})
    english.goto(url)
    state, text = device_check(english)
    assert state == "ok", text
    assert text.startswith(f"Verified on this device: {records} records in {lots} lots")
    assert "recorder's authority checks out" in text
    english.screenshot(path=str(ARTIFACTS / "scan-page-en.png"), full_page=True)


def test_a_box_made_from_a_recalled_harvest_shows_the_recall_verified_on_the_device(
    site: tuple[str, Services], browser: Any
) -> None:
    from ..conftest import demo_actor

    base, ledger = site
    recall = demo_actor("jilin-mpa-inspector").sign(
        "HV-2025-FS-0017",
        "recall",
        occurred_at="2025-11-25T00:00:00Z",
        payload={"reason": "Cd 1.8 mg/kg in a retained sample", "authority": "吉林省药品监督管理局"},
    )
    ledger.events.append(recall)
    ledger.checkpointer.publish()
    page = browser.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en-GB,en"})
    page.goto(scanned_url(base))
    state, text = device_check(page)
    assert state == "ok", text
    # the demo's, the recall, and the regulator's membership records (3) that say it was allowed to record it
    records = BOX_LINEAGE.bundle_records + 1 + 3
    assert text.startswith(f"Verified on this device: {records} records in {len(BOX_LINEAGE.lots)} lots"), text
    assert "Verified: RECALL of upstream lot HV-2025-FS-0017 recorded by 吉林省药品监督管理局" in text
    banner = page.locator(f'.banner.recall[data-hold="{recall.event.event_id}"]').inner_text()
    assert "RECALLED" in banner
    assert "HV-2025-FS-0017" in banner
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "scan-page-upstream-recall-en.png"), full_page=True)
    chinese = browser.new_page(locale="zh-CN")
    chinese.goto(scanned_url(base))
    state, text = device_check(chinese)
    assert state == "ok", text
    assert "已核验：召回（上游批次 HV-2025-FS-0017，吉林省药品监督管理局" in text
    chinese.screenshot(path=str(ARTIFACTS / "scan-page-upstream-recall-zh.png"), full_page=True)


@pytest.mark.parametrize(
    ("where", "change", "says"),
    [
        ("a signed event", lambda b: _flip(b["entries"][3], "event"), "signature|does not match its hash"),
        ("a sealed record", lambda b: _flip(b["entries"][5], "record"), "inclusion proof|breaks the chain|JSON"),
        ("a log proof", lambda b: b["entries"][2]["proof"].reverse(), "inclusion proof"),
        (
            "the checkpoint",
            lambda b: b.update(checkpoint=b["checkpoint"].replace(f"\n{demo_size()}\n", f"\n{demo_size() - 1}\n", 1)),
            "signature",
        ),
        ("a missing record", lambda b: b["entries"].pop(), "missing|chain|no record"),
    ],
)
def test_a_tampered_bundle_is_caught_in_the_browser(
    site: tuple[str, Services], browser: Any, where: str, change: Any, says: str
) -> None:
    import re

    base, _ledger = site
    url = scanned_url(base)
    genuine = json.loads(httpx.get(f"{base}/api/v1/lots/PK-2025-0931/bundle").content)
    change(genuine)
    page = browser.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    page.route("**/api/v1/lots/PK-2025-0931/bundle", lambda route: route.fulfill(json=genuine))
    page.goto(url)
    state, text = device_check(page)
    assert state == "fail", f"{where}: {text}"
    assert text.startswith("Verification on this device FAILED: ")
    assert re.search(says, text), text
    assert "records intact" in page.content()  # the server's own status is still shown beside it


def _flip(entry: dict[str, Any], member: str) -> None:
    """Change one byte of an entry's exact JSON text (a digit, so the JSON stays parseable)."""
    text = entry[member]
    at = next(i for i, c in enumerate(text) if c.isdigit() and i > len(text) // 2)
    entry[member] = text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :]


def anchors_app(log_keys: list[str], anchors: list[str] | None = None, *, with_policy: bool = True) -> Any:
    """The regulator's site: publishes the keys scan pages should trust (the log's, the membership trust
    anchor's) and the authority policy, on another origin, with CORS."""
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    from ginseng_trace.events.authority import policy

    document: dict[str, Any] = {"log_keys": log_keys, "witness_keys": []}
    if with_policy:
        document |= {"membership_anchors": anchors or [OPERATOR.verifier().text()], "authority_policy": policy()}
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])
    app.get("/trust.json")(lambda: document)
    return app


@pytest.mark.parametrize("published", ["the log's own key", "another key", "another anchor", "no policy"])
def test_the_page_trusts_the_keys_published_elsewhere_not_its_own(engine: Any, browser: Any, published: str) -> None:
    """With TRACE_TRUST_ANCHORS_URL the page verifies against keys fetched from another origin (the
    regulator's), whatever keys the page itself carries: a server that swapped in keys of its own choosing
    would fail there."""
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG_KEY)
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    ledger.checkpointer.publish()
    key = LOG_KEY if published != "another key" else SignerKey("ginseng.test/log", bytes(range(1, 33)))
    anchors = [SignerKey("operator", bytes(range(2, 34))).verifier().text()] if published == "another anchor" else None
    site = anchors_app([key.verifier().text()], anchors, with_policy=published != "no policy")
    with LiveServer(site) as regulator:
        trust = f"{regulator.url}/trust.json"
        with LiveServer(factory=lambda url: create_app(ledger, public_base=url, trust_anchors_url=trust)) as server:
            page = browser.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
            page.goto(scanned_url(server.url))
            state, text = device_check(page)
    host = regulator.url.removeprefix("http://")
    if published == "the log's own key":
        assert state == "ok", text
        assert text.endswith(f"(keys from {host})")
    elif published == "another key":
        assert state == "fail", text
        assert "log key" in text or "signature" in text, text
    elif published == "another anchor":  # the page's own anchor is not the regulator's: nobody was enrolled
        assert state == "fail", text
        assert "no key for actor operator" in text, text
    else:  # a trust document without the anchor and the policy is refused, not filled in from the page
        assert state == "fail", text
        assert "names no membership_anchors and authority_policy" in text, text


def test_the_shopper_may_let_the_browser_tell_the_city(site: tuple[str, Services], browser: Any) -> None:
    """With the shopper's permission the page sends the browser's position rounded to 0.1 degree and the
    service keeps the nearest city: box 0007, recorded as sold in 长春, scanned in 广州 is flagged."""
    base, ledger = site
    context = browser.new_context(
        locale="zh-CN", geolocation={"latitude": 23.12911, "longitude": 113.26436}, permissions=["geolocation"]
    )
    page = context.new_page()
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    page.goto(scanned_url(base))
    page.click("#locate")
    page.wait_for_selector("#place-told")
    assert "谢谢，已记下城市：广州" in page.locator("#place-told").inner_text()
    assert "账本记载已于 2025-11-20 在长春售出，之后却在广州被扫码" in page.content()
    [report] = [url for url in sent if "near=" in url]
    assert "near=23.1%2C113.3" in report  # rounded on the device, before it was sent
    context.close()
    ledger.scans.flush()
    [(_g, _lot, _serial, scans)] = [row for row in ledger.scans.report("PK-2025-0931") if row[2] == "0007"]
    assert sorted(scans.cities) == ["广州"]


CONTRAST = """() => {
  const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  let worst = [99, ""];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst[0]) worst = [ratio, el.tagName + ": " + el.textContent.trim().slice(0, 40)];
  }
  return worst;
}"""


def test_the_page_is_light_and_legible(site: tuple[str, Services], browser: Any) -> None:
    """Everything the page loads, the proof bundle included, weighs at most 100 KB, and every text on it
    has at least WCAG AA contrast (4.5:1) against its background."""
    base, _ledger = site
    page = browser.new_page(locale="zh-CN")
    page.goto(scanned_url(base))
    state, text = device_check(page)
    assert state == "ok", text
    loaded = page.evaluate(
        "() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".map((e) => [e.name, e.encodedBodySize])"
    )
    names = " ".join(name for name, _size in loaded)
    assert "/static/verify-crypto.js" in names
    assert "/static/verify-core.js" in names
    assert "/static/verify-authority.js" in names
    assert "/static/verify.js" in names
    assert "/bundle" in names
    assert "/static/vendor/" not in names  # the fallback for browsers without WebCrypto's Ed25519: not needed here
    assert sum(size for _name, size in loaded) <= 100_000, loaded
    ratio, where = page.evaluate(CONTRAST)
    assert ratio >= 4.5, f"contrast {ratio:.2f} at {where}"


LIARS = {
    "verify.js": "document.getElementById('device-check').dataset.state = 'ok';",
    "verify-core.js": "globalThis.ginsengTraceCore = {Failure: Error, fail: () => {}, checkScanned: () => false,"
    " verifyBundle: async () => ({records: 1, lots: 1, size: 1, witnessed: []})};",
    "verify-authority.js": "globalThis.ginsengTraceAuthority = {keys: (e, a) => new Map(), judge: () => []};",
    "verify-crypto.js": "globalThis.ginsengTraceCrypto = {choose: async () => [],"
    " sha256: async () => new Uint8Array(32), ed25519: async () => true};",
}
"""For each of the verifier's scripts, one that always says "verified"."""


@pytest.mark.parametrize("script", sorted(LIARS))
def test_a_verifier_altered_on_the_way_is_refused_by_the_browser(
    site: tuple[str, Services], browser: Any, script: str
) -> None:
    """A cache or CDN that swapped the verifier for one that always says "verified" is caught by the page's
    subresource integrity: the browser does not run it, and the page never claims a check it did not do."""
    base, _ledger = site
    liar = LIARS[script]
    page = browser.new_page(locale="en-GB")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    page.route(f"**/static/{script}", lambda route: route.fulfill(body=liar, content_type="text/javascript"))
    page.goto(scanned_url(base))
    page.wait_for_timeout(1500)
    assert page.locator("#device-check").get_attribute("data-state") != "ok"  # never claims the check
    assert any("integrity" in e for e in errors), errors


VERIFY_IN_PAGE = """async ([text, logKeys]) => {
  const box = document.getElementById("device-check");
  const anchors = JSON.parse(box.dataset.anchorKeys), policy = JSON.parse(box.dataset.policy);
  try { await window.ginsengTraceVerify(JSON.parse(text), logKeys, [], anchors, policy); return "ok"; }
  catch (e) { return "fail: " + (e && e.message); }
}"""


def served(browser: Any, url: str, html: str, locale: str = "en-GB") -> tuple[str, str]:
    """Open ``url`` with ``html`` served in place of the service's page (the scripts and bundle stay the
    service's), and return the device check's state and text."""
    page = browser.new_page(locale=locale)
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(url)
    return device_check(page)


def both_verdicts(page: Any, text: str) -> tuple[str, str]:
    """The bundle ``text`` judged by ginseng_trace.chain.bundle.verify_bundle and by verify.js in ``page``."""
    from ginseng_trace.chain.bundle import BundleError
    from ginseng_trace.events.audit import verify_bundle

    keys = [LOG_KEY.verifier()]
    try:
        verify_bundle(text.encode(), keys, anchors=[OPERATOR.verifier()])
        reference = "ok"
    except BundleError as exc:
        reference = f"fail: {exc}"
    return reference, page.evaluate(VERIFY_IN_PAGE, [text, [k.text() for k in keys]])


def verifier_page(base: str, browser: Any) -> Any:
    """A scan page whose verifier has run, to call ``window.ginsengTraceVerify`` in."""
    page = browser.new_page()
    page.goto(scanned_url(base))
    device_check(page)
    return page


def shop_stores(ledger: Services) -> None:
    """The demo shop records one more storage of the demo box's lot (a record the page may not show yet)."""
    from ginseng_trace.demo import ACTORS
    from ginseng_trace.events import private_fields

    from ..conftest import Actor

    shop = next(a for a in ACTORS if a.name == "changchun-herb-shop")
    event = Actor(shop.name, shop.key).event("PK-2025-0931", "store", occurred_at="2025-11-22T01:00:00Z")
    ledger.events.append(sign_event(event, shop.key, private=private_fields("store")))


def test_the_browser_refuses_a_bundle_whose_event_was_signed_without_the_role(
    site: tuple[str, Services], browser: Any
) -> None:
    """tests/vectors/bundle/forbidden-bundle.json: the demo box after a recall by the shop (a retailer), every
    signature, chain and log proof genuine; Chromium's verifier refuses it, as the Python verifier does."""
    base, _ledger = site
    page = verifier_page(base, browser)
    text = (VECTORS / "bundle" / "forbidden-bundle.json").read_text(encoding="utf-8")
    reference, browser_verdict = both_verdicts(page, text)
    at = demo_size()  # the first record after the demo's
    assert reference.startswith(f"fail: record at log index {at} (recall of lot PK-2025-0931 by changchun-herb-shop)")
    assert browser_verdict.startswith(
        f"fail: the record at log index {at} (recall of lot PK-2025-0931 by changchun-herb-shop)"
    )
    assert "holds the role retailer; recording recall needs one of regulator" in browser_verdict
    genuine = (VECTORS / "bundle" / "demo-bundle.json").read_text(encoding="utf-8")
    assert both_verdicts(page, genuine) == ("ok", "ok")


@pytest.mark.parametrize("seed", range(3))
def test_the_browser_and_the_reference_verifier_agree_on_every_changed_byte(
    site: tuple[str, Services], browser: Any, seed: int
) -> None:
    """Differential test of the hand-written verifier: the demo box's bundle with one character changed at
    200 random places for each seed (each change keeps the JSON parseable, so both verifiers really judge
    it) is accepted by verify.js in Chromium exactly when ginseng_trace.chain.bundle.verify_bundle accepts
    it. It found the browser taking a malformed key-validity time for no bound at all (now refused) and
    non-canonical base64."""
    import random

    base, _ledger = site
    text = httpx.get(f"{base}/api/v1/lots/PK-2025-0931/bundle").text
    page = verifier_page(base, browser)
    assert both_verdicts(page, text) == ("ok", "ok")
    rng, judged, rejected = random.Random(seed), 0, 0
    alphabet = "0123456789abcdefABCDEF+/="
    while judged < 200:
        at = rng.randrange(len(text))
        if text[at] not in alphabet:
            continue
        changed = text[:at] + rng.choice(alphabet.replace(text[at], "")) + text[at + 1 :]
        try:
            json.loads(changed)
        except ValueError:
            continue
        judged += 1
        reference, in_browser = both_verdicts(page, changed)
        assert (in_browser == "ok") == (reference == "ok"), (at, text[max(0, at - 30) : at + 30], reference, in_browser)
        rejected += reference != "ok"
    assert rejected > 150  # nearly every byte of a bundle matters


def _mutations(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a parsed bundle where a member can be dropped or replaced."""
    if isinstance(value, dict):
        for key, member in value.items():
            yield (*path, key)
            yield from _mutations(member, (*path, key))
    elif isinstance(value, list):
        for i, member in enumerate(value):
            yield (*path, i)
            yield from _mutations(member, (*path, i))


def _mutated(bundle: Any, path: tuple[Any, ...], change: str) -> Any:
    import copy

    out = copy.deepcopy(bundle)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if change == "drop":
        del parent[last]
    else:
        old = parent[last]
        parent[last] = {"null": None, "string": str(old), "number": 7, "list": [old], "empty": {}}[change]
    return out


@pytest.mark.parametrize("seed", range(2))
def test_the_browser_and_the_reference_verifier_agree_on_changed_structure(
    site: tuple[str, Services], browser: Any, seed: int
) -> None:
    """The same differential test on the bundle's structure: a member dropped, or replaced by null, a
    string, a number, a list or an empty object, at 150 random places for each seed. It found the browser
    coercing a log index given as a string and an event given inside a list (now refused)."""
    import random

    base, _ledger = site
    genuine = json.loads(httpx.get(f"{base}/api/v1/lots/PK-2025-0931/bundle").text)
    page = verifier_page(base, browser)
    places, rng = list(_mutations(genuine)), random.Random(seed)
    for _ in range(150):
        path, change = rng.choice(places), rng.choice(["drop", "null", "string", "number", "list", "empty"])
        reference, in_browser = both_verdicts(page, json.dumps(_mutated(genuine, path, change)))
        assert (in_browser == "ok") == (reference == "ok"), (path, change, reference, in_browser)


def test_a_genuine_page_and_bundle_behind_another_code_are_caught(site: tuple[str, Services], browser: Any) -> None:
    """What a counterfeiter could do with a copied page: show the genuine page and its genuine bundle for
    a code they do not belong to. The verifier binds the bundle to the scanned address itself: another
    lot's bundle, or a GTIN the verified packaging record does not name, fails on the device."""
    base, _ledger = site
    url = scanned_url(base)
    genuine_page = httpx.get(url).text
    batch = json.loads(httpx.get(f"{base}/api/v1/lots/RG-2025-0931/bundle").content)  # genuine, another lot
    swapped = browser.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    swapped.route("**/api/v1/lots/PK-2025-0931/bundle", lambda route: route.fulfill(json=batch))
    swapped.goto(url)
    state, text = device_check(swapped)
    assert state == "fail", text
    assert "this proof bundle is of lot RG-2025-0931, not of the scanned lot PK-2025-0931" in text
    fake = url.replace("/01/06975123400010/", "/01/06975123400027/")  # a valid GTIN of no packaging record
    state, text = served(browser, fake, genuine_page)
    assert state == "fail", text
    assert "covers the scanned GTIN 06975123400027 and serial 0007" in text


SALE_ITEM = r'<li class="step sell" data-event="[^"]+" data-who="actor"><span class="when">2025-11-20</span>.*?</li>'
"""The journey's sale (2025-11-20) as the page's timeline lists it."""


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda html: html.replace(">2025-11-02<", ">2025-11-01<", 1), "misstates event"),
        (lambda html: re.sub(SALE_ITEM, "", html, flags=re.S), "leaves out"),
        (lambda html: html.replace("<dd>吉林省白山市抚松县", "<dd>吉林省白山市靖宇县", 1), "misstates the origin"),
        (lambda html: html.replace("(220621)", "(220622)", 1), "misstates the origin"),
        (lambda html: html.replace('data-event="demo-pk-005"', 'data-event="made-up-0001"', 1), "does not hold"),
    ],
)
def test_a_page_that_misstates_the_verified_history_fails_on_the_device(
    site: tuple[str, Services], browser: Any, change: Any, says: str
) -> None:
    """The page's facts are the server's rendering; the phone checks them against the verified events: a
    changed date, a hidden sale, another county or an invented event makes the check fail."""
    base, _ledger = site
    url = scanned_url(base)
    html = httpx.get(url).text
    changed = change(html)
    assert changed != html
    state, text = served(browser, url, changed)
    assert state == "fail", text
    assert says in text


def test_a_recall_hidden_from_the_page_fails_on_the_device(site: tuple[str, Services], browser: Any) -> None:
    from ..conftest import Actor

    base, ledger = site
    regulator = Actor("jilin-regulator")
    enrol(ledger, regulator, ["regulator"])
    ledger.events.append(regulator.sign("RG-2025-0931", "recall", occurred_at="2025-11-21T00:00:00Z"))
    ledger.checkpointer.publish()
    url = scanned_url(base)
    honest = browser.new_page(locale="en-GB")
    honest.goto(url)
    state, text = device_check(honest)
    assert state == "ok", text
    assert honest.locator(".banner.recall").count() == 1
    html = httpx.get(url).text
    hiding = re.sub(r'<div class="banner recall"[^>]*>.*?</div>', "", html, count=1, flags=re.S)
    assert hiding != html
    state, text = served(browser, url, hiding)
    assert state == "fail", text
    assert "does not show the verified recall" in text


def test_a_page_rendered_just_before_new_records_still_verifies_but_a_recall_is_never_excused(
    site: tuple[str, Services], browser: Any
) -> None:
    """The bundle is fetched after the page: records logged in between are not the page's to show (it says
    the tree size it was rendered at), so an honest page still verifies; a recall logged in between must
    still be shown, so the phone refuses a page without it."""
    from ..conftest import Actor

    base, ledger = site
    url = scanned_url(base)
    before = httpx.get(url).text
    shop_stores(ledger)
    ledger.checkpointer.publish()
    state, text = served(browser, url, before)
    assert state == "ok", text
    grown = BOX_LINEAGE.bundle_records + 1  # the bundle's and the shop's store (the page was fetched in Chinese)
    assert f"{grown} 条记录" in text
    regulator = Actor("jilin-regulator")
    enrol(ledger, regulator, ["regulator"])
    ledger.events.append(regulator.sign("RG-2025-0931", "recall", occurred_at="2025-11-23T00:00:00Z"))
    ledger.checkpointer.publish()
    state, text = served(browser, url, before)
    assert state == "fail", text
    assert "does not show the verified recall" in text


def test_a_shopper_who_reloads_after_a_new_record_gets_a_fresh_bundle(site: tuple[str, Services], browser: Any) -> None:
    """The bundle may be cached for a minute, the page never is: the verifier revalidates the bundle (a
    304 when nothing changed), so a page showing a record logged since the last visit still verifies."""
    base, ledger = site
    url = scanned_url(base)
    context = browser.new_context(locale="en-GB")
    first = context.new_page()
    first.goto(url)
    assert device_check(first)[0] == "ok"
    shop_stores(ledger)
    ledger.checkpointer.publish()  # as the checkpointer does within seconds: the page shows the lot as logged
    again = context.new_page()
    again.goto(url)
    state, text = device_check(again)
    context.close()
    assert state == "ok", text
    grown = BOX_LINEAGE.bundle_records + 1  # the bundle's and the shop's store
    assert f"{grown} records" in text or f"{grown} 条记录" in text


def test_a_recall_not_yet_logged_is_shown_and_the_logged_history_still_verifies(
    site: tuple[str, Services], browser: Any
) -> None:
    """A recall recorded after the latest checkpoint is on the page at once (marked as not yet checkable);
    the device still verifies the logged history, and after the next checkpoint it verifies the recall too."""
    from ..conftest import Actor

    base, ledger = site
    regulator = Actor("jilin-regulator")
    enrol(ledger, regulator, ["regulator"])
    ledger.events.append(
        regulator.sign("RG-2025-0931", "recall", occurred_at="2025-11-21T00:00:00Z", payload={"reason": "Pb 9"})
    )
    url = scanned_url(base)
    page = browser.new_page(locale="en-GB")
    page.goto(url)
    assert page.locator(".banner.recall[data-unlogged]").count() == 1
    assert device_check(page)[0] == "ok"
    ledger.checkpointer.publish()
    again = browser.new_page(locale="en-GB")
    again.goto(url)
    state, text = device_check(again)
    assert state == "ok", text
    assert again.locator(".banner.recall").count() == 1
    assert again.locator("[data-unlogged]").count() == 0
