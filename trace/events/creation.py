"""The folding of the events that make a lot: a plot's registration, a harvest, a process, a packaging run,
an aggregation and a split. Pure Python; :func:`.state.apply` calls :func:`created` for an event whose lot
has no state yet.

A lot made from other lots copies what the rules read of them when it is made (origins, processes,
moisture, species) and takes its amount from their holdings; a hold standing over an input stands over it
too. What reaches it later (a hold, a release, a failing test, a correction) is folded by the ledger down
the lot graph: :mod:`.holds`, :mod:`.quality_gate`, :mod:`.corrections`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..chain.records import Event
from . import coproducts, movements
from .holds import merged
from .lot_facts import EPSILON, Origin, Seed, kg, local_time
from .places import placed

if TYPE_CHECKING:
    from .state import LotState

__all__ = ["created", "planted_seedling_age", "shared_species"]


def planted_seedling_age(payload: Mapping[str, Any], seed: Seed | None) -> int | None:
    """The age of the bought-in seedlings a ``sow`` payload plants: as it states, else as the record of the
    seed it used states (None: seed sown)."""
    stated = payload.get("seedling_age_years")
    if stated is not None:
        return int(stated)
    return seed.seedling_age_years if seed is not None else None


def shared_species(parts: list[LotState]) -> str | None:
    """The species every lot of ``parts`` has, or None if one is unknown or they differ."""
    found = {part.species for part in parts}
    return next(iter(found)) if len(found) == 1 else None


def _union_origins(parts: list[LotState]) -> list[Origin]:
    seen: dict[tuple[str, int], Origin] = {}
    for part in parts:
        for origin in part.origins:
            seen.setdefault((origin.plot, origin.harvest_year), origin)
    return list(seen.values())


def _consume(
    sources: list[LotState], party: str, amount: float, output: tuple[str, object] = (coproducts.MAIN_ROOT, None)
) -> None:
    """Take ``amount`` from ``party``'s holdings of ``sources``, in order; from a process batch, only as much
    as it holds of ``output`` (an output and grade: :func:`.coproducts.drawn`), and from that output."""
    for source in sources:
        take = min(amount, source.holdings.get(party, 0.0))
        left = coproducts.available(source.outputs, *output)
        if left is not None:
            take = min(take, left)
        if take > 0:
            source.holdings[party] = source.holdings.get(party, 0.0) - take
            coproducts.draw(source.outputs, *output, take)
            amount -= take
        if amount <= EPSILON:
            return


def created(state: LotState, event: Event, inputs: list[LotState], fresh_moisture_pct: float) -> None:
    """Fold the event that makes lot ``state`` (empty but for its id, kind and creator) from its ``inputs``
    (their states change too: what it consumed leaves their holdings)."""
    payload, actor = event.payload, event.actor
    # a lot made from held lots (a replay of a refused event) stands under their holds too
    state.holds = merged(s.holds for s in inputs)
    if event.type == "register_plot":
        state.land_type = str(payload["land_type"])
        state.county_code, state.county, state.prefecture = placed(payload)
        state.area_mu = float(payload["area_mu"])
        state.certifications = [str(c) for c in payload.get("certifications", [])]
        state.species = payload.get("species")
    elif event.type == "harvest":
        fresh = kg(payload["fresh_weight"])
        state.unit, state.holdings, state.moisture_pct = "kg", {actor: fresh}, fresh_moisture_pct
        for plot in inputs[:1]:
            plot.harvests += 1
            plot.harvested_kg += fresh
            state.origins = [
                Origin(
                    plot.lot_id,
                    plot.land_type or "",
                    plot.county or "",
                    plot.prefecture,
                    list(plot.certifications),
                    plot.variety,
                    int(payload["crop_age_years"]),
                    local_time(event.occurred).year,
                    plot.species,
                    plot.county_code,
                    [c for c in plot.certificates.values() if c.valid_at(event.occurred)],
                )
            ]
            state.species = plot.species
    elif event.type == "process":
        by_lot = {s.lot_id: s for s in inputs}
        for item in payload["input_quantities"]:
            source = by_lot.get(str(item["lot"]))
            if source is not None:
                _consume([source], actor, kg(item), coproducts.drawn(item))
        state.unit = "kg"
        state.outputs = coproducts.amounts(payload["outputs"])
        state.holdings = {actor: coproducts.on_hand(state.outputs)}
        moisture = payload.get("final_moisture_pct")
        state.moisture_pct = None if moisture is None else float(moisture)
        state.processes = sorted({p for s in inputs for p in s.processes} | {str(payload["process"])})
        state.origins = _union_origins(inputs)
        state.species = shared_species(inputs)
    elif event.type == "package":
        units = int(payload["units"])
        state.unit_weight_g = float(payload["net_weight_g"])
        state.serials = dict(payload["serials"]) if "serials" in payload else None
        packed_kg = units * state.unit_weight_g / 1000
        _consume([s for s in inputs if s.unit == "kg"], actor, packed_kg, coproducts.drawn(payload))
        state.unit, state.holdings = "count", {actor: float(units)}
        wet = next((s for s in inputs if s.moisture_pct is not None), None)
        if wet is not None:
            state.moisture_pct, state.moisture_of = wet.moisture_pct, wet.moisture_of or wet.lot_id
        state.processes = sorted({p for s in inputs for p in s.processes})
        state.origins = _union_origins(inputs)
        state.claims = [str(c) for c in payload.get("claims", [])]
        state.intended_use = payload.get("intended_use")
        state.export_markets = [str(m) for m in payload.get("export_markets", [])]
        state.species = shared_species(inputs)
    elif event.type == "aggregate":
        count = float(len(payload["children"]))
        _consume([s for s in inputs if s.unit == "count"], actor, count)
        state.unit, state.holdings = "count", {actor: count}
        state.processes = sorted({p for s in inputs for p in s.processes})
        state.origins = _union_origins(inputs)
        state.species = shared_species(inputs)
    elif event.type == "split":
        movements.split(state, inputs, actor, payload)
