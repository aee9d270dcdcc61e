"""A person's home: the lots that concern their organisation and what is due on them, as membership and the
lot states stand now.

Who the person is comes from membership at read time (their actor's organisation, its name and roles, as
reads by role have it); which lots concern the organisation comes from the ``lot_parties`` index the appender
keeps beside the lot states (``events.parties``), so a home reads the organisation's own lots, never every
lot. What is due is derived from each lot's state:

- ``pre_harvest_interval``: a plot whose latest pesticide application still forbids harvest (until when);
- ``receive``: a shipment under way to the organisation (from whom, how much);
- ``sample_needed`` / ``test_awaited`` / ``release_awaited``: a lot it holds that is made for sale and not yet
  released (``events.quality_gate``): no sample sent yet, a sample at the lab with no result, or a passing
  result with no release;
- ``samples_to_test``: for a lab, the samples of a lot it was sent and has not yet reported on;
- ``hold``: a lot it holds under a hold or recall (its own or an upstream lot's).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from ..chain.times import format_utc
from ..events.actions import recordable
from ..events.membership import Organisation
from ..events.parties import CREATOR, HOLDER, INCOMING, LAB
from ..events.quality_gate import needs_test
from ..events.state import EPSILON, LotState
from ..store import LedgerRepository, Store
from .credentials import Principal
from .errors import RelationRequiredError


@dataclass(frozen=True)
class Due:
    """Something the organisation should do, or wait for, on one lot: ``kind`` (see the module), the lot, and
    what the person needs to know (``until``, ``party``, ``amount``, ``samples``)."""

    kind: str
    lot_id: str
    detail: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "lot_id": self.lot_id, **self.detail}


@dataclass(frozen=True)
class HomeLot:
    """A lot that concerns the organisation, as it stands: how it concerns it (``relations``), its kind,
    species and origin counties, what the organisation has on hand and has sold of it (in ``unit``), any hold
    standing over it, and whether it is released for sale (None: it needs no release)."""

    lot_id: str
    kind: str
    relations: tuple[str, ...]
    species: str | None
    counties: tuple[str, ...]
    on_hand: float
    sold: float
    unit: str | None
    hold: str | None
    released: bool | None
    actions: tuple[tuple[str, str], ...] = ()  # (event type, on|from) the organisation may record for it
    labels: bool = False  # the organisation packed it as a serialised run: it prints the run's label sheets

    def to_json(self) -> dict[str, object]:
        return {
            "lot_id": self.lot_id,
            "kind": self.kind,
            "relations": list(self.relations),
            "species": self.species,
            "counties": list(self.counties),
            "on_hand": self.on_hand,
            "sold": self.sold,
            "unit": self.unit,
            "hold": self.hold,
            "released": self.released,
            "actions": [{"type": t, "mode": mode} for t, mode in self.actions],
            "labels": self.labels,
        }


@dataclass(frozen=True)
class HomeView:
    """A person's home: who they are (actor, organisation, roles), the lots that concern their organisation in
    lot-id order, and what is due, the most pressing first."""

    actor: str
    org_id: str
    org_name: str
    roles: tuple[str, ...]
    lots: tuple[HomeLot, ...]
    due: tuple[Due, ...]
    as_of: str

    def to_json(self) -> dict[str, object]:
        return {
            "actor": self.actor,
            "organisation": {"id": self.org_id, "name": self.org_name, "roles": list(self.roles)},
            "as_of": self.as_of,
            "lots": [lot.to_json() for lot in self.lots],
            "due": [item.to_json() for item in self.due],
        }


DUE_ORDER = ("hold", "receive", "samples_to_test", "release_awaited", "test_awaited", "sample_needed")
"""The order of what is due (then ``pre_harvest_interval``, a wait rather than a task)."""


def _on_hand(lot: LotState, org: str) -> float:
    if lot.unit is None:
        return 0.0
    amount = lot.holdings.get(org, 0.0)
    return amount if amount > EPSILON else 0.0


def _due(lot: LotState, org: str, relations: set[str], now: datetime) -> list[Due]:
    found: list[Due] = []
    holding = HOLDER in relations
    if holding and lot.hold is not None:
        placed = sorted({h.lot for h in lot.holds.values()})
        found.append(Due("hold", lot.lot_id, {"status": lot.hold, "placed_on": placed}))
    if INCOMING in relations:
        for shipment in lot.in_transit:
            if shipment.consignee == org:
                found.append(
                    Due("receive", lot.lot_id, {"party": shipment.shipper, "amount": shipment.amount, "unit": lot.unit})
                )
    if LAB in relations:
        sent = sorted(sample for sample, lab in lot.samples.items() if lab == org)
        reported = sum(1 for test in lot.gate.tests.values() if test.lab == org)
        if len(sent) > reported:
            found.append(Due("samples_to_test", lot.lot_id, {"samples": sent, "waiting": len(sent) - reported}))
    if holding and lot.unit is not None and needs_test(lot) and not lot.gate.released and not lot.gate.destroyed:
        if any(test.passed for test in lot.gate.tests.values()):
            found.append(Due("release_awaited", lot.lot_id))
        elif lot.samples and len(lot.samples) > len(lot.gate.tests):
            found.append(Due("test_awaited", lot.lot_id, {"samples": sorted(lot.samples)}))
        elif not lot.gate.awaiting:
            found.append(Due("sample_needed", lot.lot_id))
    ready = lot.latest_ready
    if holding and lot.kind == "plot_crop" and ready is not None and ready.ready > now:
        found.append(
            Due("pre_harvest_interval", lot.lot_id, {"until": format_utc(ready.ready), "product": ready.product})
        )
    return found


def _actions(lot: LotState, roles: Collection[str], relations: set[str]) -> tuple[tuple[str, str], ...]:
    if HOLDER not in relations:  # on its way here, or a sample's lot: only what that relation records
        wanted = {"receive"} if INCOMING in relations else {"quality_test"} if LAB in relations else set()
        return tuple(a for a in recordable(lot.kind, roles) if a[0] in wanted)
    return tuple(recordable(lot.kind, roles))


def home_lot(lot: LotState, org: str, relations: set[str], roles: Collection[str]) -> HomeLot:
    return HomeLot(
        lot_id=lot.lot_id,
        kind=lot.kind,
        relations=tuple(sorted(relations)),
        species=lot.species,
        counties=tuple(sorted({o.county for o in lot.origins} | ({lot.county} if lot.county else set()))),
        on_hand=_on_hand(lot, org),
        sold=lot.sold.get(org, 0.0),
        unit=lot.unit,
        hold=lot.hold,
        released=lot.gate.released if needs_test(lot) else None,
        actions=_actions(lot, roles, relations),
        labels=CREATOR in relations and bool(lot.serials),
    )


def member_organisation(repo: LedgerRepository, actor: str) -> Organisation:
    """The standing organisation ``actor`` belongs to; refused when there is none (or it, or the actor, is
    suspended)."""
    org_id = repo.membership.org_ids_of([actor]).get(actor)
    state = repo.membership.organisations([org_id]).get(org_id) if org_id else None
    org = Organisation.from_json(state) if state else None
    member = org.actors.get(actor) if org else None
    if org is None or org.suspended or member is None or member.suspended:
        raise RelationRequiredError("member", f"{actor} is not a standing member of an organisation: no home to show")
    return org


class Home:
    """A person's home page data."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def of(self, principal: Principal) -> HomeView:
        """The home of ``principal``'s actor (see :meth:`of_actor`)."""
        return self.of_actor(principal.actor)

    def of_actor(self, actor: str) -> HomeView:
        """The home of ``actor``; refused when it belongs to no organisation (or it, or its organisation, is
        suspended)."""
        now = self.clock()
        return self.store.read(lambda repo: self._read(repo, actor, now))

    @staticmethod
    def _read(repo: LedgerRepository, actor: str, now: datetime) -> HomeView:
        org = member_organisation(repo, actor)
        concerned = repo.parties.lots_of(org.org_id)
        states = {lot: LotState.from_json(text) for lot, text in repo.lot_states(concerned).items()}
        lots, due = [], []
        for lot_id in sorted(states):
            relations = concerned[lot_id]
            if relations == {CREATOR}:  # made here, long since moved on: not on today's page
                continue
            lots.append(home_lot(states[lot_id], org.org_id, relations, org.roles))
            due += _due(states[lot_id], org.org_id, relations, now)
        rank = {kind: n for n, kind in enumerate(DUE_ORDER)}
        due.sort(key=lambda d: (rank.get(d.kind, len(rank)), d.lot_id))
        return HomeView(actor, org.org_id, org.name, tuple(org.roles), tuple(lots), tuple(due), format_utc(now))
