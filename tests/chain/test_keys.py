"""Ed25519 keys in the C2SP signed-note text forms."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.chain import MalformedError, SignerKey, VerifierKey
from ginseng_trace.chain.curve import public_key_problem

from ..conftest import VECTORS


def test_the_c2sp_example_verifier_key_parses_and_round_trips() -> None:
    text = (VECTORS / "checkpoint/c2sp_signed_note_example.vkey").read_text().strip()
    key = VerifierKey.parse(text)
    assert key.name == "example.com/foo"
    assert key.text() == text
    expected_id = hashlib.sha256(b"example.com/foo\n\x01" + key.public_key).digest()[:4]
    assert key.key_id == expected_id


def test_signer_key_round_trips_and_signs() -> None:
    signer = SignerKey.generate("grower.one")
    again = SignerKey.parse(signer.text())
    assert again == signer
    signature = signer.sign(b"hello")
    assert signer.verifier().verifies(signature, b"hello")
    assert not signer.verifier().verifies(signature, b"hellO")
    assert not signer.verifier().verifies(signature[:63], b"hello")


ORDER_EIGHT = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"  # a point of order 8
SOUND = SignerKey("x", bytes(32)).verifier().public_key


def _vkey(name: str, raw: bytes, id_hex: str | None = None) -> str:
    ident = id_hex or hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    return f"{name}+{ident}+{base64.b64encode(raw).decode()}"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a+b", "<name>"),
        (_vkey("x", b"\x01" + SOUND, "deadbeef"), "does not match"),
        (_vkey("x", b"\x01" + bytes(32)), "small order"),
        (_vkey("x", b"\x01" + b"\x01" + bytes(31)), "small order"),  # the identity
        (
            _vkey("x", b"\x01" + bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")),
            "small order",
        ),
        (_vkey("x", b"\x01" + b"\xed" + b"\xff" * 30 + b"\x7f"), "canonical"),  # y = p
        (_vkey("x", b"\x01" + b"\x02" + bytes(31)), "not a point"),
        (_vkey("x", b"\x02" + bytes(32)), "0x01"),
        (_vkey("x", b"\x01" + bytes(31)), "0x01"),
        ("x+00000000+!!!!", "invalid base64"),
        (_vkey("has space", b"\x01" + bytes(32), "00000000"), "invalid key name"),
    ],
)
def test_malformed_verifier_keys_are_refused(text: str, why: str) -> None:
    with pytest.raises(MalformedError, match=why):
        VerifierKey.parse(text)


def test_malformed_signer_key_is_refused() -> None:
    with pytest.raises(MalformedError, match="PRIVATE"):
        SignerKey.parse("KEY+x+00000000+AA==")


@given(st.binary(min_size=32, max_size=32), st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True))
def test_every_key_round_trips_through_its_text_form(seed: bytes, name: str) -> None:
    """Base64 may contain '+', the field separator: parsing must still find the three (or five) fields."""
    signer = SignerKey(name, seed)
    assert SignerKey.parse(signer.text()) == signer
    assert VerifierKey.parse(signer.verifier().text()) == signer.verifier()


@given(st.binary(min_size=32, max_size=32))
def test_every_generated_key_is_sound_and_small_order_multiples_are_not(seed: bytes) -> None:
    """A key made from any seed is accepted; the ledger's check agrees with OpenSSL's key generation."""
    assert public_key_problem(SignerKey("x", seed).verifier().public_key) is None
