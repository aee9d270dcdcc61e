"""Consumers' complaints (投诉) from the scan page: stored, counted in public, read by role.

A consumer has no key, so a complaint is not a ledger event: it is a row of its own (``store.complaints``)
tied to the label it was made from (the lot, and the GTIN and serial if the label has them), with a category
(:data:`CATEGORIES`) and a short free text. The public sees only how many complaints each category has for
a lot (the scan page and its JSON, ``GET /api/v1/lots/{lot}/complaints``); the text, the serial and the time
are for a regulator and for the organisations that recorded something in the lot's lineage
(``Reads.complaints``, audited). The client's address is never kept: only a visitor hash, as for scans.

A complaint carries the token of the page it was made from (:meth:`Complaints.token`: a keyed hash of the lot
and the day, valid that day and the next), so that another site's page cannot post complaints through its
visitors' browsers; the route also refuses a foreign ``Origin``. How many a client address may post is the
API's abuse limit (``TRACE_COMPLAINT_LIMIT``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..chain.errors import FieldProblem, MalformedError
from ..chain.times import format_utc
from ..events.lot_facts import local_time
from ..events.serials import is_serial
from ..store import ComplaintsRepository, LedgerRepository, Store, StoredComplaint
from .errors import CrossSiteError, NotFoundError
from .scans import visitor_of

CATEGORIES: Mapping[str, tuple[str, str]] = {
    "taste_appearance": ("味道、气味或外观异常", "taste, smell or appearance"),
    "suspected_fake": ("疑似假冒", "suspected fake"),
    "packaging_damaged": ("包装破损或被拆", "packaging damaged or opened"),
    "adverse_reaction": ("食用后身体不适", "felt unwell after use"),
    "other": ("其他", "other"),
}
"""The categories a consumer picks from, with their Chinese and English names (the public counts are by these)."""
MAX_TEXT = 500
"""The longest free text kept (characters)."""
_GTIN = re.compile(r"[0-9]{14}")


@dataclass(frozen=True)
class Counts:
    """The public aggregate of a lot's complaints: how many in each category (every category listed)."""

    by_category: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_category.values())

    def to_json(self) -> dict[str, object]:
        return {"total": self.total, "by_category": dict(self.by_category)}


def counts_of(found: Mapping[str, int]) -> Counts:
    return Counts({category: int(found.get(category, 0)) for category in CATEGORIES})


def complaint_json(c: StoredComplaint) -> dict[str, object]:
    return {
        "id": c.id,
        "received_at": c.received_at,
        "lot": c.lot_id,
        "gtin": c.gtin,
        "serial": c.serial,
        "category": c.category,
        "text": c.text,
    }


def _clean_text(text: object) -> str:
    """The free text as kept: a string of at most :data:`MAX_TEXT` characters, without control characters
    other than line breaks (MalformedError otherwise)."""
    if not isinstance(text, str):
        raise MalformedError(FieldProblem("/text", "must be a string"))
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    if len(text) > MAX_TEXT:
        raise MalformedError(FieldProblem("/text", f"at most {MAX_TEXT} characters ({len(text)} given)"))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch != "\n" for ch in text):
        raise MalformedError(FieldProblem("/text", "must not hold control characters"))
    return text


class Complaints:
    """Consumers' complaints: taking one, and the public counts."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime], key: bytes) -> None:
        self.store = store
        self.clock = clock
        self._key = hmac.new(key, b"ginseng-trace complaint page token", hashlib.sha256).digest()

    def token(self, lot_id: str, moment: datetime | None = None) -> str:
        """The token of a page of ``lot_id`` served on the day of ``moment`` (China Standard Time)."""
        day = local_time(moment or self.clock()).date().isoformat()
        return hmac.new(self._key, f"{day}\n{lot_id}".encode(), hashlib.sha256).hexdigest()[:32]

    def _token_holds(self, lot_id: str, token: object) -> bool:
        if not isinstance(token, str):
            return False
        now = self.clock()
        return any(hmac.compare_digest(token, self.token(lot_id, now - timedelta(days=d))) for d in (0, 1))

    def submit(
        self,
        lot_id: str,
        *,
        category: object,
        text: object,
        token: object,
        gtin: object = None,
        serial: object = None,
        client: str | None = None,
    ) -> int:
        """Keep a complaint about ``lot_id`` (from the label ``gtin``/``serial``, if it has them); return its id.
        :class:`MalformedError` for a field out of bounds, :class:`CrossSiteError` without the page's token,
        :class:`NotFoundError` for a lot the ledger does not know."""
        problems = []
        if category not in CATEGORIES:
            problems.append(FieldProblem("/category", f"one of {', '.join(CATEGORIES)}"))
        if gtin is not None and not (isinstance(gtin, str) and _GTIN.fullmatch(gtin)):
            problems.append(FieldProblem("/gtin", "a GTIN-14: 14 digits"))
        if serial is not None and not is_serial(serial):
            problems.append(FieldProblem("/serial", "a GS1 serial: 1-20 characters of GS1 character set 82"))
        if problems:
            raise MalformedError(problems)
        kept = _clean_text(text)
        if not self._token_holds(lot_id, token):
            raise CrossSiteError("a complaint is sent from the lot's page here, which gives it a token: scan again")
        now = self.clock()
        visitor = visitor_of(self._key, client, now) if client else None
        label = (gtin if isinstance(gtin, str) else None, serial if isinstance(serial, str) else None)

        def write(repo: LedgerRepository) -> int:
            if not repo.heads([lot_id]):
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return ComplaintsRepository.of(repo).add(format_utc(now), lot_id, *label, str(category), kept, visitor)

        return self.store.write(write, append_lock=False)

    def counts(self, lot_id: str) -> Counts:
        """How many complaints each category has for ``lot_id`` (what anyone may see)."""
        return counts_of(self.store.read(lambda repo: ComplaintsRepository.of(repo).counts(lot_id)))
