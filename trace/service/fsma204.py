"""FSMA 204 sortable spreadsheets (``events.fsma204``): a lot's critical tracking events with those of every lot
it was made from, or every critical tracking event in a date range (by the EPCIS index's event-time index), as
CSV or XLSX. Reads only, public members only (the records are read without their disclosures)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..chain.canonical import parse_json
from ..chain.membership import Organisation
from ..events.fsma204 import COLUMNS, CTE, Event, Place, rows
from ..store import LedgerRepository, Store, StoredRecord
from .records import lineage_of, lot_and_ancestors

CHINA = timezone(timedelta(hours=8))


def _event(stored: StoredRecord) -> dict[str, Any]:
    event = parse_json(stored.event_bytes)
    assert isinstance(event, dict)  # noqa: S101 - stored events are objects
    return event


def _places(repo: LedgerRepository, events: Sequence[dict[str, Any]]) -> dict[str, Place]:
    actors = {str(e.get("actor")) for e in events}
    for e in events:
        payload = e.get("payload") or {}
        actors |= {str(payload[k]) for k in ("from", "to") if isinstance(payload.get(k), str)}
    org_of = repo.membership.org_ids_of(actors)
    orgs = {
        org: Organisation.from_json(text) for org, text in repo.membership.organisations(set(org_of.values())).items()
    }
    return {
        actor: Place(orgs[org].name, orgs[org].county_code, orgs[org].gln)
        for actor, org in org_of.items()
        if org in orgs
    }


class Fsma204:
    """The FSMA 204 spreadsheet of a lot or of a date range."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def for_lot(self, lot_id: str) -> list[dict[str, Any]]:
        """The lot's and its ancestors' critical tracking events (``NotFoundError`` for an unknown lot)."""

        def read(repo: LedgerRepository) -> list[dict[str, Any]]:
            stored = lot_and_ancestors(repo, lot_id, private=False)
            events = [_event(s) for s in stored]
            return rows([Event(e, s.record_hash) for e, s in zip(events, stored, strict=True)], _places(repo, events))

        return self.store.read(read)

    def between(self, first: date, last: date) -> list[dict[str, Any]]:
        """Every critical tracking event from ``first`` to ``last`` (China dates, both included)."""
        start = datetime.combine(first, time(), CHINA).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), CHINA).astimezone(UTC)

        def read(repo: LedgerRepository) -> list[dict[str, Any]]:
            stamp = "%Y-%m-%dT%H:%M:%S.000000Z"
            stored = repo.epcis.records_between(start.strftime(stamp), end.strftime(stamp), CTE)
            events = [_event(s) for s in stored]
            lots: set[str] = set()
            for lot in {str(e.get("lot_id")) for e in events}:
                lots |= lineage_of(repo, lot)
            history = [_event(s) for s in repo.lot_records(lots)]
            places = _places(repo, [*events, *history])
            return rows([Event(e, s.record_hash) for e, s in zip(events, stored, strict=True)], places, history)

        return self.store.read(read)


def to_csv(found: Sequence[dict[str, Any]]) -> str:
    """RFC 4180 CSV, a header row of :data:`COLUMNS` first."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(found)
    return out.getvalue()


def to_xlsx(found: Sequence[dict[str, Any]], title: str) -> bytes:
    """An XLSX workbook: one sheet, a frozen header row with an autofilter (sortable and filterable as FSMA 204
    asks), quantities as numbers."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has its sheet
    sheet.title = "FSMA 204"
    sheet.append(list(COLUMNS))
    for row in found:
        sheet.append([row[c] for c in COLUMNS])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(found) + 1}"
    for i, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(48, len(name) + 4))
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
