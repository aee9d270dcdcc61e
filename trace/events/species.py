"""Species: 人参 (*Panax ginseng*) and 西洋参 (*Panax quinquefolius*) are different herbs with different
standards, and passing one off as the other is a classic fraud (``docs/DOMAIN.md`` §Species). Pure Python.

A plot records its species when it is registered (``register_plot.species``), or, for a plot registered
without one, from the first seed or sowing record that names it. A harvest has its plot's species; a
batch, a box or a case has the one species all its inputs share (:func:`.state.shared_species`). A lot
whose origins record no species (records from before species were recorded) has none: it is shown as
"species not recorded", never taken for 人参.

The rule, hard: a seed or sowing record names its plot's species; a batch, a box or a case is never made
from inputs of two species; and a species a batch or a box states is its inputs' species, which they must
record.
"""

from __future__ import annotations

from collections.abc import Iterator

from .catalogue import enum_labels
from .context import Context, rules_config
from .findings import Finding
from .lineage import lot_kind
from .state import LotState

__all__ = ["check_species", "species_names"]


def species_names(code: str | None) -> dict[str, str] | None:
    """The Chinese name and Latin binomial of a species code (``{"code", "zh", "la", "en"}``), or None."""
    if code is None:
        return None
    names = enum_labels("species").get(code)
    return {"code": code, **names} if names else {"code": code, "zh": code, "la": code, "en": code}


def _name(code: str | None) -> str:
    names = species_names(code)
    return f"{names['zh']} ({names['la']})" if names else "not recorded"


def check_species(c: Context) -> Iterator[Finding]:
    event, payload = c.event, c.event.payload
    stated = payload.get("species")
    if event.type in ("source_seed", "sow") and c.lot is not None:
        yield from _on_plot(c, c.lot, stated)
        return
    if c.lot is not None or not event.inputs:
        return
    inputs = list(c.input_states())
    kinds = rules_config()["species"]["one_species_kinds"]
    if lot_kind(event.type, payload) in kinds:
        yield from _one_species(c, inputs)
    if stated is not None:
        yield from _stated(c, inputs, str(stated))


def _on_plot(c: Context, plot: LotState, stated: object) -> Iterator[Finding]:
    if stated is None or plot.species is None or stated == plot.species:
        return
    yield c.violation(
        "species",
        "/payload/species",
        f"= {plot.species} (the plot's)",
        stated,
        f"plot {plot.lot_id} grows {_name(plot.species)}; this {c.event.type} record names {_name(str(stated))}",
        f"地块 {plot.lot_id} 种植的是{_zh(plot.species)}，本记录为{_zh(str(stated))}",
    )


def _one_species(c: Context, inputs: list[tuple[int, LotState]]) -> Iterator[Finding]:
    known = [(j, s) for j, s in inputs if s.species is not None]
    if not known:
        return
    first_j, first = known[0]
    for j, source in known[1:]:
        if source.species != first.species:
            yield c.violation(
                "species",
                f"/inputs/{j}",
                f"one species ({first.species}, as input {first_j})",
                source.species,
                f"input {source.lot_id} is {_name(source.species)} and input {first.lot_id} is "
                f"{_name(first.species)}: one lot is never made of two species",
                f"原料 {source.lot_id} 为{_zh(source.species)}，原料 {first.lot_id} 为{_zh(first.species)}，"
                f"不同物种不得混为一批",
            )
            return


def _stated(c: Context, inputs: list[tuple[int, LotState]], stated: str) -> Iterator[Finding]:
    for j, source in inputs:
        if source.species != stated:
            recorded = source.species is not None
            yield c.violation(
                "species",
                "/payload/species",
                f"= the species of input {j} ({source.species or 'not recorded'})",
                stated,
                f"this {c.event.type} states {_name(stated)}, but input {source.lot_id} is "
                f"{_name(source.species) if recorded else 'of no recorded species'}: a lot states only the "
                f"species its origins record",
                f"本记录声明为{_zh(stated)}，但原料 {source.lot_id} "
                f"{'为' + _zh(source.species) if recorded else '未记录物种'}：批次只能声明其来源记录的物种",
            )
            return


def _zh(code: str | None) -> str:
    names = species_names(code)
    return f"{names['zh']}（{names['la']}）" if names else "未记录物种"
