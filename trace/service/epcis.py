"""Exporting a lot's history as a GS1 EPCIS 2.0 ``EPCISDocument`` (the mapping itself is ``epcis.mapping``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..epcis.mapping import LedgerRecord, epcis_document, gtins_of
from ..epcis.urn import DEFAULT_FORMAT, in_format
from ..events.visibility import Reader
from ..store import LedgerRepository, Store, StoredRecord
from .credentials import Principal
from .epcis_query import company_prefixes
from .reads import Reads, private_shown, reader_now
from .records import lot_and_ancestors
from .views import RecordView


def _ledger_record(stored: StoredRecord, shown: bool = False) -> LedgerRecord:
    """``stored`` as the mapping reads it; with ``shown``, its private members in plain text too."""
    view = RecordView.of(stored)
    event, record = view.event, view.record
    private: dict[str, Any] = {}
    if shown:
        revealed, signed = view.facts.get("payload"), event.get("payload")
        if isinstance(revealed, dict) and isinstance(signed, dict):
            private = {k: v for k, v in revealed.items() if k not in signed and k != "_sd"}
    recorded_at = str(record.get("recorded_at"))
    return LedgerRecord(event, stored.event_hash, stored.record_hash, stored.log_index, recorded_at, private)


class EpcisExport:
    """A lot's history (optionally with every lot it was made from) as an EPCIS 2.0 document. Reads only. The
    public document is read without disclosures, so no private member is ever in hand; the document by role
    (:meth:`private_lot_document`) shows the private members of the records its reader may see, and is audited
    as the private history is (``Reads``)."""

    def __init__(
        self, store: Store, reads: Reads | None = None, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.store = store
        self.reads = reads if reads is not None else Reads(store, clock=clock)
        self.clock = clock

    def lot_document(
        self,
        lot_id: str,
        base: str,
        *,
        ancestors: bool = False,
        epc_format: str = DEFAULT_FORMAT,
        private: bool = False,
    ) -> dict[str, Any]:
        """Refused (``NotFoundError``) for a lot with no record. ``epc_format`` is ``GS1-EPC-Format``'s value:
        ``Always_EPC_URN`` names GS1 keys under registered company prefixes as EPC URNs. With ``private``,
        every record's private members in plain text (the operator reading the database, as the CLI's
        ``history --private`` does: no reader, no audit)."""

        def read(repo: LedgerRepository) -> tuple[list[StoredRecord], list[str]]:
            prefixes = company_prefixes(repo) if epc_format == "Always_EPC_URN" else []
            return lot_and_ancestors(repo, lot_id, private=private), prefixes

        stored, prefixes = (self.store.read if private else self.store.read_published)(read)
        seen = {s.event_id for s in stored if s.disclosures}
        return self._document(lot_id, base, stored, seen, prefixes, ancestors=ancestors, epc_format=epc_format)

    def private_lot_document(
        self,
        lot_id: str,
        base: str,
        principal: Principal,
        endpoint: str,
        *,
        ancestors: bool = False,
        epc_format: str = DEFAULT_FORMAT,
    ) -> tuple[dict[str, Any], list[str]]:
        """As :meth:`lot_document`, with each private member in plain text in the events of the records whose
        private members ``principal``'s organisation may read (as ``Reads.history`` decides, membership read in
        the same transaction, on the primary), and the event ids shown; audited when any is. For a reader who
        may see none, the public document."""

        def read(repo: LedgerRepository) -> tuple[Reader | None, list[StoredRecord], set[str], list[str]]:
            reader = reader_now(repo, principal)
            prefixes = company_prefixes(repo) if epc_format == "Always_EPC_URN" else []
            stored = lot_and_ancestors(repo, lot_id, private=reader is not None)
            return reader, stored, private_shown(repo, reader, stored), prefixes

        reader, stored, seen, prefixes = self.store.read(read)
        document = self._document(lot_id, base, stored, seen, prefixes, ancestors=ancestors, epc_format=epc_format)
        included = {lot_id} | ({s.lot_id for s in stored} if ancestors else set())
        shown = [s.event_id for s in stored if s.event_id in seen and s.lot_id in included]
        if reader is not None:
            self.reads.audit_private_members(reader, principal, endpoint, lot_id, shown)
        return document, shown

    def _document(
        self,
        lot_id: str,
        base: str,
        stored: list[StoredRecord],
        seen: set[str],
        prefixes: list[str],
        *,
        ancestors: bool,
        epc_format: str,
    ) -> dict[str, Any]:
        records = [_ledger_record(s, s.event_id in seen) for s in stored]
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
