"""The append decision, pure: given a snapshot of the ledger and submitted events, refuse or seal.

``append`` runs in three steps: read a :class:`Snapshot` under the append lock (``appending``), then
:func:`decide` here (no database: signature checks are done by :func:`admit_submission` before the lock,
then key validity, input lots, idempotency, the catalogue's and the rules' verdicts, sealing), then write
the :class:`Decision`. ``ginseng-trace check`` replays the stored events through the same rules
(:func:`replayed_event` and ``events.rules.Inspector``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..chain.canonical import parse_json
from ..chain.disclosure import reveal_stored
from ..chain.errors import MalformedError
from ..chain.keys import VerifierKey
from ..chain.merkle import leaf_hash
from ..chain.records import GENESIS, Event, SignedEvent, seal
from ..chain.times import format_utc, parse_utc
from ..events.catalogue import check_event_type, check_submitted
from ..events.epcis_reading import judged_as
from ..events.findings import Finding
from ..events.holds import REACHING_TYPES
from ..events.membership import AGREEMENT_TYPES, Membership, Organisation, org_of_lot
from ..events.parties import parties_of
from ..events.rules import Inspector
from ..events.state import LotState
from ..store import NewRecord, StoredRecord
from .errors import ConflictError, IntegrityError, KeyNotValidError, UnknownKeyError, UnknownLotError
from .views import Appended, RecordView


@dataclass(frozen=True)
class Submission:
    """A submitted event that passed every check needing no ledger state: its type is in the catalogue, its
    signature verifies with its actor's key, its private members match their disclosures."""

    signed: SignedEvent
    revealed: Event  # the event with its private members put back, as the rules judge it
    pointer: str  # where the event sits in the request, for refusals (``/event``, ``/3/event``)


def admit_submission(signed: SignedEvent, key: VerifierKey | None, pointer: str) -> Submission:
    """Check ``signed`` against the catalogue and its actor's public key (``None``: the ledger knows none)."""
    event = signed.event
    check_event_type(event.type, pointer + "/type")
    if key is None:
        raise UnknownKeyError(pointer + "/key_id", f"actor {event.actor!r} has no registered key {event.key_id}")
    signed.verify(key)
    return Submission(signed, check_submitted(signed, pointer), pointer)


@dataclass(frozen=True)
class Snapshot:
    """What the decision needs of the ledger, read in the write transaction: records already holding the
    batch's event ids, the heads and states of the lots it names, the organisations of its signers (and of
    the actors, organisations and labs its events name: :meth:`parties_of`), the trust anchors and the tree
    size."""

    existing: Mapping[str, StoredRecord]
    heads: Mapping[str, tuple[int, str]]
    states: Mapping[str, str]  # each lot's state as stored (JSON): decide() folds fresh copies, never these
    organisations: Mapping[str, str]  # each organisation's membership as stored (JSON), likewise
    anchors: Sequence[VerifierKey]
    tree_size: int
    children: Mapping[str, Collection[str]] = field(default_factory=dict)
    """The lot graph below every lot the batch holds, recalls, releases, tests or corrects (lot -> lots that
    consumed it; :meth:`held_of`), whose states ``states`` holds too: how far a hold, a failing test or a
    correction reaches."""

    @staticmethod
    def lots_of(batch: Sequence[Submission]) -> set[str]:
        return {lot for s in batch for lot in (s.signed.event.lot_id, *s.signed.event.inputs)}

    @staticmethod
    def held_of(batch: Sequence[Submission]) -> set[str]:
        """The lots the batch holds, recalls, releases, tests or corrects: a hold and a failing test reach every
        lot made from them, a quality release the boxes and cases that inherit it (``holds.REACHING_TYPES``)."""
        return {s.signed.event.lot_id for s in batch if judged_as(s.signed.event).type in REACHING_TYPES}

    @staticmethod
    def parties_of(batch: Sequence[Submission]) -> tuple[set[str], set[str]]:
        """The actors whose organisations the decision may consult, and the organisations it names itself."""
        actors, orgs = set(), set()
        for s in batch:
            event = judged_as(s.revealed)  # a captured shipping names its consignee as our ship does
            actors.add(event.actor)
            if isinstance(event.payload.get("actor"), str):
                actors.add(str(event.payload["actor"]))
            org = org_of_lot(event.lot_id)
            if org is not None:
                orgs.add(org)
            if event.type == "sample":
                orgs.add(str(event.payload["lab"]))
            if event.type == "ship" and isinstance(event.payload.get("to"), str):
                # the quality gate asks whether the consignee (an actor, or an organisation) is a retailer
                actors.add(str(event.payload["to"]))
                orgs.add(str(event.payload["to"]))
            if event.type in AGREEMENT_TYPES:
                orgs.add(str(event.payload["cooperative"]))
        return actors, orgs


@dataclass
class Decision:
    """What to write: new records, their findings, the lots' new states (and whom they concern) and the log's
    new leaves; and the outcome to answer, one per submission."""

    results: list[Appended] = field(default_factory=list)
    records: list[NewRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    states: list[tuple[str, str]] = field(default_factory=list)
    parties: list[tuple[str, set[tuple[str, str]]]] = field(default_factory=list)  # whom each changed lot concerns
    organisations: list[tuple[str, str]] = field(default_factory=list)
    members: list[tuple[str, str]] = field(default_factory=list)
    keys: list[tuple[VerifierKey, str, str | None]] = field(default_factory=list)  # key, registered at, until
    revocations: list[tuple[str, str, str, str]] = field(default_factory=list)  # actor, key id, at, reason

    @property
    def leaves(self) -> list[bytes]:
        return [leaf_hash(r.record_bytes) for r in self.records]


def decide(snapshot: Snapshot, batch: Sequence[Submission], now: datetime) -> Decision:
    """Refuse the batch (raising the first refusal) or seal every new event in it, in order. The same
    snapshot and batch always give the same decision."""
    recorded_at = format_utc(now)
    heads = dict(snapshot.heads)
    membership = Membership(
        snapshot.anchors, {org: Organisation.from_json(text) for org, text in snapshot.organisations.items()}
    )
    states = {lot: LotState.from_json(text) for lot, text in snapshot.states.items()}
    inspector = Inspector(states, membership, snapshot.children)
    decision = Decision()
    fresh: dict[str, StoredRecord] = {}
    index = snapshot.tree_size
    for submission in batch:
        signed, pointer = submission.signed, submission.pointer
        event = signed.event
        prior = snapshot.existing.get(event.event_id) or fresh.get(event.event_id)
        if prior is not None:
            if prior.event_hash != signed.event_hash:
                raise ConflictError(
                    pointer + "/event_id",
                    f"event id {event.event_id!r} is already recorded with different content "
                    f"(event hash {prior.event_hash})",
                )
            decision.results.append(Appended(RecordView.of(prior), created=False))
            continue
        for j, lot in enumerate(event.inputs):
            if lot not in heads:
                raise UnknownLotError(f"{pointer}/inputs/{j}", f"input lot {lot!r} has no record in this ledger")
        signer = membership.signer(event.actor, event.key_id, index, now)
        if isinstance(signer, str):
            raise KeyNotValidError(pointer + "/key_id", signer)
        found = tuple(inspector.enforce(submission.revealed, index, now, pointer))
        _derived_keys(decision, submission.revealed, recorded_at)
        decision.findings += [f.placed(index, event.lot_id, recorded_at, n, pointer) for n, f in enumerate(found)]
        seq, prev = heads.get(event.lot_id, (0, GENESIS))
        sealed = seal(
            signed,
            seq=seq + 1,
            prev=prev,
            input_heads={lot: heads[lot][1] for lot in event.inputs},
            recorded_at=recorded_at,
        )
        heads[event.lot_id] = (seq + 1, sealed.record_hash)
        row = NewRecord(
            log_index=index,
            event_id=event.event_id,
            lot_id=event.lot_id,
            seq=seq + 1,
            type=event.type,
            actor=event.actor,
            occurred_at=format_utc(event.occurred),
            recorded_at=sealed.record.recorded_at,
            record_hash=sealed.record_hash,
            event_hash=signed.event_hash,
            event_bytes=signed.signed_bytes,
            record_bytes=sealed.record_bytes,
            inputs=tuple((link.lot_id, link.head) for link in sealed.record.inputs),
            disclosures=tuple(d.encoded for d in signed.disclosures),
        )
        decision.records.append(row)
        fresh[event.event_id] = row.stored()
        decision.results.append(Appended(RecordView.of(fresh[event.event_id]), created=True, findings=found))
        index += 1
    decision.states = [(lot, inspector.states[lot].to_json()) for lot in sorted(inspector.changed)]
    decision.parties = [(lot, parties_of(inspector.states[lot])) for lot in sorted(inspector.changed)]
    decision.organisations = [(org, membership.orgs[org].to_json()) for org in sorted(membership.changed)]
    decision.members = sorted((actor, org) for org in membership.changed for actor in membership.orgs[org].actors)
    return decision


def _derived_keys(decision: Decision, event: Event, recorded_at: str) -> None:
    """The key rows an admitted membership event adds (what signature checks before the append lock read)."""
    if org_of_lot(event.lot_id) is None:
        return
    if event.type == "register_key":
        valid_until = event.payload.get("valid_until")
        decision.keys.append((VerifierKey.parse(str(event.payload["key"])), recorded_at, valid_until))
    elif event.type == "revoke_key":
        # the table's revocation time is the next microsecond: records before the revocation in its own batch
        # share its recorded_at and stay valid to ``verify``'s time check (by log position, the rule's, exactly
        # the records after the revocation are refused)
        payload = event.payload
        after = format_utc(parse_utc(recorded_at) + timedelta(microseconds=1))
        decision.revocations.append((str(payload["actor"]), str(payload["key_id"]), after, str(payload["reason"])))


def replayed_event(index: int, event_bytes: bytes, private: Sequence[str]) -> Event:
    """A stored event as the rules judged it when it was appended: with its private members put back."""
    try:
        signed = Event.from_json(parse_json(event_bytes))
        payload = reveal_stored(signed.payload, private)
    except MalformedError as exc:
        raise IntegrityError(f"record {index} is unreadable: {exc.diagnostics()}") from None
    return signed if payload is signed.payload else dataclasses.replace(signed, payload=payload)
