"""What a consumer may see of a lot: its public history, drawn from its and its ancestors' events. Pure Python.

Built by allow-list, never by removal: only the fields named here leave the
ledger for the public page (``docs/DOMAIN.md`` §Roles: product type, species
(§Species: its Chinese name and Latin binomial, or "not recorded" for origins
that record none, never taken for 人参), the plant part packed, root
age, origin county, harvest year, processing method and date, batch, test summary,
storage advice, expiry, certifications, the company-level custody chain,
food warnings, findings marked public). Plot coordinates, notes, invoice
references, quantities held by each party and raw lab files never appear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .catalogue import enum_labels
from .certificates import CERTIFICATE_TYPES, certificate_facts, fold_certificate
from .corrections import corrected_history
from .holds import HOLD_TYPES, Hold, lifted, status
from .lineage import lot_kind
from .lot_facts import Certificate
from .places import division, placed
from .release_view import quality_status
from .serials import SerialRun
from .species import species_names

PRODUCT_TYPES = {
    "farmland": ("园参", "garden ginseng"),
    "forest": ("林下山参", "forest ginseng"),
}
"""The product type of 人参 by land type."""
UNRECORDED_TYPES = {
    "farmland": ("农田栽培参，物种未记录", "field-grown, species not recorded"),
    "forest": ("林下参，物种未记录", "forest-grown, species not recorded"),
}
"""The product type by land type of a lot whose origins record no species (older records): never 人参's names."""
QUINQUEFOLIUS_TYPES = {
    "farmland": ("西洋参", "American ginseng"),
    "forest": ("林下西洋参", "forest-grown American ginseng"),
}
"""The product type of 西洋参 by land type."""
DEFAULT_TYPES = {
    "panax_ginseng": ("人参", "ginseng"),
    "panax_quinquefolius": ("西洋参", "American ginseng"),
    None: ("参（物种未记录）", "ginseng (species not recorded)"),
}
"""The product type when the origins' land types differ or are unknown, by species."""
PLOT_SPECIES_TYPES = ("register_plot", "source_seed", "sow")
PROCESS_NAMES = {
    "washing": ("清洗", "washing"),
    "sun_drying": ("生晒参", "sun-dried ginseng"),
    "steam_red_ginseng": ("红参", "red ginseng"),
    "slicing": ("饮片", "slices"),
    "powder": ("参粉", "powder"),
    "extract": ("提取物", "extract"),
    "other": ("其他加工", "other processing"),
}
JOURNEY_TYPES = ("ship", "receive", "store", "sell")
FOOD_WARNING = (
    "孕妇、哺乳期妇女及14周岁以下儿童不宜食用；每日用量不超过3克",
    "Not for pregnant or nursing women or children under 14; no more than 3 g a day",
)
STORAGE_ADVICE = (
    "置阴凉干燥处，密闭，防蛀（不高于20 °C）",
    "Keep cool (at most 20 °C), dry and closed; protect from insects",
)


@dataclass
class PublicHistory:
    lot_id: str
    kind: str
    product_zh: str = ""
    product_en: str = ""
    gtin: str | None = None
    batch: str | None = None
    net_weight_g: float | None = None
    production_date: str | None = None
    expiry_date: str | None = None
    # the national trace code (追溯码, MOFCOM's 中药材流通追溯体系) the packaging run's labels carry, if any
    national_trace_code: str | None = None
    claims: list[str] = field(default_factory=list)
    origins: list[dict[str, Any]] = field(default_factory=list)
    processing: list[dict[str, Any]] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    journey: list[dict[str, Any]] = field(default_factory=list)
    sales: list[dict[str, Any]] = field(default_factory=list)  # sales of serialised units of this lot
    status: str | None = None  # "hold" or "recall" when one applies
    status_reason: str | None = None
    # every hold and recall standing over the lot, its own and its ancestors', gravest first: which lot it
    # was placed on, when, why and by whom (the recorder's organisation, from membership)
    holds: list[dict[str, Any]] = field(default_factory=list)
    food_warning: tuple[str, str] | None = None
    storage_advice: tuple[str, str] = STORAGE_ADVICE
    serials: SerialRun | None = None  # the packaging run (None: no serials, or not a well-formed run)
    species: str | None = None  # the one species of every origin; None if unknown or mixed (see origins)
    part: str | None = None  # the plant part packed, as the package states it
    # corrections of the lot's and its ancestors' events: the facts above are as corrected; each note names
    # the corrected event and every member's original and corrected value (.corrections)
    corrections: list[dict[str, Any]] = field(default_factory=list)
    # a lot made for sale: released (date, lab verdict), awaiting test or release, failed, destroyed (.release_view)
    quality: dict[str, Any] | None = None
    # who the history's actors are: actor -> its organisation's id, registered name and county (the caller's,
    # from membership; empty when it gives none)
    parties: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def species_seen(self) -> list[dict[str, str]]:
        """The names of each distinct species the origins record, in order."""
        seen: dict[str, dict[str, str]] = {}
        for origin in self.origins:
            if origin.get("species"):
                seen.setdefault(origin["species"]["code"], origin["species"])
        return list(seen.values())

    @property
    def part_names(self) -> dict[str, str] | None:
        """The Chinese and English names of the plant part packed (``zh``, ``en``), if the package says."""
        return {"code": self.part, **enum_labels("plant_part").get(self.part, {})} if self.part else None

    @property
    def species_unrecorded(self) -> bool:
        """Whether some origin records no species (records from before species were recorded)."""
        return any(not origin.get("species") for origin in self.origins)

    def sales_of(self, serial: str | None) -> list[dict[str, Any]]:
        """The recorded sales of one serialised unit of this lot (serials compared exactly, as strings)."""
        return [sale for sale in self.sales if serial is not None and serial in sale["serials"]]

    def to_json(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "kind": self.kind,
            "product": {"zh": self.product_zh, "en": self.product_en},
            "species": species_names(self.species),
            "part": self.part_names,
            "gtin": self.gtin,
            "batch": self.batch,
            "net_weight_g": self.net_weight_g,
            "production_date": self.production_date,
            "expiry_date": self.expiry_date,
            "national_trace_code": self.national_trace_code,
            "claims": self.claims,
            "origins": self.origins,
            "processing": self.processing,
            "tests": self.tests,
            "quality": self.quality,
            "journey": self.journey,
            "sales": self.sales,
            "status": self.status,
            "status_reason": self.status_reason,
            "holds": self.holds,
            "food_warning": list(self.food_warning) if self.food_warning else None,
            "storage_advice": list(self.storage_advice),
            "corrections": self.corrections,
            "parties": self.parties,
        }


def _test_summary(payload: Mapping[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "lab": payload.get("lab"),
        "accreditation": payload.get("accreditation"),
        "method": payload.get("method"),
        "verdict": payload.get("verdict"),
    }
    for name in ("ginsenosides_pct", "moisture_pct", "total_ash_pct", "heavy_metals_mg_kg", "pesticide_residues_mg_kg"):
        if name in payload:
            summary[name] = payload[name]
    return summary


def _seedling_age(plot_events: Sequence[Mapping[str, Any]], sow: Mapping[str, Any]) -> int | None:
    """The age of the bought-in seedlings a plot's sowing planted: as it states, else as the latest record of
    the seed it used (its seed lot's, or any if it names none) before it states (as the rules take it)."""
    planting = sow.get("payload") or {}
    if planting.get("seedling_age_years") is not None:
        return int(planting["seedling_age_years"])
    seed_lot = planting.get("seed_lot")
    sourced = [
        e.get("payload") or {}
        for e in plot_events[: list(plot_events).index(sow)]
        if e["type"] == "source_seed" and (seed_lot is None or (e.get("payload") or {}).get("seed_lot") == seed_lot)
    ]
    age = sourced[-1].get("seedling_age_years") if sourced else None
    return None if age is None else int(age)


def public_history(
    lot_id: str,
    events: Sequence[Mapping[str, Any]],
    organisations: Mapping[str, tuple[str, str]] | None = None,
) -> PublicHistory:
    """The public history of ``lot_id`` from the signed events of the lot and its ancestors, in log order;
    ``organisations`` gives each actor's organisation (id, name), to say who recorded a hold or recall."""
    organisations = organisations or {}
    events, corrections = corrected_history(events)
    standing: dict[str, Hold] = {}
    shown: dict[str, dict[str, Any]] = {}
    by_lot: dict[str, list[Mapping[str, Any]]] = {}
    for event in events:
        by_lot.setdefault(str(event["lot_id"]), []).append(event)
    first = by_lot[lot_id][0]
    history = PublicHistory(lot_id, lot_kind(str(first["type"]), first.get("payload") or {}))
    history.corrections = corrections
    plots = {lot: evs[0]["payload"] for lot, evs in by_lot.items() if evs[0]["type"] == "register_plot"}
    sown = {lot: next((e for e in evs if e["type"] == "sow"), None) for lot, evs in by_lot.items() if lot in plots}
    # a plot's species: as registered, or first named by its seed or sowing records (as the rules take it)
    species = {
        lot: next(
            (
                str(e["payload"]["species"])
                for e in evs
                if e["type"] in PLOT_SPECIES_TYPES and (e.get("payload") or {}).get("species")
            ),
            None,
        )
        for lot, evs in by_lot.items()
        if lot in plots
    }
    processes: list[str] = []
    land_types: set[str] = set()
    certificates: dict[str, dict[str, Certificate]] = {}  # each plot's, as recorded so far (log order)
    for event in events:
        kind, payload, lot, when = (
            str(event["type"]),
            event.get("payload") or {},
            str(event["lot_id"]),
            event["occurred_at"],
        )
        if kind in CERTIFICATE_TYPES:
            fold_certificate(certificates.setdefault(lot, {}), event, organisations)
        elif kind == "harvest":
            plot_id = next(iter(event.get("inputs") or []), None)
            plot = plots.get(plot_id or "", {})
            land_types.add(str(plot.get("land_type", "")))
            sow = sown.get(plot_id or "")
            granted, claimed = certificate_facts(
                list(certificates.get(plot_id or "", {}).values()),
                [str(c) for c in plot.get("certifications", [])],
                str(when),
            )
            history.origins.append(
                {
                    "harvest_lot": lot,
                    "event_id": event.get("event_id"),
                    "plot_event_id": by_lot[plot_id][0].get("event_id") if plot_id in plots else None,
                    **_place(plot),
                    "land_type": plot.get("land_type"),
                    "species": species_names(species.get(plot_id or "")),
                    "certifications": list(plot.get("certifications", [])),
                    # the certificates its issuers recorded, valid at the harvest; each claim backed or not
                    "certificates": granted,
                    "claims": claimed,
                    "variety": sow["payload"].get("variety") if sow else None,
                    "sown_on": str(sow["occurred_at"])[:10] if sow else None,
                    "seedling_age_years": _seedling_age(by_lot[plot_id], sow) if plot_id in plots and sow else None,
                    "crop_age_years": payload.get("crop_age_years"),
                    "harvested_on": str(when)[:10],
                    "grade": payload.get("grade"),
                    "grower": event.get("actor"),
                }
            )
        elif kind == "process":
            processes.append(str(payload.get("process")))
            history.processing.append(
                {
                    "lot": lot,
                    "event_id": event.get("event_id"),
                    "process": payload.get("process"),
                    "on": str(when)[:10],
                    "steps": list(payload.get("steps", [])),
                    "final_moisture_pct": payload.get("final_moisture_pct"),
                    "processor": event.get("actor"),
                }
            )
        elif kind == "package":
            history.processing.append(
                {
                    "lot": lot,
                    "event_id": event.get("event_id"),
                    "process": "package",
                    "on": str(when)[:10],
                    "processor": event.get("actor"),
                }
            )
        elif kind == "quality_test":
            history.tests.append(
                {"lot": lot, "event_id": event.get("event_id"), "on": str(when)[:10], **_test_summary(payload)}
            )
        elif kind in JOURNEY_TYPES:
            if kind == "sell" and lot == lot_id and payload.get("serials"):
                history.sales.append(
                    {
                        "serials": list(payload["serials"]),
                        "at": str(when),
                        "on": str(when)[:10],
                        "city": payload.get("city"),
                        "by": event.get("actor"),
                        "national_trace_code": payload.get("national_trace_code"),
                    }
                )
            history.journey.append(
                {
                    "lot": lot,
                    "event_id": event.get("event_id"),
                    "type": kind,
                    "on": str(when)[:10],
                    "by": event.get("actor"),
                    "from": payload.get("from"),
                    "to": payload.get("to"),
                    "carrier": payload.get("carrier"),
                }
            )
        elif kind in HOLD_TYPES:
            standing[str(event["event_id"])] = Hold(lot, kind, str(event.get("actor")), False, str(when))
            org = organisations.get(str(event.get("actor")))
            shown[str(event["event_id"])] = {
                "event_id": event.get("event_id"),
                "type": kind,
                "lot": lot,
                "upstream": lot != lot_id,
                "on": str(when)[:10],
                "reason": str(payload.get("reason", "")),
                "authority": payload.get("authority"),
                "by": event.get("actor"),
                "organisation": {"id": org[0], "name": org[1]} if org else None,
            }
        elif kind == "release":
            target = lifted(lot, {k: h for k, h in standing.items() if h.lot == lot}, payload)
            if target is not None:
                del standing[target]
    order = sorted(standing, key=lambda k: (standing[k].type != "recall", standing[k].lot != lot_id))
    history.holds = [shown[k] for k in order]
    history.status = status(standing)
    history.status_reason = history.holds[0]["reason"] if history.holds else None
    history.journey.sort(key=lambda step: str(step["on"]))
    places = {str(event.get("event_id")): i for i, event in enumerate(events)}
    history.quality = quality_status(lot_id, history.kind, processes, by_lot, places)
    package = _packaging(first, by_lot)
    history.gtin = package.get("gtin")
    history.batch = package.get("batch")
    history.net_weight_g = package.get("net_weight_g")
    history.production_date = package.get("production_date")
    history.expiry_date = package.get("expiry_date")
    history.national_trace_code = package.get("national_trace_code")
    history.claims = list(package.get("claims", []))
    history.part = package.get("part")
    # a lot split from a packaged one holds the serials its split names; otherwise its packaging run's
    history.serials = SerialRun.of((first.get("payload") or {}).get("serials") or package.get("serials"))
    if package.get("intended_use") == "food":
        history.food_warning = FOOD_WARNING
    found = {(o["species"] or {}).get("code") for o in history.origins}
    history.species = next(iter(found)) if len(found) == 1 else None
    final = next((PROCESS_NAMES[p] for p in reversed(processes) if p in PROCESS_NAMES and p != "washing"), None)
    types = {"panax_ginseng": PRODUCT_TYPES, "panax_quinquefolius": QUINQUEFOLIUS_TYPES}.get(
        history.species or "", UNRECORDED_TYPES
    )
    land = next(iter(land_types)) if len(land_types) == 1 else ""
    origin = types.get(land, DEFAULT_TYPES[history.species if history.species in DEFAULT_TYPES else None])
    if final is not None:
        history.product_zh = f"{final[0]}（{origin[0]}）"
        history.product_en = f"{final[1]} ({origin[1]})"
    else:
        history.product_zh, history.product_en = origin
    return history


def _packaging(first: Mapping[str, Any], by_lot: Mapping[str, Sequence[Mapping[str, Any]]]) -> Mapping[str, Any]:
    """The packaging record's payload a lot's label facts come from (GTIN, batch, dates, claims): its own
    ``package``, or for a lot split from a packaged one (``split``), its parent's, and so on up; else {}."""
    seen: set[str] = set()
    while first["type"] == "split" and first.get("inputs"):
        parent = str(first["inputs"][0])
        if parent in seen or not by_lot.get(parent):
            return {}
        seen.add(parent)
        first = by_lot[parent][0]
    return first.get("payload") or {} if first["type"] == "package" else {}


def _place(plot: Mapping[str, Any]) -> dict[str, Any]:
    """Where an origin's plot is, as the page shows it: the names derived from its GB/T 2260 code (and the
    code, and the full name: 吉林省白山市抚松县), or for a plot that named its county in words only, the names
    as recorded (``place`` null)."""
    code, county, prefecture = placed(plot)
    found = division(code) if code else None
    return {
        "county_code": code,
        "county": county,
        "prefecture": prefecture,
        "place": found.full_name if found is not None and found.level == "county" else None,
    }
