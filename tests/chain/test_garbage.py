"""Garbage in gets a precise domain error out, never an exception trace."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.chain.bundle import BundleError
from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.chain.note import Checkpoint, Note, NoteError, open_checkpoint, sign_note
from ginseng_trace.chain.witness import WitnessRefusal, parse_add_checkpoint
from ginseng_trace.events.audit import verify_bundle

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
TEXT = Checkpoint(LOG.name, 3, bytes(32)).text()
NOTE = Note(TEXT, (sign_note(TEXT, LOG),)).to_text()


def mangled() -> st.SearchStrategy[bytes]:
    """Random bytes, and a real checkpoint with random bytes spliced in."""
    splice = st.tuples(st.integers(0, len(NOTE)), st.integers(0, 8), st.binary(max_size=12)).map(
        lambda t: NOTE.encode()[: t[0]] + t[2] + NOTE.encode()[t[0] + t[1] :]
    )
    return st.binary(max_size=300) | splice


@given(mangled())
def test_notes_and_checkpoints(data: bytes) -> None:
    try:
        open_checkpoint(data, [LOG.verifier()])
    except NoteError as exc:
        assert str(exc)  # noqa: PT017 - the input may also be valid (an empty splice), so no pytest.raises


@given(mangled())
def test_witness_requests(data: bytes) -> None:
    try:
        parse_add_checkpoint(b"old 0\n\n" + data)
    except WitnessRefusal as exc:
        assert exc.status == 400  # noqa: PT017 - as above


@given(
    st.binary(max_size=400)
    | st.from_regex(r'\{"format": ?"ginseng-trace/bundle/v1".{0,200}', fullmatch=True).map(str.encode)
)
def test_bundles(data: bytes) -> None:
    with pytest.raises(BundleError):
        verify_bundle(data, [LOG.verifier()], anchors=[LOG.verifier()])
