"""Actor keys carry validity periods: a revoked or expired key signs nothing new, and what it signed
before stays verifiable, in the ledger and in bundles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ginseng_trace.chain import ChainBrokenError, MalformedError
from ginseng_trace.chain.bundle import BundleError
from ginseng_trace.chain.keys import ActorKey, SignerKey
from ginseng_trace.demo import ACTORS, demo_events
from ginseng_trace.events.audit import verify_bundle
from ginseng_trace.service import KeyNotValidError, NotFoundError, RuleViolationError, Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, demo_shop_sale, enrol

LOG_KEY = SignerKey("ginseng.test/log", bytes(range(32)))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(engine: Engine, clock: Clock) -> Services:
    return Services(Store(engine), operator=OPERATOR, clock=clock, log_signer=LOG_KEY)


def test_the_validity_rules() -> None:
    key = ActorKey(SignerKey("a", bytes(32)).verifier(), "2026-01-01T00:00:00.000000Z", "2026-06-01T00:00:00Z")
    assert key.refusal_at("2026-03-01T00:00:00Z") is None
    assert "valid only from" in (key.refusal_at("2025-12-31T23:59:59Z") or "")
    assert "expired" in (key.refusal_at("2026-06-01T00:00:00Z") or "")
    revoked = ActorKey(key.key, key.valid_from, key.valid_until, "2026-02-01T00:00:00Z")
    assert "revoked" in (revoked.refusal_at("2026-03-01T00:00:00Z") or "")
    assert revoked.ends == "2026-02-01T00:00:00Z"


def test_a_revoked_key_signs_nothing_new_and_old_events_stay_verifiable(timed: Services, clock: Clock) -> None:
    phone = Actor("grower.phone")
    enrol(timed, phone)
    clock.advance(days=1)
    timed.events.append(phone.sign("PLOT-1", "register_plot", event_id="before"))
    clock.advance(days=1)
    revoked = timed.membership.revoke_key("grower.phone", phone.key_id, "phone lost")
    assert revoked.record.record["recorded_at"] == "2026-01-03T00:00:00.000000Z"
    clock.advance(seconds=1)
    with pytest.raises(KeyNotValidError, match=f"was revoked at log position {revoked.record.log_index}") as caught:
        timed.events.append(phone.sign("PLOT-1", "sow"))
    assert caught.value.pointer == "/event/key_id"
    assert timed.checks.verify().records == 5  # the organisation's three, the plot's, the revocation
    with pytest.raises(RuleViolationError, match="revoked at log position") as again:
        timed.membership.revoke_key("grower.phone", phone.key_id, "again")
    assert again.value.violation.pointer == "/0/event/payload/key_id"
    with pytest.raises(RuleViolationError, match="not registered"):
        timed.membership.revoke_key("grower.phone", "00000000", "no such key")
    with pytest.raises(NotFoundError):
        timed.membership.revoke_key("nobody", "00000000", "no such actor")
    with pytest.raises(MalformedError, match="/reason"):
        timed.membership.revoke_key("grower.phone", phone.key_id, "  ")
    # the bundle carries the revocation as a membership record, and the old record still verifies offline
    timed.checkpointer.publish()  # bundles prove into signed checkpoints only
    data = timed.bundles.bundle("PLOT-1").to_bytes()
    types = [json.loads(e["event"])["type"] for e in json.loads(data)["entries"]]
    assert types == ["register_organisation", "register_actor", "register_key", "register_plot", "revoke_key"]
    assert verify_bundle(data, [LOG_KEY.verifier()], anchors=[OPERATOR.verifier()]).entries == 3 + 1 + 1


def test_an_expired_key_is_refused(timed: Services, clock: Clock) -> None:
    sensor = Actor("warehouse.sensor")
    enrol(timed, sensor, valid_until="2026-01-02T00:00:00Z")
    timed.events.append(sensor.sign("LOT-1", "register_plot"))
    clock.advance(days=2)
    with pytest.raises(KeyNotValidError, match="expired"):
        timed.events.append(sensor.sign("LOT-1", "field_operation"))
    with pytest.raises(MalformedError, match="/valid_until"):
        timed.membership.add_key(Actor("x").key.verifier(), valid_until="2025-01-01T00:00:00Z")
    with pytest.raises(MalformedError, match="/valid_until"):
        timed.membership.add_key(Actor("y").key.verifier(), valid_until="tomorrow")


def test_a_record_sealed_after_its_key_was_revoked_is_caught(engine: Engine, timed: Services, clock: Clock) -> None:
    """A backdated revocation, or a record slipped in after one, breaks verification at that record."""
    grower = Actor("grower.one")
    enrol(timed, grower)
    clock.advance(hours=1)
    timed.events.append(grower.sign("PLOT-1", "register_plot", event_id="early"))
    clock.advance(hours=1)
    timed.events.append(grower.sign("PLOT-1", "sow", event_id="late"))
    timed.checkpointer.publish()  # bundles prove into signed checkpoints only
    bundle = timed.bundles.bundle("PLOT-1").to_bytes()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO key_revocations (actor, key_id, revoked_at, reason) VALUES (:a, :k, :t, 'test')"),
            {"a": "grower.one", "k": grower.key_id, "t": "2026-01-01T01:30:00.000000Z"},
        )
    with pytest.raises(ChainBrokenError) as caught:
        timed.checks.verify()
    assert (caught.value.brk.event_id, caught.value.brk.check) == ("late", "key validity")
    # a bundle's keys are membership records, signed and logged: a revocation cannot be slipped into one, and
    # the bundle taken before the database was touched still verifies (the database's table is not its word)
    assert verify_bundle(bundle, [LOG_KEY.verifier()], anchors=[OPERATOR.verifier()]).entries == 3 + 2
    doc = json.loads(bundle)
    doc["actor_keys"] = [{"key": grower.key.verifier().text(), "valid_from": "2026-01-01T00:00:00Z"}]
    with pytest.raises(BundleError, match="exactly the members"):
        verify_bundle(json.dumps(doc).encode(), [LOG_KEY.verifier()], anchors=[OPERATOR.verifier()])


@pytest.mark.slow
def test_cli_register_with_expiry_and_revoke(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ..tools.test_cli import run

    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))
    db = f"--database-url={database_url}"
    first = run("keygen", "lab.three", "-o", str(tmp_path / "lab-1.key")).stdout.strip()
    lab = ["--name", "吉林省中药材检测中心三部", "--role", "lab", "--lot-prefix", "LAB-THREE", "--actor-key", first]
    assert run("admin", "org", db, "lab.three", *lab).returncode == 0  # enrolled, with its first key
    vkey = run("keygen", "lab.three", "-o", str(tmp_path / "lab.key")).stdout.strip()
    registered = run("register-key", db, vkey, "--valid-until", "2099-01-01T00:00:00Z")
    assert registered.stdout.startswith("registered: lab.three/")
    assert "valid until 2099-01-01T00:00:00Z" in registered.stdout
    key_id = vkey.split("+")[1]
    revoked = run("revoke-key", db, "lab.three", key_id, "--reason", "left the lab")
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.startswith(f"revoked: lab.three/{key_id} at ")
    again = run("revoke-key", db, "lab.three", key_id, "--reason", "again")
    assert again.returncode == 2
    # the enrolment (0-2), the second key (3), its revocation (4)
    assert f"key lab.three/{key_id} is revoked at log position 4" in again.stderr


@pytest.mark.slow
def test_log_key_rotation(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rotating the log key: new checkpoints use the new key, old ones stay verifiable with the old,
    the periods are published, and the retired key cannot be put back to work."""
    import shutil

    from ginseng_trace.chain.keys import VerifierKey
    from ginseng_trace.chain.note import NoteError, open_checkpoint

    from ..tools.test_cli import run

    data = tmp_path / "data"
    monkeypatch.setenv("TRACE_DATA_DIR", str(data))
    db = f"--database-url={database_url}"
    assert run("demo", db).returncode == 0
    old_key = VerifierKey.parse(run("log-key", db).stdout.strip())
    old_note = run("checkpoint", db).stdout
    rotated = run("rotate-log-key", db)
    assert rotated.returncode == 0, rotated.stderr
    new_key = VerifierKey.parse(run("log-key", db).stdout.strip())
    assert new_key.name == old_key.name
    assert new_key != old_key
    periods = run("log-keys", db).stdout.splitlines()
    assert periods[0].startswith(old_key.text() + "  from ")
    assert "until now (current)" in periods[1]
    assert periods[1].startswith(new_key.text())

    # grow the log, and the next checkpoint is signed with the new key only
    event = demo_shop_sale("after-rotation", "2025-12-01T00:00:00Z", tmp_path / "shop.key")
    signed = run("sign", "--key", str(tmp_path / "shop.key"), "-", stdin=json.dumps(event))
    (tmp_path / "env.json").write_text(signed.stdout)
    assert run("append", db, str(tmp_path / "env.json")).returncode == 0
    new_note = run("checkpoint", db).stdout
    enrolment = 3 * len(ACTORS)  # each demo organisation's registration, its actor and the actor's key
    assert open_checkpoint(new_note, [new_key])[0].size == enrolment + len(demo_events()) + 1
    with pytest.raises(NoteError):
        open_checkpoint(new_note, [old_key])
    assert open_checkpoint(old_note, [old_key])[0].size == enrolment + len(demo_events())
    bundle = tmp_path / "b.json"
    assert run("bundle", db, "--lot", "PK-2025-0931", "-o", str(bundle)).returncode == 0
    anchor = run("admin", "anchor", db).stdout.strip()
    assert run("verify-bundle", str(bundle), "--log-key", new_key.text(), "--anchor", anchor).returncode == 0

    # putting the retired key back is refused
    retired = next((data / "retired-log-keys").iterdir())
    shutil.copy(retired, data / "log.key")
    refused = run("checkpoint", db)
    assert refused.returncode == 2
    assert "was retired at" in refused.stderr
