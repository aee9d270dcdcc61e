"""Which 32-byte strings are Ed25519 public keys a signature can rely on.

RFC 8032 §5.1.3 decodes a point; verifiers differ on the rest. OpenSSL (the server's and
Python's verifier) accepts a key of small order, for which anyone can make a signature that
verifies, while the strict verifiers (the browser fallback, noble's ``zip215: false``) refuse it.
So the ledger refuses such keys where they come in, and with them encodings that are not
canonical (y ≥ p) or not on the curve: every verifier then agrees on every key it holds.
"""

from __future__ import annotations

from functools import lru_cache

P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _inverse(n: int) -> int:
    return pow(n, P - 2, P)


def _point(raw: bytes) -> tuple[int, int] | str:
    """The affine point ``raw`` encodes, or why it encodes none (RFC 8032 §5.1.3)."""
    number = int.from_bytes(raw, "little")
    sign, y = number >> 255, number & ((1 << 255) - 1)
    if y >= P:
        return "an Ed25519 public key's y coordinate must be below p (a canonical encoding)"
    x2 = (y * y - 1) * _inverse(D * y * y + 1) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return "the public key is not a point on Ed25519"
    if x == 0 and sign:
        return "the public key's encoding is not canonical (x = 0 with its sign bit set)"
    if x % 2 != sign:
        x = P - x
    return x, y


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    """Twisted Edwards addition (a = -1), affine: complete on Ed25519."""
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return (x1 * y2 + y1 * x2) * _inverse(1 + t) % P, (y1 * y2 + x1 * x2) * _inverse(1 - t) % P


@lru_cache(maxsize=4096)  # keys recur: each actor's is read for every record it signed
def public_key_problem(raw: bytes) -> str | None:
    """Why ``raw`` (32 bytes) is no key to rely on, or None for a sound one."""
    point = _point(raw)
    if isinstance(point, str):
        return point
    for _ in range(3):  # [8]P: the identity exactly when P's order divides the cofactor
        point = _add(point, point)
    if point == (0, 1):
        return "the public key has small order: anyone could sign for it"
    return None
