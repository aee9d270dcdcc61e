"""Server-held keys: Ed25519 actor keys the service keeps for people who cannot keep their own, so that it
can sign their events after they log in.

Each key's 32-byte seed is stored under AES-256-GCM with the key-encryption key (``TRACE_KEY_ENCRYPTION_KEY``,
32 bytes, base64), which is not in the database; the associated data is ``actor || 0x0A || key id``, so a
row copied to another actor or key id does not decrypt. A seed is never logged and never returned: the
only way out is :meth:`HeldKeys.signer`, for the service to sign with. Without a key-encryption key, held
keys are disabled (:class:`HeldKeysDisabledError`).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..chain.errors import FieldProblem, MalformedError
from ..chain.keys import SignerKey, VerifierKey
from ..chain.times import format_utc
from ..store import AccountRepository, Store, StoredHeldKey
from .credentials import check_actor
from .errors import HeldKeysDisabledError, HeldKeyUnreadableError, NotFoundError

KEK_BYTES = 32
NONCE_BYTES = 12


def parse_key_encryption_key(text: str) -> bytes:
    """The 32-byte key-encryption key from its base64 text; refuses other lengths and placeholder keys
    (fewer than 8 distinct bytes, such as all zeros)."""
    try:
        kek = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedError(FieldProblem("/key_encryption_key", "is not base64")) from None
    if len(kek) != KEK_BYTES:
        raise MalformedError(FieldProblem("/key_encryption_key", f"must be {KEK_BYTES} bytes, not {len(kek)}"))
    if len(set(kek)) < 8:
        raise MalformedError(FieldProblem("/key_encryption_key", "looks like a placeholder: use 32 random bytes"))
    return kek


def _now() -> datetime:
    return datetime.now(UTC)


def _associated(actor: str, key_id: str) -> bytes:
    return actor.encode() + b"\n" + key_id.encode()


class HeldKeys:
    """Making and using server-held actor keys under one key-encryption key (``kek``; None: disabled)."""

    def __init__(self, store: Store, kek: bytes | None, *, clock: Callable[[], datetime] = _now) -> None:
        if kek is not None and len(kek) != KEK_BYTES:
            raise MalformedError(FieldProblem("/key_encryption_key", f"must be {KEK_BYTES} bytes"))
        self.store = store
        self._aead = AESGCM(kek) if kek is not None else None
        self.clock = clock

    def __repr__(self) -> str:
        return f"HeldKeys(enabled={self.enabled})"

    @property
    def enabled(self) -> bool:
        return self._aead is not None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            raise HeldKeysDisabledError("server-held keys are disabled: TRACE_KEY_ENCRYPTION_KEY is not set")
        return self._aead

    def create(self, actor: str) -> VerifierKey:
        """A new Ed25519 key for ``actor``, held here; returns its verifier key (named ``actor``) to register."""
        check_actor(actor)
        return self.hold(SignerKey.generate(actor))

    def holds(self, actor: str, key_id: str) -> bool:
        """Whether the key ``key_id`` of ``actor`` is held here."""
        rows = self.store.read(lambda unit: AccountRepository.of(unit).held_keys(actor))
        return any(r.key_id == key_id for r in rows)

    def hold(self, signer: SignerKey) -> VerifierKey:
        """Keep an existing key here for its actor (the demo's published keys, so that its accounts can record
        from the app); returns its verifier key."""
        check_actor(signer.name)
        actor = signer.name
        aead = self._cipher()
        verifier = signer.verifier()
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = aead.encrypt(nonce, signer.seed, _associated(actor, verifier.key_id_hex))
        now = format_utc(self.clock())
        self.store.write(
            lambda unit: AccountRepository.of(unit).add_held_key(actor, verifier.key_id_hex, nonce, ciphertext, now),
            append_lock=False,
        )
        return verifier

    def signer(self, actor: str, key_id: str | None = None) -> SignerKey:
        """The held key ``key_id`` of ``actor`` (the newest one if not named), to sign with."""
        aead = self._cipher()
        rows = self.store.read(lambda unit: AccountRepository.of(unit).held_keys(actor))
        row = next((r for r in rows if key_id is None or r.key_id == key_id), None)
        if row is None:
            raise NotFoundError(f"the server holds no key {key_id or ''} for {actor!r}".replace("  ", " "))
        return self._open(aead, row)

    @staticmethod
    def _open(aead: AESGCM, row: StoredHeldKey) -> SignerKey:
        try:
            seed = aead.decrypt(row.nonce, row.ciphertext, _associated(row.actor, row.key_id))
        except (InvalidTag, ValueError):
            raise HeldKeyUnreadableError(
                f"the held key {row.actor}/{row.key_id} does not decrypt: a different TRACE_KEY_ENCRYPTION_KEY, "
                "or the stored row was changed"
            ) from None
        signer = SignerKey(row.actor, seed)
        if signer.verifier().key_id_hex != row.key_id:
            raise HeldKeyUnreadableError(f"the held key {row.actor}/{row.key_id} decrypts to another key")
        return signer
