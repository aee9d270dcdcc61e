"""Checking the ledger: the rules re-run over the records (``check``), every hash, link and signature
re-verified (``verify``), and lot states rebuilt when missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..chain.keys import ActorKey, VerifierKey
from ..chain.times import format_utc, parse_utc
from ..chain.verify import Report, verify_entries
from ..events.findings import Finding
from ..events.membership import Membership
from ..events.parties import parties_of
from ..events.rules import Inspector
from ..store import LedgerRepository, Store
from .decision import replayed_event
from .errors import NotFoundError
from .log import TransparencyLog
from .records import lineage_of
from .views import CheckReport


class Checks:
    """Re-checks of the ledger from its stored bytes alone."""

    def __init__(
        self, store: Store, log: TransparencyLog, *, clock: Callable[[], datetime], anchors: Sequence[VerifierKey] = ()
    ) -> None:
        self.anchors = tuple(anchors)
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
        inspector = Inspector(membership=Membership(self.anchors))
        found: list[Finding] = []
        events = 0
        for index, event_bytes, recorded_at, private in repo.replay():
            event = replayed_event(index, event_bytes, private)
            recorded = parse_utc(recorded_at)
            findings = inspector.review(event, index, recorded)
            events += 1
            found += [f.placed(index, event.lot_id, recorded_at, n) for n, f in enumerate(findings)]
        stored = repo.findings()
        stored_keys = {f.key() for f in stored}
        found_keys = {f.key() for f in found}
        unstored = [f for f in found if not f.hard and f.key() not in stored_keys]
        unreproduced = [f for f in stored if f.key() not in found_keys]
        if record:
            repo.put_lot_states([(lot, state.to_json()) for lot, state in sorted(inspector.states.items())])
            repo.parties.put([(lot, parties_of(state)) for lot, state in sorted(inspector.states.items())])
            orgs = inspector.membership.orgs
            repo.membership.put(
                [(org, orgs[org].to_json()) for org in sorted(orgs)],
                sorted(inspector.membership.actor_orgs.items()),
            )
            repo.add_findings(self._renumbered(stored, unstored))
        if lots is not None:
            found = [f for f in found if f.lot_id in lots]
            unstored = [f for f in unstored if f.lot_id in lots]
            unreproduced = [f for f in unreproduced if f.lot_id in lots]
        return CheckReport(events, lots, tuple(found), tuple(unstored), tuple(unreproduced))

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

    def verify(self, lot_id: str | None = None, *, ancestors: bool = True) -> Report:
        """Re-check every hash, link and signature of the whole ledger, or of one lot
        (with all its ancestor lots, following input links, unless ``ancestors`` is False).
        Raises :class:`ChainBrokenError` at the first broken record."""

        def read(repo: LedgerRepository) -> Report:
            keys = {(k.key.name, k.key.key_id_hex): k for k in repo.keys.all()}

            def lookup(actor: str, key_id: str) -> ActorKey | None:
                return keys.get((actor, key_id))

            if lot_id is None:
                return verify_entries((r.entry() for r in repo.all_records()), lookup)
            lots = lineage_of(repo, lot_id) if ancestors else {lot_id}
            stored = repo.lot_records(lots)
            if not any(s.lot_id == lot_id for s in stored):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return verify_entries((s.entry() for s in stored), lookup, check_inputs_of=lots.__contains__)

        return self.store.read(read)
