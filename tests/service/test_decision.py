"""The append decision without a database: a snapshot in, records sealed or a refusal out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ginseng_trace.chain import GENESIS
from ginseng_trace.events.membership import KeyGrant, Member, Organisation
from ginseng_trace.events.rules import RuleViolationError
from ginseng_trace.service.decision import Snapshot, admit_submission, decide
from ginseng_trace.service.errors import ConflictError, KeyNotValidError, UnknownKeyError, UnknownLotError

from ..conftest import Actor

NOW = datetime(2026, 1, 2, tzinfo=UTC)
GROWER = Actor("decision.grower")


def member(revoked_at: int | None = None) -> dict[str, str]:
    """The grower's organisation as stored: its key registered at log position 0 (revoked at ``revoked_at``)."""
    grant = KeyGrant(GROWER.key.verifier().text(), 0, revoked_index=revoked_at)
    org = Organisation(GROWER.name, "test", ["grower"], ["PLOT-", "HV-"], actors={GROWER.name: Member("person")})
    org.actors[GROWER.name].keys[GROWER.key_id] = grant
    return {GROWER.name: org.to_json()}


MEMBERS = member()


def empty(tree_size: int = 1, organisations: dict[str, str] = MEMBERS) -> Snapshot:
    return Snapshot(existing={}, heads={}, states={}, organisations=organisations, anchors=(), tree_size=tree_size)


def test_a_batch_is_sealed_in_order_each_record_linked_to_the_one_before() -> None:
    plot, sow = GROWER.sign("PLOT-1", "register_plot"), GROWER.sign("PLOT-1", "sow")
    batch = [admit_submission(s, GROWER.key.verifier(), f"/{i}/event") for i, s in enumerate((plot, sow))]
    decision = decide(empty(tree_size=7), batch, NOW)
    first, second = decision.records
    assert (first.log_index, first.seq, second.log_index, second.seq) == (7, 1, 8, 2)
    assert [r.created for r in decision.results] == [True, True]
    assert decision.results[1].record.record["prev"] == first.record_hash
    assert decision.results[0].record.record["prev"] == GENESIS
    assert [lot for lot, _ in decision.states] == ["PLOT-1"]
    assert len(decision.leaves) == 2


def test_refusals_name_the_field_at_fault() -> None:
    harvest = admit_submission(GROWER.sign("HV-1", "harvest", inputs=["PLOT-X"]), GROWER.key.verifier(), "/event")
    with pytest.raises(UnknownLotError) as unknown:
        decide(empty(), [harvest], NOW)
    assert unknown.value.pointer == "/event/inputs/0"
    plot = admit_submission(GROWER.sign("PLOT-1", "register_plot"), GROWER.key.verifier(), "/event")
    with pytest.raises(KeyNotValidError, match="revoked at log position 3") as revoked:
        decide(empty(tree_size=5, organisations=member(revoked_at=3)), [plot], NOW)
    assert revoked.value.pointer == "/event/key_id"
    with pytest.raises(KeyNotValidError, match="member of no registered organisation"):
        decide(empty(organisations={}), [plot], NOW)
    with pytest.raises(KeyNotValidError, match="registered at log position 0, not before position 0"):
        decide(empty(tree_size=0), [plot], NOW)
    with pytest.raises(UnknownKeyError):
        admit_submission(GROWER.sign("PLOT-1", "register_plot"), None, "/event")
    sow_first = admit_submission(GROWER.sign("PLOT-2", "sow"), GROWER.key.verifier(), "/event")
    with pytest.raises(RuleViolationError):  # the rules judge it: no sowing on a plot never registered
        decide(empty(), [sow_first], NOW)


def test_a_retry_is_recognised_and_a_reused_event_id_refused() -> None:
    plot = admit_submission(GROWER.sign("PLOT-1", "register_plot", event_id="e1"), GROWER.key.verifier(), "/event")
    stored = decide(empty(), [plot], NOW).records[0].stored()
    again = decide(Snapshot({"e1": stored}, {}, {}, MEMBERS, (), 1), [plot], NOW)
    assert (again.records, [r.created for r in again.results]) == ([], [False])
    other = admit_submission(GROWER.sign("PLOT-1", "sow", event_id="e1"), GROWER.key.verifier(), "/event")
    with pytest.raises(ConflictError) as caught:
        decide(Snapshot({"e1": stored}, {}, {}, MEMBERS, (), 1), [other], NOW)
    assert caught.value.pointer == "/event/event_id"


def test_the_same_snapshot_and_batch_always_give_the_same_decision() -> None:
    plot = admit_submission(GROWER.sign("PLOT-1", "register_plot"), GROWER.key.verifier(), "/event")
    states = dict(decide(empty(), [plot], NOW).states)
    sow = admit_submission(GROWER.sign("PLOT-1", "sow"), GROWER.key.verifier(), "/event")
    snapshot = Snapshot({}, {"PLOT-1": (1, "ab" * 32)}, states, MEMBERS, (), 2)
    first, second = decide(snapshot, [sow], NOW), decide(snapshot, [sow], NOW)
    assert first.states == second.states
    assert [r.record_hash for r in first.records] == [r.record_hash for r in second.records]
    assert snapshot.states == states  # the snapshot itself is never folded into
