"""The rules of corrections (:mod:`.corrections` says what a correction changes): a correction is well
formed, and one that takes away stock already gone is flagged. Pure Python; settings in ``schemas/rules.yaml``."""

from __future__ import annotations

from collections.abc import Iterator

from .catalogue import catalogue
from .context import Context
from .context import num as _num
from .corrections import shortfall
from .findings import Finding


def check_correction(c: Context) -> Iterator[Finding]:
    """A correction corrects an event of its lot that is not itself a correction, with members valid as the
    corrected event's schema has them; one that takes away stock already gone is flagged."""
    event, lot = c.event, c.lot
    if event.type != "correct" or lot is None:
        return
    supersedes, corrected = str(event.payload["supersedes"]), event.payload["corrected"]
    original = lot.event_types.get(supersedes)
    if original == "correct":
        yield c.violation(
            "correction",
            "/payload/supersedes",
            "an event that is not a correction",
            supersedes,
            f"{supersedes} is itself a correction: correct the original event again (the latest correction wins)",
            f"{supersedes} 本身是更正记录：请再次更正原始事件（以最新更正为准）",
        )
        return
    schema = catalogue().get(original) if original else None
    if schema is not None:
        for problem in schema.patch_problems(corrected, "/payload/corrected")[:1]:
            yield c.violation(
                "correction",
                problem.pointer,
                f"a member of a {original} payload, valid as its schema has it",
                str(problem.pointer.rsplit("/", 1)[-1]),
                f"the correction of {supersedes} ({original}) is not a valid {original} payload: {problem.detail}",
                f"对 {supersedes}（{original}）的更正不符合该类事件的格式：{problem.detail}",
            )
            return
    short = shortfall(lot, supersedes, corrected)
    if short is not None:
        who, takes, held = short
        unit = lot.unit or ""
        yield c.violation(
            "correction_conflict",
            "/payload/corrected",
            f"<= {_num(held)} {unit} taken from {who}",
            f"{_num(takes)} {unit}",
            f"the correction takes {_num(takes)} {unit} of lot {lot.lot_id} from {who}, who holds {_num(held)} "
            f"{unit}: events recorded after {supersedes} used more than the corrected figure allows",
            f"更正使批次 {lot.lot_id} 减少 {_num(takes)} {unit}，而 {who} 仅持有 {_num(held)} {unit}："
            f"{supersedes} 之后的记录已用去超过更正后数量的部分",
        )
