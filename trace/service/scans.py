"""The scan counter: shoppers' scans of labels, counted outside the ledger and written behind in batches.

A label's count is of distinct clients per day (China Standard Time): a client that scans a label again the
same day adds no scan, and names at most one city for it, so that a few requests from one phone (or one
script) cannot make a genuine box look copied. A client is kept only as a *visitor*: a keyed hash
(HMAC-SHA-256 under the service's scan key, never stored beside the scans) of its address and the day; the
address itself is not kept, and one client's visitors on two days cannot be linked without the key. Two
processes serving one database share the key (``<data dir>/scan.key``) and may each count one client once
within ``SCAN_TALLY_SECONDS`` of each other.

Its own lifecycle: a background timer writes pending scans at most ``SCAN_FLUSH_SECONDS`` after they were
counted, and ``close`` writes the last ones on a clean shutdown. A crash loses at most that much of the
counts, never ledger data.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..chain.times import format_utc
from ..events.state import local_time
from ..labels.places import Place, gazetteer
from ..labels.signals import LabelScans
from ..store import LedgerRepository, Store
from .cache import BoundedCache

SCAN_FLUSH_SECONDS = 0.2
SCAN_PENDING_LIMIT = 100_000
SCAN_TALLY_SECONDS = 5.0
"""How long a label's stored scan tally, once read, is trusted before it is read again (so that scans
counted by other processes serving the same database show within seconds)."""
SCAN_TALLY_LABELS = 100_000

Label = tuple[str, str, str | None]  # (gtin, lot, serial)
ScanRow = tuple[str | None, int | None, int, str, str]  # (city, place id, scans, first, last)
PendingScan = tuple[str, str, str | None, str, str | None, int | None, bool, str | None]
"""(gtin, lot, serial, at, city, place id, counted, visitor)"""
logger = logging.getLogger(__name__)


def _scan_row(scan: PendingScan) -> ScanRow:
    """A pending scan as one row of its label's tally."""
    _gtin, _lot, _serial, at, city, place, counted, _visitor = scan
    return (city, place, int(counted), at, at)


@dataclass
class _Tally:
    """A label's stored scans as last read (+ since written): its rows, and today's visitors with the city
    each told (None: none yet)."""

    rows: list[ScanRow]
    visitors: dict[str, str | None] = field(default_factory=dict)


def visitor_of(key: bytes, client: str, moment: datetime) -> str:
    """The visitor a client is on the day of ``moment`` (China Standard Time): 32 hex digits of
    HMAC-SHA-256 under ``key`` over the day and the client's address. Not reversible without the key."""
    day = local_time(moment).date().isoformat()
    return hmac.new(key, f"{day}\n{client}".encode(), hashlib.sha256).hexdigest()[:32]


def day_start(moment: datetime) -> str:
    """When the day of ``moment`` (China Standard Time) began, as an RFC 3339 UTC string like the scans'."""
    local = local_time(moment)
    return format_utc(
        moment - timedelta(hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond)
    )


def label_scans(rows: Sequence[ScanRow]) -> LabelScans:
    """One label's scans from ``(city, place id, scans, first, last)`` rows (a city may come more than
    once); the cities that resolved to a gazetteer place carry it, for distances."""
    cities: dict[str, str] = {}
    places: dict[str, Place] = {}
    known = gazetteer().by_id
    for city, place_id, _n, _first, last in rows:
        if city is not None:
            cities[city] = max(cities.get(city, last), last)
            if place_id is not None and place_id in known:
                places[city] = known[place_id]
    return LabelScans(
        count=sum(row[2] for row in rows),
        first=min((row[3] for row in rows), default=None),
        last=max((row[4] for row in rows), default=None),
        cities=cities,
        places=places,
    )


class ScanCounter:
    """Counts scans per label, written behind; answers each scan with its label's tally."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime], key: bytes | None = None) -> None:
        """``key``: the scan key visitors are hashed under (default: a random one for this process only)."""
        self.store = store
        self.clock = clock
        self._key = key if key is not None else secrets.token_bytes(32)
        self._lock = threading.Lock()  # held for memory only, never across a database call
        self._flush_lock = threading.Lock()  # held while scans are written, or a stored tally read
        self._pending: list[PendingScan] = []
        self._flusher: threading.Timer | None = None
        # stored tallies as last read (+ since written), and this process's scans not written yet
        self._tallies: BoundedCache[Label, _Tally] = BoundedCache(SCAN_TALLY_LABELS, SCAN_TALLY_SECONDS)
        self._unwritten: dict[Label, list[PendingScan]] = {}

    def record(
        self,
        gtin: str,
        lot_id: str,
        serial: str | None,
        city: str | None = None,
        *,
        place: Place | None = None,
        counted: bool = True,
        client: str | None = None,
    ) -> LabelScans:
        """Count one scan of a label (outside the ledger: no record, no signature) and return its tally.
        With ``counted`` false it is a place report: the city of a scan already counted, which the person
        scanning chose to tell; it adds the city, not a scan. A typed ``city`` that names one place of the
        gazetteer is kept as that place (长春市 and Changchun as 长春); ``place`` is a city already found
        (from the browser's position), and replaces ``city``. ``client`` is the address the scan came from:
        a client counts once per label and day, and tells at most one city (its first) for it that day;
        without one (a tool, a test) every scan counts.

        Scans are written behind, in batches (``flush``, at most ``SCAN_FLUSH_SECONDS`` later), so that a
        burst of scans costs no write transaction each; a label's stored tally is read once and then kept
        in memory for ``SCAN_TALLY_SECONDS`` (scans counted by other processes on the same database show
        after at most that long), so a repeated scan costs no read either, and no scan waits for a write.
        The tally counts the scans not yet written too."""
        now = self.clock()
        at = format_utc(now)
        city = "".join(c for c in city if c.isprintable()).strip()[:64] or None if city else None
        if place is None and city is not None:
            place = gazetteer().find(city)
        if place is not None:
            city = place.name()
        visitor = visitor_of(self._key, client, now) if client is not None else None
        label = (gtin, lot_id, serial)
        tally = self._tally(label, day_start(now))
        with self._lock:
            unwritten = self._unwritten.get(label, [])
            if visitor is not None:
                seen = dict(tally.visitors)
                for scan in unwritten:
                    if scan[7] is not None:
                        seen[scan[7]] = seen.get(scan[7]) or scan[4]
                if visitor in seen:
                    counted = False  # counted already today
                    if seen[visitor] is not None:  # and it told its city today
                        city, place = None, None
            if counted or city is not None:  # (a place report without a place tells nothing)
                scan = (gtin, lot_id, serial, at, city, place.id if place else None, counted, visitor)
                self._pending.append(scan)
                self._unwritten.setdefault(label, []).append(scan)
            if self._flusher is None:
                self._flusher = threading.Timer(SCAN_FLUSH_SECONDS, self._flush_in_background)
                self._flusher.daemon = True
                self._flusher.start()
            return label_scans(tally.rows + [_scan_row(s) for s in self._unwritten.get(label, [])])

    def _tally(self, label: Label, today: str) -> _Tally:
        """The label's stored tally: as cached, or read now (with today's visitors, since ``today``)."""
        cached = self._tallies.entry(label)
        if cached is not None and cached[1]:
            return cached[0]
        # Read the stored tally while no flush is writing, so that a row is either stored or unwritten,
        # never both; only this label's first scan (or its first after SCAN_TALLY_SECONDS) comes here. If a
        # flush is writing just then, a label already tallied answers from that tally (a few seconds older,
        # this process's scans all counted) rather than wait for the database's commit.
        if not self._flush_lock.acquire(blocking=cached is None):
            assert cached is not None  # noqa: S101 - a blocking acquire always succeeds
            return cached[0]
        try:
            gtin, lot_id, serial = label

            def read(repo: LedgerRepository) -> _Tally:
                rows = repo.scans.tallies(gtin, lot_id, serial, one=True).get(label, [])
                return _Tally(rows, repo.scans.visitors(gtin, lot_id, serial, since=today))

            tally = self.store.read(read)
            self._tallies.put(label, tally)
            return tally
        finally:
            self._flush_lock.release()

    def report(self, lot_id: str | None = None) -> list[tuple[str, str, str | None, LabelScans]]:
        """Every scanned label (of one lot), with its scans: ``(gtin, lot, serial, scans)``, written and
        pending alike."""
        with self._flush_lock:  # no flush writing: every scan is either stored or pending
            tallies = self.store.read(lambda repo: repo.scans.tallies(lot_id=lot_id))
            with self._lock:
                pending = list(self._pending)
        for scan in pending:
            if lot_id is None or scan[1] == lot_id:
                tallies.setdefault((scan[0], scan[1], scan[2]), []).append(_scan_row(scan))
        return [(g, lot, s, label_scans(rows)) for (g, lot, s), rows in sorted(tallies.items(), key=str)]

    def flush(self) -> int:
        """Write the scans counted but not yet stored, in one transaction; return how many. Scans go on
        being counted while it writes. If the write fails the scans stay pending (up to
        ``SCAN_PENDING_LIMIT``) for the next flush, and the error is raised to the caller (the background
        flusher logs it)."""
        with self._flush_lock:
            with self._lock:
                rows, self._pending = self._pending, []
                self._flusher = None
                writing = {label: len(unwritten) for label, unwritten in self._unwritten.items()}
            if not rows:
                return 0
            try:
                self.store.write(lambda repo: repo.scans.add(rows), attempts=1, append_lock=False)
            except Exception:
                with self._lock:
                    dropped = len(rows) + len(self._pending) > SCAN_PENDING_LIMIT
                    self._pending = (rows + self._pending)[-SCAN_PENDING_LIMIT:]
                    if dropped:  # the oldest were dropped: forget them everywhere
                        self._unwritten = {}
                        for scan in self._pending:
                            self._unwritten.setdefault((scan[0], scan[1], scan[2]), []).append(scan)
                raise
            with self._lock:  # written: they move from this process's unwritten to its stored tallies
                for label, count in writing.items():
                    written, self._unwritten[label] = self._unwritten[label][:count], self._unwritten[label][count:]
                    if not self._unwritten[label]:
                        del self._unwritten[label]
                    cached = self._tallies.entry(label)
                    if cached is not None:
                        cached[0].rows.extend(_scan_row(scan) for scan in written)
                        for scan in written:
                            if scan[7] is not None:
                                visitors = cached[0].visitors
                                visitors[scan[7]] = visitors.get(scan[7]) or scan[4]
        return len(rows)

    def close(self) -> None:
        """Stop the timer and write what is pending (on a clean shutdown)."""
        with self._lock:
            flusher, self._flusher = self._flusher, None
        if flusher is not None:
            flusher.cancel()
        self.flush()

    def _flush_in_background(self) -> None:
        try:
            self.flush()
        except Exception:  # a counter outside the ledger: log, keep the rows, retry with the next scan
            logger.exception("writing scan counts failed; they stay pending")
