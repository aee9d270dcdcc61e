"""A processor's upstream compliance facts: what a lot's whole lineage says about where and how its roots grew
and how they tested, without who grew them. Pure Python.

``docs/DOMAIN.md`` §Roles gives a processor "upstream facts needed for compliance (age, county, PHI pass,
certifications), not coordinates, grower identities or prices". :func:`compliance_facts` builds that view by
allow-list, never by removal, from the signed events of a lot and of every lot it was made from, in log order:

- for each harvest in the lineage (an *origin*): the plot's ``land_type``, ``county``, ``prefecture``,
  ``certifications`` and ``species`` where it names one (:data:`PLOT_FACTS`), its variety and sowing date, the
  declared root age, the harvest date and the harvest year on Jilin's clock, and whether the harvest met the
  pre-harvest interval of every pesticide applied to the plot before it, with the application whose interval
  ends last (the one the rule compares the harvest with);
- for each quality test in the lineage: the lot tested, the date and :data:`TEST_FACTS` (the lab, its
  accreditation, the method, the verdict and the values);
- the lineage's lots and their kinds.

Nothing else leaves: no actor, organisation, person, event id, note, location, price, invoice, quantity held
or report reference. The events are taken as the public sees them, their private members only as salted
digests (``docs/FORMAT.md`` §2a): the view is made from events without their disclosures, so it cannot carry a
plot's coordinates, a note or an invoice reference however it is changed.

The pre-harvest interval is judged by the rules engine itself, not again here: the records are replayed in log
order through an :class:`~.rules.Inspector`, and a harvest passed when the rule ``pesticide_interval`` finds
nothing at it (as ``ginseng-trace check`` would judge it today); the variety, the sowing date and the harvest
year are the rules' own lot states (``events.state``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..chain.records import Event
from ..chain.times import format_utc
from .lineage import lot_kind, walk
from .places import placed
from .rules import Inspector
from .state import Application, LotState

PHI_RULE = "pesticide_interval"
PLOT_FACTS = ("land_type", "county_code", "county", "prefecture", "certifications", "species")
"""What an origin tells of its plot's registration (``species`` only where the plot names one; the county and
prefecture names derived from ``county_code`` where the plot gives one, :func:`.places.placed`)."""
TEST_FACTS = (
    "lab",
    "accreditation",
    "method",
    "verdict",
    "ginsenosides_pct",
    "moisture_pct",
    "total_ash_pct",
    "heavy_metals_mg_kg",
    "pesticide_residues_mg_kg",
)
"""What a quality test tells (a lab is an organisation, named as registered; its raw report stays out)."""
SOURCE_TYPES = frozenset({"register_plot", "source_seed", "sow", "field_operation", "harvest", "quality_test"})
"""The event types whose facts the view draws on (the read audit names these events)."""


@dataclass(frozen=True)
class Interval:
    """A harvest against the pre-harvest intervals of the pesticides applied to its plot before it."""

    passed: bool
    binding: Application | None  # the application whose interval ends last; None: no pesticide applied

    def to_json(self) -> dict[str, Any]:
        application = None
        if self.binding is not None:
            a = self.binding
            application = {
                "on": a.at[:10],
                "product": a.product,
                "active_ingredient": a.active_ingredient,
                "pre_harvest_interval_days": a.pre_harvest_interval_days,
                "harvest_allowed_from": format_utc(a.ready)[:10],
            }
        return {"passed": self.passed, "binding_application": application}


@dataclass(frozen=True)
class OriginFacts:
    """One harvest in the lineage, and the plot it came from."""

    harvest_lot: str
    plot: str | None
    plot_facts: Mapping[str, Any]
    variety: str | None
    sown_on: str | None
    harvested_on: str
    harvest_year: int | None
    crop_age_years: int | None
    interval: Interval | None  # None: the plot is not in the lineage, so nothing could be judged

    def to_json(self) -> dict[str, Any]:
        return {
            "harvest_lot": self.harvest_lot,
            "plot": self.plot,
            **{name: self.plot_facts.get(name) for name in PLOT_FACTS if name != "species"},
            **({"species": self.plot_facts["species"]} if "species" in self.plot_facts else {}),
            "variety": self.variety,
            "sown_on": self.sown_on,
            "harvested_on": self.harvested_on,
            "harvest_year": self.harvest_year,
            "crop_age_years": self.crop_age_years,
            "pre_harvest_interval": None if self.interval is None else self.interval.to_json(),
        }


@dataclass(frozen=True)
class QualityTest:
    """One quality test in the lineage."""

    lot: str
    on: str
    facts: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"lot": self.lot, "on": self.on, **{name: self.facts[name] for name in TEST_FACTS if name in self.facts}}


@dataclass(frozen=True)
class ComplianceFacts:
    """A lot's upstream compliance facts; ``sources`` are the events they were drawn from (for the read audit,
    not part of the view)."""

    lot_id: str
    kind: str
    lineage: tuple[tuple[str, str], ...]
    origins: tuple[OriginFacts, ...]
    tests: tuple[QualityTest, ...]
    sources: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "kind": self.kind,
            "lineage": [{"lot_id": lot, "kind": kind} for lot, kind in self.lineage],
            "origins": [o.to_json() for o in self.origins],
            "tests": [t.to_json() for t in self.tests],
        }


def _plot_of(event: Event, states: Mapping[str, LotState]) -> LotState | None:
    return next((states[lot] for lot in event.inputs if lot in states and states[lot].kind == "plot_crop"), None)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def compliance_facts(lot_id: str, records: Iterable[tuple[int, Event, datetime]]) -> ComplianceFacts:
    """The compliance facts of ``lot_id`` from ``(log index, event, sealed at)`` in log order: those of the lot
    and of every lot it was made from (others given are left out), as signed (private members as digests).
    ``lot_id`` must be among them."""
    given = list(records)
    made_from: dict[str, set[str]] = {}
    for _, event, _ in given:
        made_from.setdefault(event.lot_id, set()).update(event.inputs)
    lineage_lots = walk(lot_id, lambda lots: {i for lot in lots for i in made_from.get(lot, ())})
    inspector = Inspector()
    kinds: dict[str, str] = {}
    plots: dict[str, Mapping[str, Any]] = {}
    harvests: list[tuple[Event, LotState | None, Interval | None]] = []
    tests: list[QualityTest] = []
    sources: list[str] = []
    for index, event, recorded in given:
        if event.lot_id not in lineage_lots:
            continue
        kinds.setdefault(event.lot_id, lot_kind(event.type, event.payload))
        if event.type in SOURCE_TYPES:
            sources.append(event.event_id)
        if event.type == "register_plot" and event.lot_id not in plots:
            facts = {name: event.payload[name] for name in PLOT_FACTS if name in event.payload}
            facts["county_code"], facts["county"], facts["prefecture"] = placed(event.payload)
            plots[event.lot_id] = facts
        elif event.type == "quality_test":
            tests.append(QualityTest(event.lot_id, format_utc(event.occurred)[:10], dict(event.payload)))
        if event.type == "harvest":
            plot = _plot_of(event, inspector.states)
            found = inspector.judge(event, index, recorded)
            interval = None
            if plot is not None:
                interval = Interval(all(f.rule != PHI_RULE for f in found), plot.latest_ready)
            harvests.append((event, plot, interval))
        inspector.admit(event, index, recorded)
    if lot_id not in kinds:
        raise ValueError(f"lot {lot_id!r} is not among the records")
    origins = []
    for event, plot, interval in harvests:
        state = inspector.states.get(event.lot_id)
        origin = state.origins[0] if state is not None and state.origins else None
        origins.append(
            OriginFacts(
                harvest_lot=event.lot_id,
                plot=None if plot is None else plot.lot_id,
                plot_facts=plots.get(plot.lot_id, {}) if plot is not None else {},
                variety=None if plot is None else plot.variety,
                sown_on=None if plot is None or plot.sown_at is None else plot.sown_at[:10],
                harvested_on=format_utc(event.occurred)[:10],
                harvest_year=None if origin is None else origin.harvest_year,
                crop_age_years=_int(event.payload.get("crop_age_years")),
                interval=interval,
            )
        )
    lineage = tuple(sorted(kinds.items()))
    return ComplianceFacts(lot_id, kinds[lot_id], lineage, tuple(origins), tuple(tests), tuple(sources))
