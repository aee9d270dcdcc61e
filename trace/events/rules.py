"""Semantic rules over a lot's state: what an experienced inspector would refuse. Pure Python.

Thresholds live in ``schemas/rules.yaml`` so that a regulator can tune them
without a code change; every rule there names its source. A *hard* rule
refuses the event with an explanation in Chinese and English naming the rule,
the field, the limit and the value. (Soft rules, which store the event with a
finding, and most of the rules in DOMAIN.md are not built yet; see README.)

Implemented:

* ``chronology`` (hard): an event never happens before the lot's previous
  event, nor more than ``future_tolerance_minutes`` after the moment it is
  recorded.
* ``hold`` (hard): while a lot is on hold (a ``hold`` not yet followed by a
  ``release``) or recalled, no event of the ``moving_types`` is recorded for
  it, and no event consumes it as an input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ..chain.errors import Error
from ..chain.records import Event
from ..chain.times import format_utc

SCHEMAS_PACKAGE = "ginseng_trace.schemas"


@dataclass(frozen=True)
class Violation:
    """A rule an event breaks: which, where, the limit, the value, and why in two languages."""

    rule: str
    severity: str
    pointer: str
    limit: str
    value: str
    message: str
    message_zh: str


class RuleViolationError(Error):
    """An event breaks a hard rule; ``violation`` says which and how."""

    def __init__(self, violation: Violation) -> None:
        self.violation = violation
        super().__init__(violation.message)


HOLD_STATES = frozenset({"hold", "recall"})


@dataclass(frozen=True)
class LotState:
    """What the rules need to know about a lot before an event: when its latest event happened, and
    whether it is held or recalled (the latest of its hold, release and recall events), with the same for
    each input lot."""

    last_occurred: datetime | None
    hold: str | None = None
    input_holds: Mapping[str, str | None] | None = None


@cache
def rules_config() -> Mapping[str, Mapping[str, Any]]:
    text = resources.files(SCHEMAS_PACKAGE).joinpath("rules.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    if not isinstance(config, dict):
        raise Error("schemas/rules.yaml must map rule ids to their settings")
    return config


def check_chronology(event: Event, state: LotState, recorded: datetime, pointer: str) -> Violation | None:
    settings = rules_config()["chronology"]
    occurred = event.occurred
    if state.last_occurred is not None and occurred < state.last_occurred:
        limit = format_utc(state.last_occurred)
        return Violation(
            "chronology",
            str(settings["severity"]),
            pointer + "/occurred_at",
            f">= {limit}",
            event.occurred_at,
            f"lot {event.lot_id} already has an event at {limit}; this one says {event.occurred_at}, which is earlier",
            f"批次 {event.lot_id} 已有 {limit} 的事件，本事件时间 {event.occurred_at} 更早",
        )
    tolerance = timedelta(minutes=float(settings["future_tolerance_minutes"]))
    if occurred > recorded + tolerance:
        limit = format_utc(recorded + tolerance)
        return Violation(
            "chronology",
            str(settings["severity"]),
            pointer + "/occurred_at",
            f"<= {limit}",
            event.occurred_at,
            f"occurred_at {event.occurred_at} is in the future (recorded at {format_utc(recorded)})",
            f"发生时间 {event.occurred_at} 晚于记录时间 {format_utc(recorded)}",
        )
    return None


def check_hold(event: Event, state: LotState, _recorded: datetime, pointer: str) -> Violation | None:
    settings = rules_config()["hold"]
    severity = str(settings["severity"])
    if state.hold in HOLD_STATES and event.type in settings["moving_types"]:
        return Violation(
            "hold",
            severity,
            pointer + "/type",
            f"no {', '.join(settings['moving_types'])} while {state.hold}",
            event.type,
            f"lot {event.lot_id} is under {state.hold}: no {event.type} until it is released",
            f"批次 {event.lot_id} 处于{'召回' if state.hold == 'recall' else '暂扣'}状态，不得{event.type}",
        )
    for j, lot in enumerate(event.inputs):
        status = (state.input_holds or {}).get(lot)
        if status in HOLD_STATES:
            return Violation(
                "hold",
                severity,
                f"{pointer}/inputs/{j}",
                "no held or recalled input",
                lot,
                f"input lot {lot} is under {status} and cannot be consumed",
                f"原料批次 {lot} 处于{'召回' if status == 'recall' else '暂扣'}状态，不得投用",
            )
    return None


def next_hold(event_type: str, current: str | None) -> str | None:
    """A lot's hold status after an event of ``event_type``."""
    if event_type in HOLD_STATES:
        return event_type
    if event_type == "release" and current == "hold":
        return None
    return current


def enforce(event: Event, state: LotState, recorded: datetime, pointer: str = "/event") -> None:
    """Raise :class:`RuleViolationError` for the first hard rule ``event`` breaks."""
    for check in (check_chronology, check_hold):
        violation = check(event, state, recorded, pointer)
        if violation is not None and violation.severity == "hard":
            raise RuleViolationError(violation)
