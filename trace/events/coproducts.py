"""Co-products: what a process batch holds of each of its outputs. Pure Python; names in ``schemas/rules.yaml``.

Processing names each output (``docs/DOMAIN.md`` §Lifecycle, primary processing: outputs per grade and the
co-products 须 fine roots and 芦 rhizome heads) as a typed quantity of the one batch it creates: its
``output`` is ``main_root`` (with an optional ``grade``), ``fine_roots``, ``rhizome_heads`` or ``waste``.
The batch's state keeps each output's amount apart (:attr:`.state.LotState.outputs`, by :func:`key`), so a
packaging run or a further process draws from a named output (``from_output``, by default the main root)
and never more than that output holds: a box of main root cannot be filled from fine-root weight. Waste is
part of the mass balance but not stock: it is never packed, shipped or sold, so it is not on hand.

One batch, several quantities, rather than a lot per co-product: the ledger's events each create one lot,
and a batch's custody, holds, tests and origins are the same for all its outputs. A co-product sold apart
is packed (a ``package`` from ``fine_roots``) into a lot of its own.

Records made before outputs were typed name only a free-text ``product``: :func:`output_of` reads it by
:data:`LEGACY_NAMES` (须 or "fine root" is fine roots, 芦 or "rhizome head" is rhizome heads, waste or 废 is
waste), and a name it does not know is main root, as every output counted before. New records should say
``output``; the reading of names is for the records already signed (it is how they are read, not a threshold).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from .lot_facts import EPSILON, kg

OUTPUTS = ("main_root", "fine_roots", "rhizome_heads", "waste")
MAIN_ROOT = "main_root"
WASTE = "waste"
LEGACY_NAMES: Mapping[str, tuple[str, ...]] = {
    "fine_roots": ("须", "fine root"),
    "rhizome_heads": ("芦", "rhizome head"),
    "waste": ("waste", "废"),
}
"""How an output that states no ``output`` is read from its free-text ``product`` (the first match wins)."""


def output_of(item: Mapping[str, Any], names: Mapping[str, tuple[str, ...]] = LEGACY_NAMES) -> str:
    """The output an ``outputs`` item is: as its ``output`` says, else as its free-text ``product`` reads
    (``names``: output -> words naming it, matched case-insensitively), else main root."""
    stated = item.get("output")
    if stated in OUTPUTS:
        return str(stated)
    product = str(item.get("product", "")).casefold()
    for output, words in names.items():
        if any(word.casefold() in product for word in words):
            return output
    return MAIN_ROOT


def key(output: str, grade: object = None) -> str:
    """The key of an output (and grade) in a batch's :attr:`~.state.LotState.outputs`: ``main_root`` or
    ``main_root/一等``."""
    return output if grade in (None, "") else f"{output}/{grade}"


def amounts(outputs: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """A process payload's outputs in kilograms, by :func:`key`."""
    found: dict[str, float] = {}
    for item in outputs:
        k = key(output_of(item), item.get("grade"))
        found[k] = found.get(k, 0.0) + kg(item)
    return found


def on_hand(outputs: Mapping[str, float]) -> float:
    """How much of a batch is stock (everything but waste)."""
    return sum(amount for k, amount in outputs.items() if not _is(k, WASTE))


def _is(k: str, output: str, grade: object = None) -> bool:
    name, _, of_grade = k.partition("/")
    return name == output and (grade in (None, "") or of_grade == str(grade))


def available(outputs: Mapping[str, float] | None, output: str, grade: object = None) -> float | None:
    """How much of ``output`` (of ``grade``, if named; else of every grade) the batch holds, or None if the
    batch keeps no outputs (a harvest lot, a state folded before outputs were kept)."""
    if outputs is None:
        return None
    return sum(amount for k, amount in outputs.items() if _is(k, output, grade))


def draw(outputs: MutableMapping[str, float] | None, output: str, grade: object, amount: float) -> None:
    """Take ``amount`` kg of ``output`` (of ``grade``, or of its grades in order) from a batch's outputs."""
    if outputs is None:
        return
    for k in list(outputs):
        if amount <= EPSILON:
            return
        if _is(k, output, grade):
            take = min(amount, outputs[k])
            outputs[k] -= take
            amount -= take


def drawn(payload: Mapping[str, Any]) -> tuple[str, object]:
    """The output (and grade) a package payload or a process input item draws from: ``from_output``
    (default: the main root) and ``from_grade``."""
    return str(payload.get("from_output", MAIN_ROOT)), payload.get("from_grade")


def describe(output: str, grade: object = None) -> tuple[str, str]:
    """An output's name in English and Chinese, for messages."""
    en = {"main_root": "main root", "fine_roots": "fine roots", "rhizome_heads": "rhizome heads", "waste": "waste"}
    zh = {"main_root": "主根", "fine_roots": "须根", "rhizome_heads": "芦头", "waste": "废料"}
    suffix = f" ({grade})" if grade not in (None, "") else ""
    return en.get(output, output) + suffix, zh.get(output, output) + suffix
