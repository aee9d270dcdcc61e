"""The lot graph: what each lot is, and which lots it was made from or went into. Pure Python.

A lot's kind follows from the event that created it: a plot registration makes
a plot crop, a harvest a harvest lot, processing a process batch, packaging a
packaged product, aggregation a case or a pallet, and a split a child of its
parent's kind (which the split's payload names, and the lifecycle rule checks).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

KINDS: Mapping[str, str] = {
    "register_organisation": "organisation",
    "register_enterprise": "enterprise",
    "register_plot": "plot_crop",
    "harvest": "harvest_lot",
    "process": "process_batch",
    "package": "packaged_product",
    "epcis_event": "epcis_events",  # a chain of captured EPCIS events, epcis:<organisation>
}

SPLIT_KINDS = frozenset({"harvest_lot", "process_batch", "packaged_product"})
"""The kinds of lot a split divides: bulk lots (kept in kilograms) and packaged lots (units with serials)."""


def lot_kind(first_event_type: str, payload: Mapping[str, Any]) -> str:
    """The kind of a lot whose first event has this type and payload."""
    if first_event_type == "aggregate":
        level = payload.get("level")
        return str(level) if level in {"case", "pallet"} else "aggregate"
    if first_event_type == "split":
        split = payload.get("kind")
        return str(split) if split in SPLIT_KINDS else "other"
    return KINDS.get(first_event_type, "other")


def walk(start: str, step: Callable[[set[str]], set[str]]) -> dict[str, int]:
    """Every lot reachable from ``start`` by repeated ``step`` (one hop for a whole frontier at once),
    with its distance in hops; ``start`` itself is at 0."""
    depth = {start: 0}
    frontier, hops = {start}, 0
    while frontier:
        hops += 1
        frontier = step(frontier) - depth.keys()
        depth.update(dict.fromkeys(frontier, hops))
    return depth
