"""GS1 serials (AI 21) and packaging runs. Pure Python.

A serial is a string, not a number (GS1 General Specifications §3.2, AI 21: 1 to 20 characters of GS1
character set 82, which is ASCII only): ``0007`` and ``7`` are two different serials, so nothing here
converts a serial to a number to compare it. A packaging run (the ``serials`` of a ``package`` event,
``docs/EVENTS.md``) names its serials in one of two forms:

* ``{"first": "0001", "last": "0200"}``: a range of decimal serials of one fixed width, the width of
  ``first`` and ``last``, which must be equal: every string of exactly that many ASCII digits from
  ``first`` to ``last``. (Strings of digits of one width compare as strings exactly as their numbers do.)
* ``{"list": ["A7-01", "A7-02", ...]}``: the serials themselves, each once.

A run is well formed (``run_problem`` says why not) and holds exactly one serial per unit packed (the
``serials`` rule). The same test, serial in run, runs in the browser (``verify-core.js``, ``inRun``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SERIAL = re.compile(r"[!\"%-?A-Z_a-z]{1,20}")  # GS1 character set 82 (the AI 21 format X..20), ASCII only
DIGITS = re.compile(r"[0-9]{1,20}")  # ASCII digits only (str.isdigit would take ٠٠٠٧ and ²)


def is_serial(value: object) -> bool:
    """Whether ``value`` is a GS1 serial: a string of 1 to 20 characters of GS1 character set 82."""
    return isinstance(value, str) and SERIAL.fullmatch(value) is not None


def run_problem(spec: object) -> tuple[str, str] | None:
    """Why ``spec`` (a package event's ``serials``) is not a well-formed run, as ``(member, reason)``, or
    None if it is one."""
    if not isinstance(spec, Mapping):
        return "", "a run is an object: {first, last} or {list}"
    if "list" in spec:
        listed = spec["list"]
        if set(spec) != {"list"} or not isinstance(listed, list) or not listed:
            return "", "a listed run has only a non-empty list"
        seen: set[str] = set()
        for i, serial in enumerate(listed):
            if not is_serial(serial):
                return f"/list/{i}", f"{serial!r} is not a GS1 serial (1-20 characters of GS1 character set 82)"
            if serial in seen:
                return f"/list/{i}", f"serial {serial} is listed twice"
            seen.add(serial)
        return None
    first, last = spec.get("first"), spec.get("last")
    if set(spec) != {"first", "last"}:
        return "", "a run is {first, last} or {list}"
    for name, value in (("first", first), ("last", last)):
        if not isinstance(value, str) or not DIGITS.fullmatch(value):
            return f"/{name}", f"{value!r}: a range's ends are 1-20 ASCII digits (list other serials)"
    if len(str(first)) != len(str(last)):
        return "/last", f"{first} and {last} differ in width: a range's serials all have one width"
    if str(first) > str(last):
        return "/last", f"{last} comes before {first}"
    return None


@dataclass(frozen=True)
class SerialRun:
    """A well-formed packaging run (build with :meth:`of`)."""

    first: str = ""  # a range's ends (empty for a listed run)
    last: str = ""
    listed: frozenset[str] | None = None
    order: tuple[str, ...] = ()  # the listed serials in their order

    @classmethod
    def of(cls, spec: object) -> SerialRun | None:
        """The run ``spec`` names, or None if it is not a well-formed run (then it covers no serial)."""
        if spec is None or run_problem(spec) is not None:
            return None
        assert isinstance(spec, Mapping)  # noqa: S101 - run_problem checked it
        if "list" in spec:
            order = tuple(str(s) for s in spec["list"])
            return cls(listed=frozenset(order), order=order)
        return cls(str(spec["first"]), str(spec["last"]))

    def __contains__(self, serial: object) -> bool:
        """Whether ``serial`` is one of the run's serials: exactly, as strings (``7`` is not ``0007``)."""
        if not isinstance(serial, str):
            return False
        if self.listed is not None:
            return serial in self.listed
        return (
            len(serial) == len(self.first)
            and DIGITS.fullmatch(serial) is not None
            and self.first <= serial <= self.last
        )

    def __len__(self) -> int:
        if self.listed is not None:
            return len(self.listed)
        return int(self.last) - int(self.first) + 1  # at most 20 ASCII digits each: safe to count with

    def __iter__(self) -> Iterator[str]:
        """The run's serials as printed on its labels."""
        if self.listed is not None:
            yield from self.order
            return
        width = len(self.first)
        for n in range(int(self.first), int(self.last) + 1):
            yield f"{n:0{width}d}"

    def describe(self) -> str:
        """The run in a few characters, for messages: ``0001-0200`` or ``3 listed serials``."""
        if self.listed is not None:
            return f"{len(self.listed)} listed serials"
        return f"{self.first}-{self.last}"

    def to_json(self) -> dict[str, Any]:
        return {"list": list(self.order)} if self.listed is not None else {"first": self.first, "last": self.last}
