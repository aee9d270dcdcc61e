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
    """Where a chain is broken: the first record that does not verify."""

    log_index: int
    event_id: str
    lot_id: str
    check: str
    expected: str
    found: str

    def sentence(self) -> str:
        return (
            f"record {self.log_index} (event {self.event_id!r}, lot {self.lot_id!r}): "
            f"{self.check}: expected {self.expected}, found {self.found}"
        )


class ChainBrokenError(VerificationError):
    """Stored records do not form an intact chain; ``brk`` says where and how."""

    def __init__(self, brk: Break) -> None:
        self.brk = brk
        super().__init__(brk.sentence())
