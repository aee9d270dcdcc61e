"""Checking the ledger: the rules re-run over the records (``check``), every hash, link and signature
re-verified and the records checked against the transparency log (``verify``, ``audit``), and lot states
rebuilt when missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..chain.errors import ChainBrokenError
from ..chain.keys import ActorKey, VerifierKey
from ..chain.ledger import LedgerReport, ProblemList
from ..chain.times import format_utc, parse_utc
from ..chain.verify import ChainVerifier
from ..events.findings import Finding
from ..events.membership import Membership
from ..events.parties import parties_of
from ..events.rules import Inspector
from ..store import LedgerRepository, Store
from .decision import replayed_event
from .errors import NotFoundError
from .log import TransparencyLog
from .logged import lot_in_log, whole_ledger
from .records import lineage_of
from .signature_workers import SignatureWorkers
from .views import CheckReport


class Checks:
    """Re-checks of the ledger from its stored bytes alone."""

    def __init__(
        self,
        store: Store,
        log: TransparencyLog,
        *,
        clock: Callable[[], datetime],
        anchors: Sequence[VerifierKey] = (),
        log_key: VerifierKey | None = None,
    ) -> None:
        """``log_key``: the key this service signs checkpoints with (trusted beside the log keys on record)."""
        self.anchors = tuple(anchors)
        self.log_key = log_key
        self.store = store
        self.log = log
        self.clock = clock

    def check(self, lot_id: str | None = None, *, record: bool = False) -> CheckReport:
        """Re-run every rule over the whole ledger from its records alone, in log order, and compare with
        the stored findings. With ``lot_id`` the report covers that lot and every lot it was made from
        (the replay is still whole: a lot's state depends on its siblings). With ``record``, store the
        findings not stored yet and every lot's recomputed state (under the append lock)."""
        if not record:
            return self.store.read(lambda repo: self._check(repo, lot_id, record=False))
        try:
            return self.store.write(lambda repo: self._check(repo, lot_id, record=True))
        finally:
            self.log.changed()

    def _check(self, repo: LedgerRepository, lot_id: str | None, *, record: bool) -> CheckReport:
        lots: frozenset[str] | None = None
        if lot_id is not None:
            if not repo.heads([lot_id]):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            lots = frozenset(lineage_of(repo, lot_id))
        inspector, found, events = self._replay(repo)
        stored = repo.findings()
        stored_keys = {f.key() for f in stored}
        found_keys = {f.key() for f in found}
        unstored = [f for f in found if not f.hard and f.key() not in stored_keys]
        unreproduced = [f for f in stored if f.key() not in found_keys]
        if record:
            self._put_derived(repo, inspector)
            repo.add_findings(self._renumbered(stored, unstored))
        if lots is not None:
            found = [f for f in found if f.lot_id in lots]
            unstored = [f for f in unstored if f.lot_id in lots]
            unreproduced = [f for f in unreproduced if f.lot_id in lots]
        return CheckReport(events, lots, tuple(found), tuple(unstored), tuple(unreproduced))

    def _replay(self, repo: LedgerRepository) -> tuple[Inspector, list[Finding], int]:
        """Every record through the rules in log order: the inspector as it ends, the findings, the count."""
        inspector = Inspector(membership=Membership(self.anchors))
        found: list[Finding] = []
        events = 0
        for index, event_bytes, recorded_at, private in repo.replay():
            event = replayed_event(index, event_bytes, private)
            recorded = parse_utc(recorded_at)
            findings = inspector.review(event, index, recorded)
            events += 1
            found += [f.placed(index, event.lot_id, recorded_at, n) for n, f in enumerate(findings)]
        return inspector, found, events

    @staticmethod
    def _put_derived(repo: LedgerRepository, inspector: Inspector) -> None:
        repo.put_lot_states([(lot, state.to_json()) for lot, state in sorted(inspector.states.items())])
        repo.parties.put([(lot, parties_of(state)) for lot, state in sorted(inspector.states.items())])
        orgs = inspector.membership.orgs
        repo.membership.put(
            [(org, orgs[org].to_json()) for org in sorted(orgs)],
            sorted(inspector.membership.actor_orgs.items()),
        )

    def rebuild_derived(self, repo: LedgerRepository) -> int:
        """In the caller's write transaction: every lot's state and parties and every organisation's membership
        folded from the records (as a restore needs them); stores no finding. Returns the records replayed."""
        inspector, _found, events = self._replay(repo)
        self._put_derived(repo, inspector)
        return events

    def _renumbered(self, stored: Sequence[Finding], new: Sequence[Finding]) -> list[Finding]:
        """``new`` findings to store beside ``stored`` ones: each after its record's last, found now."""
        position: dict[int, int] = {}
        for old in stored:
            assert old.log_index is not None  # noqa: S101 - stored findings are placed
            position[old.log_index] = max(position.get(old.log_index, -1), old.position)
        now = format_utc(self.clock())
        rows = []
        for f in new:
            assert f.log_index is not None  # noqa: S101 - found on a record
            assert f.lot_id is not None  # noqa: S101
            position[f.log_index] = position.get(f.log_index, -1) + 1
            rows.append(f.placed(f.log_index, f.lot_id, now, position[f.log_index]))
        return rows

    def ensure_lot_states(self) -> bool:
        """Rebuild every lot's state (and store any findings missing) if the ledger has records but no
        states, as after upgrading from a version without them. Returns whether it rebuilt."""
        if self.store.read(lambda repo: repo.count_lot_states() or not repo.count()):  # membership rides along
            return False
        self.check(record=True)
        return True

    def verify(self, lot_id: str | None = None, *, ancestors: bool = True, workers: int = 1) -> LedgerReport:
        """:meth:`audit`, raising :class:`ChainBrokenError` (carrying every problem) unless it found none."""
        return self.audit(lot_id, ancestors=ancestors, workers=workers).raise_if_broken()

    def audit(self, lot_id: str | None = None, *, ancestors: bool = True, workers: int = 1) -> LedgerReport:
        """Re-check every hash, link and signature of the whole ledger, or of one lot (with all its ancestor lots,
        following input links, unless ``ancestors`` is False), and the records against the transparency log:
        the whole ledger's rebuilt tree against every stored checkpoint (``chain.ledger``), one lot's records by
        inclusion proofs into the latest checkpoint and its latest record against that checkpoint's lot-heads
        map (``lot_in_log``). Reports every problem found; raises only :class:`NotFoundError` for a lot
        without records. ``workers`` > 1: the whole ledger's signatures are checked in that many processes
        (``signature_workers``); the report is the same."""

        def read(repo: LedgerRepository) -> LedgerReport:
            keys = {(k.key.name, k.key.key_id_hex): k for k in repo.keys.all()}

            def lookup(actor: str, key_id: str) -> ActorKey | None:
                return keys.get((actor, key_id))

            log_keys = self._log_keys(repo)
            if lot_id is None and workers > 1:
                with SignatureWorkers(workers, keys) as pool:
                    return whole_ledger(repo, self.log, lookup, log_keys, pool)
            if lot_id is None:
                return whole_ledger(repo, self.log, lookup, log_keys)
            lots = lineage_of(repo, lot_id) if ancestors else {lot_id}
            stored = repo.lot_records(lots)
            if not any(s.lot_id == lot_id for s in stored):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            problems = ProblemList()
            verifier = ChainVerifier(lookup, check_inputs_of=lots.__contains__)
            for record in stored:
                try:
                    verifier.check(record.entry())
                except ChainBrokenError as exc:
                    problems.add(exc.brk)
                    verifier.accept(record.entry())
            checked = lot_in_log(repo, self.log, stored, lots, log_keys, problems)
            covered = tuple(sorted({s.lot_id for s in stored}))
            return LedgerReport(len(stored), covered, checked, tuple(problems.found), problems.unlisted)

        return self.store.read(read)

    def _log_keys(self, repo: LedgerRepository) -> list[VerifierKey]:
        """The keys the log's checkpoints may be signed with: every key on record, and the one configured."""
        on_record = repo.log.keys()
        keys = [VerifierKey.parse(vkey) for vkey, _valid_from in on_record]
        if self.log_key is not None and self.log_key.text() not in {k.text() for k in keys}:
            keys.append(self.log_key)
        return keys
