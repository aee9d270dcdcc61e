"""The transparency log in storage, on both engines: the tree, proofs and signed checkpoints."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ginseng_trace.chain import MalformedError
from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.chain.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from ginseng_trace.chain.note import open_checkpoint
from ginseng_trace.service import RefusedError, Services
from ginseng_trace.store import Store
from ginseng_trace.store.db import alembic_config
from ginseng_trace.store.repository import LedgerRepository

from ..conftest import OPERATOR, Actor

LOG_KEY = SignerKey("ginseng.test/log", bytes(range(32)))
SIZE = 3 + 13  # the grower's enrolment (on org:test-grower), then the fixture's 13 records


@pytest.fixture
def logged(engine: Engine, grower: Actor) -> Services:
    """A ledger with a log key, checkpointing every 5 events, holding the grower's enrolment (3 records) and
    13 records in two lots."""
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG_KEY, checkpoint_every=5)
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    ledger.events.append(grower.sign("PLOT-1", "sow"))
    for i in range(5):
        ledger.events.append(grower.sign("PLOT-1", "field_operation", payload={"note": str(i)}))
    ledger.events.append_batch(
        [grower.sign("HV-1", "harvest", inputs=["PLOT-1"])] + [grower.sign("HV-1", "store") for _ in range(5)]
    )
    return ledger


def all_leaves(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        return [leaf_hash(r.record_bytes) for r in LedgerRepository(conn).all_records()]


@pytest.mark.slow
def test_the_stored_tree_matches_the_records(engine: Engine, logged: Services) -> None:
    leaves = all_leaves(engine)
    assert logged.log.tree_size() == len(leaves) == SIZE
    for size in range(1, SIZE + 1):
        for index in range(size):
            proof = logged.log.inclusion_proof(index, size)
            assert proof == inclusion_proof(leaves[:size], index)
            verify_inclusion(leaves[index], index, size, proof, root_hash(leaves[:size]))
        for size1 in range(1, size + 1):
            assert logged.log.consistency_proof(size1, size) == consistency_proof(leaves[:size], size1)


def test_checkpoints_are_signed_consistent_and_published_every_n_events(engine: Engine, logged: Services) -> None:
    with engine.connect() as conn:
        sizes = conn.execute(text("SELECT size FROM checkpoints ORDER BY size")).scalars().all()
    # whenever >= 5 events arrived since the last checkpoint: the enrolment (3) and the plot's first 2 make 5,
    # the 5 field operations 10, and the batch of 6 lands at once
    assert sizes == [5, 10, SIZE]
    leaves = all_leaves(engine)
    latest = logged.log.latest_checkpoint()
    checkpoint, _, [signed] = open_checkpoint(latest.note, [LOG_KEY.verifier()])
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == ("ginseng.test/log", SIZE, root_hash(leaves))
    assert checkpoint.extensions[0].startswith("lot-heads 3 ")  # org:test-grower, PLOT-1 and HV-1
    assert signed.key == LOG_KEY.verifier()
    assert logged.checkpointer.publish() == latest  # nothing new: the same checkpoint
    earlier = logged.log.checkpoint(5)
    verify_consistency(5, SIZE, logged.log.consistency_proof(5, SIZE), earlier.root, latest.root)


def test_refusals(engine: Engine, logged: Services) -> None:
    with pytest.raises(MalformedError, match="/size"):
        logged.log.inclusion_proof(SIZE, SIZE)
    with pytest.raises(MalformedError, match="/size"):
        logged.log.inclusion_proof(0, SIZE + 1)
    with pytest.raises(MalformedError, match="/from"):
        logged.log.consistency_proof(0, 5)
    with pytest.raises(RefusedError, match="no log key"):
        Services(Store(engine), operator=OPERATOR).checkpointer.publish()


@pytest.mark.slow
@pytest.mark.parametrize("table", ["log_nodes", "checkpoints"])
def test_log_tables_are_append_only(engine: Engine, logged: Services, table: str) -> None:
    for statement in (
        f"DELETE FROM {table}",
        f"UPDATE {table} SET {'hash' if table == 'log_nodes' else 'note'} = NULL",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def test_the_migration_builds_the_tree_of_existing_records(engine: Engine, logged: Services) -> None:
    with engine.connect() as conn:
        before = conn.execute(text("SELECT level, idx, hash FROM log_nodes ORDER BY level, idx")).all()
    config = alembic_config(engine)
    command.downgrade(config, "0002")
    command.upgrade(config, "head")
    with engine.connect() as conn:
        after = conn.execute(text("SELECT level, idx, hash FROM log_nodes ORDER BY level, idx")).all()
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    assert len(before) > SIZE
    for table in ("actor_keys", "records", "log_nodes"):  # still append-only after the round trip
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))
