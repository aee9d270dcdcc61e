"""RFC 9162 Merkle tree hashing, proofs and their verification (public API).

A third party can import these pure functions (bytes in, bytes out)::

    from ginseng_trace.chain.merkle import (
        leaf_hash, root_hash, inclusion_proof, consistency_proof,
        verify_inclusion, verify_consistency,
    )

The hashing is RFC 9162 §2.1.1 with SHA-256: the empty tree's root is
SHA-256(""), a leaf is SHA-256(0x00 || data) and an interior node is
SHA-256(0x01 || left || right), where the left subtree holds the largest
power of two of leaves smaller than the node's size.

Proof generation is written against a *subtree source*: a function that returns
the hash of the complete, aligned subtree ``(level, index)``, that is of leaves
``[index * 2**level, (index + 1) * 2**level)``. The list-based public functions
build one from leaf hashes; the ledger builds one from stored subtree hashes,
so that a proof costs O(log n) reads and appending a leaf O(log n) work.

The two verification functions follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by
step, are strict (every hash exactly 32 bytes; no consistency proof from size
0), and raise :class:`VerificationError` saying what was expected and what was
computed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from .errors import VerificationError

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeSource = Callable[[int, int], bytes]
"""``(level, index) -> hash`` of the complete subtree of leaves [index·2^level, (index+1)·2^level)."""

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "SubtreeSource",
    "append_leaves",
    "consistency_proof",
    "consistency_proof_from",
    "frontier",
    "inclusion_proof",
    "inclusion_proof_from",
    "leaf_hash",
    "node_hash",
    "range_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of a leaf (RFC 9162 §2.1.1)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(start: int, end: int, node: SubtreeSource) -> bytes:
    """MTH(D[start:end]) for a range that arises in RFC 9162's recursion (``start`` aligned to the range's split)."""
    size = end - start
    if size & (size - 1) == 0:  # a complete subtree
        level = size.bit_length() - 1
        return node(level, start >> level)
    k = _split(size)
    return node_hash(range_hash(start, start + k, node), range_hash(start + k, end, node))


def _path(m: int, start: int, end: int, node: SubtreeSource) -> list[bytes]:
    """PATH(m, D[start:end]) of RFC 9162 §2.1.3.1, leaf-to-root order."""
    if end - start == 1:
        return []
    k = _split(end - start)
    if m < k:
        return [*_path(m, start, start + k, node), range_hash(start + k, end, node)]
    return [*_path(m - k, start + k, end, node), range_hash(start, start + k, node)]


def _subproof(m: int, start: int, end: int, whole: bool, node: SubtreeSource) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1."""
    n = end - start
    if m == n:
        return [] if whole else [range_hash(start, end, node)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, start, start + k, whole, node), range_hash(start + k, end, node)]
    return [*_subproof(m - k, start + k, end, False, node), range_hash(start, start + k, node)]


def inclusion_proof_from(index: int, size: int, node: SubtreeSource) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    return _path(index, 0, size, node)


def consistency_proof_from(size1: int, size2: int, node: SubtreeSource) -> list[bytes]:
    """The consistency proof from the tree of ``size1`` leaves to the tree of ``size2`` leaves."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    return _subproof(size1, 0, size2, True, node)


def frontier(size: int) -> list[tuple[int, int]]:
    """The complete subtrees ``(level, index)`` that make up a tree of ``size`` leaves, left to right."""
    nodes, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def append_leaves(size: int, leaves: Sequence[bytes], node: SubtreeSource) -> list[tuple[int, int, bytes]]:
    """The complete subtrees ``(level, index, hash)`` created by appending ``leaves`` (leaf hashes) to a tree of
    ``size`` leaves. ``node`` is asked only for subtrees of the existing tree's :func:`frontier`; with the
    results stored, every later proof and root needs O(log n) subtree reads."""
    new: dict[tuple[int, int], bytes] = {}

    def get(level: int, index: int) -> bytes:
        return new[(level, index)] if (level, index) in new else node(level, index)

    created: list[tuple[int, int, bytes]] = []
    for offset, leaf in enumerate(leaves):
        level, index, value = 0, size + offset, leaf
        while True:
            new[(level, index)] = value
            created.append((level, index, value))
            if not index & 1:
                break
            value = node_hash(get(level, index - 1), value)
            level, index = level + 1, index >> 1
    return created


def _list_source(leaf_hashes: Sequence[bytes]) -> SubtreeSource:
    memo: dict[tuple[int, int], bytes] = {}

    def node(level: int, index: int) -> bytes:
        if level == 0:
            return leaf_hashes[index]
        key = (level, index)
        if key not in memo:
            memo[key] = node_hash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1))
        return memo[key]

    return node


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a tree whose leaves hash to ``leaf_hashes`` (the empty tree: SHA-256(""))."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return range_hash(0, len(leaf_hashes), _list_source(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of all ``leaf_hashes``."""
    return inclusion_proof_from(index, len(leaf_hashes), _list_source(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int) -> list[bytes]:
    """The consistency proof from the tree of the first ``size1`` leaves to the tree of all ``leaf_hashes``."""
    return consistency_proof_from(size1, len(leaf_hashes), _list_source(leaf_hashes))


def _check_hash(name: str, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        length = len(value) if isinstance(value, bytes) else type(value).__name__
        raise VerificationError(f"{name} must be a {HASH_SIZE}-byte hash, got {length}")


def verify_inclusion(leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf`` (a leaf hash) is leaf ``index`` of the tree of ``tree_size`` leaves whose root
    is ``root``, by RFC 9162 §2.1.3.2. Raises :class:`VerificationError`."""
    _check_hash("leaf hash", leaf)
    _check_hash("root hash", root)
    for i, p in enumerate(proof):
        _check_hash(f"proof hash {i}", p)
    # 1. leaf_index must be inside the tree.
    if not 0 <= index < tree_size:
        raise VerificationError(f"leaf index {index} is outside a tree of size {tree_size}")
    # 2.-3.
    fn, sn, r = index, tree_size - 1, leaf
    # 4.
    for p in proof:
        if sn == 0:
            raise VerificationError(f"inclusion proof is too long for leaf {index} of a tree of size {tree_size}")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # 5.
    if sn != 0:
        raise VerificationError(f"inclusion proof is too short for leaf {index} of a tree of size {tree_size}")
    if r != root:
        raise VerificationError(f"inclusion proof gives root {r.hex()}, expected {root.hex()}")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size1`` leaves with root ``root1`` is a prefix of the tree of ``size2``
    leaves with root ``root2``, by RFC 9162 §2.1.4.2. Raises :class:`VerificationError`."""
    _check_hash("first root hash", root1)
    _check_hash("second root hash", root2)
    for i, c in enumerate(proof):
        _check_hash(f"proof hash {i}", c)
    if size1 <= 0:
        raise VerificationError(f"no consistency proof from size {size1}: the first tree must not be empty")
    if size1 > size2:
        raise VerificationError(f"first size {size1} is larger than second size {size2}")
    if size1 == size2:
        if proof:
            raise VerificationError("a consistency proof between equal sizes must be empty")
        if root1 != root2:
            raise VerificationError(f"trees of equal size {size1} have different roots {root1.hex()} and {root2.hex()}")
        return
    # 1.
    if not proof:
        raise VerificationError("consistency proof is empty")
    path = list(proof)
    # 2.
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # 3.-4.
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    if sn != 0:
        raise VerificationError("consistency proof is too short")
    if fr != root1:
        raise VerificationError(f"consistency proof gives first root {fr.hex()}, expected {root1.hex()}")
    if sr != root2:
        raise VerificationError(f"consistency proof gives second root {sr.hex()}, expected {root2.hex()}")
