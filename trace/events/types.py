"""The event types the ledger accepts.

Each type names one step of a ginseng lot's life, from plot registration to
sale (see ``../shared/DOMAIN.md``). Payload schemas for each type and the
semantic rules arrive with the event catalogue; until then the payload of a
known type is any JSON object.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..chain.errors import FieldProblem, MalformedError

EVENT_TYPES: Mapping[str, str] = {
    "register_enterprise": "an enterprise or production base is registered",
    "register_plot": "a plot (garden or forest land) is registered",
    "source_seed": "seed or seedlings are sourced for a plot",
    "sow": "seed is sown or seedlings are planted",
    "transplant": "seedlings are transplanted",
    "field_operation": "fertilise, pesticide, irrigate, shade, weed or inspect",
    "harvest": "roots are dug; a harvest lot is created from a plot",
    "quality_test": "a laboratory tests a sample of the lot",
    "process": "input lots are transformed into this lot (washing, drying, steaming, slicing ...)",
    "package": "the lot is packed into units with GTIN, batch and serial numbers",
    "aggregate": "units are aggregated into a case or pallet",
    "store": "the lot is stored; temperature and humidity readings",
    "ship": "the custodian ships the lot to another party",
    "receive": "a party receives the lot and becomes its custodian",
    "sell": "the lot, or part of it, is sold",
    "hold": "a regulator or owner puts the lot on hold",
    "recall": "a regulator or owner recalls the lot",
    "release": "a hold is released",
    "correct": "a mistaken event is superseded by this one, with a reason",
}


def check_event_type(event_type: str, pointer: str = "/event/type") -> None:
    """Raise :class:`MalformedError` naming ``pointer`` unless ``event_type`` is known."""
    if event_type not in EVENT_TYPES:
        raise MalformedError(
            FieldProblem(pointer, f"unknown event type {event_type!r}; known: {', '.join(EVENT_TYPES)}")
        )
