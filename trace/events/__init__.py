"""The ginseng domain: event types, (later) payload schemas, rules and lineage. Pure Python."""

from .types import EVENT_TYPES, check_event_type

__all__ = ["EVENT_TYPES", "check_event_type"]
