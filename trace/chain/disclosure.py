"""Private fields as salted commitments: the disclosures of RFC 9901 (SD-JWT) §4.2, for event payloads.

A private payload member (a plot's location, an invoice reference, a free-text
note) is never signed in plain text. The signer draws a random salt and makes a
*disclosure*, the base64url (no padding) encoding of the JSON array
``[salt, name, value]``; the signed payload carries, in place of the member,
the disclosure's *digest* — base64url(SHA-256(the disclosure's ASCII text)) —
in its ``_sd`` array. The ledger receives the disclosures beside the signed
event, checks each against the digests, and keeps them apart from the public
records. A proof bundle then verifies every event hash and signature without a
single private value in it, and a deleted disclosure (an erasure) breaks no
hash.

The byte rules are in ``docs/FORMAT.md`` §2a; the digest of RFC 9901's own
example is reproduced by ``tests/chain/test_disclosure.py``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .canonical import JSONValue, canonical_bytes, parse_json
from .errors import FieldProblem, MalformedError

SD = "_sd"
"""The payload member that holds the digests of the payload's private members."""

RESERVED = frozenset({SD, "..."})
"""Names a disclosure may not carry (RFC 9901 §4.2.1)."""

SALT_BYTES = 16
"""128 random bits per salt, RFC 9901 §9.3's recommended minimum."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if any(c in text for c in "=+/") or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Disclosure:
    """One private payload member: its salt, name and value, and the exact text its digest covers."""

    encoded: str
    salt: str
    name: str
    value: JSONValue

    @cached_property
    def digest(self) -> str:
        """base64url(SHA-256(ASCII of the encoded disclosure)), the value placed in the payload's ``_sd``."""
        return b64url(hashlib.sha256(self.encoded.encode("ascii")).digest())

    @classmethod
    def make(cls, name: str, value: JSONValue, salt: str | None = None) -> Disclosure:
        """A new disclosure of ``name: value``; the salt is fresh randomness unless given."""
        salt = b64url(secrets.token_bytes(SALT_BYTES)) if salt is None else salt
        encoded = b64url(canonical_bytes([salt, name, value]))
        return cls(encoded, salt, name, value)

    @classmethod
    def parse(cls, text: object, pointer: str) -> Disclosure:
        """Decode a submitted disclosure, naming ``pointer`` when it is not one."""

        def bad(detail: str) -> MalformedError:
            return MalformedError(FieldProblem(pointer, detail))

        if not isinstance(text, str) or not text:
            raise bad("must be a disclosure: base64url text of the JSON array [salt, name, value]")
        try:
            value = parse_json(_b64url_decode(text))
        except (ValueError, binascii.Error) as exc:
            raise bad(f"is not base64url text: {exc}") from None
        except MalformedError as exc:
            raise bad(f"does not decode to JSON: {exc.diagnostics()}") from None
        if not isinstance(value, list) or len(value) != 3:
            raise bad("must decode to a JSON array of three members [salt, name, value]")
        salt, name, member = value
        if not isinstance(salt, str) or len(salt) < 22:
            raise bad("the salt must be a string of at least 22 characters (128 bits in base64url)")
        if not isinstance(name, str) or not name or name in RESERVED:
            raise bad("the name must be a payload member's name (not '_sd' or '...')")
        return cls(text, salt, name, member)


def conceal(
    payload: Mapping[str, Any], private: Collection[str], *, salt: Callable[[str, JSONValue], str] | None = None
) -> tuple[dict[str, Any], tuple[Disclosure, ...]]:
    """The payload to sign, with each ``private`` member replaced by a digest in ``_sd``, and the disclosures.

    ``salt(name, value)`` gives each member's salt; fresh randomness when it is not given."""
    kept = {k: v for k, v in payload.items() if k not in private}
    disclosures = tuple(
        Disclosure.make(name, payload[name], None if salt is None else salt(name, payload[name]))
        for name in sorted(payload)
        if name in private
    )
    if disclosures:
        kept[SD] = sorted(d.digest for d in disclosures)
    return kept, disclosures


def digests(payload: Mapping[str, Any], pointer: str) -> list[str]:
    """The payload's ``_sd`` digests (none when it has no ``_sd``), checked for form."""
    found = payload.get(SD, [])
    if not isinstance(found, list) or not all(isinstance(d, str) and len(d) == 43 for d in found):
        raise MalformedError(FieldProblem(f"{pointer}/{SD}", "must be an array of SHA-256 digests in base64url"))
    if len(set(found)) != len(found):
        raise MalformedError(FieldProblem(f"{pointer}/{SD}", "must not hold a digest twice"))
    return found


def reveal(
    payload: Mapping[str, Any],
    disclosures: Sequence[Disclosure],
    *,
    pointer: str = "/event/payload",
    disclosures_pointer: str = "/disclosures",
    complete: bool = True,
) -> dict[str, Any]:
    """The payload with every disclosed member put back in place of its digest.

    Each disclosure must match a digest of ``_sd`` and name a member the payload
    does not already have; with ``complete`` every digest must be disclosed (the
    ledger sees every fact it judges), otherwise undisclosed members (erased, or
    withheld) are simply absent."""
    committed = digests(payload, pointer)
    revealed = {k: v for k, v in payload.items() if k != SD}
    wanted = set(committed)
    problems: list[FieldProblem] = []
    for i, one in enumerate(disclosures):
        where = f"{disclosures_pointer}/{i}"
        if one.digest not in wanted:
            problems.append(FieldProblem(where, f"its digest {one.digest} is not in the event's {SD}"))
        elif one.name in revealed:
            problems.append(FieldProblem(where, f"payload member {one.name!r} is given twice"))
        else:
            wanted.discard(one.digest)
            revealed[one.name] = one.value
    if complete and wanted and not problems:
        problems += [
            FieldProblem(f"{pointer}/{SD}/{committed.index(d)}", "no disclosure was sent for this digest")
            for d in sorted(wanted, key=committed.index)
        ]
    if problems:
        raise MalformedError(problems)
    return revealed


def reveal_stored(payload: Mapping[str, Any], stored: Sequence[str]) -> Mapping[str, Any]:
    """A stored event's payload with the stored disclosures put back; members whose disclosure was erased
    stay absent. :class:`MalformedError` if a stored disclosure does not match its digest."""
    if not stored and SD not in payload:
        return payload
    found = [Disclosure.parse(text, f"/disclosures/{i}") for i, text in enumerate(stored)]
    return reveal(payload, found, complete=False)
