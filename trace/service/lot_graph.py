"""A lot's lineage as a graph, for the workplace's lot page: its ancestors (what it was made from, back to the
plots) and its descendants (what was made from it, down to the last case), each node with its kind, whether
its records verify, the findings the reader may see on it, the holds standing over it and its product's form,
and the input links between them.

Who reads it shapes only the findings (``Reads.findings``: public ones for anyone, all for a regulator; the read
audited as always); the graph, the kinds, the verification and the holds are what the public lineage, verify and
reach endpoints already show. Each node is verified on its own records (``Checks.verify(lot, ancestors=False)``),
so a broken record marks the lot that holds it, not every lot made from it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..events.holds import Hold
from ..events.lineage import walk
from ..events.rules import rules_config
from ..events.serials import DIGITS
from ..events.standards import form_of
from ..events.state import LotState
from ..store import LedgerRepository, Store
from .checks import Checks
from .credentials import Principal
from .errors import NotFoundError
from .reads import Reads

MADE_FOR_SALE = frozenset({"process_batch", "packaged_product", "case", "pallet"})
"""Kinds of lot that are a processed product with a form (``standards.form_of``)."""
FRESH_ROOT = "fresh_root"
"""The product of a harvest lot: fresh roots (鲜参), not processed yet."""


def product_form(state: LotState) -> str | None:
    """The lot's product: a harvest's fresh roots (:data:`FRESH_ROOT`), or a processed lot's form (herb, red,
    slices …, as ``schemas/rules.yaml`` ``quality_limits.forms`` derives it from the processes that made it);
    None for a lot that is no product (a plot, an enterprise)."""
    if state.kind == "harvest_lot":
        return FRESH_ROOT
    if state.kind not in MADE_FOR_SALE:
        return None
    return form_of(state.processes, rules_config()["quality_limits"])


@dataclass(frozen=True)
class StandingHold:
    """A hold or recall standing over a lot: its event id, the lot it was placed on, its type, who placed it
    (as a regulator or not) and when."""

    event_id: str
    lot: str
    type: str
    by: str
    regulator: bool
    at: str

    @classmethod
    def of(cls, event_id: str, hold: Hold) -> StandingHold:
        return cls(event_id, hold.lot, hold.type, hold.by, hold.regulator, hold.at)


@dataclass(frozen=True)
class GraphNode:
    """One lot of the graph: ``depth`` is negative for ancestors (steps back), 0 for the lot, positive for
    descendants; ``verified`` False with ``broken`` saying why; findings counted by severity; ``serials``: how
    many labelled units its packaging run has (0: no run)."""

    lot_id: str
    kind: str
    depth: int
    verified: bool
    broken: str | None
    hard: int
    soft: int
    holds: tuple[StandingHold, ...]
    product: str | None
    creator: str
    serials: int

    @property
    def findings(self) -> int:
        return self.hard + self.soft

    @property
    def hold(self) -> str | None:
        """``recall`` if a recall stands over the lot, ``hold`` if only holds do, else None."""
        if any(h.type == "recall" for h in self.holds):
            return "recall"
        return "hold" if self.holds else None


@dataclass(frozen=True)
class LotGraph:
    """The lot, its ancestors and descendants (by depth, then id) and the input links among them
    (``(input lot, lot made from it)``)."""

    lot_id: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[str, str], ...]

    def node(self, lot_id: str) -> GraphNode:
        return next(n for n in self.nodes if n.lot_id == lot_id)

    @property
    def releasable(self) -> tuple[StandingHold, ...]:
        """The holds (not recalls: a recall is final) placed on this lot itself that stand: what a release
        recorded on it can lift, each by its event id."""
        return tuple(h for h in self.node(self.lot_id).holds if h.lot == self.lot_id and h.type == "hold")


def _serial_count(serials: dict[str, object] | None) -> int:
    if not serials:
        return 0
    if "list" in serials:
        return len(serials["list"])  # type: ignore[arg-type]
    first, last = str(serials.get("first", "")), str(serials.get("last", ""))
    ends = DIGITS.fullmatch(first) and DIGITS.fullmatch(last)  # 1-20 ASCII digits (isdigit takes ² and ٣)
    return int(last) - int(first) + 1 if ends else 0


class LotGraphs:
    """Lineage graphs over the store, the checks and the reads by role."""

    def __init__(self, store: Store, checks: Checks, reads: Reads) -> None:
        self.store = store
        self.checks = checks
        self.reads = reads

    def graph(self, lot_id: str, principal: Principal | None, endpoint: str) -> LotGraph:
        def read(repo: LedgerRepository) -> tuple[dict[str, int], dict[str, set[str]], dict[str, str]]:
            up = walk(lot_id, repo.input_lots)
            down = walk(lot_id, repo.consuming_lots)
            depth = {**{lot: -hops for lot, hops in up.items()}, **down}
            children = repo.consumers(depth.keys())
            texts = repo.lot_states(depth.keys())
            if lot_id not in texts:
                raise NotFoundError(f"lot {lot_id!r} has no record")
            return depth, children, texts

        depth, children, texts = self.store.read_published(read)
        edges = tuple(
            sorted(
                (source, made)
                for source, made_from_it in children.items()
                for made in made_from_it
                if made in depth and (depth[source] < 0) == (depth[made] <= 0)
            )
        )
        up_findings = self.reads.findings(principal, endpoint, lot_id, ancestors=True)
        down_findings = [
            f for lot in depth if depth[lot] > 0 for f in self.reads.findings(principal, endpoint, lot, ancestors=False)
        ]
        severity = Counter((str(f.lot_id), f.severity) for f in (*up_findings, *down_findings))
        nodes = []
        for lot, hops in depth.items():
            state = LotState.from_json(texts[lot]) if lot in texts else None
            broken = self._broken(lot)
            nodes.append(
                GraphNode(
                    lot,
                    state.kind if state else "unknown",
                    hops,
                    broken is None,
                    broken,
                    severity[(lot, "hard")],
                    severity[(lot, "soft")],
                    tuple(StandingHold.of(e, h) for e, h in state.holds.items()) if state else (),
                    product_form(state) if state else None,
                    state.creator if state else "",
                    _serial_count(state.serials) if state else 0,
                )
            )
        nodes.sort(key=lambda n: (n.depth, n.lot_id))
        return LotGraph(lot_id, tuple(nodes), edges)

    def _broken(self, lot_id: str) -> str | None:
        try:
            audit = self.checks.audit(lot_id, ancestors=False)
        except NotFoundError:
            return "no record"
        return audit.problems[0].sentence() if audit.problems else None
