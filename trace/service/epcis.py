"""Exporting a lot's history as a GS1 EPCIS 2.0 ``EPCISDocument`` (the mapping itself is ``epcis.mapping``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..chain.canonical import parse_json
from ..epcis.mapping import LedgerRecord, epcis_document, gtins_of
from ..epcis.urn import DEFAULT_FORMAT, in_format
from ..store import LedgerRepository, Store, StoredRecord
from .epcis_query import company_prefixes
from .records import lot_and_ancestors


def _ledger_record(stored: StoredRecord) -> LedgerRecord:
    event = parse_json(stored.event_bytes)
    record = parse_json(stored.record_bytes)
    assert isinstance(event, dict)  # noqa: S101 - stored events are objects
    assert isinstance(record, dict)  # noqa: S101 - stored records are objects
    return LedgerRecord(event, stored.event_hash, stored.record_hash, stored.log_index, str(record.get("recorded_at")))


class EpcisExport:
    """A lot's history (optionally with every lot it was made from) as an EPCIS 2.0 document. Reads only; the
    records are read without their disclosures, so no private member is ever in hand."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.clock = clock

    def lot_document(
        self, lot_id: str, base: str, *, ancestors: bool = False, epc_format: str = DEFAULT_FORMAT
    ) -> dict[str, Any]:
        """Refused (``NotFoundError``) for a lot with no record. ``epc_format`` is ``GS1-EPC-Format``'s value:
        ``Always_EPC_URN`` names GS1 keys under registered company prefixes as EPC URNs."""

        def read(repo: LedgerRepository) -> tuple[list[StoredRecord], list[str]]:
            prefixes = company_prefixes(repo) if epc_format == "Always_EPC_URN" else []
            return lot_and_ancestors(repo, lot_id, private=False), prefixes

        stored, prefixes = self.store.read_published(read)
        records = [_ledger_record(s) for s in stored]
        created = self.clock().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        document = epcis_document(
            records,
            base,
            created,
            gtins=gtins_of(r.event for r in records),
            include=lambda r: ancestors or r.event.get("lot_id") == lot_id,
        )
        if prefixes:
            events = document["epcisBody"]["eventList"]
            document["epcisBody"]["eventList"] = [in_format(e, epc_format, prefixes) for e in events]
        return document
