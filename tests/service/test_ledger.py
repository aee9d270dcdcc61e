"""The ledger's use cases on both engines: append, idempotency, refusals, history, verification, tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from ginseng_trace.chain import (
    GENESIS,
    ChainBrokenError,
    MalformedError,
    SignatureError,
    SignedEvent,
    SignerKey,
    canonical_bytes,
)
from ginseng_trace.chain.records import Record, sha256_hex
from ginseng_trace.service import (
    ConflictError,
    NewActor,
    NotFoundError,
    RuleViolationError,
    Services,
    UnknownKeyError,
    UnknownLotError,
)
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor


def chain_of_three(ledger: Services, grower: Actor) -> list[str]:
    """A plot, its harvest, and a processed batch made from it. Returns the record hashes."""
    a = ledger.events.append(grower.sign("PLOT-1", "register_plot", event_id="e-plot"))
    b = ledger.events.append(grower.sign("PLOT-1", "sow", event_id="e-sow"))
    c = ledger.events.append(grower.sign("HV-1", "harvest", event_id="e-harvest", inputs=["PLOT-1"]))
    d = ledger.events.append(grower.sign("RG-1", "process", event_id="e-process", inputs=["HV-1"]))
    return [r.record.record_hash for r in (a, b, c, d)]


def test_records_chain_within_a_lot_and_link_to_inputs(ledger: Services, grower: Actor) -> None:
    plot, sow, harvest, process = chain_of_three(ledger, grower)
    history = ledger.records.history("PLOT-1")
    assert [v.record["seq"] for v in history] == [1, 2]
    assert history[0].record["prev"] == GENESIS
    assert history[1].record["prev"] == plot
    [hv] = ledger.records.history("HV-1")
    assert hv.record["prev"] == GENESIS
    assert hv.record["inputs"] == [{"lot": "PLOT-1", "head": sow}]
    [rg] = ledger.records.history("RG-1")
    assert rg.record["inputs"] == [{"lot": "HV-1", "head": harvest}]
    assert rg.record_hash == process
    enrolment = 3  # the grower's organisation, actor and key come first in the log
    assert [v.log_index for v in (*history, hv, rg)] == [enrolment + i for i in range(4)]


def test_get_by_record_hash_or_event_hash(ledger: Services, grower: Actor) -> None:
    signed = grower.sign("PLOT-1", "register_plot")
    stored = ledger.events.append(signed).record
    assert ledger.records.record(stored.record_hash) == stored
    assert ledger.records.record(signed.event_hash) == stored
    assert stored.event_hash == sha256_hex(signed.signed_bytes)
    with pytest.raises(NotFoundError):
        ledger.records.record("00" * 32)
    with pytest.raises(MalformedError, match="/hash"):
        ledger.records.record("XYZ")


def test_retrying_the_same_event_returns_the_stored_record(ledger: Services, grower: Actor) -> None:
    signed = grower.sign("PLOT-1", "register_plot")
    first = ledger.events.append(signed)
    again = ledger.events.append(signed)
    assert (first.created, again.created) == (True, False)
    assert again.record == first.record
    assert ledger.records.count() == 3 + 1  # the grower's enrolment, the plot once


def test_same_event_id_with_other_content_is_a_conflict(ledger: Services, grower: Actor) -> None:
    ledger.events.append(grower.sign("PLOT-1", "register_plot", event_id="dup", payload={"area_mu": 12}))
    with pytest.raises(ConflictError) as caught:
        ledger.events.append(grower.sign("PLOT-1", "register_plot", event_id="dup", payload={"area_mu": 13}))
    assert caught.value.pointer == "/event/event_id"
    assert ledger.records.count() == 3 + 1  # the grower's enrolment, the first plot


def test_unknown_key_bad_signature_unknown_type_and_unknown_input_are_refused(ledger: Services, grower: Actor) -> None:
    stranger = Actor("stranger")
    with pytest.raises(UnknownKeyError) as caught:
        ledger.events.append(stranger.sign("PLOT-1", "register_plot"))
    assert caught.value.pointer == "/event/key_id"
    good = grower.sign("PLOT-1", "register_plot")
    with pytest.raises(SignatureError):
        ledger.events.append(SignedEvent(good.event, good.signed_bytes, bytes(64)))
    with pytest.raises(MalformedError, match="unknown event type"):
        ledger.events.append(grower.sign("PLOT-1", "teleport"))
    with pytest.raises(UnknownLotError) as lot_error:
        ledger.events.append(grower.sign("HV-1", "harvest", inputs=["PLOT-9"]))
    assert lot_error.value.pointer == "/event/inputs/0"
    assert ledger.records.count() == 3  # the grower's enrolment only


def test_a_batch_is_stored_whole_or_not_at_all(ledger: Services, grower: Actor) -> None:
    batch = [grower.sign("PLOT-1", "register_plot"), grower.sign("HV-1", "harvest", inputs=["PLOT-404"])]
    with pytest.raises(UnknownLotError) as caught:
        ledger.events.append_batch(batch)
    assert caught.value.pointer == "/1/event/inputs/0"
    assert ledger.records.count() == 3  # the grower's enrolment only
    batch = [
        grower.sign("PLOT-1", "register_plot"),
        grower.sign("PLOT-1", "sow"),
        grower.sign("HV-1", "harvest", inputs=["PLOT-1"]),
    ]
    results = ledger.events.append_batch(batch)
    assert [r.record.record["seq"] for r in results] == [1, 2, 1]
    assert results[2].record.record["inputs"] == [{"lot": "PLOT-1", "head": results[1].record.record_hash}]


def test_enrolling_is_idempotent_on_its_event_ids_and_a_key_is_registered_once(ledger: Services) -> None:
    key = SignerKey.generate("lab.one").verifier()
    ids = ["lab-1", "lab-2", "lab-3"]
    first = ledger.membership.enrol(
        "lab.one", "Lab one", ["lab"], ["LAB1-"], [NewActor(key)], event_ids=ids, occurred_at="2026-01-01T00:00:00Z"
    )
    again = ledger.membership.enrol(
        "lab.one", "Lab one", ["lab"], ["LAB1-"], [NewActor(key)], event_ids=ids, occurred_at="2026-01-01T00:00:00Z"
    )
    assert [r.created for r in first] == [True, True, True]
    assert [r.created for r in again] == [False, False, False]
    assert [k.key for k in ledger.keys.all(["lab.one"])] == [key]
    with pytest.raises(RuleViolationError, match="registered once"):
        ledger.membership.add_key(key)


def test_verification_covers_a_lot_its_ancestors_or_the_whole_ledger(ledger: Services, grower: Actor) -> None:
    chain_of_three(ledger, grower)
    ledger.events.append(grower.sign("OTHER-1", "register_plot"))
    assert ledger.checks.verify("RG-1", ancestors=False).lots == ("RG-1",)
    report = ledger.checks.verify("RG-1")
    assert (report.records, report.lots) == (4, ("HV-1", "PLOT-1", "RG-1"))
    whole = ledger.checks.verify()
    assert (whole.records, whole.lots) == (3 + 5, ("HV-1", "OTHER-1", "PLOT-1", "RG-1", "org:test-grower"))
    with pytest.raises(NotFoundError):
        ledger.checks.verify("NOPE")


# -- tampering, as an attacker with database access would --------------------------------


def drop_append_only_triggers(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP FUNCTION ledger_append_only() CASCADE"))
        else:
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
            for name in names:
                conn.execute(text(f"DROP TRIGGER {name}"))


def tamper(engine: Engine, sql: str, **params: object) -> None:
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        assert conn.execute(text(sql), params).rowcount == 1


def assert_broken_at(ledger: Services, event_id: str, check: str, lot: str | None = None) -> ChainBrokenError:
    with pytest.raises(ChainBrokenError) as caught:
        ledger.checks.verify(lot)
    assert caught.value.brk.event_id == event_id
    assert check in caught.value.brk.check
    return caught.value


def test_tampered_event_bytes_are_named(engine: Engine, ledger: Services, grower: Actor) -> None:
    chain_of_three(ledger, grower)
    row = ledger.records.history("HV-1")[0]
    forged = row.event | {"payload": {"n": 999}}
    tamper(engine, "UPDATE records SET event_bytes = :b WHERE event_id = 'e-harvest'", b=canonical_bytes(forged))
    broken = assert_broken_at(ledger, "e-harvest", "event hash")
    assert broken.brk.expected == row.event_hash
    assert_broken_at(ledger, "e-harvest", "event hash", lot="RG-1")


def test_rewritten_record_and_rehashed_chain_is_still_caught(engine: Engine, ledger: Services, grower: Actor) -> None:
    """An attacker who re-signs nothing but rewrites a record and its hash column breaks the next link."""
    chain_of_three(ledger, grower)
    sow = ledger.records.history("PLOT-1")[1]
    record = Record.from_bytes(canonical_bytes(sow.record))
    forged = Record(
        record.event_hash, record.signature, record.lot_id, record.seq, record.prev, "2030-01-01T00:00:00.000000Z"
    )
    forged_bytes = forged.to_bytes()
    tamper(
        engine,
        "UPDATE records SET record_bytes = :b, record_hash = :h WHERE event_id = 'e-sow'",
        b=forged_bytes,
        h=bytes.fromhex(sha256_hex(forged_bytes)),
    )
    # the log names the rewritten record itself (its leaf is not the one logged), the chain the next link
    broken = assert_broken_at(ledger, "e-sow", "log leaf")
    [link] = [p for p in broken.problems if p.event_id == "e-harvest"]
    assert "input link" in link.check
    assert link.found == sow.record_hash


def test_tampered_record_hash_column_is_named(engine: Engine, ledger: Services, grower: Actor) -> None:
    chain_of_three(ledger, grower)
    tamper(engine, "UPDATE records SET record_hash = :h WHERE event_id = 'e-sow'", h=bytes(32))
    assert_broken_at(ledger, "e-sow", "record hash")


def test_a_deleted_record_leaves_a_gap_that_is_named(engine: Engine, ledger: Services, grower: Actor) -> None:
    for i in range(3):
        ledger.events.append(grower.sign("PLOT-1", "field_operation" if i else "register_plot", event_id=f"op-{i}"))
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        gone = "(SELECT log_index FROM records WHERE event_id = 'op-1')"
        for derived in ("disclosures", "epcis_event_epcs", "epcis_events"):  # rows that refer to the record
            conn.execute(text(f"DELETE FROM {derived} WHERE log_index = {gone}"))
        conn.execute(text("DELETE FROM records WHERE event_id = 'op-1'"))
    broken = assert_broken_at(ledger, "op-2", "sequence number", lot="PLOT-1")
    assert (broken.brk.expected, broken.brk.found) == ("2", "3")


def test_a_swapped_key_is_caught(engine: Engine, ledger: Services, grower: Actor) -> None:
    ledger.events.append(grower.sign("PLOT-1", "register_plot", event_id="first"))
    impostor = SignerKey.generate("test-grower").verifier()
    tamper(engine, "UPDATE actor_keys SET public_key = :k WHERE actor = 'test-grower'", k=impostor.public_key)
    # Key ids are derived from the key itself, so a swapped public key no longer answers to the event's key id.
    broken = assert_broken_at(ledger, "first", "actor key")
    assert broken.brk.found == "no such key"


def test_a_forged_lot_head_cannot_make_a_new_record_verify(engine: Engine, ledger: Services, grower: Actor) -> None:
    """lot_heads is derived state the appender reads; if an attacker rewrites it, the next sealed
    record links to the wrong predecessor and verification names it."""
    ledger.events.append(grower.sign("PLOT-1", "register_plot", event_id="h1"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE lot_heads SET record_hash = :h"), {"h": bytes(32)})
    ledger.events.append(grower.sign("PLOT-1", "sow", event_id="h2"))
    broken = assert_broken_at(ledger, "h2", "prev link")
    assert broken.brk.found == "00" * 32


def test_the_log_state_follows_this_ledger_at_once_and_others_within_its_max_age(
    ledger: Services, grower: Actor
) -> None:
    """Scan pages and bundles are cached on ``log_state``: this process's changes show at once, another
    process's (another ledger object on the same database) after at most ``max_age`` seconds."""
    before = ledger.log.state()
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    assert ledger.log.state()[0] == before[0] + 1
    other = Services(Store(ledger.store.engine), operator=OPERATOR)
    assert other.log.state()[0] == before[0] + 1
    ledger.events.append(grower.sign("PLOT-1", "sow"))
    assert other.log.state()[0] == before[0] + 1  # still its cached state
    assert other.log.state(max_age=0)[0] == before[0] + 2
