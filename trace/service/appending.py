"""Appending events: check each submission, then snapshot, decide and write in one write transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..chain.canonical import JSONValue
from ..chain.errors import FieldProblem, MalformedError, SignatureError
from ..chain.keys import SignerKey, VerifierKey
from ..chain.merkle import append_leaves, frontier
from ..chain.records import Event, SignedEvent, sign_event
from ..events.catalogue import private_fields
from ..events.context import RuleViolationError
from ..store import LedgerRepository, Store
from .actor_keys import ActorKeys
from .checkpoints import Checkpointer
from .decision import Decision, Snapshot, Submission, admit_submission, decide
from .epcis_index import index_records
from .errors import IntegrityError, RefusedError
from .group_commit import GroupCommit
from .log import TransparencyLog
from .metrics import Metrics
from .views import Appended


class Appending:
    """Submits signed events to the ledger (idempotent on each event id)."""

    def __init__(
        self,
        store: Store,
        keys: ActorKeys,
        log: TransparencyLog,
        checkpointer: Checkpointer,
        *,
        clock: Callable[[], datetime],
        anchors: Sequence[VerifierKey] = (),
        dev_signer: SignerKey | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics if metrics is not None else Metrics()
        self.anchors = tuple(anchors)
        self.store = store
        self.keys = keys
        self.log = log
        self.checkpointer = checkpointer
        self.clock = clock
        self.dev_signer = dev_signer
        # single appends that arrive together are written together (group_commit.py)
        self.grouped = GroupCommit(lambda batch: self._append_batch(batch, lambda i: "/event"), self._append_alone)

    def sign_as_dev(self, event: JSONValue) -> SignedEvent:
        """Sign an event with the server's development key (only when one is configured)."""
        if self.dev_signer is None:
            raise RefusedError("", "server-side signing is disabled on this ledger")
        return self.sign_as(self.dev_signer, event)

    @staticmethod
    def sign_as(signer: SignerKey, event: JSONValue) -> SignedEvent:
        """Sign an unsigned event (a JSON object without ``actor`` and ``key_id``, which the server sets) as
        ``signer``'s actor, with ``signer``: the development key, or a server-held key."""
        if not isinstance(event, dict):
            raise MalformedError(FieldProblem("/event", "an event must be a JSON object"))
        taken = sorted({"actor", "key_id"} & set(event))
        if taken:
            raise MalformedError(
                [FieldProblem(f"/event/{k}", "is set by the server for server-signed events") for k in taken]
            )
        try:
            parsed = Event.from_json({**event, "actor": signer.name, "key_id": signer.verifier().key_id_hex})
        except MalformedError as exc:
            raise exc.at("/event") from None
        return sign_event(parsed, signer, private=private_fields(parsed.type))

    def append(self, signed: SignedEvent) -> Appended:
        """Append one client-signed event (idempotent on its event id), in a group with the single appends that
        arrive while another group is being written (:mod:`.group_commit`): its own record or refusal."""
        return self.grouped.append(signed)

    def _append_alone(self, signed: SignedEvent) -> Appended:
        return self.append_batch([signed], pointer=lambda _i: "/event")[0]

    def append_batch(
        self, batch: Sequence[SignedEvent], *, pointer: Callable[[int], str] = lambda i: f"/{i}/event"
    ) -> list[Appended]:
        """Append events in order, in one transaction: all are stored, or none.

        Signatures are checked before the append lock is taken; under it, a snapshot of what the batch
        names is read, the pure decision seals or refuses, and the decision is written."""
        try:
            return self._append_batch(batch, pointer)
        except (RefusedError, RuleViolationError, SignatureError, MalformedError) as exc:
            self.metrics.refused(exc)  # counted here, where the ledger decides: never in chain or events
            raise

    def _append_batch(self, batch: Sequence[SignedEvent], pointer: Callable[[int], str]) -> list[Appended]:
        """:meth:`append_batch` without counting a refusal (a group refused is appended again one by one)."""

        def check(repo: LedgerRepository) -> list[Submission]:
            return [
                admit_submission(s, self.keys.public_key(repo, s.event.actor, s.event.key_id), pointer(i))
                for i, s in enumerate(batch)
            ]

        def seal_and_write(repo: LedgerRepository) -> Decision:
            decision = decide(self._snapshot(repo, submissions), submissions, self.clock())
            self._write(repo, decision)
            return decision

        submissions = self.store.read(check)
        try:
            decision = self.store.write(seal_and_write)
        finally:
            self.log.changed()
        self.metrics.events_appended.inc(len(decision.records))
        if decision.records:
            self.checkpointer.after_append(decision.records[-1].log_index + 1)
        return decision.results

    def judge(self, batch: Sequence[SignedEvent], *, pointer: Callable[[int], str]) -> None:
        """Raise what :meth:`append_batch` would refuse the batch for (its first refusal), writing nothing:
        the same checks and the same pure decision, on a read snapshot."""

        def decide_only(repo: LedgerRepository) -> None:
            submissions = [
                admit_submission(s, self.keys.public_key(repo, s.event.actor, s.event.key_id), pointer(i))
                for i, s in enumerate(batch)
            ]
            decide(self._snapshot(repo, submissions), submissions, self.clock())

        self.store.read(decide_only)

    def _snapshot(self, repo: LedgerRepository, batch: Sequence[Submission]) -> Snapshot:
        lots = Snapshot.lots_of(batch)
        children = downstream_graph(repo, Snapshot.held_of(batch))
        lots |= {lot for made in children.values() for lot in made}
        actors, orgs = Snapshot.parties_of(batch)
        orgs |= set(repo.membership.org_ids_of(actors).values())
        # a new organisation's identifier spaces are judged against every organisation's (rare: load them all)
        registers = any(s.signed.event.type == "register_organisation" for s in batch)
        return Snapshot(
            existing=repo.by_event_ids({s.signed.event.event_id for s in batch}),
            heads=repo.heads(lots),
            states=repo.lot_states(lots),
            organisations=repo.membership.all_organisations() if registers else repo.membership.organisations(orgs),
            anchors=self.anchors,
            tree_size=repo.next_log_index(),
            children=children,
        )

    @staticmethod
    def _write(repo: LedgerRepository, decision: Decision) -> None:
        repo.insert(decision.records)
        index_records(repo, decision.records)  # the EPCIS query index, in the same transaction
        repo.put_lot_states(decision.states)
        repo.parties.put(decision.parties)
        repo.membership.put(decision.organisations, decision.members)
        for key, registered_at, valid_until in decision.keys:
            if repo.keys.get(key.name, key.key_id_hex) is None:  # a key registered before membership was logged
                repo.keys.add(key, registered_at, valid_until)
        for actor, key_id, revoked_at, reason in decision.revocations:
            repo.keys.revoke(actor, key_id, revoked_at, reason)
        repo.add_findings(decision.findings)
        if decision.records:
            grow_tree(repo, decision.records[0].log_index, decision.leaves)


def downstream_graph(repo: LedgerRepository, lots: set[str]) -> dict[str, set[str]]:
    """The lot graph below ``lots`` (lot -> the lots that consumed it), one query per level: what a hold,
    recall or release of them reaches."""
    graph: dict[str, set[str]] = {}
    frontier = set(lots)
    while frontier:
        level = repo.consumers(frontier)
        graph.update(level)
        frontier = {lot for made in level.values() for lot in made} - graph.keys() - lots
    return graph


def grow_tree(repo: LedgerRepository, size: int, leaves: list[bytes]) -> None:
    """Append the new records' leaves to the log's Merkle tree (O(log n) reads, amortised O(1) writes)."""
    edge = repo.log.nodes(frontier(size))
    try:
        created = append_leaves(size, leaves, lambda level, index: edge[(level, index)])
    except KeyError as missing:
        raise IntegrityError(f"the log's tree is missing subtree {missing} of size {size}") from None
    repo.log.add_nodes(created)
