"""The ginseng domain: event schemas, private fields, lineage, state, rules, the public history. Pure Python."""

from .catalogue import (
    EventSchema,
    catalogue,
    check_event_type,
    check_payload,
    check_submitted,
    event_types,
    private_fields,
)

__all__ = [
    "EventSchema",
    "catalogue",
    "check_event_type",
    "check_payload",
    "check_submitted",
    "event_types",
    "private_fields",
]
