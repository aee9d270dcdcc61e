"""RFC 3339 UTC timestamps, as events and records write them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")


def parse_utc(text: str) -> datetime:
    """Parse an RFC 3339 UTC timestamp of the form ``YYYY-MM-DDTHH:MM:SS[.frac]Z``.

    Fractions beyond microseconds are truncated.
    """
    if not _TIME.fullmatch(text):
        raise ValueError("must be an RFC 3339 UTC time such as 2025-09-20T08:30:00Z")
    try:
        return datetime.fromisoformat(text)  # the pattern has already pinned the form down
    except ValueError as exc:
        raise ValueError(f"not a real date and time: {exc}") from exc


def format_utc(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds, as the ledger writes ``recorded_at``."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"
