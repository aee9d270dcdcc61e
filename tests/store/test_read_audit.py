"""The read audit trail on both engines: rows written and read back by filter, and refused UPDATE and DELETE."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ginseng_trace.store import LedgerRepository, ReadsRepository, Store


def test_the_read_audit_is_append_only_and_filtered(engine: Engine) -> None:
    store = Store(engine)

    def add(unit: LedgerRepository) -> None:
        repo = ReadsRepository.of(unit)
        repo.add_read("2026-01-01T00:00:00.000000Z", "mpa-1", "mpa", "session", "GET /x", "findings", None, [])
        repo.add_read(
            "2026-01-02T00:00:00.000000Z", "farm-1", "farm", "token:ab", "GET /y", "private_members", "P-1", ["e-1"]
        )

    store.write(add, append_lock=False)
    rows = store.read(lambda unit: ReadsRepository.of(unit).reads())
    assert [(r.actor, r.lot_id, r.event_ids) for r in rows] == [("mpa-1", None, ()), ("farm-1", "P-1", ("e-1",))]
    assert [
        r.actor for r in store.read(lambda u: ReadsRepository.of(u).reads(since="2026-01-02T00:00:00.000000Z"))
    ] == ["farm-1"]
    assert store.read(lambda u: ReadsRepository.of(u).reads(until="2026-01-01T00:00:00.000000Z")) == []
    assert [r.id for r in store.read(lambda u: ReadsRepository.of(u).reads(after=rows[0].id))] == [rows[1].id]
    for statement in ("UPDATE read_audit SET actor = 'someone'", "DELETE FROM read_audit"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert len(store.read(lambda unit: ReadsRepository.of(unit).reads())) == 2
