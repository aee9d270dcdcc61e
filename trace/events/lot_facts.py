"""The facts a lot's state is made of: quantities in kilograms, Jilin's clock, shipments under way, origins,
seed sourced, pesticide applications and certificates. Pure Python; :mod:`.state` folds them into a
:class:`~.state.LotState`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
class Certificate:
    """A certificate granted to a plot by the organisation that issued it (a ``certify`` record, ``event``):
    its scheme, number, issuer, and validity by the day (China Standard Time), until withdrawn."""

    event: str
    scheme: str
    number: str
    issuer: str
    issued_by: str  # the issuing organisation's id (or a trust anchor's actor id)
    valid_from: str  # YYYY-MM-DD
    valid_until: str  # YYYY-MM-DD, inclusive
    scope: str | None = None
    withdrawn_at: str | None = None  # RFC 3339: no longer valid from this moment

    @classmethod
    def granted(cls, event_id: str, p: Mapping[str, Any], issued_by: str) -> Certificate:
        """The certificate a ``certify`` event (``event_id``, payload ``p``) grants."""
        scope = p.get("scope")
        return cls(
            event_id,
            str(p["scheme"]),
            str(p["number"]),
            str(p["issuer"]),
            issued_by,
            str(p["valid_from"]),
            str(p["valid_until"]),
            None if scope is None else str(scope),
        )

    def valid_at(self, moment: datetime) -> bool:
        """Whether the certificate stood at ``moment``: within its days, and not yet withdrawn."""
        if self.withdrawn_at is not None and moment >= parse_utc(self.withdrawn_at):
            return False
        return self.valid_from <= local_time(moment).date().isoformat() <= self.valid_until


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
    # the certificates its plot held on the day of the harvest (recorded by their issuers: ``certify``)
    certificates: list[Certificate] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Origin:
        fields = dict(data)
        fields["certificates"] = [Certificate(**c) for c in fields.get("certificates", [])]
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "certificates": [c.__dict__ for c in self.certificates]}


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
