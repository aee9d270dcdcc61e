"""Limits belong to a standard: which standards judge a quality result, and what each one's limits are.
Pure Python; the standards live in ``schemas/rules.yaml`` (``quality_limits``), each naming its document and
its docs/DOMAIN.md section and mark.

A result is judged by every standard that applies to the tested *product* (docs/DOMAIN.md §Limits belong to
a standard): its species (人参 or 西洋参, its origins'), what it is (its form: herb, red ginseng, slices …,
which follows from the processes that made it), the basis of the result (fresh or dry), what it is sold as
(medicinal or food), and what its label claims (a GI, green trade, an export market). A standard applies when

1. its ``basis`` is the result's: dry-basis limits never judge a fresh-root result, and the reverse;
2. its ``species`` (if it names any) hold the product's: a 西洋参 result is never judged by a 人参 monograph,
   nor the reverse (a lot whose origins record no species is judged as ``unrecorded_species`` says);
3. its ``forms`` (if it names any) hold the product's form, and its ``uses`` (if any) the product's use;
4. its ``claims`` (if any) meet the label's claims, and its ``export_markets`` (if any) the label's markets.

A standard that names no claim applies by what the product is (the Pharmacopoeia); one that names a claim
applies only to products that make it (a GI standard never judges a forest lot that does not claim the GI).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..chain.errors import Error
from .state import LotState

BASES = ("fresh", "dry")
MARKS = ("src", "mem", "asm")

_LABELS = {
    "moisture_pct": ("moisture", "水分"),
    "total_ash_pct": ("total ash", "总灰分"),
    "total_saponins": ("total saponins", "总皂苷"),
}


def _num(value: float) -> str:
    return f"{value:.6g}"


@dataclass(frozen=True)
class Limit:
    """One limit of a standard: a payload field (``group/name`` for a member of an object such as
    ``heavy_metals_mg_kg/Cd``), a minimum or a maximum, its unit, its mark, and the standard whose figure it
    borrows where docs/DOMAIN.md gives none for this one (``from``, always marked [asm])."""

    field: str
    bound: float
    minimum: bool
    unit: str
    mark: str
    borrowed_from: str | None = None
    # a total a lab may report as such or as its parts (``Rg1+Re+Rb1`` from ``Rg1+Re`` and ``Rb1``): the
    # members of the same object summed when the total itself is not reported and every part is
    sum_of: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.field.rsplit("/", 1)[-1]

    def label(self, zh: bool = False) -> str:
        """The measured quantity as a finding names it: ``Pb``, ``Rg1+Re``, ``moisture`` (``水分``)."""
        names = _LABELS.get(self.name)
        return names[1 if zh else 0] if names else self.name

    def text(self, zh: bool = False) -> str:
        """``Pb ≤ 5 mg/kg``, ``Rg1+Re ≥ 0.3 %``."""
        return f"{self.label(zh)} {'≥' if self.minimum else '≤'} {_num(self.bound)} {self.unit}"

    def passes(self, value: float) -> bool:
        return value >= self.bound if self.minimum else value <= self.bound

    def read(self, payload: Mapping[str, Any]) -> tuple[str, float] | None:
        """The result's value for this limit and its JSON Pointer under ``/payload``, or None if the result
        does not report it. Members of an object (metals, residues) match case-insensitively."""
        *groups, name = self.field.split("/")
        where, target = "/payload", payload
        for group in groups:
            inner = target.get(group)
            if not isinstance(inner, Mapping):
                return None
            where, target = f"{where}/{group}", inner
        found = _member(target, name, where)
        if found is not None or not self.sum_of:
            return found
        parts = [_member(target, part, where) for part in self.sum_of]
        if any(part is None for part in parts):
            return None
        return where, sum(part[1] for part in parts if part is not None)


def _member(target: Mapping[str, Any], name: str, where: str) -> tuple[str, float] | None:
    key = name if name in target else next((k for k in target if str(k).casefold() == name.casefold()), None)
    value = target.get(key) if key is not None else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{where}/{_escape(str(key))}", float(value)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Standard:
    """A standard's limits and when they apply (see the module's docstring)."""

    id: str
    name: str
    title: str
    title_zh: str
    document: str
    clause: str
    source: str
    mark: str
    basis: str
    species: frozenset[str] | None
    forms: frozenset[str] | None
    uses: frozenset[str] | None
    claims: frozenset[str] | None
    export_markets: frozenset[str] | None
    limits: tuple[Limit, ...]

    def applies_to(self, product: Product) -> bool:
        return (
            self.basis == product.basis
            and (self.species is None or product.species in self.species)
            and (self.forms is None or product.form in self.forms)
            and (self.uses is None or product.use in self.uses)
            and (self.claims is None or bool(self.claims & product.claims))
            and (self.export_markets is None or bool(self.export_markets & product.export_markets))
        )


@dataclass(frozen=True)
class Product:
    """What selects the standards for a result: the tested product's form, use, label claims, export
    markets and species (the one it is judged as: its origins', or ``unrecorded_species`` for a lot whose
    origins record none, with ``species_recorded`` False), and the result's basis. A product of no species
    (None) meets no standard that names species."""

    form: str
    basis: str
    use: str
    claims: frozenset[str] = frozenset()
    export_markets: frozenset[str] = frozenset()
    species: str | None = None
    species_recorded: bool = True


def _names(value: Any, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Error(f"schemas/rules.yaml: {where} must be a list of names")
    return frozenset(value)


def _standard(key: str, spec: Mapping[str, Any]) -> Standard:
    where = f"quality_limits.standards.{key}"
    try:
        mark, basis = str(spec["mark"]), str(spec["basis"])
        if mark not in MARKS or basis not in BASES:
            raise Error(f"schemas/rules.yaml: {where}: mark must be one of {MARKS}, basis one of {BASES}")
        applies = spec.get("applies") or {}
        limits = []
        for field, bound in dict(spec["limits"]).items():
            if ("min" in bound) == ("max" in bound):
                raise Error(f"schemas/rules.yaml: {where}.limits.{field} needs one of min or max")
            limit_mark = str(bound.get("mark", mark))
            if limit_mark not in MARKS:
                raise Error(f"schemas/rules.yaml: {where}.limits.{field}: mark must be one of {MARKS}")
            value = float(bound["min"] if "min" in bound else bound["max"])
            borrowed = bound.get("from")
            unit = str(bound["unit"])
            parts = tuple(_names(bound.get("sum_of"), f"{where}.limits.{field}.sum_of") or ())
            limits.append(
                Limit(
                    str(field),
                    value,
                    "min" in bound,
                    unit,
                    limit_mark,
                    None if borrowed is None else str(borrowed),
                    tuple(sorted(parts)) if parts else (),
                )
            )
        return Standard(
            key,
            str(spec["name"]),
            str(spec["title"]),
            str(spec["title_zh"]),
            str(spec["document"]),
            str(spec.get("clause", "")),
            str(spec["source"]),
            mark,
            basis,
            _names(applies.get("species"), f"{where}.applies.species"),
            _names(applies.get("forms"), f"{where}.applies.forms"),
            _names(applies.get("uses"), f"{where}.applies.uses"),
            _names(applies.get("claims"), f"{where}.applies.claims"),
            _names(applies.get("export_markets"), f"{where}.applies.export_markets"),
            tuple(limits),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Error(f"schemas/rules.yaml: {where} is malformed: {exc!r}") from exc


def standards(settings: Mapping[str, Any]) -> list[Standard]:
    """Every standard of the ``quality_limits`` settings, in the order the rules file lists them."""
    return [_standard(str(key), spec) for key, spec in dict(settings.get("standards") or {}).items()]


def standard_by_id(settings: Mapping[str, Any], key: str) -> Standard:
    """The standard ``key`` of the ``quality_limits`` settings (a rule such as ``food_use`` names the one its
    findings rest on)."""
    spec = dict(settings.get("standards") or {}).get(key)
    if not isinstance(spec, Mapping):
        raise Error(f"schemas/rules.yaml: quality_limits.standards has no {key}")
    return _standard(key, spec)


def form_of(processes: list[str], settings: Mapping[str, Any]) -> str:
    """A product's form from the processes that made it: the first row of ``forms`` whose processes it all
    went through."""
    done = set(processes)
    for row in settings["forms"]:
        if set(row["processes"]) <= done:
            return str(row["form"])
    return "herb"


def basis_of(lot: LotState, payload: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """The result's basis as it states it; a result that does not (recorded before ``basis`` existed) is
    dry if the lot went through a drying process, fresh otherwise."""
    stated = payload.get("basis")
    if stated in BASES:
        return str(stated)
    return "dry" if set(lot.processes) & set(settings["dried_by"]) else "fresh"


def product_of(lot: LotState, payload: Mapping[str, Any], settings: Mapping[str, Any]) -> Product:
    """What the tested lot is and claims, and the basis of the result ``payload`` states about it."""
    unrecorded = settings.get("unrecorded_species")
    return Product(
        form_of(lot.processes, settings),
        basis_of(lot, payload, settings),
        lot.intended_use or str(settings["default_use"]),
        frozenset(lot.claims),
        frozenset(lot.export_markets),
        lot.species or (None if unrecorded is None else str(unrecorded)),
        lot.species is not None,
    )


def applicable(product: Product, settings: Mapping[str, Any]) -> list[Standard]:
    """The standards that judge a result about ``product``."""
    return [s for s in standards(settings) if s.applies_to(product)]


def breaches(product: Product, payload: Mapping[str, Any], settings: Mapping[str, Any]) -> Iterator[Breach]:
    """Every limit of every applicable standard that the result ``payload`` is outside, in the rules
    file's order."""
    for standard in applicable(product, settings):
        for limit in standard.limits:
            found = limit.read(payload)
            if found is not None and not limit.passes(found[1]):
                yield Breach(standard, limit, found[0], found[1])


@dataclass(frozen=True)
class Breach:
    """A result outside one limit of one standard: where in the event, and the value."""

    standard: Standard
    limit: Limit
    pointer: str
    value: float
