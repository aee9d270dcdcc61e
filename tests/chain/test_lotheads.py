"""The lot-heads map: each checkpoint commits to every lot's latest record, so bundles can prove they are complete."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from ginseng_trace.chain import VerificationError
from ginseng_trace.chain.bundle import BundleError
from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.chain.lotheads import HeadEntry, HeadMap, parse_extension, verify_head
from ginseng_trace.chain.merkle import inclusion_proof, root_hash
from ginseng_trace.chain.note import Checkpoint, Note, open_checkpoint, sign_note
from ginseng_trace.events.audit import verify_bundle
from ginseng_trace.service import Services
from ginseng_trace.store import LedgerRepository, Store

from ..conftest import OPERATOR, Actor

LOG = SignerKey("ginseng.test/log", bytes(range(32)))


def entries(lots: list[str]) -> HeadMap:
    return HeadMap(tuple(HeadEntry(lot, len(lot), f"{i:064x}") for i, lot in enumerate(sorted(set(lots)))))


@given(st.lists(st.from_regex(r"[A-Z]{1,4}-[0-9]{1,3}", fullmatch=True), min_size=1, max_size=30, unique=True))
def test_every_lot_proves_its_entry(lots: list[str]) -> None:
    head_map = entries(lots)
    size, root = parse_extension([head_map.extension_line()]) or (0, b"")
    assert (size, root) == (len(head_map.entries), head_map.root())
    for entry in head_map.entries:
        assert verify_head(head_map.proof(entry.lot), entry.lot, size, root) == entry


def test_forged_proofs_are_refused() -> None:
    head_map = entries(["A-1", "B-2", "C-3", "D-4"])
    size, root = len(head_map.entries), head_map.root()
    good = head_map.proof("B-2")
    for change, why in [
        (lambda p: p.update(seq=9), "gives root"),
        (lambda p: p.update(left=None), "left neighbour is missing"),
        (lambda p: p["right"].update(index=3), "not next to"),
        (lambda p: p.update(index=2), "gives root"),
        (lambda p: p["proof"].pop(), "too short"),
        (lambda p: p["proof"].__setitem__(0, "AAAA"), "canonical base64 hash"),
        (lambda p: p.update(head="XYZ"), "wrong type"),
        (lambda p: p.pop("right"), "left and right"),
    ]:
        forged = copy.deepcopy(good)
        change(forged)  # type: ignore[no-untyped-call]
        with pytest.raises(VerificationError, match=why):
            verify_head(forged, "B-2", size, root)
    with pytest.raises(VerificationError, match="shows lot"):
        verify_head(good, "C-3", size, root)


def test_a_map_with_two_entries_for_one_lot_cannot_hide_the_newer() -> None:
    """A dishonest log that keeps an old and a new entry for a lot still cannot prove the old one as latest:
    the neighbour that sorts next is the same lot."""
    forged_entries = [HeadEntry("A-1", 1, "1" * 64), HeadEntry("B-2", 1, "2" * 64), HeadEntry("B-2", 2, "3" * 64)]
    leaves = [e.leaf() for e in forged_entries]
    root = root_hash(leaves)

    def shown(i: int) -> dict[str, object]:
        e = forged_entries[i]
        proof = [base64.b64encode(p).decode() for p in inclusion_proof(leaves, i)]
        return {"lot": e.lot, "seq": e.seq, "head": e.head, "index": i, "proof": proof}

    claim = {**shown(1), "left": shown(0), "right": shown(2)}
    with pytest.raises(VerificationError, match="out of order"):
        verify_head(claim, "B-2", 3, root)
    with pytest.raises(ValueError, match="sorted"):
        HeadMap(tuple(forged_entries))


def test_extension_lines() -> None:
    assert parse_extension(["other 1"]) is None
    for bad in (
        ["lot-heads 01 " + "A" * 43 + "="],
        ["lot-heads 1 AAAA"],
        ["lot-heads 1 " + "A" * 43 + "=", "lot-heads 2 x"],
    ):
        with pytest.raises(VerificationError, match="malformed"):
            parse_extension(bad)


def test_the_map_of_an_older_checkpoint_is_rebuilt_exactly(engine: Engine, grower: Actor) -> None:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, checkpoint_every=10**9)
    ledger.events.append_batch(
        [
            grower.sign(f"LOT-{i % 5}", "register_plot" if i < 5 else "field_operation", payload={"note": str(i)})
            for i in range(12)
        ]
    )
    old = ledger.checkpointer.publish()
    ledger.events.append_batch(
        [grower.sign(f"LOT-{i % 3}", "field_operation", payload={"note": str(i)}) for i in range(7)]
    )
    ledger.events.append(grower.sign("LOT-NEW", "register_plot"))
    ledger.checkpointer.publish()
    committed = parse_extension(open_checkpoint(old.note, [LOG.verifier()])[0].extensions)
    ledger.log._head_maps.clear()  # force a rebuild from the records, as another process would
    with engine.connect() as conn:
        rebuilt = ledger.log.head_map(LedgerRepository(conn), old.size)
    # the five lots, and the grower's organisation (its membership chain is a lot like any other)
    assert committed == (5 + 1, rebuilt.root())
    assert [e.lot for e in rebuilt.entries] == [*(f"LOT-{i}" for i in range(5)), "org:test-grower"]


def test_bundles_need_a_committed_map_covering_exactly_their_lots(engine: Engine, grower: Actor) -> None:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG)
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    ledger.events.append(grower.sign("PLOT-1", "sow"))
    ledger.events.append(grower.sign("HV-1", "harvest", inputs=["PLOT-1"]))
    ledger.checkpointer.publish()  # bundles prove into signed checkpoints only
    data = ledger.bundles.bundle("HV-1").to_bytes()
    assert verify_bundle(data, [LOG.verifier()], anchors=[OPERATOR.verifier()]).entries == 3 + 3  # + the enrolment
    doc = json.loads(data)
    doc["lot_heads"].pop("PLOT-1")
    with pytest.raises(BundleError, match="exactly the bundle's lots"):
        verify_bundle(json.dumps(doc).encode(), [LOG.verifier()], anchors=[OPERATOR.verifier()])
    # the same records under a checkpoint that commits to no map prove nothing about completeness
    doc = json.loads(data)
    checkpoint = Checkpoint.parse(doc["checkpoint"].split("\n\n")[0] + "\n")
    bare = Checkpoint(checkpoint.origin, checkpoint.size, checkpoint.root).text()
    doc["checkpoint"] = Note(bare, (sign_note(bare, LOG),)).to_text()
    with pytest.raises(BundleError, match="commits to no lot-heads map"):
        verify_bundle(json.dumps(doc).encode(), [LOG.verifier()], anchors=[OPERATOR.verifier()])
