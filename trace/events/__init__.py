"""The ginseng domain: the event catalogue (payload schemas) and, later, rules and lineage. Pure Python."""

from .catalogue import EventSchema, catalogue, check_event_type, check_payload, event_types

__all__ = ["EventSchema", "catalogue", "check_event_type", "check_payload", "event_types"]
