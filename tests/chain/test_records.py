"""Events, signatures and records: the pure byte-level core."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from ginseng_trace.chain import (
    GENESIS,
    SIGNING_CONTEXT,
    Event,
    MalformedError,
    Record,
    SignatureError,
    SignedEvent,
    SignerKey,
    canonical_bytes,
    seal,
    sign_event,
)

KEY = SignerKey("grower.one", bytes(range(32)))


def body(**changes: Any) -> dict[str, Any]:
    event = {
        "event_id": "evt-1",
        "lot_id": "LOT-1",
        "type": "harvest",
        "occurred_at": "2025-09-18T08:00:00Z",
        "actor": "grower.one",
        "key_id": KEY.verifier().key_id_hex,
        "payload": {"crop_age_years": 5},
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def test_signed_bytes_are_canonical_and_signature_covers_the_context() -> None:
    signed = sign_event(Event.from_json(body()), KEY)
    assert signed.signed_bytes == canonical_bytes(body())
    assert KEY.verifier().verifies(signed.signature, SIGNING_CONTEXT + signed.signed_bytes)
    assert not KEY.verifier().verifies(signed.signature, signed.signed_bytes)
    signed.verify(KEY.verifier())


def test_envelope_from_json_keeps_the_submitted_object() -> None:
    signed = sign_event(Event.from_json(body(inputs=["PLOT-1"])), KEY)
    again = SignedEvent.from_json(body(inputs=["PLOT-1"]), base64.b64encode(signed.signature).decode())
    assert again.signed_bytes == signed.signed_bytes
    again.verify(KEY.verifier())


def test_a_changed_byte_breaks_the_signature() -> None:
    signed = sign_event(Event.from_json(body()), KEY)
    forged = SignedEvent.from_stored(
        signed.signed_bytes.replace(b'"crop_age_years":5', b'"crop_age_years":6'), signed.signature
    )
    with pytest.raises(SignatureError, match="does not verify"):
        forged.verify(KEY.verifier())


def test_another_key_is_refused_even_with_a_valid_signature() -> None:
    other = SignerKey("grower.two", bytes(32))
    event = Event.from_json(body(actor="grower.two", key_id=other.verifier().key_id_hex))
    signed = sign_event(event, other)
    with pytest.raises(SignatureError, match="names key"):
        signed.verify(KEY.verifier())
    with pytest.raises(SignatureError, match="not the key the event names"):
        sign_event(event, KEY)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"event_id": ""}, "/event_id"),
        ({"event_id": "has space"}, "/event_id"),
        ({"lot_id": 7}, "/lot_id"),
        ({"type": "Harvest!"}, "/type"),
        ({"occurred_at": "2025-09-18 08:00:00"}, "/occurred_at"),
        ({"occurred_at": "2025-09-18T08:00:00+08:00"}, "/occurred_at"),
        ({"occurred_at": "2025-02-30T08:00:00Z"}, "/occurred_at"),
        ({"actor": "Grower One"}, "/actor"),
        ({"key_id": "ABCDEF12"}, "/key_id"),
        ({"payload": [1]}, "/payload"),
        ({"payload": None}, "/payload"),
        ({"inputs": "LOT-2"}, "/inputs"),
        ({"inputs": ["LOT-2", "LOT-2"]}, "/inputs"),
        ({"inputs": ["LOT-1"]}, "/inputs"),
        ({"inputs": ["ok", 3]}, "/inputs/1"),
        ({"colour": "red"}, "/colour"),
    ],
)
def test_invalid_events_name_the_field(changes: dict[str, Any], pointer: str) -> None:
    with pytest.raises(MalformedError) as caught:
        Event.from_json(body(**changes))
    assert pointer in [p.pointer for p in caught.value.problems]


def test_not_an_object_and_missing_fields() -> None:
    with pytest.raises(MalformedError, match="JSON object"):
        Event.from_json([])
    with pytest.raises(MalformedError) as caught:
        Event.from_json({"event_id": "x"})
    assert {p.pointer for p in caught.value.problems} >= {"/lot_id", "/type", "/payload"}


def test_fractional_seconds_are_accepted() -> None:
    event = Event.from_json(body(occurred_at="2025-09-18T08:00:00.123456789Z"))
    assert event.occurred == datetime(2025, 9, 18, 8, 0, 0, 123456, tzinfo=UTC)


def test_record_bytes_round_trip_and_link_to_inputs() -> None:
    signed = sign_event(Event.from_json(body(inputs=["PLOT-1"])), KEY)
    head = "ab" * 32
    sealed = seal(signed, seq=1, prev=GENESIS, input_heads={"PLOT-1": head}, recorded_at="2025-01-01T00:00:00.000000Z")
    record = Record.from_bytes(sealed.record_bytes)
    assert record == sealed.record
    assert record.inputs[0].head == head
    assert record.recorded_at == "2025-01-01T00:00:00.000000Z"
    assert len(sealed.record_hash) == 64


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: {**r, "extra": 1},
        lambda r: {k: v for k, v in r.items() if k != "prev"},
        lambda r: {**r, "seq": 0},
        lambda r: {**r, "prev": "xyz"},
        lambda r: {**r, "sig": "AAAA"},
        lambda r: {**r, "inputs": [{"lot": "a"}]},
    ],
)
def test_malformed_records_are_refused(mutate: Any) -> None:
    signed = sign_event(Event.from_json(body()), KEY)
    sealed = seal(signed, seq=1, prev=GENESIS, input_heads={}, recorded_at="2025-01-01T00:00:00.000000Z")
    with pytest.raises(MalformedError):
        Record.from_bytes(canonical_bytes(mutate(sealed.record.to_json())))
