"""Registration numbers of the inputs a field operation applies: a pesticide's 农药登记证号 or a fertiliser's
肥料登记证号 has the registry's form (a hard rule), and a number the rules file knows names the active ingredient
the record states (a soft rule: a known number with another ingredient is flagged; an unknown number of a
valid form passes). Pure Python; forms and known numbers in ``schemas/rules.yaml`` (``registration_number``,
``registration_product``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from .context import Context, rules_config
from .findings import Finding

PATTERNS = {"pesticide": "pesticide_patterns", "fertilise": "fertiliser_patterns"}
"""The field operations whose registration number is checked, and the rules file's list of forms for each."""


@cache
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def well_formed(operation: str, number: str) -> bool:
    """Whether ``number`` has one of the forms the rules file gives for ``operation``'s inputs."""
    patterns = tuple(str(p) for p in rules_config()["registration_number"][PATTERNS[operation]])
    return any(pattern.fullmatch(number.strip()) for pattern in _compiled(patterns))


def check_registration(c: Context) -> Iterator[Finding]:
    payload = c.event.payload
    operation = str(payload.get("operation"))
    if c.event.type != "field_operation" or operation not in PATTERNS or "registration_number" not in payload:
        return
    number = str(payload["registration_number"])
    if not well_formed(operation, number):
        kind, kind_zh = ("pesticide", "农药登记证号") if operation == "pesticide" else ("fertiliser", "肥料登记证号")
        example = "PD20080367" if operation == "pesticide" else "农肥（2019）准字1234号"
        yield c.violation(
            "registration_number",
            "/payload/registration_number",
            f"a {kind} registration number (like {example})",
            number,
            f"{number!r} is not a {kind} registration number (like {example})",
            f"{number} 不符合{kind_zh}格式（如 {example}）",
        )
        return
    known = rules_config()["registration_product"]["known"].get(number.strip())
    stated = payload.get("active_ingredient")
    listed = known.get("active_ingredient") if known else None
    if listed and stated is not None and str(stated).strip().casefold() != str(listed).casefold():
        yield c.violation(
            "registration_product",
            "/payload/active_ingredient",
            f"{listed} (registration {number}: {known.get('product', '')})",
            str(stated),
            f"registration {number} is for {known.get('product', '')} ({listed}), not {stated}",
            f"登记证号 {number} 对应 {known.get('product', '')}（{listed}），而记录为 {stated}",
        )
