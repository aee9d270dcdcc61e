"""A lot as the person who scanned its label stands to it (``/app/scan``): what their organisation is to the
lot (the ``lot_parties`` relations), what it has of it, the hold standing over it, what its roles may record
for it (``events.actions``, as the home offers it, less what would move a held lot), the shipments under way
to it, and who holds the lot now where reads by role let this reader see that (``Reads.custodians``: a
regulator, or an organisation that recorded something in the lot's lineage; audited). The lot's public facts
(product, origin, findings, holds) come from the resolver's JSON for the scanned code itself; this adds only
what depends on who is asking."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..events.actions import while_held
from ..events.state import LotState
from ..store import LedgerRepository, Store
from .credentials import Principal
from .errors import NotFoundError
from .home import HomeLot, home_lot, member_organisation
from .reads import Reads
from .views import ReachedLot


@dataclass(frozen=True)
class ScannedLot:
    """The scanned lot for its reader's organisation: ``standing`` as the home lists it (relations, on hand,
    hold, actions), ``incoming`` (the shipments of it under way to the organisation: from whom, how much) and
    ``reached`` (the lot's holds and, where the reader may see them, custodians and shipments)."""

    org_id: str
    org_name: str
    roles: tuple[str, ...]
    standing: HomeLot
    incoming: tuple[dict[str, Any], ...]
    reached: ReachedLot

    def to_json(self) -> dict[str, Any]:
        reached = self.reached.to_json()
        return {
            "organisation": {"id": self.org_id, "name": self.org_name, "roles": list(self.roles)},
            **self.standing.to_json(),
            "incoming": list(self.incoming),
            "holds": reached["holds"],
            "custodians": reached["custodians"],
            "in_transit": reached["in_transit"],
        }


class Scanning:
    """The scanned lot, for a signed-in member of an organisation."""

    def __init__(self, store: Store, reads: Reads) -> None:
        self.store = store
        self.reads = reads

    def lot(self, principal: Principal, lot_id: str, endpoint: str) -> ScannedLot:
        """``lot_id`` as ``principal``'s organisation stands to it. :class:`RelationRequiredError` for an actor
        of no standing organisation, :class:`NotFoundError` for a lot the ledger does not know."""

        def read(repo: LedgerRepository) -> tuple[Any, HomeLot, tuple[dict[str, Any], ...]]:
            org = member_organisation(repo, principal.actor)
            text = repo.lot_states([lot_id]).get(lot_id)
            if text is None:
                raise NotFoundError(f"lot {lot_id!r} has no record")
            state = LotState.from_json(text)
            relations = repo.parties.relations(lot_id, org.org_id)
            incoming = tuple(
                {"from": s.shipper, "amount": s.amount, "unit": state.unit}
                for s in state.in_transit
                if s.consignee == org.org_id
            )
            standing = home_lot(state, org.org_id, relations, org.roles)
            standing = dataclasses.replace(standing, actions=tuple(while_held(standing.actions, standing.hold)))
            return org, standing, incoming

        org, standing, incoming = self.store.read(read)
        reached = self.reads.custodians(lot_id, principal, endpoint)
        return ScannedLot(org.org_id, org.name, tuple(org.roles), standing, incoming, reached)
