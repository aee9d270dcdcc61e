"""What the shopper's page shows, in the page's one language: the verdict first, the journey from plot to
shelf as a timeline, the route on a map of Jilin's counties, organisations by their registered names.

Every fact keeps what the page's on-device verifier reads (``verify-core.js`` ``checkPage``): each
timeline step that states an event carries its ``data-event`` and shows its date and its signer's actor id
(or lab, or county), so the signer stays stated beside the organisation's registered name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..events.public import PublicHistory
from ..events.readings import bilingual, english, place_en
from ..labels.places import gazetteer
from .jilin_map import Stop, centre, position, route_map

STEP_NAMES = {
    "soak": "浸润",
    "wash": "清洗",
    "brush": "刷洗",
    "sort": "分选",
    "steam": "蒸制",
    "air-dry": "晾晒",
    "hot-dry": "烘干",
    "trim fine roots": "剪须",
    "low-temperature dry": "低温干燥",
    "grade": "分级",
    "dry": "干燥",
    "sun-dry": "晒干",
    "slice": "切片",
    "grind": "粉碎",
    "pack": "包装",
    "cut": "切制",
    "extract": "提取",
}
"""The Chinese names of the processing steps records name in English (``process.steps`` is free text)."""

VERDICTS = {
    # state: (css class, Chinese headline, English headline, Chinese advice, English advice)
    "recall": ("fail", "已召回", "Recalled", "请勿食用，可退回商家。", "Do not eat it; return it to the seller."),
    "hold": ("fail", "暂扣待查", "On hold", "监管部门正在调查，暂勿食用。", "Under investigation: do not eat it yet."),
    "failed": ("fail", "检测不合格", "Failed a test", "请勿食用。", "Do not eat it."),
    "destroyed": (
        "fail",
        "已销毁",
        "Destroyed",
        "此批次应已销毁，请勿食用。",
        "This lot should no longer exist: do not eat it.",
    ),
    "broken": (
        "fail",
        "记录核验失败",
        "Records do not verify",
        "记录可能被篡改，请向监管部门反映。",
        "The records may have been altered: tell the regulator.",
    ),
    "awaiting": (
        "warn",
        "尚未放行",
        "Not yet released",
        "此批次尚未通过放行，暂勿销售或食用。",
        "This lot has not been released for sale yet.",
    ),
    "genuine": (
        "ok",
        "正品 · 记录已核验",
        "Genuine · records verified",
        "此产品已在人参溯源账本登记，记录完整，签名有效。",
        "This product is registered in the Ginseng Trace ledger; its records are intact and signed.",
    ),
}
"""The verdicts, gravest first."""


@dataclass
class Shopper:
    """The page's words and pictures for one history in one language."""

    history: PublicHistory
    zh: bool
    verified: bool
    unlogged: tuple[str, str] | None = None
    sold_cities: list[str] = field(default_factory=list)

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    def say(self, text: Any) -> str:
        """Recorded text in the page's language: as recorded on the Chinese page; on the English page each
        Chinese run as its reading with the original in parentheses."""
        text = "" if text is None else str(text)
        return text if self.zh else english(text)

    def name(self, actor: Any) -> str:
        """An actor's organisation by its registered name, in the page's language; the actor id when
        membership names no organisation."""
        party = self.history.parties.get(str(actor))
        if party is None:
            return str(actor or "")
        zh, en = bilingual(str(party["name"]))
        return zh if self.zh else en

    def step(self, text: str) -> str:
        """A processing step in the page's language."""
        if self.zh:
            return STEP_NAMES.get(text, text)
        return english(text)

    def place(self, origin: dict[str, Any]) -> str:
        if self.zh:
            if origin.get("place"):
                return str(origin["place"])
            return f"{origin.get('prefecture') or ''}{origin.get('county') or ''}，吉林"
        if origin.get("county_code"):
            return place_en(origin.get("county_code"), origin.get("county"), origin.get("prefecture"))
        return english(f"{origin.get('prefecture') or ''}{origin.get('county') or ''}") + ", Jilin"

    @property
    def verdict(self) -> dict[str, str]:
        h = self.history
        quality = (h.quality or {}).get("state")
        status = h.status or (self.unlogged[0] if self.unlogged else None)
        if status in ("recall", "hold"):
            state = status
        elif not self.verified:
            state = "broken"
        elif quality in ("failed", "failed_upstream"):
            state = "failed"
        elif quality == "destroyed":
            state = "destroyed"
        elif quality in ("awaiting_release", "awaiting_test"):
            state = "awaiting"
        else:
            state = "genuine"
        css, head_zh, head_en, advice_zh, advice_en = VERDICTS[state]
        return {
            "state": state,
            "class": css,
            "headline": self.t(head_zh, head_en),
            "advice": self.t(advice_zh, advice_en),
        }

    def timeline(self) -> list[dict[str, Any]]:
        """The journey from plot to shelf, oldest first: planting, harvest, tests, processing, packaging,
        transport, storage, sale. Each step that states an event names it (``event``, ``who``)."""
        h, steps = self.history, []
        for n, origin in enumerate(h.origins):
            if origin.get("sown_on"):
                title = self.t("栽植", "Planted") if origin.get("seedling_age_years") else self.t("播种", "Sown")
                steps.append({"kind": "plant", "on": origin["sown_on"], "title": title, "origin": n})
            steps.append(
                {
                    "kind": "harvest",
                    "on": origin.get("harvested_on") or "",
                    "title": self.t("采收", "Harvested"),
                    "origin": n,
                }
            )
        for q in h.tests:
            steps.append({"kind": "test", "on": q["on"], "title": self.t("质量检测", "Quality test"), "test": q})
        for p in h.processing:
            kind = "package" if p["process"] == "package" else "process"
            steps.append({"kind": kind, "on": p["on"], "title": "", "process": p})
        for j in h.journey:
            steps.append({"kind": j["type"], "on": j["on"], "title": "", "journey": j})
        order = {"plant": 0, "harvest": 1, "test": 2, "process": 3, "package": 4}
        return sorted(steps, key=lambda s: (s["on"], order.get(s["kind"], 5)))

    def stops(self) -> list[Stop]:
        """The route on the map: the origin counties, the processing places, the sale's city."""
        h, found, seen = self.history, [], set()

        def add(role: str, label: str, at: tuple[int, int] | None) -> None:
            if at is not None and (role, at) not in seen:
                seen.add((role, at))
                found.append(Stop(role, label, *at))

        for origin in h.origins:
            add("origin", self.t("产地 ", "Origin: ") + self.place(origin), centre(origin.get("county_code")))
        for p in h.processing:
            party = h.parties.get(str(p.get("processor")), {})
            add(
                "processing",
                self.t("加工 ", "Processing: ") + self.name(p.get("processor")),
                centre(party.get("county_code")),
            )
        for city in self.sold_cities:
            place = gazetteer().find(city)
            if place is not None:
                add("sale", self.t("售出 ", "Sold: ") + place.name(self.zh), position(place.longitude, place.latitude))
        if not any(s.role == "sale" for s in found):
            for j in h.journey:
                if j["type"] == "sell":
                    party = h.parties.get(str(j.get("by")), {})
                    add("sale", self.t("售出 ", "Sold: ") + self.name(j.get("by")), centre(party.get("county_code")))
        return found

    def map(self) -> Markup | None:
        stops = self.stops()
        origins = {str(o["county_code"]) for o in self.history.origins if o.get("county_code")}
        if not stops and not origins:
            return None
        title = self.t("吉林省地图：产地（着色）与流通路线", "Map of Jilin: the origin counties (shaded) and the route")
        return route_map(origins, stops, title)


def shopper(
    history: PublicHistory, zh: bool, verified: bool, unlogged: tuple[str, str] | None, sold: list[dict[str, Any]]
) -> Shopper:
    return Shopper(history, zh, verified, unlogged, [str(s["city"]) for s in sold if s.get("city")])


def signer(actor: Any, zh: bool) -> Markup:
    """The actor id that signed a record, beside its organisation's name: what the on-device verifier
    compares with the signed event (an identifier, not words of either language)."""
    label = "签名" if zh else "signed by"
    return Markup('<small class="signer">{} <code lang="zxx">{}</code></small>').format(label, str(actor))
