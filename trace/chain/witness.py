"""The witness's decision on one checkpoint: C2SP tlog-witness ``add-checkpoint`` semantics, pure.

Request body: ``old <size>\\n``, up to 63 base64 consistency-proof lines, an
empty line, then the signed checkpoint. Given the witness's latest cosigned
checkpoint for the origin (if any), :func:`check_add_checkpoint` either returns
the checkpoint to cosign or raises :class:`WitnessRefusal` with the HTTP status
the specification prescribes:

* 400 the body is malformed, or the old size is larger than the checkpoint's;
* 404 the checkpoint's origin is not a log this witness follows;
* 403 no signature by the log's key verifies (a failing one counts as none);
* 409 the old size is not the witness's latest size (``latest_size`` says which),
  or the sizes are equal but the root hashes differ (a split view);
* 422 the consistency proof does not verify (a split view, or a size-0
  checkpoint whose root is not the empty tree's).

Persisting the new state atomically with this check is the caller's job.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import VerificationError
from .keys import VerifierKey
from .merkle import EMPTY_ROOT, verify_consistency
from .note import Checkpoint, Note, NoteError, verify_note

MAX_PROOF_LINES = 63
_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})")


class WitnessRefusal(VerificationError):
    """The witness will not cosign; ``status`` is the tlog-witness HTTP status."""

    def __init__(self, status: int, reason: str, *, latest_size: int | None = None, split_view: bool = False) -> None:
        self.status = status
        self.latest_size = latest_size
        self.split_view = split_view
        self.evidence: str | None = None  # where the witness kept both checkpoints, for a split view
        super().__init__(reason)


@dataclass(frozen=True)
class Cosigned:
    """What the witness last cosigned for one origin."""

    size: int
    root: bytes
    note: str


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request."""

    old_size: int
    proof: tuple[bytes, ...]
    note: Note
    checkpoint: Checkpoint


def request_body(old_size: int, proof: Sequence[bytes], signed_checkpoint: str) -> bytes:
    """The add-checkpoint request body for a signed checkpoint, a witness's old size and the proof from it."""
    lines = [f"old {old_size}", *(base64.b64encode(p).decode() for p in proof), ""]
    return ("\n".join(lines) + "\n" + signed_checkpoint).encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessRefusal(400, "request body is not UTF-8") from None
    head, sep, signed = text.partition("\n\n")
    if not sep:
        raise WitnessRefusal(400, "request body has no empty line before the checkpoint")
    lines = head.split("\n")
    match = _OLD.fullmatch(lines[0])
    if not match:
        raise WitnessRefusal(400, f"first line must be 'old <size>', got {lines[0][:40]!r}")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRefusal(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for i, line in enumerate(lines[1:]):
        try:
            proof.append(base64.b64decode(line, validate=True))
        except (binascii.Error, ValueError):
            raise WitnessRefusal(400, f"consistency proof line {i} is not base64") from None
    try:
        note = Note.parse(signed)
        checkpoint = Checkpoint.parse(note.text)
    except NoteError as exc:
        raise WitnessRefusal(400, exc.diagnostics()) from None
    return AddCheckpoint(int(match.group(1)), tuple(proof), note, checkpoint)


def check_add_checkpoint(
    request: AddCheckpoint, logs: Mapping[str, Sequence[VerifierKey]], latest: Cosigned | None
) -> Checkpoint:
    """Decide on an add-checkpoint request against the witness's ``latest`` cosigned state for its origin."""
    checkpoint = request.checkpoint
    keys = logs.get(checkpoint.origin)
    if keys is None:
        raise WitnessRefusal(404, f"unknown log origin {checkpoint.origin!r}")
    try:
        verify_note(request.note, keys)
    except NoteError as exc:
        raise WitnessRefusal(403, f"checkpoint not signed by the log's key: {exc.diagnostics()}") from None
    if request.old_size > checkpoint.size:
        raise WitnessRefusal(400, f"old size {request.old_size} is larger than checkpoint size {checkpoint.size}")
    latest_size = latest.size if latest else 0
    if request.old_size != latest_size:
        reason = f"old size {request.old_size} is not this witness's latest size"
        raise WitnessRefusal(409, reason, latest_size=latest_size)
    if latest is not None and latest.size == checkpoint.size:
        if latest.root != checkpoint.root:
            raise WitnessRefusal(
                409,
                f"split view: two roots for tree size {checkpoint.size}: "
                f"cosigned {latest.root.hex()}, now offered {checkpoint.root.hex()}",
                split_view=True,
            )
        return checkpoint
    if latest is None or latest.size == 0:
        if request.proof:
            raise WitnessRefusal(422, "the consistency proof from size 0 must be empty")
        if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
            raise WitnessRefusal(422, "a size-0 checkpoint must have the empty tree's root", split_view=True)
        return checkpoint
    try:
        verify_consistency(latest.size, checkpoint.size, request.proof, latest.root, checkpoint.root)
    except VerificationError as exc:
        raise WitnessRefusal(
            422,
            f"split view: tree size {checkpoint.size} is not consistent with cosigned size {latest.size}: "
            f"{exc.diagnostics()}",
            split_view=True,
        ) from None
    return checkpoint
