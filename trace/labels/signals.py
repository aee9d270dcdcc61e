"""Copied-label signals from a label's scans: pure Python, no I/O.

Scans are counted outside the ledger (time, and a coarse city only when the
person scanning allowed it). A genuine box is scanned a few times, in one
place or a few near each other, and not again somewhere else once the ledger
records it as sold; a label copied onto fake boxes breaks one of those. Each
signal is a reason to look, not proof: thresholds come from configuration
(``ScanPolicy``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from .places import Place, city_name, distance_km


@dataclass(frozen=True)
class ScanPolicy:
    """When a label's scans look like a copied label (``TRACE_SCAN_ALERT_COUNT``, ``..._CITIES``,
    ``..._KM``)."""

    max_scans: int = 20
    max_cities: int = 3
    max_km: float = 300.0

    def __post_init__(self) -> None:
        if self.max_scans < 1 or self.max_cities < 1 or not self.max_km > 0:
            raise ValueError("scan alert thresholds must be positive")

    def to_json(self) -> dict[str, float]:
        return {"max_scans": self.max_scans, "max_cities": self.max_cities, "max_km": self.max_km}


@dataclass(frozen=True)
class Sale:
    """A sale of serialised units the ledger recorded: when, where (a city, if the seller said) and by whom."""

    at: str  # RFC 3339 UTC
    city: str | None
    seller: str


@dataclass(frozen=True)
class LabelScans:
    """One label's scans so far: how many, the first and last, the last scan from each city, and the
    gazetteer place of each city that resolved to one."""

    count: int
    first: str | None
    last: str | None = None
    cities: Mapping[str, str] = field(default_factory=dict)  # city -> its latest scan (RFC 3339 UTC)
    places: Mapping[str, Place] = field(default_factory=dict)  # city -> its place, when it has one


@dataclass(frozen=True)
class Signal:
    kind: str  # "often", "cities", "far_apart" or "sold_elsewhere"
    message: str
    message_zh: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message, "message_zh": self.message_zh}


def signals(scans: LabelScans, policy: ScanPolicy, sales: Sequence[Sale] = ()) -> list[Signal]:
    """What about these scans suggests a copied label: too many, too many cities, two cities farther apart
    than ``max_km``, or scans from another city after the ledger recorded the unit as sold (RFC 3339 UTC
    strings of one width compare as times)."""
    found = []
    if scans.count > policy.max_scans:
        found.append(
            Signal(
                "often",
                f"scanned {scans.count} times (usually at most {policy.max_scans})",
                f"此标签已被扫码 {scans.count} 次（通常不超过 {policy.max_scans} 次）",
            )
        )
    cities = sorted(scans.cities)
    if len(cities) > policy.max_cities:
        found.append(
            Signal(
                "cities", f"scanned in several cities: {', '.join(cities)}", f"在多个城市被扫码：{'、'.join(cities)}"
            )
        )
    far = farthest(scans.places)
    if far is not None and far[0] > policy.max_km:
        km, a, b = far
        found.append(
            Signal(
                "far_apart",
                f"scanned in places {km:,.0f} km apart: {a.name(zh=False)} and {b.name(zh=False)}",
                f"在相距 {km:.0f} 公里的两地被扫码：{a.name()}、{b.name()}",
            )
        )
    for sale in sales:
        if sale.city is None:
            continue
        elsewhere = sorted(city for city, last in scans.cities.items() if city != sale.city and last > sale.at)
        if elsewhere:
            day = sale.at[:10]
            found.append(
                Signal(
                    "sold_elsewhere",
                    f"recorded as sold in {sale.city} on {day}, then scanned in {', '.join(elsewhere)}",
                    f"账本记载已于 {day} 在{sale.city}售出，之后却在{'、'.join(elsewhere)}被扫码",
                )
            )
    return found


EXACT_PLACES = 64
"""Up to this many places every pair is compared; beyond (a label copied onto boxes all over the country),
two sweeps find a pair at least half the widest apart, in linear time, so that no scan page can be made
slow by naming many cities (and the ``cities`` signal has long fired by then)."""


def farthest(places: Mapping[str, Place]) -> tuple[float, Place, Place] | None:
    """The two places farthest apart and their distance in km (None with fewer than two places): exact up
    to ``EXACT_PLACES`` places, at least half the widest distance beyond."""
    ordered = sorted(places.values(), key=lambda p: p.id)
    if len(ordered) < 2:
        return None
    if len(ordered) > EXACT_PLACES:
        a = max(ordered, key=lambda p: distance_km(ordered[0], p))
        b = max(ordered, key=lambda p: distance_km(a, p))
        return distance_km(a, b), a, b
    return max(((distance_km(a, b), a, b) for a, b in combinations(ordered, 2)), key=lambda t: t[0])


def recorded_sales(sold: Sequence[Mapping[str, Any]]) -> list[Sale]:
    """The public history's sales of one unit, as the scan signals take them: a city the gazetteer knows
    under the name scans keep for it (长春市 as 长春)."""
    return [Sale(sale["at"], city_name(sale["city"]), sale["by"]) for sale in sold]
