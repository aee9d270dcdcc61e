"""Reads by role: a lot's history with the private members its reader may see, findings and scan signals as
regulators, partners and cooperatives under agreement see them, a lot's upstream compliance facts for the
processors that held it, and the audit trail of those reads.

Who the reader is comes from membership at read time (``events.visibility.reader_of``: the credential's actor,
its organisation and that organisation's roles, read in the same transaction as the data); what it may see is
``events.visibility``'s policy. Every read that serves something the public may not see (a private member in
plain text, a non-public finding, a label's scan signals, the audit trail itself) writes one ``read_audit``
row in the same request, after the read and before the answer leaves, in a plain transaction: never under the
ledger's append lock. A read refused before it reads (no credentials, a wrong scope, not a regulator) writes
nothing. The upstream compliance facts carry no private member, but they are a read by role: each one served is
audited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..chain.records import Event
from ..chain.times import format_utc, parse_utc
from ..events.compliance import ComplianceFacts, compliance_facts
from ..events.findings import Finding
from ..events.lineage import walk
from ..events.membership import Organisation
from ..events.rules import rules_config
from ..events.state import EPSILON, LotState
from ..events.visibility import (
    FARM_TYPES,
    HOLDING_TYPES,
    Farm,
    Reader,
    Recorded,
    has_interest,
    reader_of,
    reads_upstream,
    sees_private_members,
    sees_upstream,
)
from ..store import LedgerRepository, Store, StoredRecord
from ..store.complaints import ComplaintsRepository, StoredComplaint
from ..store.reads import ReadRow, ReadsRepository
from .complaints import Counts, counts_of
from .credentials import Principal
from .errors import NotFoundError, RelationRequiredError, RoleRequiredError
from .records import lineage_of, lot_and_ancestors
from .views import ReachedLot, RecordView

MAX_PAGE = 1000
MAX_ENDPOINT = 500


@dataclass(frozen=True)
class ReadRecord:
    """A record of a lot as its reader may see it: ``shown`` when its private members are in ``view.facts``."""

    view: RecordView
    shown: bool

    @property
    def event_id(self) -> str:
        return self.view.stored.event_id

    @property
    def withheld(self) -> bool:
        """Whether the event has private members that this reader may not read."""
        payload = self.view.event.get("payload")
        return not self.shown and isinstance(payload, dict) and bool(payload.get("_sd"))

    def to_json(self) -> dict[str, object]:
        found: dict[str, object] = self.view.to_json()
        if self.shown:
            found["facts"] = self.view.facts
        return found


def _public(finding: Finding) -> bool:
    return bool(rules_config().get(finding.rule, {}).get("public", False))


def reader_now(repo: LedgerRepository, principal: Principal | None) -> Reader | None:
    """Who ``principal`` reads as, as membership stands in this transaction (None: as the public)."""
    if principal is None:
        return None
    org_id = repo.membership.org_ids_of([principal.actor]).get(principal.actor)
    state = repo.membership.organisations([org_id]).get(org_id) if org_id else None
    return reader_of(principal.actor, Organisation.from_json(state) if state else None)


def _farms(repo: LedgerRepository, reader: Reader | None, lots: Collection[str]) -> dict[str, Farm]:
    """Of ``lots``, the farm lots with their owners' standing agreements, as membership stands now (only for a
    cooperative: nobody else reads by agreement)."""
    if reader is None or not reader.cooperative or not lots:
        return {}
    owners = ReadsRepository.of(repo).makers(lots, FARM_TYPES)
    states = repo.membership.organisations(set(owners.values()))
    agreed = {org: frozenset(Organisation.from_json(text).cooperatives) for org, text in states.items()}
    return {lot: Farm(lot, owner, agreed.get(owner, frozenset())) for lot, owner in owners.items()}


def private_shown(repo: LedgerRepository, reader: Reader | None, stored: Sequence[StoredRecord]) -> set[str]:
    """Of ``stored`` (records read with their disclosures), the event ids whose private members ``reader`` may
    read (``events.visibility.sees_private_members``: a regulator, the recorder, or a cooperative under the
    owner's agreement for a farm lot), as membership stands in this transaction; none for the public (None)."""
    if reader is None:
        return set()
    with_members = [s for s in stored if s.disclosures]
    actors = {s.event_id: str(RecordView.of(s).event.get("actor", "")) for s in with_members}
    orgs = repo.membership.org_ids_of(set(actors.values()))
    farms = _farms(repo, reader, {s.lot_id for s in with_members})
    return {
        s.event_id
        for s in with_members
        if sees_private_members(
            reader, Recorded(s.lot_id, s.event_id, orgs.get(actors[s.event_id])), farms.get(s.lot_id)
        )
    }


def _lineage(repo: LedgerRepository, lot_id: str) -> list[Recorded]:
    """Who recorded in ``lot_id``'s lineage (one entry per lot and organisation: enough for the policy)."""
    recorders = ReadsRepository.of(repo).recorders(lineage_of(repo, lot_id))
    return [Recorded(lot, "", org) for lot, orgs in recorders.items() for org in orgs]


def _organisations(repo: LedgerRepository, parties: set[str]) -> dict[str, dict[str, str]]:
    """Each party's organisation (id and registered name): an actor's, or the party itself if it is one."""
    org_of = repo.membership.org_ids_of(parties)
    states = repo.membership.organisations(set(org_of.values()) | parties)
    names = {org: Organisation.from_json(text).name for org, text in states.items()}
    found = {actor: {"id": org, "name": names.get(org, org)} for actor, org in org_of.items()}
    found.update({org: {"id": org, "name": name} for org, name in names.items() if org in parties})
    return found


def _reached(state: LotState, depth: int, named: dict[str, dict[str, str]] | None) -> ReachedLot:
    holds = tuple(
        {"event_id": event_id, "type": h.type, "lot": h.lot, "by": h.by, "on": h.at[:10]}
        for event_id, h in state.holds.items()
    )
    custodians = transit = None
    if named is not None:
        custodians = tuple(
            {"party": party, "organisation": named.get(party), "amount": round(amount, 6)}
            for party, amount in sorted(state.holdings.items())
            if amount > EPSILON
        )
        if state.unit is None:  # a plot: its registrant holds it
            custodians = ({"party": state.creator, "organisation": named.get(state.creator), "amount": None},)
        transit = tuple(
            {"from": s.shipper, "to": s.consignee, "carrier": s.carrier, "amount": round(s.amount, 6)}
            for s in state.in_transit
        )
    return ReachedLot(state.lot_id, state.kind, depth, state.unit, state.hold, holds, custodians, transit)


class Reads:
    """The role-dependent reads, each audited when it serves what the public may not see."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def reader(self, principal: Principal | None) -> Reader | None:
        """Who ``principal`` reads as now (None: as the public)."""
        return self.store.read(lambda repo: reader_now(repo, principal))

    def _audit(
        self, reader: Reader, principal: Principal, endpoint: str, what: str, lot: str | None, ids: Sequence[str]
    ) -> None:
        credential = f"token:{principal.credential_id}" if principal.via == "token" else principal.via
        row = (format_utc(self.clock()), reader.actor, reader.org, credential, endpoint[:MAX_ENDPOINT], what)
        self.store.write(lambda repo: ReadsRepository.of(repo).add_read(*row, lot, list(ids)), append_lock=False)

    def history(self, lot_id: str, principal: Principal, endpoint: str) -> list[ReadRecord]:
        """Every record of the lot, in order, each with its private members in plain text where the reader may
        read them (``events.visibility.sees_private_members``: a regulator, the recorder, or a cooperative under
        the owner's agreement for a farm lot); audited when any is shown."""

        def read(repo: LedgerRepository) -> tuple[Reader | None, list[ReadRecord]]:
            reader = reader_now(repo, principal)
            stored = repo.lot_records([lot_id], private=reader is not None)
            if not stored:
                raise NotFoundError(f"lot {lot_id!r} has no record")
            seen = private_shown(repo, reader, stored)
            found = []
            for s in stored:
                shown = s.event_id in seen
                found.append(ReadRecord(RecordView.of(s if shown else dataclasses.replace(s, disclosures=())), shown))
            return reader, found

        reader, found = self.store.read(read)
        if reader is not None:
            self.audit_private_members(reader, principal, endpoint, lot_id, [r.event_id for r in found if r.shown])
        return found

    def audit_private_members(
        self, reader: Reader, principal: Principal, endpoint: str, lot_id: str, shown: Sequence[str]
    ) -> None:
        """Audit a read that served the private members of the events ``shown`` (nothing when none was)."""
        if shown:
            self._audit(reader, principal, endpoint, "private_members", lot_id, shown)

    def findings(
        self,
        principal: Principal | None,
        endpoint: str,
        lot_id: str | None = None,
        *,
        ancestors: bool = False,
        rule: str | None = None,
    ) -> list[Finding]:
        """Stored findings (all, or of ``lot_id`` and, with ``ancestors``, its lineage) that the reader may see:
        the public ones, and the others of lots in whose lineage it recorded something or (a cooperative) that
        are farm lots of a grower it has a standing agreement with (all, for a regulator); audited when any
        non-public one is served."""

        def read(repo: LedgerRepository) -> tuple[Reader | None, list[Finding], dict[int, str]]:
            reader = reader_now(repo, principal)
            if lot_id is None:
                found = repo.findings(rule=rule)
            else:
                if not repo.heads([lot_id]):
                    raise NotFoundError(f"lot {lot_id!r} has no record")
                found = repo.findings(lineage_of(repo, lot_id) if ancestors else {lot_id}, rule)
            hidden = {str(f.lot_id) for f in found if not _public(f)}
            if reader is None:
                seen: set[str] = set()
            elif reader.regulator:
                seen = hidden
            else:
                farms = _farms(repo, reader, hidden)
                seen = {lot for lot in hidden if has_interest(reader, _lineage(repo, lot), farms.get(lot))}
            shown = [f for f in found if _public(f) or f.lot_id in seen]
            private = {f.log_index for f in shown if not _public(f) and f.log_index is not None}
            return reader, shown, ReadsRepository.of(repo).event_ids_at(private)

        reader, shown, events = self.store.read(read)
        if reader is not None and principal is not None and events:
            self._audit(reader, principal, endpoint, "findings", lot_id, [events[i] for i in sorted(events)])
        return shown

    def scan_signal_lots(
        self, principal: Principal | None, endpoint: str, lots: Collection[str], lot_filter: str | None
    ) -> set[str] | None:
        """Of ``lots`` (those with flagged labels), the ones whose labels' scan signals the reader may see in
        detail; None when it reads as the public (counts only). Audited when any is served."""

        def read(repo: LedgerRepository) -> tuple[Reader | None, set[str]]:
            reader = reader_now(repo, principal)
            if reader is None:
                return None, set()
            if reader.regulator:
                return reader, set(lots)
            return reader, {lot for lot in lots if has_interest(reader, _lineage(repo, lot))}

        reader, seen = self.store.read(read)
        if reader is None or principal is None:
            return None
        if seen:
            self._audit(reader, principal, endpoint, "scan_signals", lot_filter, [])
        return seen

    def upstream(self, lot_id: str, principal: Principal, endpoint: str) -> ComplianceFacts:
        """The lot's upstream compliance facts (``events.compliance``), for a regulator, or for a processor that
        holds or held the lot (``events.visibility.sees_upstream``); audited. :class:`RoleRequiredError` for
        any other reader (before the lot is looked up), :class:`NotFoundError` for an unknown lot,
        :class:`RelationRequiredError` for a processor that never held it."""

        def read(repo: LedgerRepository) -> tuple[Reader, ComplianceFacts]:
            reader = reader_now(repo, principal)
            if reader is None or not reads_upstream(reader):
                raise RoleRequiredError("processor", "a lot's upstream compliance facts")
            stored = lot_and_ancestors(repo, lot_id)  # the signed events only: no private member is read
            if not sees_upstream(reader, ReadsRepository.of(repo).holders(lot_id, HOLDING_TYPES)):
                raise RelationRequiredError(
                    "custodian",
                    f"{reader.org} never held lot {lot_id}: a processor reads the upstream facts of the lots it "
                    "made or received",
                )
            views = [RecordView.of(s) for s in stored]
            records = [(v.log_index, Event.from_json(v.event), parse_utc(str(v.record["recorded_at"]))) for v in views]
            return reader, compliance_facts(lot_id, records)

        reader, facts = self.store.read(read)
        self._audit(reader, principal, endpoint, "upstream_facts", lot_id, facts.sources)
        return facts

    def reach(self, lot_id: str, principal: Principal | None, endpoint: str) -> tuple[bool, list[ReachedLot]]:
        """What a hold or recall of ``lot_id`` would reach, before it is recorded: the lot and every lot made from
        it, nearest first, each with its kind, the holds standing over it and, for a regulator or an organisation
        that recorded something in ``lot_id``'s lineage (rule 4: where its lots went), each party holding some
        of it now (with its organisation) and each shipment under way. The public, and other organisations, get
        the lots without the parties (``False``, as ``/descendants`` already tells them). Audited when the
        parties are served."""

        def read(repo: LedgerRepository) -> tuple[Reader | None, bool, list[ReachedLot]]:
            depth = walk(lot_id, repo.consuming_lots)
            states = {lot: LotState.from_json(text) for lot, text in repo.lot_states(depth).items()}
            if lot_id not in states:
                raise NotFoundError(f"lot {lot_id!r} has no record")
            reader = reader_now(repo, principal)
            shown = has_interest(reader, _lineage(repo, lot_id))
            parties: set[str] = set()
            for state in states.values():
                parties |= state.custodians() | {x for s in state.in_transit for x in (s.shipper, s.consignee)}
            named = _organisations(repo, parties) if shown else {}
            found = [
                _reached(states[lot], hops, named if shown else None) for lot, hops in depth.items() if lot in states
            ]
            return reader, shown, sorted(found, key=lambda r: (r.depth, r.lot_id))

        reader, shown, found = self.store.read(read)
        if shown and reader is not None and principal is not None:
            self._audit(reader, principal, endpoint, "reach_custodians", lot_id, [])
        return shown, found

    def custodians(self, lot_id: str, principal: Principal, endpoint: str) -> ReachedLot:
        """The lot as it stands (kind, unit, the holds over it) with, for a regulator or an organisation that
        recorded something in its lineage (as :meth:`reach` has it), who holds how much of it now and the
        shipments under way (``custodians`` None for any other reader); audited when they are served.
        :class:`NotFoundError` for an unknown lot."""

        def read(repo: LedgerRepository) -> tuple[Reader | None, ReachedLot]:
            text = repo.lot_states([lot_id]).get(lot_id)
            if text is None:
                raise NotFoundError(f"lot {lot_id!r} has no record")
            state, reader = LotState.from_json(text), reader_now(repo, principal)
            if not has_interest(reader, _lineage(repo, lot_id)):
                return reader, _reached(state, 0, None)
            parties = state.custodians() | {x for s in state.in_transit for x in (s.shipper, s.consignee)}
            return reader, _reached(state, 0, _organisations(repo, parties))

        reader, found = self.store.read(read)
        if found.custodians is not None and reader is not None:
            self._audit(reader, principal, endpoint, "custodians", lot_id, [])
        return found

    def complaints(
        self, lot_id: str, principal: Principal | None, endpoint: str, *, after: int = 0, limit: int = 100
    ) -> tuple[Counts, list[StoredComplaint] | None]:
        """A lot's consumer complaints: the counts per category for anyone, and the complaints themselves (free
        text, label, time) for a regulator or an organisation that recorded something in the lot's lineage
        (None for any other reader); audited when they are served. :class:`NotFoundError` for an unknown lot."""

        def read(repo: LedgerRepository) -> tuple[Reader | None, Counts, list[StoredComplaint] | None]:
            if not repo.heads([lot_id]):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            reader, kept = reader_now(repo, principal), ComplaintsRepository.of(repo)
            counts = counts_of(kept.counts(lot_id))
            if not has_interest(reader, _lineage(repo, lot_id)):
                return reader, counts, None
            return reader, counts, kept.of_lots([lot_id], after=after, limit=min(limit, MAX_PAGE))

        reader, counts, found = self.store.read(read)
        if found is not None and reader is not None and principal is not None:
            self._audit(reader, principal, endpoint, "complaints", lot_id, [])
        return counts, found

    def audit(
        self,
        principal: Principal,
        endpoint: str,
        *,
        actor: str | None = None,
        lot_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[ReadRow]:
        """A page of the audit trail, oldest first, for a regulator only (:class:`RoleRequiredError`
        otherwise); this read is audited too."""

        def read(repo: LedgerRepository) -> tuple[Reader | None, list[ReadRow]]:
            reader = reader_now(repo, principal)
            if reader is None or not reader.regulator:
                return reader, []
            rows = ReadsRepository.of(repo).reads(
                actor=actor, lot_id=lot_id, since=since, until=until, after=after, limit=min(limit, MAX_PAGE)
            )
            return reader, rows

        reader, rows = self.store.read(read)
        if reader is None or not reader.regulator:
            raise RoleRequiredError("regulator", "the audit trail")
        self._audit(reader, principal, endpoint, "audit", lot_id, [])
        return rows
