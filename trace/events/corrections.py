"""Corrections change what the rules know. Pure Python; the rules' settings in ``schemas/rules.yaml``.

Nothing in the ledger is edited: a ``correct`` event, recorded on the lot of the event it corrects,
names that event (``supersedes``) and gives the members it corrects (``corrected``): each member replaces
the original's member whole (an object is given in full), and null removes an optional member. The
original stays in the history and on the page, noted as corrected. From the correction on, every rule
sees the corrected fact, because the lot's state folds it (:func:`fold`); ``ginseng-trace check`` replays
the same fold, so a replay agrees with the ledger.

The facts the state derives, and so the ones a correction changes for later rules (:data:`FOLDED`):

- a harvest's ``fresh_weight``: the harvester's holdings move by the difference (so a later shipment,
  process or sale is judged against the corrected weight), and ``crop_age_years``: the lot's origin;
- a plot's ``area_mu``, ``land_type``, ``county``, ``prefecture``, ``certifications`` and ``species``:
  every later harvest of the plot takes the corrected facts;
- a process's ``outputs`` (each output's amount and the processor's holdings move by the difference) and
  ``final_moisture_pct``.

Other members (a note, a harvest's grade, a test's figures) are corrected in the record and on the page,
but no rule reads them from the state.

A correction reaches the lots already made from the corrected one that copied the fact (:func:`reach`): the
ledger folds it into their states when the correction is recorded, walking the lot graph below as it does
for a hold (``holds.REACHING_TYPES``), and ``check`` replays the same. What a lot below copied is its
*origins*: a corrected crop age becomes the age of that harvest's origin in every batch, box and case made
from it, and a corrected plot's land type, county, prefecture, certification claims and species become those
of the plot's origin in every harvest and lot below (and the species of each such lot, the one its origins
share). So a later rule on a lot below (food use, a GI or brand claim, species) judges the corrected fact,
and each page shows it (pages read the ancestors' events, corrections included). What is not re-judged: an
event already accepted stays accepted (a box packed as food from a harvest later corrected to 7 years stays
on record; ``check`` recomputes the findings of the events after the correction only, like the ledger). A
process's corrected ``outputs`` are its own stock and reach nothing below; its corrected
``final_moisture_pct`` reaches the boxes and split lots that copied it (``moisture_of``: a further process
of a split lot judges its mass balance by it); a harvest's corrected ``fresh_weight`` does not change its
plot's tally of harvested kilograms.

A correction that takes away what is no longer there (a harvest corrected down by more than the harvester
still holds: the difference was shipped or processed already) is stored, since a true fact must be
recordable, with a soft finding (``correction_conflict``) naming the shortfall; the holdings stop at zero.
A correction must be well formed (``correction``, hard: :mod:`.correction_rules`): it corrects an event of
the lot that is not itself a correction (correct the original again: the latest correction wins), and every
member it sets is valid as the corrected event's schema has it.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import coproducts
from .catalogue import catalogue
from .lot_facts import EPSILON, Origin, kg

if TYPE_CHECKING:
    from .state import LotState

FOLDED: Mapping[str, tuple[str, ...]] = {
    "harvest": ("fresh_weight", "crop_age_years"),
    "register_plot": ("area_mu", "land_type", "county", "prefecture", "certifications", "species"),
    "process": ("outputs", "final_moisture_pct"),
}
"""The members of each event type that a lot's state derives, and a correction of them changes."""


def kept(event_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """What a lot's state keeps of an event's payload so that a correction of it can be folded."""
    return {m: copy.deepcopy(payload[m]) for m in FOLDED.get(event_type, ()) if m in payload}


def patched(original: Mapping[str, Any], corrected: Mapping[str, Any]) -> dict[str, Any]:
    """``original`` with each member of ``corrected`` replacing its own (null removing it)."""
    merged = {k: copy.deepcopy(v) for k, v in original.items()}
    for name, value in corrected.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = copy.deepcopy(value)
    return merged


def _holdings_delta(event_type: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> float:
    if event_type == "harvest" and "fresh_weight" in before and "fresh_weight" in after:
        return kg(after["fresh_weight"]) - kg(before["fresh_weight"])
    if event_type == "process" and "outputs" in before and "outputs" in after:
        return coproducts.on_hand(coproducts.amounts(after["outputs"])) - coproducts.on_hand(
            coproducts.amounts(before["outputs"])
        )
    return 0.0


def shortfall(state: LotState, supersedes: str, corrected: Mapping[str, Any]) -> tuple[str, float, float] | None:
    """If folding the correction would take from the original recorder more than it holds: (who, how much
    the correction takes, how much they hold)."""
    fact = state.facts.get(supersedes)
    if fact is None:
        return None
    before = fact["payload"]
    delta = _holdings_delta(str(fact["type"]), before, patched(before, corrected))
    held = state.holdings.get(state.creator, 0.0)
    if delta < 0 and held + delta < -EPSILON:
        return state.creator, -delta, held
    return None


def fold(state: LotState, supersedes: str, corrected: Mapping[str, Any]) -> None:
    """Fold a correction of event ``supersedes`` of this lot into its state (see the module's docstring)."""
    fact = state.facts.get(supersedes)
    if fact is None:
        return
    event_type, before = str(fact["type"]), fact["payload"]
    schema = catalogue().get(event_type)
    if schema is None or schema.patch_problems(corrected, "/corrected"):
        return  # an ill-formed correction (refused by the rule; a replay of one changes nothing)
    after = patched(before, {m: v for m, v in corrected.items() if m in FOLDED.get(event_type, ())})
    fact["payload"] = after
    delta = _holdings_delta(event_type, before, after)
    if delta:
        state.holdings[state.creator] = max(0.0, state.holdings.get(state.creator, 0.0) + delta)
    if event_type == "harvest" and "crop_age_years" in after:
        # new objects: a replay's lots below may share this lot's origins (they are reached by :func:`reach`)
        state.origins = [dataclasses.replace(o, crop_age=int(after["crop_age_years"])) for o in state.origins]
    elif event_type == "register_plot":
        state.area_mu = float(after["area_mu"]) if "area_mu" in after else state.area_mu
        state.land_type = str(after.get("land_type", state.land_type))
        state.county = str(after.get("county", state.county))
        state.prefecture = after.get("prefecture")
        state.certifications = [str(c) for c in after.get("certifications", [])]
        state.species = after.get("species", state.species)
    elif event_type == "process":
        if "outputs" in after and state.outputs is not None:
            old, new = coproducts.amounts(before.get("outputs", [])), coproducts.amounts(after["outputs"])
            for key in {*old, *new}:
                state.outputs[key] = max(0.0, state.outputs.get(key, 0.0) + new.get(key, 0.0) - old.get(key, 0.0))
        moisture = after.get("final_moisture_pct")
        state.moisture_pct = None if moisture is None else float(moisture)


def _origin_change(state: LotState, event_type: str, after: Mapping[str, Any]) -> Callable[[Origin], Origin] | None:
    """How a correction (folded into ``state``, its payload now ``after``) changes an origin a lot below
    copied, or None if it changes none."""
    if event_type == "harvest" and "crop_age_years" in after:
        age, harvests = int(after["crop_age_years"]), {(o.plot, o.harvest_year) for o in state.origins}

        def aged(origin: Origin) -> Origin:
            return (
                dataclasses.replace(origin, crop_age=age) if (origin.plot, origin.harvest_year) in harvests else origin
            )

        return aged
    if event_type == "register_plot":

        def placed(origin: Origin) -> Origin:
            if origin.plot != state.lot_id:
                return origin
            return dataclasses.replace(
                origin,
                land_type=state.land_type or "",
                county=state.county or "",
                prefecture=state.prefecture,
                certifications=list(state.certifications),
                species=state.species,
            )

        return placed
    return None


def reach(state: LotState, supersedes: str, below: Sequence[LotState]) -> set[str]:
    """Pass a correction of event ``supersedes`` of ``state``'s lot (already folded) to ``below``, the lots
    made from it, where they copied the corrected fact; return the lots changed."""
    fact = state.facts.get(supersedes)
    if fact is not None and fact["type"] == "process":  # the moisture the boxes and split lots copied
        wet = [lot for lot in below if lot.moisture_of == state.lot_id and lot.moisture_pct != state.moisture_pct]
        for lot in wet:
            lot.moisture_pct = state.moisture_pct
        return {lot.lot_id for lot in wet}
    change = _origin_change(state, str(fact["type"]), fact["payload"]) if fact is not None else None
    if change is None:
        return set()
    changed: set[str] = set()
    for lot in below:
        origins = [change(o) for o in lot.origins]
        if origins == lot.origins:
            continue
        lot.origins = origins
        species = {o.species for o in origins}
        lot.species = next(iter(species)) if len(species) == 1 else None
        changed.add(lot.lot_id)
    return changed


def shown(value: Any) -> str:
    """A payload member's value as a page shows it (a ``{value, unit}`` quantity as ``1540 kg``)."""
    if isinstance(value, Mapping) and set(value) == {"value", "unit"}:
        return f"{value['value']} {value['unit']}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def corrected_history(
    events: Sequence[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[dict[str, Any]]]:
    """``events`` (signed events as JSON, in log order) with each corrected one's payload as its latest
    correction makes it, and the corrections to show beside them: which event, when, by whom, why, and each
    member's original and corrected value (None: removed)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for event in events:
        payload = event.get("payload") or {}
        if event.get("type") == "correct" and isinstance(payload.get("corrected"), Mapping):
            latest[str(payload.get("supersedes"))] = event
    notes: list[dict[str, Any]] = []
    out: list[Mapping[str, Any]] = []
    for event in events:
        correction = latest.get(str(event.get("event_id")))
        if correction is None or event.get("type") == "correct":
            out.append(event)
            continue
        original, corrected = event.get("payload") or {}, correction["payload"]["corrected"]
        out.append({**event, "payload": patched(original, corrected)})
        notes.append(
            {
                "event_id": correction.get("event_id"),
                "supersedes": event.get("event_id"),
                "type": event.get("type"),
                "lot": event.get("lot_id"),
                "on": str(correction.get("occurred_at"))[:10],
                "by": correction.get("actor"),
                "reason": correction["payload"].get("reason"),
                "changes": [
                    {
                        "member": member,
                        "original": None if member not in original else shown(original[member]),
                        "corrected": None if value is None else shown(value),
                    }
                    for member, value in corrected.items()
                ],
            }
        )
    return out, notes
