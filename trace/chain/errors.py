"""The errors of the verifiable core.

Every error raised by Ginseng Trace derives from :class:`Error`; the CLI and the
HTTP API each catch it in one place and render ``diagnostics()``.
"""

from __future__ import annotations

from dataclasses import dataclass


class Error(Exception):
    """Base of every Ginseng Trace domain error."""

    def diagnostics(self) -> str:
        """One human sentence saying what went wrong."""
        return str(self)


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field, located by a JSON Pointer (RFC 6901)."""

    pointer: str
    detail: str


class MalformedError(Error):
    """Input that cannot be parsed into a domain object (JSON, event, key, record)."""

    def __init__(self, problems: list[FieldProblem] | FieldProblem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(f"{p.pointer}: {p.detail}" if p.pointer else p.detail for p in self.problems))

    def at(self, prefix: str) -> MalformedError:
        """The same problems, with their pointers nested under ``prefix``."""
        return MalformedError([FieldProblem(prefix + p.pointer, p.detail) for p in self.problems])


class VerificationError(Error):
    """A signature, hash or link did not verify."""


class SignatureError(VerificationError):
    """An Ed25519 signature did not verify under the key it names."""


@dataclass(frozen=True)
class Break:
    """One thing wrong with stored records or their log: a record (``log_index``, ``event_id``, ``lot_id``), a
    checkpoint (``checkpoint``, its tree size) or a lot (``lot_id`` alone); the check, what was expected and what
    was found."""

    log_index: int | None
    event_id: str | None
    lot_id: str | None
    check: str
    expected: str
    found: str
    checkpoint: int | None = None

    def subject(self) -> str:
        if self.log_index is not None:
            return f"record {self.log_index} (event {self.event_id!r}, lot {self.lot_id!r})"
        if self.checkpoint is not None:
            return f"checkpoint of size {self.checkpoint}"
        if self.lot_id is not None:
            return f"lot {self.lot_id!r}"
        return "the log"

    def sentence(self) -> str:
        return f"{self.subject()}: {self.check}: expected {self.expected}, found {self.found}"


class ChainBrokenError(VerificationError):
    """Stored records (or their log) do not verify; ``brk`` says where and how, ``problems`` holds every break
    found (``brk`` first)."""

    def __init__(self, brk: Break, more: tuple[Break, ...] = ()) -> None:
        self.brk = brk
        self.problems = (brk, *more)
        extra = f" (and {len(more)} more)" if more else ""
        super().__init__(brk.sentence() + extra)
