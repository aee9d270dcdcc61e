"""The EPCIS 2.0 query (``GET /epcis/events`` and the binding's resource lists), served from the EPCIS index:
one keyset-paginated SQL query over indexed columns per page, never a scan of the ledger. Reads only; the index
holds what the mapping makes of records read without their disclosures, so no private member is in hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..chain.membership import Organisation
from ..epcis.hash import event_hash
from ..epcis.index import EPC_FIELDS, rebase
from ..epcis.mapping import CONTEXT
from ..epcis.query import Query, page_token, parse
from ..epcis.urn import in_format
from ..store import LedgerRepository, Store
from .errors import IntegrityError

RESOURCES = {  # the binding's resource lists and the index column each lists
    "eventTypes": "event_type",
    "bizSteps": "biz_step",
    "dispositions": "disposition",
    "readPoints": "read_point",
    "bizLocations": "biz_location",
}


@dataclass(frozen=True)
class QueryPage:
    document: dict[str, Any]  # the EPCISQueryDocument
    next_token: str | None  # None on the last page


def company_prefixes(repo: LedgerRepository) -> list[str]:
    """Every GS1 company prefix an organisation registered (EPC URNs split keys at them)."""
    found: set[str] = set()
    for state in repo.membership.all_organisations().values():
        found.update(Organisation.from_json(state).gs1_company_prefixes)
    return sorted(found)


class EpcisQuery:
    """EPCIS 2.0 queries over the index."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.clock = clock

    def _created(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def events(self, items: Sequence[tuple[str, str]], base: str, epc_format: str) -> QueryPage:
        """One page of the events the query string ``items`` selects, in log order. Refused
        (``QueryParameterError``) for a parameter the binding refuses."""
        query: Query = parse(items, base)

        def read(repo: LedgerRepository) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
            try:
                rows = repo.epcis.page(query.filter, query.after, query.per_page + 1)
            except ValueError as exc:  # a stored event that does not read back: the index is damaged
                raise IntegrityError(f"the EPCIS query index holds an event that does not read: {exc}") from None
            prefixes = company_prefixes(repo) if epc_format == "Always_EPC_URN" and rows else []
            return rows, prefixes

        rows, prefixes = self.store.read_published(read)
        more = len(rows) > query.per_page
        rows = rows[: query.per_page]
        events = []
        for _, document in rows:
            event = rebase(document, base)
            shown = in_format(event, epc_format, prefixes)
            events.append({"eventID": event_hash(event, CONTEXT), **shown})
        body = {
            "@context": CONTEXT,
            "type": "EPCISQueryDocument",
            "schemaVersion": "2.0",
            "creationDate": self._created(),
            "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}},
        }
        return QueryPage(body, page_token(query.filter, rows[-1][0]) if more and rows else None)

    def resource(self, name: str) -> list[str]:
        """The distinct values of one of :data:`RESOURCES` among indexed events, sorted."""
        column = RESOURCES[name]
        return self.store.read_published(lambda repo: repo.epcis.distinct(column))

    def epcs(self, base: str) -> list[str]:
        """The EPCs (instance-level identifiers: lists, children, parents, inputs, outputs) of indexed events,
        as canonical GS1 Digital Links, or as URIs on ``base`` for lots that have no GS1 key, sorted."""
        keys = self.store.read_published(lambda repo: repo.epcis.distinct_epcs(EPC_FIELDS))
        return sorted(rebase(k, base) for k in keys)
