"""What the quality gate knows of a lot (docs/DOMAIN.md §Quality release): its tests, the release it stands
under, a failing test no regulator has decided on (its own, or one of a lot it was made from), and whether it
was destroyed. Pure Python, no imports of
the rules: :mod:`.state` keeps a :class:`Gate` in every lot's state and :mod:`.quality_gate` folds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Test:
    """A quality test of the lot: whether it passed (the lab's verdict ``pass`` and no limit of a standard
    that applies to the product broken), the lab's verdict as recorded, the lab (organisation), and when."""

    passed: bool
    verdict: str
    lab: str
    at: str


@dataclass(frozen=True)
class Release:
    """A quality release (放行) a lot stands under: the release event and the lot it was recorded on (this
    one, or for a box or case one it was packed or aggregated from), when, the test it relies on and that
    test's verdict and lab, who recorded it and whether as a regulator."""

    event: str
    lot: str
    at: str
    test: str
    verdict: str
    lab: str
    by: str
    regulator: bool


@dataclass(frozen=True)
class Failure:
    """A failing test of a lot this one was made from (upstream), that no regulator has decided on: the lot
    tested, when, the lab and its verdict as recorded."""

    lot: str
    at: str
    lab: str
    verdict: str


@dataclass
class Gate:
    tests: dict[str, Test] = field(default_factory=dict)
    release: Release | None = None
    # the latest failing test that no regulator has decided on since (a release by a regulator decides)
    failed: str | None = None
    # lots that inherit (a box, a case): the lots they were made from whose release they still wait for
    awaiting: list[str] = field(default_factory=list)
    destroyed: str | None = None  # when the lot was destroyed
    # the undecided failing tests of the lots this one was made from, by test event id: each blocks this lot
    # as its own would, until a regulator releases the failing lot (or this one)
    upstream_failed: dict[str, Failure] = field(default_factory=dict)

    @property
    def released(self) -> bool:
        """Released for sale: under a release, with no undecided failing test (its own or upstream), not
        destroyed."""
        return self.release is not None and self.failed is None and not self.upstream_failed and self.destroyed is None

    def failures(self, lot_id: str) -> dict[str, Failure]:
        """Every undecided failing test that blocks this lot (``lot_id``), by test event id: its own latest
        failing one and those of the lots it was made from (what a lot made from this one stands under)."""
        found = dict(self.upstream_failed)
        own = self.tests.get(self.failed) if self.failed is not None else None
        if self.failed is not None and own is not None:
            found[self.failed] = Failure(lot_id, own.at, own.lab, own.verdict)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "tests": {k: t.__dict__ for k, t in self.tests.items()},
            "release": self.release.__dict__ if self.release else None,
            "failed": self.failed,
            "awaiting": list(self.awaiting),
            "destroyed": self.destroyed,
            "upstream_failed": {k: f.__dict__ for k, f in self.upstream_failed.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Gate:
        if not data:
            return cls()
        release = data.get("release")
        return cls(
            {k: Test(**t) for k, t in data.get("tests", {}).items()},
            Release(**release) if release else None,
            data.get("failed"),
            list(data.get("awaiting", [])),
            data.get("destroyed"),
            {k: Failure(**f) for k, f in data.get("upstream_failed", {}).items()},
        )
