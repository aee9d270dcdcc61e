"""C2SP signed notes, checkpoints and witness cosignatures.

* A **signed note** (c2sp.org/signed-note) is UTF-8 text ending in a newline, a
  blank line, then signature lines ``— <key name> <base64(key id || signature)>``.
* A **checkpoint** (c2sp.org/tlog-checkpoint) is a note whose text is the log's
  origin line, the tree size in decimal and the base64 root hash, each ending in
  a newline (optional extension lines follow).
* A **cosignature** (c2sp.org/tlog-cosignature, signature type 0x04) is a note
  signature whose payload is ``timestamp (u64, big-endian) || Ed25519 signature``
  over ``"cosignature/v1\\ntime <timestamp>\\n" || checkpoint text``.

Verification follows the signed-note rules: signatures by unknown keys are
ignored, a failed signature by a known key rejects the whole note, a note with
no verified known signature is rejected, and malformed notes are rejected.
Every failure raises :class:`NoteError` with the reason.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .errors import MalformedError, VerificationError
from .keys import ALG_COSIGNATURE, ALG_ED25519, SignerKey, VerifierKey, check_key_name
from .merkle import HASH_SIZE

SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
"""More signature lines than this make a note malformed (the spec asks verifiers to accept at least 16)."""
COSIGNATURE_HEADER = "cosignature/v1\n"

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(VerificationError):
    """A note, checkpoint or cosignature is malformed or does not verify."""


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the 4-byte key id and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"

    @classmethod
    def parse_line(cls, line: str) -> NoteSignature:
        """Parse one signature line without its newline."""
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"malformed note: signature line {line[:40]!r} does not start with an em dash and a space")
        name, sep, data = line[len(SIGNATURE_PREFIX) :].partition(" ")
        if not sep:
            raise NoteError(f"malformed note: signature line {line[:40]!r} has no signature")
        try:
            check_key_name(name)
            raw = base64.b64decode(data, validate=True)
        except (MalformedError, binascii.Error, ValueError) as exc:
            raise NoteError(f"malformed note: signature line for {name!r}: {exc}") from None
        if base64.b64encode(raw).decode() != data:  # unused bits set: another text for the same signature
            raise NoteError(f"malformed note: signature line for {name!r} is not canonical base64")
        if len(raw) < 5:
            raise NoteError(f"malformed note: signature by {name!r} is shorter than a key id and a signature")
        return cls(name, raw[:4], raw[4:])


@dataclass(frozen=True)
class Note:
    """A signed note: its text (ending in a newline) and its signatures."""

    text: str
    signatures: tuple[NoteSignature, ...]

    @classmethod
    def parse(cls, data: bytes | str) -> Note:
        try:
            note = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError as exc:
            raise NoteError(f"malformed note: not UTF-8 ({exc.reason})") from None
        if _CONTROL.search(note):
            raise NoteError("malformed note: control characters other than newline")
        split = note.rfind("\n\n")
        if split < 0:
            raise NoteError("malformed note: no blank line between the text and the signatures")
        text, block = note[: split + 1], note[split + 2 :]
        if not block:
            raise NoteError("malformed note: no signature lines")
        if not block.endswith("\n"):
            raise NoteError("malformed note: does not end with a newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
        return cls(text, tuple(NoteSignature.parse_line(line) for line in lines))

    def to_text(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, extra: Iterable[NoteSignature]) -> Note:
        """The same note with ``extra`` signatures appended (duplicates dropped)."""
        known = set(self.signatures)
        added: list[NoteSignature] = []
        for signature in extra:
            if signature not in known:
                known.add(signature)
                added.append(signature)
        return Note(self.text, self.signatures + tuple(added))


@dataclass(frozen=True)
class Verified:
    """A signature that verified: the key, and for a cosignature its timestamp."""

    key: VerifierKey
    timestamp: int | None = None


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{text}".encode()


def sign_note(text: str, signer: SignerKey) -> NoteSignature:
    """An Ed25519 note signature (type 0x01) over ``text``."""
    if signer.alg != ALG_ED25519:
        raise NoteError(f"key {signer.name} is not a note-signing (0x01) key")
    if not text.endswith("\n"):
        raise NoteError("malformed note: text must end with a newline")
    return NoteSignature(signer.name, signer.verifier().key_id, signer.sign(text.encode()))


def cosign(text: str, signer: SignerKey, timestamp: int) -> NoteSignature:
    """A timestamped witness cosignature (type 0x04) over checkpoint ``text``."""
    if signer.alg != ALG_COSIGNATURE:
        raise NoteError(f"key {signer.name} is not a cosigning (0x04) key")
    if not 0 <= timestamp < 2**63:
        raise NoteError(f"cosignature timestamp {timestamp} is out of range")
    signature = signer.sign(_cosigned_message(text, timestamp))
    return NoteSignature(signer.name, signer.verifier().key_id, timestamp.to_bytes(8, "big") + signature)


def _check(signature: NoteSignature, key: VerifierKey, text: str) -> Verified:
    if key.alg == ALG_COSIGNATURE:
        if len(signature.signature) != 8 + 64:
            raise NoteError(f"cosignature by {key.name} has the wrong length")
        timestamp = int.from_bytes(signature.signature[:8], "big")
        if timestamp >= 2**63 or not key.verifies(signature.signature[8:], _cosigned_message(text, timestamp)):
            raise NoteError(f"cosignature by {key.name} does not verify")
        return Verified(key, timestamp)
    if not key.verifies(signature.signature, text.encode()):
        raise NoteError(f"signature by {key.name} does not verify")
    return Verified(key)


def verify_note(note: Note, keys: Sequence[VerifierKey]) -> list[Verified]:
    """Verify ``note`` against ``keys``: return the known signatures that verified.

    Unknown signers (name and key id not both matching a key) are ignored; a failed
    known signature rejects the note; so does a note that no known key signed.
    """
    by_id = {(k.name, k.key_id): k for k in keys}
    verified: list[Verified] = []
    for signature in note.signatures:
        key = by_id.get((signature.name, signature.key_id))
        if key is not None:
            verified.append(_check(signature, key, note.text))
    if not verified:
        raise NoteError(
            "no signature by a known key: " + (", ".join(sorted({k.name for k in keys})) or "no keys given")
        )
    return verified


@dataclass(frozen=True)
class Checkpoint:
    """A log checkpoint: origin, tree size and root hash (c2sp.org/tlog-checkpoint)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise NoteError("malformed checkpoint: empty or multi-line origin")
        if not 0 <= self.size < 2**64:
            raise NoteError(f"malformed checkpoint: tree size {self.size} out of range")
        if len(self.root) != HASH_SIZE:
            raise NoteError(f"malformed checkpoint: root hash is {len(self.root)} bytes, not {HASH_SIZE}")

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint's note text (without signatures)."""
        if not text.endswith("\n"):
            raise NoteError("malformed checkpoint: text does not end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("malformed checkpoint: fewer than three lines (origin, size, root)")
        origin, size, root, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise NoteError(f"malformed checkpoint: tree size {size[:30]!r} is not a decimal without leading zeros")
        try:
            root_hash = base64.b64decode(root, validate=True)
        except (binascii.Error, ValueError):
            raise NoteError("malformed checkpoint: root hash is not base64") from None
        if base64.b64encode(root_hash).decode() != root:
            raise NoteError("malformed checkpoint: root hash is not canonical base64")
        if any(not line for line in extensions):
            raise NoteError("malformed checkpoint: empty extension line")
        return cls(origin, int(size), root_hash, tuple(extensions))


def open_checkpoint(data: bytes | str, log_keys: Sequence[VerifierKey]) -> tuple[Checkpoint, Note, list[Verified]]:
    """Parse a signed checkpoint and verify it against the log's keys (cosignatures are not checked here)."""
    note = Note.parse(data)
    checkpoint = Checkpoint.parse(note.text)
    origin_keys = [k for k in log_keys if k.alg == ALG_ED25519]
    verified = verify_note(note, origin_keys)
    return checkpoint, note, verified
