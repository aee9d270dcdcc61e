"""The log's monitors, the log's side: taking their signed status reports and telling what each last found.

Only monitors whose keys are configured (``TRACE_MONITOR_KEYS``) are heard. Every report is kept; a report
must be newer than the monitor's previous one (so an old "consistent" cannot be replayed over a newer
"MISMATCH"), name this log's origin, and not be dated in the future. The log checks the reported root
against its own tree at that size: a monitor that replayed a different tree saw a split view, which the
console shows whatever the monitor's own verdict."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..chain.errors import FieldProblem, MalformedError
from ..chain.keys import VerifierKey
from ..chain.monitor_status import MonitorStatus, MonitorStatusError, open_status
from ..chain.note import NoteError
from ..chain.times import format_utc
from ..store import LedgerRepository, Store
from .errors import ConflictError, RefusedError
from .log import TransparencyLog, tree_root

FUTURE_SKEW_SECONDS = 300  # a monitor's clock may run this far ahead of the log's


@dataclass(frozen=True)
class MonitorView:
    """What one monitor last reported: its verdict at a tree size, when it checked (RFC 3339 UTC), what it
    found, and whether its root is this log's at that size (None: the monitor is ahead of this tree)."""

    name: str
    verdict: str | None = None
    size: int = 0
    checked_at: str | None = None
    detail: str = ""
    agrees: bool | None = None

    @property
    def reported(self) -> bool:
        return self.verdict is not None


class MonitorReports:
    """Takes monitors' signed status reports and shows each configured monitor's latest."""

    def __init__(
        self,
        store: Store,
        log: TransparencyLog,
        monitor_keys: Sequence[VerifierKey] = (),
        *,
        clock: Callable[[], datetime],
        origin: str | None = None,
    ) -> None:
        """``origin``: this log's origin line (None: a log that signs nothing takes no reports)."""
        self.store = store
        self.log = log
        self.monitor_keys = tuple(monitor_keys)
        self.clock = clock
        self.origin = origin

    def take(self, signed: str) -> MonitorView:
        """Keep the signed status report ``signed``; returns it as the console will show it."""
        if not self.monitor_keys:
            raise RefusedError("", "this log accepts no monitor reports (TRACE_MONITOR_KEYS is empty)")
        try:
            status, key = open_status(signed, self.monitor_keys)
        except MonitorStatusError as exc:
            raise MalformedError(FieldProblem("", str(exc))) from None
        except NoteError as exc:
            raise RefusedError("", f"not a status signed by a monitor this log accepts: {exc.diagnostics()}") from None
        if status.origin != self.origin:
            raise RefusedError("", f"the report is about the log {status.origin!r}, not this log {self.origin!r}")
        now = self.clock()
        if status.checked_at > now.timestamp() + FUTURE_SKEW_SECONDS:
            raise RefusedError("", "the report is dated in the future")

        def keep(repo: LedgerRepository) -> bool | None:
            previous = repo.log.latest_monitor_check(key.name)
            if previous is not None and status.checked_at <= previous:
                raise ConflictError("", f"{key.name} already reported a check at {previous}; a report must be newer")
            agrees = tree_root(repo, status.size) == status.root if status.size <= repo.next_log_index() else None
            repo.log.add_monitor_report(
                monitor=key.name,
                key_id=key.key_id_hex,
                size=status.size,
                root=status.root,
                verdict=status.verdict,
                checked_at=status.checked_at,
                detail=status.detail,
                agrees=agrees,
                received_at=format_utc(now),
                note=signed,
            )
            return agrees

        agrees = self.store.write(keep)
        return _view(key.name, status, agrees)

    def latest(self) -> tuple[MonitorView, ...]:
        """Every configured or reporting monitor, by name, with its latest report (if any)."""
        rows = {row.monitor: row for row in self.store.read(lambda repo: repo.log.latest_monitor_reports())}
        names = sorted({*(k.name for k in self.monitor_keys), *rows})
        views = []
        for name in names:
            row = rows.get(name)
            if row is None:
                views.append(MonitorView(name))
                continue
            status = MonitorStatus(self.origin or "-", row.size, row.root, row.verdict, row.checked_at, row.detail)
            views.append(_view(name, status, row.agrees))
        return tuple(views)


def _view(name: str, status: MonitorStatus, agrees: bool | None) -> MonitorView:
    checked = format_utc(datetime.fromtimestamp(status.checked_at, UTC))
    return MonitorView(name, status.verdict, status.size, checked, status.detail, agrees)


__all__ = ["MonitorReports", "MonitorView"]
