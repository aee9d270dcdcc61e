"""A monitor's signed status report: what a log monitor (``ginseng-trace monitor``) tells the log it watches,
so that the regulator's console can show whether the monitors still find the log honest.

The report is a C2SP signed note (``docs/FORMAT.md`` "Monitor status reports") signed with the monitor's own
Ed25519 key. Its text is seven lines::

    ginseng-trace/monitor-status/v1
    <the log's origin line>
    <tree size the monitor replayed, decimal>
    <the root of that tree, base64>
    <verdict: consistent | MISMATCH>
    <when the monitor checked, Unix seconds>
    <what the monitor found, one line of printable text>

A ``consistent`` report says the monitor replayed every entry up to that size, found every lot's chain linear
and the log's signed root and lot-heads map as the entries give them. A ``MISMATCH`` report carries the
monitor's diagnosis. The root lets the log (and anyone) check that the monitor saw the same tree the log
serves: a different root at the same size is a split view."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from .keys import SignerKey, VerifierKey
from .note import Note, NoteError, sign_note, verify_note

HEADER = "ginseng-trace/monitor-status/v1"
CONSISTENT = "consistent"
MISMATCH = "MISMATCH"
VERDICTS = (CONSISTENT, MISMATCH)
MAX_DETAIL = 500  # characters: one line a console can show
MAX_SIZE = 2**63 - 1


class MonitorStatusError(NoteError):
    """A monitor status report that is not well formed, or not signed by a key that is trusted."""


@dataclass(frozen=True)
class MonitorStatus:
    """What one monitor found when it last checked the log ``origin``."""

    origin: str
    size: int
    root: bytes
    verdict: str
    checked_at: int
    detail: str

    def __post_init__(self) -> None:
        if not self.origin or not self.origin.isprintable() or self.origin != self.origin.strip():
            raise MonitorStatusError("the origin must be one line of printable text")
        if not 0 <= self.size <= MAX_SIZE:
            raise MonitorStatusError(f"the tree size must be between 0 and {MAX_SIZE}")
        if len(self.root) != 32:
            raise MonitorStatusError("the root must be 32 bytes")
        if self.verdict not in VERDICTS:
            raise MonitorStatusError(f"the verdict must be one of {', '.join(VERDICTS)}")
        if not 0 <= self.checked_at <= MAX_SIZE:
            raise MonitorStatusError("the time must be Unix seconds")
        if not self.detail.isprintable() or len(self.detail) > MAX_DETAIL:
            raise MonitorStatusError(f"the detail must be one line of at most {MAX_DETAIL} printable characters")

    def text(self) -> str:
        """The note text the monitor signs."""
        root = base64.b64encode(self.root).decode()
        lines = (HEADER, self.origin, str(self.size), root, self.verdict, str(self.checked_at), self.detail)
        return "\n".join(lines) + "\n"

    def signed(self, signer: SignerKey) -> str:
        """The signed note, as the monitor sends it."""
        text = self.text()
        return Note(text, (sign_note(text, signer),)).to_text()

    @classmethod
    def parse(cls, text: str) -> MonitorStatus:
        lines = text.split("\n")
        if len(lines) != 8 or lines[-1] != "":
            raise MonitorStatusError("a monitor status has seven lines, each ending in a newline")
        header, origin, size, root, verdict, checked_at, detail, _ = lines
        if header != HEADER:
            raise MonitorStatusError(f"the first line must be {HEADER}")
        return cls(origin, _decimal(size, "tree size"), _root(root), verdict, _decimal(checked_at, "time"), detail)


def _decimal(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0") or len(text) > 19:
        raise MonitorStatusError(f"the {what} must be a decimal number without leading zeros")
    return int(text)


def _root(text: str) -> bytes:
    try:
        root = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MonitorStatusError("the root must be standard base64") from None
    if base64.b64encode(root).decode() != text:
        raise MonitorStatusError("the root must be canonical base64")
    return root


def open_status(signed: str, monitor_keys: Sequence[VerifierKey]) -> tuple[MonitorStatus, VerifierKey]:
    """The status in the signed note ``signed`` and the trusted monitor key that signed it. Raises
    :class:`MonitorStatusError` (or :class:`NoteError`) when it is malformed or no trusted key signed it."""
    note = Note.parse(signed)
    verified = verify_note(note, monitor_keys)
    if not verified or verified[0].timestamp is not None:
        raise MonitorStatusError("no trusted monitor key signed this status with an Ed25519 note signature")
    return MonitorStatus.parse(note.text), verified[0].key


__all__ = ["CONSISTENT", "MAX_DETAIL", "MISMATCH", "MonitorStatus", "MonitorStatusError", "open_status"]
