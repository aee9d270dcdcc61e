"""Ginseng sold as ordinary food (package ``intended_use: food``), by the Ministry of Health announcement 2012
No. 17 (docs/DOMAIN.md §Crop age [src]): cultivated, at most 5 years old, root and rhizome only (``food_use``,
hard), and a label that carries the warnings, not for pregnant or nursing women or children under 14, at most
3 g a day (``food_label_warnings``, soft: a box already labelled is a fact to record, and its finding is
public). Every finding names the announcement's entry in the standards table
(``quality_limits.standards.moh2012_17_food``). Pure Python; the figures in ``schemas/rules.yaml``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from .context import Context, rules_config
from .findings import Finding
from .standards import standard_by_id

__all__ = ["check_food_use"]


def check_food_use(c: Context) -> Iterator[Finding]:
    event, payload = c.event, c.event.payload
    if event.type != "package" or c.lot is not None or payload.get("intended_use") != "food":
        return
    rules = rules_config()
    standard = standard_by_id(rules["quality_limits"], str(rules["food_use"]["standard"]))
    for finding in _findings(c):
        yield dataclasses.replace(
            finding,
            limit=f"{standard.name}: {finding.limit}",
            message=f"{finding.message} ({standard.title})",
            message_zh=f"{finding.message_zh}（{standard.title_zh}）",
            standard=standard.id,
        )


def _findings(c: Context) -> Iterator[Finding]:
    payload, settings = c.event.payload, rules_config()["food_use"]
    max_age = int(settings["max_age"])
    for _j, source in c.input_states():
        for origin in source.origins:
            if origin.land_type != "farmland":
                yield c.violation(
                    "food_use",
                    "/payload/intended_use",
                    "cultivated (farmland) origin only",
                    f"{origin.land_type} (plot {origin.plot})",
                    f"ginseng sold as ordinary food must be cultivated; plot {origin.plot} is {origin.land_type}",
                    f"作为普通食品的人参须为人工种植，地块 {origin.plot} 为 {origin.land_type}",
                )
            if origin.crop_age > max_age:
                yield c.violation(
                    "food_use",
                    "/payload/intended_use",
                    f"<= {max_age} years",
                    f"{origin.crop_age} years (plot {origin.plot})",
                    f"ginseng sold as ordinary food is at most {max_age} years old; roots from plot {origin.plot} "
                    f"are {origin.crop_age}",
                    f"作为普通食品的人参不超过 {max_age} 年，地块 {origin.plot} 为 {origin.crop_age} 年",
                )
    parts = [str(p) for p in settings["parts"]]
    if payload.get("part") not in parts:
        yield c.violation(
            "food_use",
            "/payload/part",
            f"one of {', '.join(parts)}",
            payload.get("part", "missing"),
            "ginseng sold as ordinary food is the root and rhizome only, and the package must say which part "
            f"it holds (one of {', '.join(parts)})",
            f"作为普通食品的人参限于根及根茎，包装须注明部位（{', '.join(parts)} 之一）",
        )
    if payload.get("label_warnings") is not True:
        yield c.violation(
            "food_label_warnings",
            "/payload/label_warnings",
            "true",
            payload.get("label_warnings", "missing"),
            "ginseng sold as food must carry the warnings (not for pregnant or nursing women or children "
            "under 14; at most 3 g a day); this package does not declare them",
            "作为食品的人参须标注：孕妇、哺乳期妇女及14周岁以下儿童不宜食用，每日不超过3克；本包装未声明",
        )
