"""RFC 9162 Merkle trees: the RFC 6962 test vectors, properties, and strict verification."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.chain import VerificationError
from ginseng_trace.chain.merkle import (
    EMPTY_ROOT,
    append_leaves,
    consistency_proof,
    frontier,
    inclusion_proof,
    leaf_hash,
    node_hash,
    range_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

from ..conftest import VECTORS

V = json.loads((VECTORS / "merkle" / "rfc6962_vectors.json").read_text())
LEAVES = [leaf_hash(bytes.fromhex(x)) for x in V["leaves_hex"]]


def h(hex_: str) -> bytes:
    return bytes.fromhex(hex_)


def test_leaf_and_node_hashes_match_the_vectors() -> None:
    assert [x.hex() for x in LEAVES] == V["node_hashes_by_level"]["0"]
    assert [node_hash(LEAVES[2 * i], LEAVES[2 * i + 1]).hex() for i in range(4)] == V["node_hashes_by_level"]["1"]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_vectors(size: int) -> None:
    assert root_hash(LEAVES[:size]).hex() == V["roots"][str(size)]
    assert root_hash([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("case", V["inclusion"], ids=lambda c: f"{c['leaf_index']}-of-{c['tree_size']}")
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    proof = inclusion_proof(LEAVES[: case["tree_size"]], case["leaf_index"])
    assert [p.hex() for p in proof] == case["proof"]
    verify_inclusion(h(case["leaf_hash"]), case["leaf_index"], case["tree_size"], proof, h(case["root"]))


@pytest.mark.parametrize("case", V["consistency"], ids=lambda c: f"{c['size1']}-to-{c['size2']}")
def test_consistency_vectors(case: dict[str, Any]) -> None:
    proof = consistency_proof(LEAVES[: case["size2"]], case["size1"])
    assert [p.hex() for p in proof] == case["proof"]
    verify_consistency(case["size1"], case["size2"], proof, h(case["root1"]), h(case["root2"]))


def test_strict_verification_refuses_bad_shapes() -> None:
    root = root_hash(LEAVES)
    proof = inclusion_proof(LEAVES, 5)
    with pytest.raises(VerificationError, match="32-byte"):
        verify_inclusion(LEAVES[5][:31], 5, 8, proof, root)
    with pytest.raises(VerificationError, match="32-byte"):
        verify_inclusion(LEAVES[5], 5, 8, [*proof[:-1], proof[-1] + b"\x00"], root)
    with pytest.raises(VerificationError, match="outside"):
        verify_inclusion(LEAVES[5], 8, 8, proof, root)
    with pytest.raises(VerificationError, match="too short"):
        verify_inclusion(LEAVES[5], 5, 8, proof[:-1], root)
    with pytest.raises(VerificationError, match="too long"):
        verify_inclusion(LEAVES[5], 5, 8, [*proof, proof[0]], root)
    with pytest.raises(VerificationError, match=f"expected {root.hex()}"):
        verify_inclusion(LEAVES[4], 5, 8, proof, root)
    with pytest.raises(VerificationError, match="size 0"):
        verify_consistency(0, 8, [], EMPTY_ROOT, root)
    with pytest.raises(VerificationError, match="larger"):
        verify_consistency(8, 7, [], root, root)
    with pytest.raises(VerificationError, match="empty"):
        verify_consistency(3, 8, [], root_hash(LEAVES[:3]), root)
    with pytest.raises(VerificationError, match="different roots"):
        verify_consistency(8, 8, [], root, root_hash(LEAVES[:7]))


sizes = st.integers(1, 70)


@given(sizes, st.data())
def test_every_inclusion_proof_verifies_and_no_other_leaf_does(n: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    root = root_hash(leaves)
    index = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(leaves, index)
    assert len(proof) <= n.bit_length()
    verify_inclusion(leaves[index], index, n, proof, root)
    other = data.draw(st.integers(0, n - 1).filter(lambda i: i != index))
    with pytest.raises(VerificationError):
        verify_inclusion(leaves[other], index, n, proof, root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaves[index], other, n, proof, root)


@given(sizes, st.data())
def test_every_consistency_proof_verifies_and_a_rewritten_prefix_does_not(n: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    m = data.draw(st.integers(1, n))
    proof = consistency_proof(leaves, m)
    verify_consistency(m, n, proof, root_hash(leaves[:m]), root_hash(leaves))
    rewritten = [*leaves[: m - 1], leaf_hash(b"forged"), *leaves[m:]]
    with pytest.raises(VerificationError):
        verify_consistency(m, n, proof, root_hash(rewritten[:m]), root_hash(leaves))
    if m < n:
        with pytest.raises(VerificationError):
            verify_consistency(m, n, proof, root_hash(leaves[:m]), root_hash(rewritten))


@given(sizes, st.data())
def test_a_changed_proof_byte_never_verifies(n: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    index = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(leaves, index)
    if not proof:
        return
    which = data.draw(st.integers(0, len(proof) - 1))
    byte = data.draw(st.integers(0, 31))
    forged = bytearray(proof[which])
    forged[byte] ^= data.draw(st.integers(1, 255))
    with pytest.raises(VerificationError):
        verify_inclusion(
            leaves[index], index, n, [*proof[:which], bytes(forged), *proof[which + 1 :]], root_hash(leaves)
        )


@given(st.lists(st.integers(1, 20), min_size=1, max_size=6))
def test_incremental_appends_store_what_proofs_need(batches: list[int]) -> None:
    """Appending in batches through append_leaves yields the same roots and proofs as the whole list."""
    store: dict[tuple[int, int], bytes] = {}
    leaves: list[bytes] = []
    for count in batches:
        new = [leaf_hash(len(leaves).to_bytes(4, "big") + bytes([i])) for i in range(count)]
        asked: list[tuple[int, int]] = []

        def node(level: int, index: int, asked: list[tuple[int, int]] = asked) -> bytes:
            asked.append((level, index))
            return store[(level, index)]

        for level, index, value in append_leaves(len(leaves), new, node):
            store[(level, index)] = value
        assert set(asked) <= set(frontier(len(leaves)))
        leaves += new
        size = len(leaves)
        assert range_hash(0, size, lambda lv, ix: store[(lv, ix)]) == root_hash(leaves)
        for level, index in frontier(size):
            assert store[(level, index)] == root_hash(leaves[index << level : (index + 1) << level])
