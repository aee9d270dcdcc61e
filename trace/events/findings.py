"""A finding: a rule an event breaks, from the rule that finds it to the stored row and the JSON that shows it.

A rule makes a finding about an event being judged (``log_index`` unset); the ledger places it on the record
it found it in (``placed``) and stores it; readers get the same type back. Hard findings refuse the event;
soft ones are stored beside it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """Which rule, where (a JSON Pointer into the event), the limit and the value, and why in two languages;
    once placed, on which record of which lot, when, and its position among that record's findings. A
    finding about a limit that belongs to a standard (``quality_limits``) names the standard by its id in
    ``schemas/rules.yaml`` (its short name is also in ``limit``)."""

    rule: str
    severity: str
    pointer: str
    limit: str
    value: str
    message: str
    message_zh: str
    log_index: int | None = None
    lot_id: str | None = None
    found_at: str | None = None
    position: int = 0
    standard: str | None = None

    @property
    def messages(self) -> tuple[str, str]:
        """Why, in English and in Chinese."""
        return (self.message, self.message_zh)

    @property
    def hard(self) -> bool:
        return self.severity == "hard"

    def placed(self, log_index: int, lot_id: str, found_at: str, position: int, pointer: str = "/event") -> Finding:
        """This finding on the record at ``log_index``, its pointer made relative to the record's event
        (a batch judges events under ``/<i>/event``; the stored pointer is always under ``/event``)."""
        return dataclasses.replace(
            self,
            pointer="/event" + self.pointer.removeprefix(pointer),
            log_index=log_index,
            lot_id=lot_id,
            found_at=found_at,
            position=position,
        )

    def key(self) -> tuple[int, str, str, str, str]:
        """What makes two findings the same finding (a recomputed one and a stored one)."""
        return (-1 if self.log_index is None else self.log_index, self.rule, self.pointer, self.limit, self.value)

    def verdict(self) -> dict[str, Any]:
        """What the rule found, wherever it was found (``standard`` only when the limit belongs to one)."""
        found = {
            "rule": self.rule,
            "severity": self.severity,
            "pointer": self.pointer,
            "limit": self.limit,
            "value": self.value,
            "message": self.message,
            "message_zh": self.message_zh,
        }
        if self.standard is not None:
            found["standard"] = self.standard
        return found

    def to_json(self, rules: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """The finding as clients see it. A placed finding also says where it was found and, from ``rules``
        (the rules in force), whether it is public and the rule's title in both languages."""
        found = self.verdict()
        if self.log_index is None:
            return found
        config = (rules or {}).get(self.rule, {})
        return {
            "log_index": self.log_index,
            "lot_id": self.lot_id,
            "rule": self.rule,
            "severity": self.severity,
            "public": bool(config.get("public", False)),
            "title": str(config.get("title", self.rule)),
            "title_zh": str(config.get("title_zh", self.rule)),
            **{k: found[k] for k in ("pointer", "limit", "value", "message", "message_zh")},
            "found_at": self.found_at,
            **({"standard": self.standard} if self.standard is not None else {}),
        }
