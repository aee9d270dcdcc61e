"""What an organisation may record for a lot, as the rules file has it: the event types a lot's kind allows
(``lifecycle.allows``) or that make a new lot from it (``lifecycle.creates``), that the organisation's roles
may record (``authority.roles``), and, while a hold or recall stands over the lot, none that would move it
(``hold.moving_types``, while the hold rule is hard). Pure Python; the workplace page offers these, the rules
still judge each event when it is submitted (custody, holds, the quality gate and the rest)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .rules import rules_config

ON = "on"
"""An event recorded on the lot itself."""
FROM = "from"
"""An event that makes a new lot from this one (harvest from a plot, processing, packing, splitting)."""
OFFERED = (
    "field_operation",
    "sow",
    "transplant",
    "source_seed",
    "harvest",
    "sample",
    "quality_test",
    "receive",
    "process",
    "package",
    "store",
    "ship",
    "sell",
    "split",
    "quality_release",
    "return",
    "hold",
)
"""The event types the workplace page offers, in the order a day's work meets them (the others, such as
corrections, recalls and membership, are recorded elsewhere)."""


def recordable(kind: str, roles: Collection[str]) -> list[tuple[str, str]]:
    """``(event type, ON or FROM)`` that an organisation holding ``roles`` may record for a lot of ``kind``, in
    :data:`OFFERED` order."""
    config = rules_config()
    allows = set(config["lifecycle"]["allows"].get(kind, []))
    creates = {t for t, c in config["lifecycle"]["creates"].items() if kind in c.get("inputs", [])}
    may = {t for t, who in config["authority"]["roles"].items() if set(who) & set(roles)}
    found = []
    for event_type in OFFERED:
        if event_type in may and event_type in allows:
            found.append((event_type, ON))
        elif event_type in may and event_type in creates:
            found.append((event_type, FROM))
    return found


def while_held(actions: Sequence[tuple[str, str]], hold: str | None) -> list[tuple[str, str]]:
    """Of ``actions``, those the hold rule leaves open on a lot under ``hold`` (hold, recall, or None): all when
    none stands or the rule is not hard (a move is then stored with its finding), else none of its
    ``moving_types`` (processing, packing, shipping, receiving, selling...)."""
    rule = rules_config()["hold"]
    if hold is None or rule.get("severity") != "hard":
        return list(actions)
    moving = set(rule["moving_types"])
    return [action for action in actions if action[0] not in moving]
