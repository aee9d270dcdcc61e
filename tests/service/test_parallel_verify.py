"""Whole-ledger verification with its signatures checked in worker processes (``service.signature_workers``): a
bad signature in the middle of the ledger, many batches in, is named at its record, and the report is the one
the single-process path gives, on both engines."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import Engine

from ginseng_trace.chain.canonical import canonical_bytes, parse_canonical
from ginseng_trace.chain.records import sha256_hex
from ginseng_trace.service import Services, signature_workers

from .test_tampering import logged, record_at, sql

__all__ = ["logged"]  # the fixture, shared with the tampering tests


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 7 records, so that the demo ledger is dozens of batches, several in flight at once."""
    monkeypatch.setattr(signature_workers, "BATCH", 7)


def test_an_intact_ledger_gives_the_same_report_with_workers(logged: Services) -> None:
    one = logged.checks.audit(workers=1)
    two = logged.checks.audit(workers=2)
    assert one.intact, one.problems
    assert two == one
    assert two.records > 10 * signature_workers.BATCH


def test_a_bad_signature_mid_ledger_is_named_at_its_record_by_the_workers(engine: Engine, logged: Services) -> None:
    records = logged.checks.audit(workers=1).records
    index = records // 2
    record, _event, event_id = record_at(engine, index)
    fields = parse_canonical(record)
    signature = bytearray(base64.b64decode(str(fields["sig"])))
    signature[10] ^= 0x01
    fields["sig"] = base64.b64encode(bytes(signature)).decode()
    changed = canonical_bytes(fields)
    sql(
        engine,
        "UPDATE records SET record_bytes = :b, record_hash = :h WHERE log_index = :i",
        b=changed,
        h=bytes.fromhex(sha256_hex(changed)),
        i=index,
    )
    one = logged.checks.audit(workers=1)
    two = logged.checks.audit(workers=2)
    assert two == one
    signature_problems = [p for p in two.problems if p.check == "signature"]
    assert [(p.log_index, p.event_id) for p in signature_problems] == [(index, event_id)]
    assert f"record {index} (event {event_id!r}" in signature_problems[0].sentence()
    assert two.records == records
