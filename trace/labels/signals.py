"""Copied-label signals from a label's scans: pure Python, no I/O.

Scans are counted outside the ledger (time, and a coarse city only when the
person scanning allowed it). A genuine box is scanned a few times, in one
place, and not again somewhere else once the ledger records it as sold; a
label copied onto fake boxes breaks one of those. Each signal is a reason to
look, not proof: thresholds come from configuration (``ScanPolicy``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScanPolicy:
    """When a label's scans look like a copied label (``TRACE_SCAN_ALERT_COUNT``, ``..._CITIES``)."""

    max_scans: int = 20
    max_cities: int = 1


@dataclass(frozen=True)
class Sale:
    """A sale of serialised units the ledger recorded: when, where (a city, if the seller said) and by whom."""

    at: str  # RFC 3339 UTC
    city: str | None
    seller: str


@dataclass(frozen=True)
class LabelScans:
    """One label's scans so far: how many, the first and last, and the last scan from each city."""

    count: int
    first: str | None
    last: str | None = None
    cities: Mapping[str, str] = field(default_factory=dict)  # city -> its latest scan (RFC 3339 UTC)


@dataclass(frozen=True)
class Signal:
    kind: str  # "often", "cities" or "sold_elsewhere"
    message: str
    message_zh: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message, "message_zh": self.message_zh}


def signals(scans: LabelScans, policy: ScanPolicy, sales: Sequence[Sale] = ()) -> list[Signal]:
    """What about these scans suggests a copied label: too many, too many cities, or scans from another city
    after the ledger recorded the unit as sold (RFC 3339 UTC strings of one width compare as times)."""
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
