"""``chain.ledger``: the whole ledger against its log, as a property over the demo's stored rows: any one byte
changed anywhere in a stored record or event is named at that record; and a record rewritten with its hash
column to match (what the chains alone may not see) still changes the tree the checkpoint signed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.chain.keys import ActorKey, SignerKey, VerifierKey
from ginseng_trace.chain.ledger import LedgerVerifier, LoggedCheckpoint
from ginseng_trace.chain.merkle import leaf_hash
from ginseng_trace.chain.records import sha256_hex
from ginseng_trace.chain.verify import StoredEntry
from ginseng_trace.demo import load_demo
from ginseng_trace.service import Services
from ginseng_trace.store import Store, create_ledger_engine, migrate, sqlite_url_for

from ..conftest import OPERATOR

LOG = SignerKey("ginseng.test/log", bytes(range(32)))


@dataclass(frozen=True)
class Stored:
    entries: tuple[StoredEntry, ...]
    keys: dict[tuple[str, str], ActorKey]
    checkpoint: LoggedCheckpoint

    def verify(self, entries: tuple[StoredEntry, ...], *, leaves: bool = True) -> LedgerVerifier:
        verifier = LedgerVerifier(
            lambda actor, key_id: self.keys.get((actor, key_id)), [LOG.verifier()], [self.checkpoint]
        )
        for entry, honest in zip(entries, self.entries, strict=True):
            verifier.feed(entry, leaf_hash(honest.record_bytes) if leaves else None)
        return verifier


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    engine = create_ledger_engine(sqlite_url_for(Path(tmp_path_factory.mktemp("ledger"))))
    migrate(engine)
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, checkpoint_every=10**9)
    load_demo(ledger)
    latest = ledger.checkpointer.publish()
    entries = tuple(r.entry() for r in ledger.store.read(lambda repo: list(repo.all_records())))
    keys = {(k.key.name, k.key.key_id_hex): k for k in ledger.store.read(lambda repo: repo.keys.all())}
    engine.dispose()
    return Stored(entries, keys, LoggedCheckpoint(latest.size, latest.root, latest.note))


def test_the_stored_demo_is_intact_against_its_checkpoint(stored: Stored) -> None:
    report = stored.verify(stored.entries).finish()
    assert report.intact, report.problems
    assert (report.records, report.checkpoints) == (len(stored.entries), 1)


def test_a_checkpoint_under_another_key_or_of_another_tree_is_named(stored: Stored) -> None:
    other = VerifierKey.parse(SignerKey("ginseng.test/log", bytes(range(1, 33))).verifier().text())
    verifier = LedgerVerifier(lambda a, k: stored.keys.get((a, k)), [other], [stored.checkpoint])
    for entry in stored.entries:
        verifier.feed(entry)
    [problem] = verifier.finish().problems
    assert (problem.checkpoint, problem.check) == (stored.checkpoint.size, "signature")
    cut = LedgerVerifier(lambda a, k: stored.keys.get((a, k)), [LOG.verifier()], [stored.checkpoint])
    for entry in stored.entries[:-1]:  # the newest record gone
        cut.feed(entry)
    assert [(p.checkpoint, p.check) for p in cut.finish().problems] == [(stored.checkpoint.size, "records")]


def _flip(data: bytes, at: int, mask: int) -> bytes:
    at %= len(data)
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    index=st.integers(min_value=0),
    field=st.sampled_from(["event_bytes", "record_bytes"]),
    at=st.integers(min_value=0),
    mask=st.integers(min_value=1, max_value=255),
)
@pytest.mark.slow
def test_any_changed_byte_of_a_stored_row_is_named_at_its_record(
    stored: Stored, index: int, field: str, at: int, mask: int
) -> None:
    index %= len(stored.entries)
    entry = stored.entries[index]
    if field == "event_bytes":
        changed = dataclasses.replace(entry, event_bytes=_flip(entry.event_bytes, at, mask))
    else:
        changed = dataclasses.replace(entry, record_bytes=_flip(entry.record_bytes, at, mask))
    entries = (*stored.entries[:index], changed, *stored.entries[index + 1 :])
    report = stored.verify(entries).finish()
    assert not report.intact
    assert report.problems[0].log_index == index
    assert report.problems[0].event_id == entry.event_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(min_value=0), at=st.integers(min_value=0), mask=st.integers(min_value=1, max_value=255))
@pytest.mark.slow
def test_a_record_rewritten_with_its_hash_column_changes_the_signed_tree(
    stored: Stored, index: int, at: int, mask: int
) -> None:
    """Without the log's stored leaves to compare (an attacker rewrote those too), the checkpoint's root is
    what no rewrite of a logged record can keep."""
    index %= len(stored.entries)
    entry = stored.entries[index]
    forged = _flip(entry.record_bytes, at, mask)
    changed = dataclasses.replace(entry, record_bytes=forged, record_hash=sha256_hex(forged))
    entries = (*stored.entries[:index], changed, *stored.entries[index + 1 :])
    problems = stored.verify(entries, leaves=False).finish().problems
    assert (stored.checkpoint.size, "root") in [(p.checkpoint, p.check) for p in problems]
