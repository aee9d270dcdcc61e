"""Property-based tests of the pure chain: random lot graphs seal into chains that verify,
and any single changed byte is caught at exactly the record that holds it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ginseng_trace.chain import (
    GENESIS,
    ChainBrokenError,
    Event,
    Record,
    SignerKey,
    StoredEntry,
    seal,
    sign_event,
    verify_entries,
)
from ginseng_trace.chain.keys import ActorKey

KEY = SignerKey("prop.actor", bytes(range(32)))
VKEY = KEY.verifier()


ACTOR_KEY = ActorKey(VKEY, "2000-01-01T00:00:00Z")


def lookup(actor: str, key_id: str) -> ActorKey | None:
    return ACTOR_KEY if (actor, key_id) == (VKEY.name, VKEY.key_id_hex) else None


# An operation appends one event to lot `lot`, consuming the lots at `inputs` (indexes of lots that exist).
operations = st.lists(
    st.tuples(st.integers(0, 5), st.sets(st.integers(0, 5), max_size=2)),
    min_size=1,
    max_size=25,
)


def build(ops: list[tuple[int, set[int]]]) -> list[StoredEntry]:
    heads: dict[str, tuple[int, str]] = {}
    entries: list[StoredEntry] = []
    for index, (lot_no, input_nos) in enumerate(ops):
        lot = f"LOT-{lot_no}"
        inputs = [f"LOT-{n}" for n in sorted(input_nos) if f"LOT-{n}" in heads and n != lot_no]
        event = Event.from_json(
            {
                "event_id": f"e{index}",
                "lot_id": lot,
                "type": "process" if inputs else "field_operation",
                "occurred_at": "2025-01-01T00:00:00Z",
                "actor": KEY.name,
                "key_id": VKEY.key_id_hex,
                "inputs": inputs,
                "payload": {"n": index},
            }
        )
        signed = sign_event(event, KEY)
        seq, prev = heads.get(lot, (0, GENESIS))
        sealed = seal(
            signed,
            seq=seq + 1,
            prev=prev,
            input_heads={i: heads[i][1] for i in inputs},
            recorded_at="2025-01-02T00:00:00.000000Z",
        )
        heads[lot] = (seq + 1, sealed.record_hash)
        entries.append(
            StoredEntry(
                index, event.event_id, lot, seq + 1, sealed.record_hash, signed.signed_bytes, sealed.record_bytes
            )
        )
    return entries


@pytest.mark.slow
@given(operations)
def test_sealed_chains_verify(ops: list[tuple[int, set[int]]]) -> None:
    entries = build(ops)
    report = verify_entries(entries, lookup)
    assert report.records == len(entries)
    assert set(report.lots) == {e.lot_id for e in entries}


@settings(max_examples=60)
@given(operations, st.data())
def test_any_changed_byte_is_caught_at_its_record(ops: list[tuple[int, set[int]]], data: st.DataObject) -> None:
    entries = build(ops)
    target = data.draw(st.integers(0, len(entries) - 1))
    field = data.draw(st.sampled_from(["event_bytes", "record_bytes"]))
    original: bytes = getattr(entries[target], field)
    position = data.draw(st.integers(0, len(original) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = bytearray(original)
    changed[position] ^= flip
    entries[target] = replace(entries[target], **{field: bytes(changed)})  # type: ignore[arg-type]
    with pytest.raises(ChainBrokenError) as caught:
        verify_entries(entries, lookup)
    assert caught.value.brk.log_index == target
    assert caught.value.brk.check == ("event hash" if field == "event_bytes" else "record hash")


@given(operations, st.data())
def test_a_removed_record_is_caught_when_anything_links_to_it(
    ops: list[tuple[int, set[int]]], data: st.DataObject
) -> None:
    """The chain alone catches a removed record only when a later record links to it (its lot's next
    record, or a consumer's input head). Removing a lot's latest, unreferenced record needs the
    transparency log (issue 3) to detect."""
    entries = build(ops)
    target = data.draw(st.integers(0, len(entries) - 1))
    removed = entries.pop(target)
    later = entries[target:]
    linked = any(e.lot_id == removed.lot_id for e in later) or any(
        link.head == removed.record_hash for e in later for link in Record.from_bytes(e.record_bytes).inputs
    )
    if linked:
        with pytest.raises(ChainBrokenError):
            verify_entries(entries, lookup)
    else:
        assert verify_entries(entries, lookup).records == len(entries)
