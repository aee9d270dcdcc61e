"""How a story of the demo is written down: its events in the order they are recorded, by their actors, and
the steps every story repeats (a fungicide spray, a shipment and its receipt, a sample and its test)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .actors import LAB, LAB_ACCREDITATION, LAB_NAME, LOGISTICS

Recorded = tuple[str, dict[str, Any]]
"""(actor, event without actor and key_id)."""

METALS_CLEAN = {"Pb": 0.8, "Cd": 0.1, "As": 0.3, "Hg": 0.02, "Cu": 6.1}
"""Heavy metals [mg/kg] well inside ChP 2020's limits (and WM/T 2's Cd 0.3)."""
RESIDUES_CLEAN = {"BHC": 0.01, "DDT": 0.01, "PCNB": 0.005}
"""Organochlorine residues [mg/kg] well inside ChP 2020's limits."""


@dataclass(frozen=True)
class County:
    """A county by its GB/T 2260 code, its name and its prefecture's name (as a plot records them)."""

    code: str
    name: str
    prefecture: str


FUSONG = County("220621", "抚松县", "白山市")
JIAN = County("220582", "集安市", "通化市")
JINGYU = County("220622", "靖宇县", "白山市")
LINJIANG = County("220681", "临江市", "白山市")


def plot(
    land_type: str,
    county: County,
    area_mu: float,
    polygon: list[list[float]],
    species: str = "panax_ginseng",
    **more: Any,
) -> dict[str, Any]:
    """A ``register_plot`` payload: the plot's land, species, county, declared area and private polygon."""
    return {
        "land_type": land_type,
        "species": species,
        "county_code": county.code,
        "county": county.name,
        "prefecture": county.prefecture,
        "area_mu": area_mu,
        "location": {"private": True, "polygon": polygon},
        **more,
    }


@dataclass(frozen=True)
class Fungicide:
    """A fungicide product as its label gives it (the rules file's registration_product table knows each)."""

    product: str
    registration_number: str
    active_ingredient: str
    dose_g_ai_per_hm2: float
    pre_harvest_interval_days: int
    biological: bool = False


@dataclass
class Story:
    """The events of one story, in the order they are recorded."""

    events: list[Recorded] = field(default_factory=list)

    def add(
        self,
        actor: str,
        eid: str,
        lot: str,
        typ: str,
        when: str,
        payload: dict[str, Any],
        inputs: list[str] | None = None,
    ) -> None:
        event: dict[str, Any] = {"event_id": eid, "lot_id": lot, "type": typ, "occurred_at": when, "payload": payload}
        if inputs:
            event["inputs"] = inputs
        self.events.append((actor, event))

    def spray(self, actor: str, eid: str, plot: str, when: str, fungicide: Fungicide) -> None:
        """A fungicide applied to ``plot`` by its grower."""
        payload: dict[str, Any] = {
            "operation": "pesticide",
            "product": fungicide.product,
            "registration_number": fungicide.registration_number,
            "active_ingredient": fungicide.active_ingredient,
            "pesticide_class": "biological" if fungicide.biological else "chemical",
            "dose": {"value": fungicide.dose_g_ai_per_hm2, "unit": "g a.i./hm2"},
            "method": "spray",
            "pre_harvest_interval_days": fungicide.pre_harvest_interval_days,
        }
        self.add(actor, eid, plot, "field_operation", when, payload)

    def consign(
        self,
        sender: str,
        lot: str,
        ship: tuple[str, str],
        receive: tuple[str, str],
        to: str,
        shipped: dict[str, float],
        received: dict[str, float],
    ) -> None:
        """``lot`` shipped by ``sender`` (event id, time) to ``to`` through the demo's carrier, and received by
        ``to`` (event id, time); ``shipped`` and ``received`` hold the figures (``net_weight_kg``, ``units``)."""
        self.add(sender, ship[0], lot, "ship", ship[1], {"from": sender, "to": to, "carrier": LOGISTICS, **shipped})
        self.add(to, receive[0], lot, "receive", receive[1], {"from": sender, **received})

    def tested(
        self,
        sender: str,
        lot: str,
        sample: tuple[str, str, str, str],
        test: tuple[str, str],
        result: dict[str, Any],
    ) -> None:
        """A sample of ``lot`` (event id, sample id, time, quantity like "500 g") sent by its custodian to the
        demo's lab, and the lab's passing test of it (event id, time), by ChP 2020, with ``result``'s figures."""
        eid, sample_id, sent_at, quantity = sample
        value, unit = quantity.split()
        self.add(
            sender,
            eid,
            lot,
            "sample",
            sent_at,
            {
                "sample_id": sample_id,
                "lab": LAB,
                "purpose": "self_check",
                "quantity": {"value": int(value), "unit": unit},
            },
        )
        payload = {
            "lab": LAB_NAME,
            "accreditation": LAB_ACCREDITATION,
            "sample_id": sample_id,
            "method": "Chinese Pharmacopoeia 2020",
            **result,
            "verdict": "pass",
        }
        self.add(LAB, test[0], lot, "quality_test", test[1], payload)
