"""What every rule sees: the rules file, and one event under judgement with the states and signer around it.
Pure Python."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from ..chain.errors import Error
from ..chain.records import Event
from .findings import Finding
from .membership import Membership, Signer
from .state import LotState

if TYPE_CHECKING:
    from .epcis_reading import Reading

SCHEMAS_PACKAGE = "ginseng_trace.schemas"


class RuleViolationError(Error):
    """An event breaks a hard rule; ``violation`` says which and how."""

    def __init__(self, violation: Finding) -> None:
        self.violation = violation
        super().__init__(violation.message)


@cache
def rules_config() -> Mapping[str, Mapping[str, Any]]:
    text = resources.files(SCHEMAS_PACKAGE).joinpath("rules.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    if not isinstance(config, dict):
        raise Error("schemas/rules.yaml must map rule ids to their settings")
    return config


def num(value: float) -> str:
    return f"{value:.6g}"


@dataclass(frozen=True)
class Context:
    """One event under judgement: the lot's state before it (None for a new lot), its inputs' states, and who
    signed it as membership stood at its log position (a :class:`Signer`, or why its key may not sign)."""

    event: Event
    lot: LotState | None
    inputs: Mapping[str, LotState]
    recorded: datetime
    pointer: str
    signer: Signer | str
    membership: Membership
    custody_known: bool = True  # False in a bundle: holdings depend on sibling lots a bundle does not carry
    reading: Reading | None = None  # a captured EPCIS event: as sent, and as ours (``event``) where it reads so

    @property
    def sent(self) -> Event:
        """The event as recorded (for a captured EPCIS event read as ours, the EPCIS event, not the reading)."""
        return self.reading.sent if self.reading is not None else self.event

    def violation(self, rule: str, where: str, limit: str, value: object, message: str, zh: str) -> Finding:
        return Finding(
            rule, str(rules_config()[rule]["severity"]), self.pointer + where, limit, str(value), message, zh
        )

    def input_states(self) -> Iterator[tuple[int, LotState]]:
        for j, lot in enumerate(self.event.inputs):
            state = self.inputs.get(lot)
            if state is not None:
                yield j, state
