"""Who a lot concerns: the parties a lot's state names, each with how it stands to the lot. Pure Python.

A person's home page lists the lots that concern their organisation (``service.home``): the plots and lots it
made, what it holds, what is on its way to it, and the lots it was sent a sample of. The ledger keeps these
relations beside the lot states, derived from them (``lot_parties``), so that the home page reads an index,
not every lot.
"""

from __future__ import annotations

from .state import EPSILON, LotState

CREATOR = "creator"
"""The party that created the lot (registered the plot, harvested, processed, packed, split)."""
HOLDER = "holder"
"""A party with some of the lot on hand (for a plot, its registrant)."""
INCOMING = "incoming"
"""A consignee of a shipment of the lot still under way."""
LAB = "lab"
"""A lab that was sent a sample of the lot."""
RELATIONS = (CREATOR, HOLDER, INCOMING, LAB)


def parties_of(lot: LotState) -> set[tuple[str, str]]:
    """``(party, relation)`` for every party ``lot`` concerns now."""
    found = {(lot.creator, CREATOR)}
    if lot.unit is None:  # a plot or an enterprise: its registrant holds it
        found.add((lot.creator, HOLDER))
    found |= {(party, HOLDER) for party, amount in lot.holdings.items() if amount > EPSILON}
    found |= {(shipment.consignee, INCOMING) for shipment in lot.in_transit}
    found |= {(lab, LAB) for lab in lot.samples.values()}
    return found
