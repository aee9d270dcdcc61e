"""The facts a lot's state is made of: quantities in kilograms, Jilin's clock, shipments under way, origins,
seed sourced and pesticide applications. Pure Python; :mod:`.state` folds them into a :class:`~.state.LotState`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..chain.times import parse_utc
from .holds import HOLD_TYPES

_KG = {"kg": 1.0, "g": 0.001, "t": 1000.0}
HOLD_STATES = HOLD_TYPES
EPSILON = 1e-9


def kg(quantity: Mapping[str, Any]) -> float:
    """A ``{value, unit}`` mass in kilograms."""
    return float(quantity["value"]) * _KG[str(quantity["unit"])]


def local_time(moment: datetime, offset_hours: float = 8) -> datetime:
    """``moment`` on Jilin's clock (China Standard Time, UTC+8), for months and years."""
    return moment.astimezone(UTC) + timedelta(hours=offset_hours)


@dataclass
class Shipment:
    shipper: str
    consignee: str
    carrier: str | None
    amount: float


@dataclass
class Origin:
    """Where a product's roots grew: one plot and one harvest."""

    plot: str
    land_type: str
    county: str
    prefecture: str | None
    certifications: list[str]
    variety: str | None
    crop_age: int
    harvest_year: int
    species: str | None = None  # None: the plot recorded none (records from before species were recorded)
    county_code: str | None = None  # GB/T 2260; None: the plot named its county in words only (older records)


@dataclass
class Seed:
    """Seed or seedlings sourced for a plot (a ``source_seed`` record): their species and, for seedlings
    bought in, their age as the seller's record states (None: seed)."""

    species: str | None
    seedling_age_years: int | None


@dataclass
class Application:
    """A pesticide applied to a plot."""

    at: str
    product: str
    active_ingredient: str
    chemical: bool
    pre_harvest_interval_days: int

    @property
    def ready(self) -> datetime:
        """The earliest moment the plot may be harvested after this application."""
        return parse_utc(self.at) + timedelta(days=self.pre_harvest_interval_days)
