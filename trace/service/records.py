"""Reading the ledger: records by hash, a lot's history, its public history, stored findings, lineage."""

from __future__ import annotations

from typing import Any

from ..chain.canonical import parse_json
from ..chain.errors import FieldProblem, MalformedError
from ..events.findings import Finding
from ..events.holds import HOLD_TYPES
from ..events.lineage import lot_kind, walk
from ..events.membership import Organisation
from ..events.public import PublicHistory, public_history
from ..events.state import LotState
from ..store import LedgerRepository, Store, StoredRecord
from .errors import NotFoundError
from .log import TransparencyLog
from .views import LotInfo, RecordView

DIRECTIONS = ("ancestors", "descendants")


def lineage_of(repo: LedgerRepository, lot_id: str) -> set[str]:
    """The lot and every lot it was made from, transitively."""
    return set(walk(lot_id, repo.input_lots))


def organisations_of(repo: LedgerRepository, actors: set[str]) -> dict[str, tuple[str, str]]:
    """Each named actor's organisation (id, registered name), as membership stands now."""
    org_of = repo.membership.org_ids_of(actors)
    names = {
        org: Organisation.from_json(text).name
        for org, text in repo.membership.organisations(set(org_of.values())).items()
    }
    return {actor: (org, names.get(org, org)) for actor, org in org_of.items()}


def parties_of(repo: LedgerRepository, actors: set[str]) -> dict[str, dict[str, Any]]:
    """Each named actor's organisation as the public page names it: its id, registered name and county
    (GB/T 2260, when it registered one), as membership stands now."""
    org_of = repo.membership.org_ids_of(actors)
    orgs = {
        org: Organisation.from_json(text) for org, text in repo.membership.organisations(set(org_of.values())).items()
    }
    return {
        actor: {"organisation": org, "name": orgs[org].name, "county_code": orgs[org].county_code}
        for actor, org in org_of.items()
        if org in orgs
    }


def lot_and_ancestors(repo: LedgerRepository, lot_id: str, *, private: bool = False) -> list[StoredRecord]:
    """Every record of the lot and of the lots it was made from, in log order; refused for an unknown lot."""
    stored = repo.lot_records(lineage_of(repo, lot_id), private=private)
    if not any(s.lot_id == lot_id for s in stored):
        raise NotFoundError(f"lot {lot_id!r} has no record")
    return stored


class Records:
    """Reads of records, histories and findings over one store. None of them writes."""

    def __init__(self, store: Store, log: TransparencyLog) -> None:
        self.store = store
        self.log = log

    def record(self, digest: str) -> RecordView:
        """The record whose record hash or event hash is ``digest``."""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise MalformedError(FieldProblem("/hash", "must be 64 lower-case hex digits (a record or event hash)"))

        def read(repo: LedgerRepository) -> StoredRecord:
            stored = repo.by_hash(digest)
            if stored is None:  # refused inside the read, so that a replica lacking it leaves it to the primary
                raise NotFoundError(f"no record or event with hash {digest}")
            return stored

        return RecordView.of(self.store.read_published(read))

    def history(self, lot_id: str, *, private: bool = False) -> list[RecordView]:
        """Every record of one lot, in order; with ``private``, each view's ``facts`` hold the private members
        (for the ledger's own readers: nothing served over the API carries them)."""

        def read(repo: LedgerRepository) -> list[StoredRecord]:
            stored = repo.lot_records([lot_id], private=private)
            if not stored:
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return stored

        return [RecordView.of(s) for s in (self.store.read if private else self.store.read_published)(read)]

    def count(self) -> int:
        return self.store.read(LedgerRepository.count)

    def split_off(self, lot_id: str) -> dict[str, dict[str, Any]]:
        """The runs of serials split off from the packaged lot into child lots, by child lot
        (``LotState.split_off``, as the ledger keeps it; empty for a lot with none or no state)."""
        text = self.store.read(lambda repo: repo.lot_states([lot_id])).get(lot_id)
        return LotState.from_json(text).split_off if text is not None else {}

    def public_history(self, lot_id: str, *, before: int | None = None) -> PublicHistory:
        """What a consumer may see of the lot (``events.public``), from its and its ancestors' events; with
        ``before``, only from the records among the log's first ``before`` leaves (a checkpoint's tree)."""

        def read(
            repo: LedgerRepository,
        ) -> tuple[list[dict[str, Any]], dict[str, tuple[str, str]], dict[str, dict[str, Any]]]:
            if before is not None and repo.next_log_index() < before:  # a replica behind that tree: the primary's
                raise self.log.not_logged_yet(f"the log's first {before} records")
            stored = lot_and_ancestors(repo, lot_id, private=True)
            if before is not None:
                stored = [s for s in stored if s.log_index < before]
                if not any(s.lot_id == lot_id for s in stored):
                    raise self.log.not_logged_yet(f"lot {lot_id}")
            facts = [RecordView.of(s).facts for s in stored]
            holders = {str(f["actor"]) for f in facts if f["type"] in HOLD_TYPES}
            named = {str(f["actor"]) for f in facts} | {
                str(v) for f in facts for k, v in (f.get("payload") or {}).items() if k in ("from", "to") and v
            }
            return facts, organisations_of(repo, holders), parties_of(repo, named)

        facts, organisations, parties = self.store.read_published(read)
        history = public_history(lot_id, facts, organisations)
        history.parties = parties
        return history

    def findings(self, lot_id: str | None = None, *, ancestors: bool = False, rule: str | None = None) -> list[Finding]:
        """Stored findings (all, or of ``lot_id`` and, with ``ancestors``, every lot it was made from)."""

        def read(repo: LedgerRepository) -> list[Finding]:
            if lot_id is None:
                return repo.findings(rule=rule)
            if not repo.heads([lot_id]):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return repo.findings(lineage_of(repo, lot_id) if ancestors else {lot_id}, rule)

        return self.store.read_published(read)

    def lineage(self, lot_id: str, direction: str) -> list[LotInfo]:
        """The lots ``lot_id`` was made from (``ancestors``) or went into (``descendants``), transitively,
        nearest first, with their kinds. For a recall: every lot downstream of a harvest, in one call."""
        if direction not in DIRECTIONS:
            raise MalformedError(FieldProblem("/direction", "must be 'ancestors' or 'descendants'"))

        def read(repo: LedgerRepository) -> tuple[dict[str, int], dict[str, bytes]]:
            step = repo.input_lots if direction == "ancestors" else repo.consuming_lots
            depth = walk(lot_id, step)
            firsts = repo.first_events(depth)
            if lot_id not in firsts:
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return depth, firsts

        depth, firsts = self.store.read_published(read)
        found = []
        for lot, hops in depth.items():
            if lot == lot_id:
                continue
            event = parse_json(firsts[lot]) if lot in firsts else {}
            kind = lot_kind(str(event.get("type", "")), event.get("payload") or {}) if lot in firsts else "unknown"
            found.append(LotInfo(lot, kind, hops))
        return sorted(found, key=lambda info: (info.depth, info.lot_id))
