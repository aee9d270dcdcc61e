"""C2SP signed notes, checkpoints and cosignatures."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.chain.keys import ALG_COSIGNATURE, SignerKey, VerifierKey
from ginseng_trace.chain.merkle import EMPTY_ROOT
from ginseng_trace.chain.note import (
    Checkpoint,
    Note,
    NoteError,
    NoteSignature,
    cosign,
    open_checkpoint,
    sign_note,
    verify_note,
)

from ..conftest import VECTORS

EXAMPLE = (VECTORS / "checkpoint" / "c2sp_signed_note_example.note").read_bytes()
EXAMPLE_KEY = VerifierKey.parse((VECTORS / "checkpoint" / "c2sp_signed_note_example.vkey").read_text())
LOG = SignerKey("ginseng.example/log", bytes(range(32)))
WITNESS = SignerKey("regulator.example/witness", bytes(range(1, 33)), ALG_COSIGNATURE)


def test_the_spec_example_verifies() -> None:
    note = Note.parse(EXAMPLE)
    assert note.text == "This is an example message.\n"
    [verified] = verify_note(note, [EXAMPLE_KEY])
    assert verified.key == EXAMPLE_KEY
    assert note.to_text().encode() == EXAMPLE


def test_unknown_keys_are_ignored_and_a_failed_known_signature_rejects() -> None:
    text = "hello\n"
    other = SignerKey("other.example/k", bytes(32))
    note = Note(text, (sign_note(text, other), sign_note(text, LOG)))
    assert [v.key.name for v in verify_note(note, [LOG.verifier()])] == [LOG.name]
    # same name, another key id: unknown, ignored; only the unknown one: rejected
    impostor = SignerKey(LOG.name, bytes(32))
    assert verify_note(Note(text, (sign_note(text, impostor), sign_note(text, LOG))), [LOG.verifier()])
    with pytest.raises(NoteError, match="no signature by a known key"):
        verify_note(Note(text, (sign_note(text, impostor),)), [LOG.verifier()])
    forged = NoteSignature(LOG.name, LOG.verifier().key_id, bytes(64))
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(Note(text, (sign_note(text, LOG), forged)), [LOG.verifier()])


def test_at_least_sixteen_signatures_are_accepted() -> None:
    text = "many\n"
    signers = [SignerKey(f"w{i}.example", bytes([i]) * 32) for i in range(20)]
    note = Note.parse(Note(text, tuple(sign_note(text, s) for s in signers)).to_text())
    assert len(verify_note(note, [s.verifier() for s in signers])) == 20


GOOD = Note("a\n", (sign_note("a\n", LOG),)).to_text()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("a\n" + GOOD.split("\n\n")[1], "no blank line"),
        (GOOD[:-1], "does not end with a newline"),
        ("a\n\n", "no signature lines"),
        (GOOD + "trailing text\n", "em dash"),
        (GOOD.replace("\u2014 ", "- "), "em dash"),
        (GOOD.replace(LOG.name, "bad+name"), "invalid key name"),
        (GOOD.replace(LOG.name + " ", LOG.name), "has no signature"),
        ("a\n\n\u2014 k AAAA\n", "shorter than a key id"),
        ("a\n\n\u2014 k !!!\n", "signature line"),
        ("a\tb\n" + GOOD[2:], "control characters"),
        (b"\xff\n\n", "not UTF-8"),
        ("a\n\n" + "\u2014 k AAAAAAA=\n" * 101, "more than 100"),
    ],
)
def test_malformed_notes_are_rejected(data: str | bytes, why: str) -> None:
    with pytest.raises(NoteError, match=why):
        verify_note(Note.parse(data), [LOG.verifier()])


def test_checkpoint_round_trip_and_strict_parsing() -> None:
    checkpoint = Checkpoint("ginseng.example/log", 24, bytes(range(32)))
    assert checkpoint.text() == f"ginseng.example/log\n24\n{base64.b64encode(bytes(range(32))).decode()}\n"
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
    signed = Note(checkpoint.text(), (sign_note(checkpoint.text(), LOG),)).to_text()
    parsed, _, [verified] = open_checkpoint(signed, [LOG.verifier()])
    assert (parsed, verified.key) == (checkpoint, LOG.verifier())
    root = base64.b64encode(EMPTY_ROOT).decode()
    for text, why in [
        ("o\n012\n" + root + "\n", "leading zeros"),
        ("o\n-1\n" + root + "\n", "decimal"),
        ("o\n1\n", "fewer than three"),
        ("o\n1\nAAAA\n", "root hash is 3 bytes"),
        ("o\n1\n%%%\n", "not base64"),
        ("o\n1\n" + root, "newline"),
    ]:
        with pytest.raises(NoteError, match=why):
            Checkpoint.parse(text)


def test_cosignatures_verify_with_their_timestamp_and_type() -> None:
    text = Checkpoint("ginseng.example/log", 7, EMPTY_ROOT).text()
    line = cosign(text, WITNESS, 1_764_000_000)
    note = Note(text, (sign_note(text, LOG), line))
    verified = verify_note(note, [LOG.verifier(), WITNESS.verifier()])
    assert [(v.key.name, v.timestamp) for v in verified] == [(LOG.name, None), (WITNESS.name, 1_764_000_000)]
    # the witness key as a vkey round-trips with type 0x04 and a key id that differs from type 0x01
    vkey = VerifierKey.parse(WITNESS.verifier().text())
    assert vkey.alg == ALG_COSIGNATURE
    assert vkey.key_id != VerifierKey(WITNESS.name, vkey.public_key).key_id
    shifted = NoteSignature(line.name, line.key_id, (1_764_000_001).to_bytes(8, "big") + line.signature[8:])
    with pytest.raises(NoteError, match=r"cosignature by regulator\.example/witness does not verify"):
        verify_note(Note(text, (shifted,)), [WITNESS.verifier()])
    with pytest.raises(NoteError, match="not a cosigning"):
        cosign(text, LOG, 1)


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=40))
def test_any_text_round_trips(body: str) -> None:
    text = body.replace("\n", "") + "\n"
    note = Note(text, (sign_note(text, LOG),))
    again = Note.parse(note.to_text())
    assert again == note
    assert verify_note(again, [LOG.verifier()])


def test_a_signature_or_root_in_non_canonical_base64_is_refused() -> None:
    """Base64 whose unused trailing bits are set decodes to the same bytes: accepting it would let anyone give
    one signed checkpoint many texts (a bundle's bytes changed, and it still verified)."""
    checkpoint = Checkpoint("ginseng.example/log", 24, bytes(range(32)))
    signed = Note(checkpoint.text(), (sign_note(checkpoint.text(), LOG),)).to_text()
    line = signed.rstrip("\n").rsplit("\n", 1)[-1]
    data = line.rsplit(" ", 1)[-1]
    assert data.endswith("=")  # 4 + 64 bytes: the last character before the padding has unused bits
    loose = data[:-2] + chr(ord(data[-2]) + 1) + data[-1]
    assert base64.b64decode(loose) == base64.b64decode(data)
    with pytest.raises(NoteError, match="not canonical base64"):
        NoteSignature.parse_line(line.replace(data, loose))
    assert NoteSignature.parse_line(line).signature  # the canonical line parses
    root = base64.b64encode(bytes(range(32))).decode()  # 32 bytes: one padding character, 2 unused bits
    loose_root = root[:-2] + chr(ord(root[-2]) + 1) + root[-1]
    assert base64.b64decode(loose_root) == bytes(range(32))
    with pytest.raises(NoteError, match="root hash is not canonical base64"):
        Checkpoint.parse(f"ginseng.example/log\n24\n{loose_root}\n")
