"""Keeping the EPCIS query index: each appended record's EPCIS event (``epcis.index``) written in the append
transaction; and the whole index built from the records (the migration's backfill)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, Sequence

from ..chain.canonical import parse_json
from ..chain.membership import ORG_LOT_PREFIX
from ..epcis.index import IndexedEvent, indexed, learn_lot_facts
from ..epcis.mapping import LedgerRecord
from ..store import LedgerRepository, NewRecord, StoredRecord


class _LotFacts(MutableMapping[str, str]):
    """One lot fact (GTIN or species) by lot: read from the index when first asked for, changes remembered."""

    def __init__(self, repo: LedgerRepository, known: dict[str, tuple[str | None, str | None]], which: int) -> None:
        self.repo, self.known, self.which = repo, known, which
        self.changed: dict[str, str] = {}

    def _load(self, lot: str) -> None:
        if lot not in self.known:
            self.known.update(self.repo.epcis.lots([lot]) or {lot: (None, None)})

    def __getitem__(self, lot: str) -> str:
        if lot in self.changed:
            return self.changed[lot]
        self._load(lot)
        value = self.known[lot][self.which]
        if value is None:
            raise KeyError(lot)
        return value

    def __setitem__(self, lot: str, value: str) -> None:
        self.changed[lot] = value

    def __delitem__(self, lot: str) -> None:  # pragma: no cover - facts are never forgotten
        raise KeyError(lot)

    def __iter__(self) -> Iterator[str]:  # pragma: no cover - the mapping only looks lots up
        return iter(self.changed)

    def __len__(self) -> int:  # pragma: no cover
        return len(self.changed)


def _ledger_record(
    log_index: int, event_hash: str, record_hash: str, event_bytes: bytes, recorded_at: str
) -> LedgerRecord:
    event = parse_json(event_bytes)
    assert isinstance(event, dict)  # noqa: S101 - stored events are objects
    return LedgerRecord(event, event_hash, record_hash, log_index, recorded_at)


def _index(
    repo: LedgerRepository, records: Sequence[LedgerRecord], cache: dict[str, tuple[str | None, str | None]]
) -> int:
    chain = [r.event for r in records if not str(r.event.get("lot_id")).startswith(ORG_LOT_PREFIX)]
    named = {str(e["lot_id"]) for e in chain if "lot_id" in e} | {str(i) for e in chain for i in e.get("inputs") or []}
    unknown = named - cache.keys()  # the lots named and taken, in one query (any other: when the mapping asks)
    if unknown:
        cache.update(dict.fromkeys(unknown, (None, None)) | repo.epcis.lots(unknown))
    gtins, species = _LotFacts(repo, cache, 0), _LotFacts(repo, cache, 1)
    rows: list[IndexedEvent] = []
    for record in records:
        if str(record.event.get("lot_id")).startswith(ORG_LOT_PREFIX):
            continue  # membership records are not supply-chain events
        learn_lot_facts(record.event, gtins, species)
        rows.append(indexed(record, gtins, species))
    repo.epcis.put(rows)
    lots = sorted(set(gtins.changed) | set(species.changed))
    if lots:
        facts = [(lot, gtins.get(lot), species.get(lot)) for lot in lots]
        repo.epcis.put_lots(facts)
        cache.update((lot, (g, s)) for lot, g, s in facts)
    return len(rows)


def index_records(repo: LedgerRepository, records: Sequence[NewRecord]) -> None:
    """Index newly sealed records (in log order), in the caller's (the append's) transaction."""
    _index(
        repo,
        [_ledger_record(r.log_index, r.event_hash, r.record_hash, r.event_bytes, r.recorded_at) for r in records],
        {},
    )


def _recorded_at(stored: StoredRecord) -> str:
    record = parse_json(stored.record_bytes)
    assert isinstance(record, dict)  # noqa: S101 - stored records are objects
    return str(record.get("recorded_at"))


def index_stored(repo: LedgerRepository, *, batch: int = 2000) -> int:
    """Index every stored record after the last indexed one, in log order; the number of events indexed."""
    last = repo.epcis.last_indexed()
    cache: dict[str, tuple[str | None, str | None]] = {}
    done, pending = 0, []
    for stored in repo.all_records(batch):
        if last is not None and stored.log_index <= last:
            continue
        pending.append(
            _ledger_record(
                stored.log_index, stored.event_hash, stored.record_hash, stored.event_bytes, _recorded_at(stored)
            )
        )
        if len(pending) >= batch:
            done, pending = done + _index(repo, pending, cache), []
    return done + _index(repo, pending, cache)


def lot_facts(repo: LedgerRepository, lots: Sequence[str]) -> tuple[Mapping[str, str], Mapping[str, str]]:
    """The GTINs and species the index knows of ``lots``."""
    found = repo.epcis.lots(lots)
    return (
        {lot: g for lot, (g, _) in found.items() if g is not None},
        {lot: s for lot, (_, s) in found.items() if s is not None},
    )
