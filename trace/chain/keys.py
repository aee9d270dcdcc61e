"""Ed25519 keys and their text forms, as in the C2SP signed-note specification.

A verifier key is written ``<name>+<key id hex>+<base64(0x01 || public key)>``
and a signer key ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>``.
The key id is the first four bytes of SHA-256(name || 0x0A || 0x01 || public key).
Actors' keys and the log's key use the same forms, so one parser serves both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from .curve import public_key_problem
from .errors import FieldProblem, MalformedError
from .times import parse_utc

ALG_ED25519 = 0x01
"""Signature type byte of Ed25519 note signatures (C2SP signed-note)."""
ALG_COSIGNATURE = 0x04
"""Signature type byte of timestamped Ed25519 witness cosignatures (C2SP tlog-cosignature)."""
ALGORITHMS = (ALG_ED25519, ALG_COSIGNATURE)


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || alg || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def check_key_name(name: str) -> None:
    """Key names are non-empty and hold no whitespace and no ``+`` (signed-note spec)."""
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise MalformedError(FieldProblem("", f"invalid key name {name!r}"))


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedError(FieldProblem("", f"invalid base64: {exc}")) from exc


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key that checks signatures."""

    name: str
    public_key: bytes
    alg: int = ALG_ED25519

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.public_key) != 32:
            raise MalformedError(FieldProblem("", "an Ed25519 public key is 32 bytes"))
        if problem := public_key_problem(self.public_key):
            raise MalformedError(FieldProblem("", problem))
        if self.alg not in ALGORITHMS:
            raise MalformedError(FieldProblem("", f"unsupported signature type 0x{self.alg:02x}"))

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.alg, self.public_key)

    @cached_property
    def _public(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Parse the vkey text form; refuse a key whose id does not match its contents."""
        parts = text.strip().split("+", 2)  # base64 may hold '+'; names and ids never do
        if len(parts) != 3:
            raise MalformedError(FieldProblem("", "a verifier key is <name>+<hex id>+<base64 key>"))
        name, id_hex, data = parts
        raw = _b64decode(data)
        if len(raw) != 33 or raw[0] not in ALGORITHMS:
            raise MalformedError(
                FieldProblem("", "verifier key data must be 0x01 (or 0x04 for a cosigner) || 32-byte Ed25519 key")
            )
        key = cls(name, raw[1:], raw[0])
        if id_hex != key.key_id_hex:
            raise MalformedError(FieldProblem("", f"key id {id_hex} does not match the key ({key.key_id_hex})"))
        return key

    def text(self) -> str:
        data = base64.b64encode(bytes([self.alg]) + self.public_key).decode()
        return f"{self.name}+{self.key_id_hex}+{data}"

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` is a valid Ed25519 signature of ``message`` by this key."""
        if len(signature) != 64:
            return False
        try:
            self._public.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """A named Ed25519 private key. ``seed`` is the 32-byte RFC 8032 private key."""

    name: str
    seed: bytes = field(repr=False)  # a traceback or log line that shows the key never shows the seed
    alg: int = ALG_ED25519

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.seed) != 32:
            raise MalformedError(FieldProblem("", "an Ed25519 private key seed is 32 bytes"))
        if self.alg not in ALGORITHMS:
            raise MalformedError(FieldProblem("", f"unsupported signature type 0x{self.alg:02x}"))

    @classmethod
    def generate(cls, name: str, alg: int = ALG_ED25519) -> SignerKey:
        seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, seed, alg)

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise MalformedError(FieldProblem("", "a signer key is PRIVATE+KEY+<name>+<hex id>+<base64 key>"))
        _, _, name, id_hex, data = parts
        raw = _b64decode(data)
        if len(raw) != 33 or raw[0] not in ALGORITHMS:
            raise MalformedError(FieldProblem("", "signer key data must be 0x01 or 0x04 || 32-byte Ed25519 seed"))
        key = cls(name, raw[1:], raw[0])
        if id_hex != key.verifier().key_id_hex:
            raise MalformedError(FieldProblem("", f"key id {id_hex} does not match the key"))
        return key

    def text(self) -> str:
        data = base64.b64encode(bytes([self.alg]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier().key_id_hex}+{data}"

    @cached_property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def verifier(self) -> VerifierKey:
        public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, public, self.alg)

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


@dataclass(frozen=True)
class ActorKey:
    """An actor's verifier key with the period in which the ledger accepts its signatures.

    ``valid_from`` is when it was registered; the key stops being valid at ``valid_until``
    (chosen at registration, if any) or when it was revoked, whichever comes first. Times are
    RFC 3339 UTC; a record is acceptable when valid_from <= recorded_at < the end."""

    key: VerifierKey
    valid_from: str
    valid_until: str | None = None
    revoked_at: str | None = None

    @property
    def ends(self) -> str | None:
        ends = [t for t in (self.valid_until, self.revoked_at) if t is not None]
        return min(ends, key=parse_utc) if ends else None

    def refusal_at(self, moment: str) -> str | None:
        """Why a record sealed at ``moment`` may not carry this key's signature, or None if it may."""
        when = parse_utc(moment)
        if when < parse_utc(self.valid_from):
            return f"key {self.key.name}/{self.key.key_id_hex} is valid only from {self.valid_from}"
        if self.revoked_at is not None and when >= parse_utc(self.revoked_at):
            return f"key {self.key.name}/{self.key.key_id_hex} was revoked at {self.revoked_at}"
        if self.valid_until is not None and when >= parse_utc(self.valid_until):
            return f"key {self.key.name}/{self.key.key_id_hex} expired at {self.valid_until}"
        return None

    def to_json(self) -> dict[str, str]:
        doc = {"key": self.key.text(), "valid_from": self.valid_from}
        if self.valid_until is not None:
            doc["valid_until"] = self.valid_until
        if self.revoked_at is not None:
            doc["revoked_at"] = self.revoked_at
        return doc
