"""What a split and a return do to lots' states. Pure Python; :mod:`.state` calls these when it folds them.

A **split** (分批) makes a child lot from one parent: the child's quantity leaves the splitter's holding of
the parent, and the child is the parent in all but quantity. A bulk parent is split by weight; a packaged
parent by units, and the child takes the serials the split names (its run: it sells only those), which the
parent keeps as split off (``split_off``: it sells them no more, and a label's serial resolves to the child).

A **return** (退货) is one of two things (``docs/EVENTS.md`` ``return``):

* a *trade return* (``to``): the recorder sends goods back to a party it received the lot from. It leaves
  the recorder's holding as a shipment under way to that party, who becomes custodian again when it records
  ``receive``, exactly as for a ``ship``;
* a *buyer's return* (``from_buyer``): the recorder takes back goods it sold to a buyer off the ledger (a
  consumer returning a box to the shop). They go back into the recorder's stock and its tally of sales
  falls by as much; each serial named becomes *unsold* again (it leaves ``sold_serials`` and enters
  ``returned_serials`` with the day), so the box may be sold once more, and the ledger holds the sale, the
  return and any resale. A serial is never sellable twice without a record of the return between: the
  serials rule refuses a return of a serial the recorder did not sell, or already took back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..chain.records import Event
from .lot_facts import Shipment, local_time
from .serials import SerialRun

if TYPE_CHECKING:
    from .state import LotState


def split(child: LotState, parents: list[LotState], party: str, payload: Mapping[str, Any]) -> None:
    """A child lot taken from its one parent: its quantity (``net_weight_kg``, or for a packaged parent
    ``units``) leaves ``party``'s holding of the parent, and the child is the parent in all but quantity (unit,
    moisture, processes, origins, species, and a packaged parent's claims and use; its holds came with the
    inputs'); a packaged child takes the split's serials, and the parent notes them as split off."""
    serials = payload.get("serials")
    amount = float(payload["units"]) if serials is not None else float(payload["net_weight_kg"])
    for parent in parents[:1]:
        parent.holdings[party] = max(0.0, parent.holdings.get(party, 0.0) - amount)
        child.unit = parent.unit
        child.unit_weight_g = parent.unit_weight_g
        child.moisture_pct, child.moisture_of = parent.moisture_pct, parent.moisture_of or parent.lot_id
        child.processes = list(parent.processes)
        child.origins = list(parent.origins)
        child.species = parent.species
        if serials is not None:
            child.serials = dict(serials)
            parent.split_off[child.lot_id] = dict(serials)
            child.claims, child.intended_use = list(parent.claims), parent.intended_use
            child.export_markets = list(parent.export_markets)
    child.holdings = {party: amount}


def split_into(lot: LotState, serial: str) -> str | None:
    """The child lot that ``serial`` of ``lot`` was split off into, or None if it was not split off."""
    return child_holding(lot.split_off, serial)


def child_holding(split_off: Mapping[str, object], serial: str) -> str | None:
    """Of ``split_off`` (a lot's runs split off, by child lot), the child whose run holds ``serial``, or None."""
    return next((child for child, run in split_off.items() if serial in (SerialRun.of(run) or ())), None)


def sold(state: LotState, event: Event, amount: float) -> None:
    """Remember who sold how much, and each serial's seller, so that a seller takes back only its own."""
    state.sold[event.actor] = state.sold.get(event.actor, 0.0) + amount
    for serial in event.payload.get("serials", []):
        state.serial_sellers[str(serial)] = event.actor


def returned(state: LotState, event: Event) -> None:
    """Fold a return (trade or buyer's) into the lot's state."""
    payload, actor = event.payload, event.actor
    amount = state.amount(payload) or 0.0
    if payload.get("from_buyer"):
        state.holdings[actor] = state.holdings.get(actor, 0.0) + amount
        state.sold[actor] = max(0.0, state.sold.get(actor, 0.0) - amount)
        day = local_time(event.occurred).date().isoformat()
        for serial in (str(s) for s in payload.get("serials", [])):
            state.sold_serials.pop(serial, None)
            state.serial_sellers.pop(serial, None)
            state.returned_serials[serial] = day
        return
    held = state.holdings.get(actor, 0.0)
    amount = min(amount, held)
    state.holdings[actor] = held - amount
    state.in_transit.append(Shipment(actor, str(payload["to"]), payload.get("carrier"), amount))
