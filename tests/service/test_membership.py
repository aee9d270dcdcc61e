"""Membership as ledger events, through the service and the store (both engines): what the append path keeps of
it is exactly what a replay of the log rebuilds, and a ledger from before membership was logged can enrol
its actors with the keys it already knows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from ginseng_trace.chain import SignerKey
from ginseng_trace.service import KeyNotValidError, NewActor, NotFoundError, Services
from ginseng_trace.store import LedgerRepository

from ..conftest import Actor, enrol


def stored_membership(ledger: Services) -> tuple[dict[str, str], dict[str, str]]:
    """The derived membership rows: each organisation's state (JSON), and each of its actors' organisation."""

    def read(repo: LedgerRepository) -> tuple[dict[str, str], dict[str, str]]:
        orgs = repo.membership.all_organisations()
        return orgs, repo.membership.org_ids_of([actor for org in orgs.values() for actor in json.loads(org)["actors"]])

    return ledger.store.read(read)


def test_the_replay_rebuilds_exactly_the_membership_the_appends_kept(ledger: Services, grower: Actor) -> None:
    lab = Actor("lab-one")
    enrol(ledger, lab, ["lab"])
    extra = SignerKey("lab-two", bytes(range(5, 37)))
    ledger.membership.add_actor("lab-one", NewActor(extra.verifier(), kind="device"))
    ledger.membership.revoke_key("lab-one", lab.key_id, "retired instrument")
    ledger.membership.change("lab-one", "grant_role", {"role": "retailer"})
    ledger.membership.change("lab-one", "suspend", {"actor": "lab-two", "reason": "calibration overdue"})
    kept = stored_membership(ledger)
    assert ledger.membership.organisation("lab-one").roles == ["lab", "retailer"]
    assert ledger.membership.organisation("lab-one").actors["lab-two"].suspended
    assert ledger.membership.organisation("lab-one").actors["lab-one"].keys[lab.key_id].revoked_index is not None
    with ledger.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM organisations"))
        conn.execute(text("DELETE FROM org_members"))
    report = ledger.checks.check(record=True)
    assert report.ok, report
    assert stored_membership(ledger) == kept
    assert ledger.membership.org_of("lab-two") == "lab-one"
    with pytest.raises(NotFoundError):
        ledger.membership.org_of("nobody")
    with pytest.raises(NotFoundError):
        ledger.membership.organisation("no-such-org")
    assert [org.org_id for org in ledger.membership.organisations()] == ["lab-one", "test-grower"]


def test_a_ledger_from_before_logged_membership_enrols_the_keys_it_knows(ledger: Services) -> None:
    """Keys registered the old way (a row in actor_keys and nothing in the log) sign nothing until their
    actor is enrolled; enrolling it with the same key then works, and its events are accepted."""
    old = Actor("old-grower")

    def register_the_old_way(repo: LedgerRepository) -> None:
        repo.keys.add(old.key.verifier(), "2025-01-01T00:00:00.000000Z")

    ledger.store.write(register_the_old_way, append_lock=False)
    with pytest.raises(KeyNotValidError, match="member of no registered organisation"):
        ledger.events.append(old.sign("PLOT-1", "register_plot"))
    enrol(ledger, old)
    assert ledger.events.append(old.sign("PLOT-1", "register_plot")).created
    assert ledger.checks.verify().records == 3 + 1


def test_a_record_before_its_keys_revocation_in_the_same_batch_stays_verified(ledger: Services, grower: Actor) -> None:
    """The rule judges by log position; ``verify`` by time, and the records of one batch share a time: the
    record sealed just before the revocation is no broken record to either, the one after it is refused."""
    from ginseng_trace.chain import Event, sign_event
    from ginseng_trace.chain.times import format_utc
    from ginseng_trace.events import private_fields

    operator = ledger.membership.operator
    assert operator is not None
    revoke = Event.from_json(
        {
            "event_id": "revoke-1",
            "lot_id": "org:test-grower",
            "type": "revoke_key",
            "occurred_at": format_utc(ledger.clock()),
            "actor": operator.name,
            "key_id": operator.verifier().key_id_hex,
            "payload": {"actor": grower.name, "key_id": grower.key_id, "reason": "lost"},
        }
    )
    revoked = sign_event(revoke, operator, private=private_fields("revoke_key"))
    ledger.events.append_batch([grower.sign("PLOT-1", "register_plot"), revoked])
    assert ledger.checks.verify().records == 3 + 2
    assert ledger.checks.check().ok
    with pytest.raises(KeyNotValidError, match="revoked at log position 4"):
        ledger.events.append_batch([grower.sign("PLOT-1", "sow")])
