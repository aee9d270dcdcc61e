"""The workplace page (``/app``): sign-in, then a person's home as their organisation's roles shape it, in
Chinese by default and English on request. Presentation only: what is shown comes from ``service.home``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from ..service.home import Due, HomeLot, HomeView

ROLE_NAMES = {
    "grower": ("种植户", "grower"),
    "cooperative": ("合作社", "cooperative"),
    "processor": ("加工企业", "processor"),
    "logistics": ("物流", "logistics"),
    "retailer": ("经销商", "retailer"),
    "lab": ("检测机构", "lab"),
    "regulator": ("监管部门", "regulator"),
    "operator": ("运营方", "operator"),
    "certifier": ("认证机构", "certifier"),
}
KIND_NAMES = {
    "plot_crop": ("地块", "plot"),
    "enterprise": ("企业", "enterprise"),
    "harvest_lot": ("采收批", "harvest lot"),
    "process_batch": ("加工批", "process batch"),
    "packaged_product": ("包装产品", "packaged product"),
    "case": ("箱", "case"),
    "pallet": ("托盘", "pallet"),
}
FORM_NAMES = {
    "fresh_root": ("鲜参", "fresh roots"),
    "herb": ("生晒参等原形药材", "herb (whole root)"),
    "red": ("红参", "red ginseng"),
    "slices": ("参片", "slices"),
    "red_slices": ("红参片", "red ginseng slices"),
    "powder": ("参粉", "powder"),
    "extract": ("提取物", "extract"),
}
"""Each product (a harvest's fresh roots, a form of ``schemas/rules.yaml`` ``quality_limits.forms``), in Chinese
and English."""
UNIT_NAMES = {"kg": ("千克", "kg"), "count": ("件", "units")}
NO_STOCK = frozenset({"lab", "regulator", "certifier", "operator"})
"""Roles that hold no goods: their page lists no stock unless they have some."""


@dataclass(frozen=True)
class Section:
    """A list of lots on the page, with what it says when empty."""

    id: str
    zh: str
    en: str
    empty_zh: str
    empty_en: str
    lots: tuple[HomeLot, ...]


@dataclass(frozen=True)
class DueLine:
    """One thing due, as a sentence in both languages; ``tone``: urgent (a hold), wait (an interval), or task;
    ``href``: the form that does it, if there is one (without the language)."""

    zh: str
    en: str
    tone: str
    href: str = ""


def _amount(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _listed(value: object) -> str:
    return "、".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value or "")


def due_line(item: Due) -> DueLine:
    d, lot = item.detail, item.lot_id
    if item.kind == "hold":
        status = "召回" if d.get("status") == "recall" else "扣留"
        placed = _listed(d.get("placed_on"))
        return DueLine(
            f"{lot} 处于{status}中（施于 {placed}）：不得发运、销售",
            f"{lot} is under {d.get('status')} (placed on {placed}): do not ship or sell it",
            "urgent",
        )
    if item.kind == "receive":
        amount, unit = _amount(d.get("amount")), str(d.get("unit") or "")
        return DueLine(
            f"待收货：{d.get('party')} 发来的 {lot}，{amount} {UNIT_NAMES.get(unit, (unit, unit))[0]}",
            f"To receive: {lot} from {d.get('party')}, {amount} {UNIT_NAMES.get(unit, (unit, unit))[1]}",
            "task",
            "/app/record?" + urlencode({"type": "receive", "lot": lot}),
        )
    if item.kind == "samples_to_test":
        samples = d.get("samples")
        sent = [str(s) for s in samples] if isinstance(samples, list | tuple) else []
        query = {"type": "quality_test", "lot": lot}
        if len(sent) == 1 and d.get("waiting") == 1:  # which sample waits is known only when one was sent
            query["sample"] = sent[0]
        return DueLine(
            f"待检测：{lot} 的样品 {_listed(sent)}（{d.get('waiting')} 份未出结果）",
            f"To test: samples {_listed(sent)} of {lot} ({d.get('waiting')} without a result)",
            "task",
            "/app/record?" + urlencode(query),
        )
    if item.kind == "release_awaited":
        return DueLine(f"{lot} 已检测合格，尚待放行", f"{lot} has a passing test and awaits its release", "task")
    if item.kind == "test_awaited":
        return DueLine(f"{lot} 已送样，等待检测结果", f"{lot}: sample sent, its result awaited", "task")
    if item.kind == "sample_needed":
        return DueLine(
            f"{lot} 上市前需送样检测并放行", f"{lot} needs a sample tested and a release before sale", "task"
        )
    if item.kind == "pre_harvest_interval":
        until = str(d.get("until", ""))[:10]
        return DueLine(
            f"{lot} 安全间隔期未满：{until} 前不得采收（{d.get('product')}）",
            f"{lot}: pre-harvest interval running, no harvest before {until} ({d.get('product')})",
            "wait",
        )
    return DueLine(f"{item.kind}: {lot}", f"{item.kind}: {lot}", "task")


def sections(home: HomeView) -> list[Section]:
    """The page's lists: plots, what is on hand, what is on its way, samples at the lab; each shown when the
    organisation's roles make it one of its lists, or when it holds something."""
    roles = set(home.roles)
    plots = tuple(lot for lot in home.lots if lot.kind == "plot_crop" and "holder" in lot.relations)
    stock = tuple(lot for lot in home.lots if lot.unit is not None and lot.on_hand > 0)
    sold = tuple(lot for lot in home.lots if lot.sold > 0 and lot.on_hand <= 0)
    incoming = tuple(lot for lot in home.lots if "incoming" in lot.relations)
    samples = tuple(lot for lot in home.lots if "lab" in lot.relations)
    found = [
        ("plots", "地块", "Plots", "还没有登记地块。", "No plot registered yet.", plots, {"grower", "cooperative"}),
        (
            "stock",
            "在手批次",
            "On hand",
            "目前没有在手的批次。",
            "Nothing on hand.",
            stock,
            roles - {"lab", "regulator"},
        ),
        ("incoming", "在途", "Incoming", "没有发往本单位的货物。", "Nothing on its way here.", incoming, set()),
        ("samples", "样品", "Samples", "没有收到样品。", "No samples received.", samples, {"lab"}),
        ("sold", "已售完", "Sold out", "", "", sold, set()),
    ]
    return [
        Section(id_, zh, en, ezh, een, lots)
        for id_, zh, en, ezh, een, lots, shown_for in found
        if lots or roles & shown_for
    ]
