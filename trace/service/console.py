"""The regulator's console: every finding, filterable by county, kind of lot, product, rule, standard and day,
with counts by county and by rule that a person reads at a glance, and the transparency log's state: its size,
its latest checkpoint, the witnesses that cosign it (each with the latest checkpoint it cosigned and when). The
log's monitors run elsewhere and report to no one here, so the console says their status is not reported.

Only a regulator reads it (``RoleRequiredError`` otherwise). The findings are the ones reads by role serve a
regulator (``Reads.findings``: every stored finding, the read audited), joined with each lot's kind and origin
counties from the lot states; the filters and counts run over those in memory, so one view costs one read of
all findings and one of their lots' states (fine for a province's 10^4 to 10^5 findings; an index by county would
be the next step).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..chain.times import format_utc
from ..events.findings import Finding
from ..events.state import LotState
from ..store import Store
from .credentials import Principal
from .errors import RoleRequiredError
from .log import TransparencyLog
from .lot_graph import product_form
from .monitoring import MonitorReports, MonitorView
from .reads import Reads

MAX_ROWS = 500
"""The most findings one view lists (the counts cover all that match)."""


@dataclass(frozen=True)
class Filters:
    """What the console is narrowed to; None: any. ``since`` and ``until`` are days (YYYY-MM-DD, China
    Standard Time is not applied: the day of the finding's UTC time), inclusive."""

    county: str | None = None
    kind: str | None = None
    product: str | None = None
    rule: str | None = None
    standard: str | None = None
    since: str | None = None
    until: str | None = None

    def keeps(self, row: ConsoleFinding) -> bool:
        f, day = row.finding, (row.finding.found_at or "")[:10]
        return (
            (self.county is None or self.county in row.counties)
            and (self.kind is None or row.kind == self.kind)
            and (self.product is None or row.product == self.product)
            and (self.rule is None or f.rule == self.rule)
            and (self.standard is None or f.standard == self.standard)
            and (self.since is None or day >= self.since)
            and (self.until is None or day <= self.until)
        )


@dataclass(frozen=True)
class ConsoleFinding:
    """A finding with its lot's kind, origin counties and product form (None: not a product yet)."""

    finding: Finding
    kind: str
    counties: tuple[str, ...]
    product: str | None = None


@dataclass(frozen=True)
class WitnessStatus:
    """A witness the log accepts or that cosigned it: the largest checkpoint it cosigned (0: none yet) and the
    time of its latest cosignature (None: none)."""

    name: str
    cosigned_size: int
    cosigned_at: str | None


@dataclass(frozen=True)
class LogStatus:
    """The log as the console shows it: records, the latest checkpoint's size and time, its cosignatures, the
    witnesses, and what each monitor last reported."""

    size: int
    checkpoint_size: int
    checkpoint_at: str | None
    cosignatures: int
    witnesses: tuple[WitnessStatus, ...] = ()
    monitors: tuple[MonitorView, ...] = ()


@dataclass(frozen=True)
class ConsoleView:
    """The matching findings (newest first, at most :data:`MAX_ROWS`), how many match, the counts of those by
    county and by rule (most first), what each filter can take, and the log's state."""

    rows: tuple[ConsoleFinding, ...]
    matching: int
    by_county: tuple[tuple[str, int], ...]
    by_rule: tuple[tuple[str, int], ...]
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    log: LogStatus | None = None


def _counties(state: LotState | None) -> tuple[str, ...]:
    if state is None:
        return ()
    return tuple(sorted({o.county for o in state.origins} | ({state.county} if state.county else set())))


class Console:
    """The regulator's console over the reads by role and the log."""

    def __init__(
        self,
        store: Store,
        reads: Reads,
        log: TransparencyLog,
        witnesses: Sequence[str] = (),
        monitors: MonitorReports | None = None,
    ) -> None:
        """``witnesses``: the names of the witnesses the log accepts cosignatures from; ``monitors``: the
        monitors' reports."""
        self.store = store
        self.reads = reads
        self.log = log
        self.witnesses = tuple(witnesses)
        self.monitors = monitors

    def view(self, principal: Principal, endpoint: str, filters: Filters) -> ConsoleView:
        reader = self.reads.reader(principal)
        if reader is None or not reader.regulator:
            raise RoleRequiredError("regulator", "the regulator's console")
        found = self.reads.findings(principal, endpoint)
        lots = {str(f.lot_id) for f in found if f.lot_id}
        texts = self.store.read(lambda repo: repo.lot_states(lots))
        states = {lot: LotState.from_json(text) for lot, text in texts.items()}
        every = [_row(f, states.get(str(f.lot_id))) for f in found]
        matching = [row for row in every if filters.keeps(row)]
        matching.sort(key=lambda row: (row.finding.log_index or 0, row.finding.position), reverse=True)
        by_county = Counter(county for row in matching for county in row.counties or ("",))
        by_rule = Counter(row.finding.rule for row in matching)
        choices = {
            "county": tuple(sorted({c for row in every for c in row.counties})),
            "kind": tuple(sorted({row.kind for row in every if row.kind})),
            "product": tuple(sorted({row.product for row in every if row.product})),
            "rule": tuple(sorted({row.finding.rule for row in every})),
            "standard": tuple(sorted({str(row.finding.standard) for row in every if row.finding.standard})),
        }
        return ConsoleView(
            tuple(matching[:MAX_ROWS]),
            len(matching),
            tuple(by_county.most_common()),
            tuple(by_rule.most_common()),
            choices,
            self._log_status(),
        )

    def _log_status(self) -> LogStatus:
        size, checkpointed, cosigned = self.log.state()
        latest = None
        if checkpointed:
            latest = self.log.latest_checkpoint()
        cosigners = self.store.read(lambda repo: repo.log.witnesses())
        witnesses = tuple(
            WitnessStatus(name, *_cosigned(cosigners.get(name))) for name in sorted({*self.witnesses, *cosigners})
        )
        monitors = self.monitors.latest() if self.monitors is not None else ()
        return LogStatus(size, checkpointed, latest.created_at if latest else None, cosigned, witnesses, monitors)


def _cosigned(found: tuple[int, int] | None) -> tuple[int, str | None]:
    if found is None:
        return 0, None
    size, timestamp = found
    return size, format_utc(datetime.fromtimestamp(timestamp, UTC))


def _row(finding: Finding, state: LotState | None) -> ConsoleFinding:
    if state is None:
        return ConsoleFinding(finding, "", ())
    return ConsoleFinding(finding, state.kind, _counties(state), product_form(state))
