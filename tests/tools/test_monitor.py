"""The log monitor: it replays the log's entries and catches what a witness cannot, a checkpoint whose
lot-heads map or root the entries do not give, and entries whose chains are not linear; it resumes from a
saved state reading only new tiles; over real HTTP and the CLI, on both engines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain.canonical import canonical_bytes, parse_canonical
from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.chain.lotheads import HeadEntry, HeadMap
from ginseng_trace.chain.merkle import leaf_hash, root_hash
from ginseng_trace.chain.monitor import Frontier, LogMonitor, MonitorError, parse_entry_bundle, tile_path
from ginseng_trace.chain.note import Checkpoint, Note, sign_note
from ginseng_trace.demo import ACTORS, LOTS, demo_events, load_demo
from ginseng_trace.monitor import monitor_once
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, LiveServer, demo_chains, demo_size, enrol
from .test_cli import run

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
ENROLMENT = 3 * len(ACTORS)
"""The demo's membership records, first in its log: each organisation's registration, its actor, its key."""
DEMO_SIZE = ENROLMENT + len(demo_events())
DEMO_LOTS = len(LOTS) + len(ACTORS)  # the lots of ginseng and each organisation's membership chain


def entries_of(ledger: Services) -> list[bytes]:
    """The log's entries as its first entry tile holds them (the demo's fit in one: 256 entries)."""
    size = ledger.log.latest_checkpoint().size
    return parse_entry_bundle(ledger.log.entry_bundle(0, size), size)


def signed(checkpoint: Checkpoint) -> str:
    text = checkpoint.text()
    return Note(text, (sign_note(text, LOG),)).to_text()


@pytest.fixture
def logged(engine: Engine) -> Services:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, checkpoint_every=10**9)
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    ledger.checkpointer.publish()
    return ledger


def demo_checkpoint(ledger: Services) -> Checkpoint:
    return Checkpoint.parse(Note.parse(ledger.log.latest_checkpoint().note).text)


def test_an_honest_log_passes_and_its_state_resumes_anywhere(logged: Services) -> None:
    entries, checkpoint = entries_of(logged), demo_checkpoint(logged)
    whole = LogMonitor()
    whole.feed(entries)
    report = whole.check(checkpoint)
    assert (report.size, report.lots) == (DEMO_SIZE, DEMO_LOTS) == (demo_size(), demo_chains())
    assert DEMO_SIZE <= 256  # entries_of reads one tile
    assert report.root == root_hash([leaf_hash(e) for e in entries])
    for cut in range(len(entries) + 1):
        first = LogMonitor()
        first.feed(entries[:cut])
        resumed = LogMonitor.from_json(json.loads(json.dumps(first.to_json())))
        resumed.feed(entries[cut:])
        assert resumed.check(checkpoint) == report


@settings(max_examples=60)
@given(st.lists(st.binary(min_size=1, max_size=8), max_size=80), st.data())
def test_the_frontier_gives_the_root_of_every_prefix(leaves: list[bytes], data: st.DataObject) -> None:
    """The monitor's O(log n) frontier yields RFC 9162's root whatever the sizes it was fed in, and
    survives being saved as its hashes."""
    tree, hashes = Frontier(), [leaf_hash(leaf) for leaf in leaves]
    while tree.size < len(leaves):
        step = data.draw(st.integers(1, len(leaves) - tree.size))
        tree.append(hashes[tree.size : tree.size + step])
        assert tree.root() == root_hash(hashes[: tree.size])
        tree = Frontier(tree.size, tree.hashes)
    assert len(tree.hashes) == bin(len(leaves)).count("1")


def _relinked(entry: bytes) -> bytes:
    """The entry, its input links (if any) pointing at a record that is not the input lot's head."""
    record = parse_canonical(entry)
    assert isinstance(record, dict)
    links = record["inputs"]
    assert isinstance(links, list)
    return _edit(entry, inputs=[{**link, "head": "ab" * 32} for link in links if isinstance(link, dict)])


def _edit(entry: bytes, **changes: Any) -> bytes:
    record = parse_canonical(entry)
    assert isinstance(record, dict)
    return canonical_bytes({**record, **changes})


M = ENROLMENT  # where the demo's own events begin, short for the tamperings below


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        # PLOT-FS-0017's records 4, 5 and 6 (after the demo's enrolment)
        (lambda e: [*e[: M + 4], e[M + 5], e[M + 4], *e[M + 6 :]], "seq 6, expected 5"),  # one before its predecessor
        (lambda e: [*e[: M + 3], _edit(e[M + 3], prev="0" * 64), *e[M + 4 :]], "prev"),
        (lambda e: [*e[: M + 3], _edit(e[M + 3], seq=9), *e[M + 4 :]], "seq 9, expected 4"),
        # an organisation's membership chain is a chain like any other: its third record claiming to be its second
        (lambda e: [*e[:2], _edit(e[2], seq=2), *e[3:]], "lot org:fusong-wang-farm record seq 2, expected 3"),
        (lambda e: [_relinked(x) for x in e], "input PLOT-FS-0017 head abab"),
        (lambda e: [*e[:2], b'{"not":"a record"}', *e[3:]], "not a canonical record"),
    ],
)
def test_entries_that_break_a_chain_are_named(logged: Services, tamper: Any, says: str) -> None:
    entries = tamper(entries_of(logged))
    monitor = LogMonitor()
    monitor.feed(entries[:2])
    before = monitor.to_json()
    with pytest.raises(MonitorError, match=says):
        monitor.feed(entries[2:])
    assert monitor.to_json() == before  # nothing of the failed feed was kept


def test_a_checkpoint_the_entries_do_not_give_is_caught(logged: Services) -> None:
    entries, honest = entries_of(logged), demo_checkpoint(logged)
    monitor = LogMonitor()
    monitor.feed(entries)
    stale = monitor.head_map().entries
    # the map a log hiding the box's newest record (its sale) would sign: that lot's previous head
    box = next(i for i, e in enumerate(stale) if e.lot == "PK-2025-0931")
    older = HeadEntry("PK-2025-0931", stale[box].seq - 1, "00" * 32)
    hiding = HeadMap((*stale[:box], older, *stale[box + 1 :]))
    lies = [
        (Checkpoint(honest.origin, honest.size, honest.root, (hiding.extension_line(),)), "lot-heads line"),
        (Checkpoint(honest.origin, honest.size, honest.root), "no lot-heads line"),
        (Checkpoint(honest.origin, honest.size, bytes(32), honest.extensions), "checkpoint root"),
        (
            Checkpoint(honest.origin, honest.size + 1, honest.root, honest.extensions),
            f"{DEMO_SIZE} entries were replayed",
        ),
    ]
    for lie, says in lies:
        with pytest.raises(MonitorError, match=says):
            monitor.check(lie)


def test_entry_bundles_and_states_that_are_not_one_are_refused() -> None:
    assert parse_entry_bundle(b"\x00\x02ab\x00\x01c", 2) == [b"ab", b"c"]
    for data, says in ((b"\x00", "length prefix"), (b"\x00\x05ab", "inside an entry"), (b"\x00\x01a", "expected 2")):
        with pytest.raises(MonitorError, match=says):
            parse_entry_bundle(data, 2)
    for state in ({}, {"size": 3, "frontier": [], "heads": {}}, {"size": 1, "frontier": ["!"], "heads": {}}):
        with pytest.raises(MonitorError, match="not a monitor state"):
            LogMonitor.from_json(state)
    assert tile_path(1234067) == "x001/x234/067"
    assert tile_path(5, 88) == "005.p/88"
    assert tile_path(1000) == "x001/000"


class CountingClient(httpx.Client):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paths: list[str] = []

    def get(self, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        self.paths.append(str(url))
        return super().get(url, **kwargs)


@pytest.mark.slow
def test_the_monitor_follows_a_growing_log_over_http_reading_only_new_tiles(engine: Engine) -> None:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, checkpoint_every=10**9)
    ledger.checkpointer.adopt_log_key()
    grower = Actor("test-grower")
    enrol(ledger, grower)
    lots = [f"LOT-{i}" for i in range(5)]
    ledger.events.append_batch([grower.sign(lot, "register_plot") for lot in lots])
    ledger.checkpointer.publish()
    monitor = LogMonitor()
    with LiveServer(create_app(ledger)) as server, CountingClient() as http:
        # the grower's enrolment (3 records on its organisation's chain, a sixth lot) and the five plots
        assert "tree size 8: 6 lots" in monitor_once(monitor, server.url, [LOG.verifier()], http)
        ledger.events.append_batch([grower.sign(lots[i % 5]) for i in range(600)])  # past two full tiles
        ledger.checkpointer.publish()
        http.paths.clear()
        assert "tree size 608: 6 lots" in monitor_once(monitor, server.url, [LOG.verifier()], http)
        tiles = [p.rsplit("/log/", 1)[1] for p in http.paths if "/tile/" in p]
        assert tiles == ["tile/entries/000", "tile/entries/001", "tile/entries/002.p/96"]  # 608 = 2 * 256 + 96
        http.paths.clear()
        assert "tree size 608" in monitor_once(monitor, server.url, [LOG.verifier()], http)
        assert not any("/tile/" in p for p in http.paths)  # nothing new: no tile read


def forging_log(ledger: Services, extension: str) -> FastAPI:
    """A log that serves its genuine entries but signs (with its own key) a checkpoint whose lot-heads line
    is ``extension``: what a witness would cosign, since the tree is consistent."""
    honest = demo_checkpoint(ledger)
    note = signed(Checkpoint(honest.origin, honest.size, honest.root, (extension,)))
    app = FastAPI()
    app.get("/api/v1/log/checkpoint")(lambda: PlainTextResponse(note))
    app.get("/api/v1/log/tile/entries/{path:path}")(
        lambda path: Response(ledger.log.entry_bundle(0, int(path.split("/")[-1])))
    )
    return app


@pytest.mark.slow
def test_the_cli_monitors_and_catches_a_forged_lot_heads_map(logged: Services, tmp_path: Path) -> None:
    state, key = tmp_path / "monitor.json", LOG.verifier().text()
    with LiveServer(create_app(logged)) as server:
        ok = run("monitor", "--log", server.url, "--log-key", key, "--state", str(state))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == (
        f"monitored ginseng.test/log at tree size {DEMO_SIZE}: {DEMO_LOTS} lots, every chain linear, "
        "root and lot-heads map as signed"
    )
    assert json.loads(state.read_text())["size"] == DEMO_SIZE
    hidden = HeadMap(tuple(e for e in LogMonitor.from_json(json.loads(state.read_text())).head_map().entries[1:]))
    with LiveServer(forging_log(logged, hidden.extension_line())) as liar:
        caught = run("monitor", "--log", liar.url, "--log-key", key)
    assert caught.returncode == 1
    # one lot hidden
    assert caught.stdout.startswith(f"MISMATCH: the checkpoint's lot-heads line is {DEMO_LOTS - 1} ")
    assert f"but the entries give {DEMO_LOTS} " in caught.stdout
    state.write_text("{not json")
    bad = run("monitor", "--log", "http://127.0.0.1:9", "--log-key", key, "--state", str(state))
    assert (bad.returncode, bad.stderr.count("\n")) == (2, 1)
    assert "cannot read the monitor state" in bad.stderr


@pytest.mark.slow
def test_a_checkpoint_not_signed_by_the_log_key_is_a_mismatch(logged: Services) -> None:
    other = SignerKey("ginseng.test/log", bytes(range(1, 33))).verifier().text()
    with LiveServer(create_app(logged)) as server:
        refused = run("monitor", "--log", server.url, "--log-key", other)
    assert refused.returncode == 1
    assert refused.stdout.startswith("MISMATCH: ")
