"""Write tests/vectors/forms/seasons.json: generated crop-age cases counted by ``trace/events/seasons.py`` on the
local clock (``events.state.local_time``), for the device's count in ``static/device-rules.js`` to agree with
(tests/js/device-rules.test.cjs). Cases cluster at the edges of months on the local clock, where a UTC instant
and a local one fall in different months, and vary the calendar's months and offset. A test fails when the
count changes and this file does not: run ``.venv/bin/python scripts/seasons_vector.py``."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ginseng_trace.chain.times import format_utc
from ginseng_trace.events.seasons import crop_age
from ginseng_trace.events.state import local_time

VECTOR = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "forms" / "seasons.json"
CALENDARS = [(6, 6, 8.0), (5, 9, 8.0), (12, 1, 8.0), (1, 12, 8.0), (6, 6, -5.0), (7, 5, 9.5)]


def _instant(rng: random.Random, low: int, high: int, offset: float) -> datetime:
    """A UTC instant in years ``low``-``high``, half of them within an hour of a local month's start."""
    year, month = rng.randint(low, high), rng.randint(1, 12)
    if rng.random() < 0.5:
        start = datetime(year, month, 1, tzinfo=UTC) - timedelta(hours=offset)
        return start + timedelta(minutes=rng.randint(-60, 60))
    return datetime(year, month, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), tzinfo=UTC)


def cases(count: int = 400, seed: int = 13) -> list[dict[str, object]]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test cases, not secrets
    found: list[dict[str, object]] = []
    for _ in range(count):
        through, from_month, offset = rng.choice(CALENDARS)
        planted = _instant(rng, 2010, 2024, offset)
        dug = _instant(rng, planted.year, planted.year + 12, offset)
        seedlings = rng.choice([0, 0, 1, 2, 3])
        age = crop_age(
            local_time(planted, offset),
            local_time(dug, offset),
            seedlings,
            grows_same_year_through_month=through,
            counts_its_year_from_month=from_month,
        )
        found.append(
            {
                "planted": format_utc(planted),
                "dug": format_utc(dug),
                "seedling_age_years": seedlings,
                "calendar": {
                    "planted_grows_same_year_through_month": through,
                    "dug_counts_its_year_from_month": from_month,
                    "utc_offset_hours": offset,
                },
                "age": age,
            }
        )
    return found


def seasons_json() -> str:
    return "[\n" + ",\n".join(json.dumps(case) for case in cases()) + "\n]\n"


if __name__ == "__main__":
    VECTOR.parent.mkdir(parents=True, exist_ok=True)
    VECTOR.write_text(seasons_json(), encoding="utf-8")
    print(f"wrote {VECTOR}")
