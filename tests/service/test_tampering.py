"""Tampering with the database, as an attacker with write access would (the append-only triggers dropped): each
change is named by ``ginseng-trace verify``, by the verify endpoint and on the shopper's page, on both engines.

The records of a lot can be cut back, reordered or re-signed so that every chain still links; what catches it
is the transparency log: the tree rebuilt from the stored records against every stored checkpoint and its
lot-heads map, and a lot's records by inclusion proofs into the latest checkpoint."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from ginseng_trace import bootstrap, cli
from ginseng_trace.api import create_app
from ginseng_trace.chain.canonical import canonical_bytes, parse_canonical
from ginseng_trace.chain.keys import ALG_COSIGNATURE, SignerKey
from ginseng_trace.chain.note import Checkpoint, Note, cosign, sign_note
from ginseng_trace.chain.records import sha256_hex
from ginseng_trace.demo import PACKAGING_RUNS, load_demo
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, LiveServer, demo_chains, enrol
from .test_ledger import drop_append_only_triggers

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
OTHER = SignerKey("ginseng.test/log", bytes(range(1, 33)))
"""An attacker's key under the log's name: not the log's key."""
WITNESS = SignerKey("witness.test", bytes(range(5, 37)), ALG_COSIGNATURE)
LOT = "PK-2025-0931"
BOXES = {lot: gtin for gtin, lot, _units in PACKAGING_RUNS}


@dataclass
class Tampered:
    """What the three edges say about the tampered database: the CLI's lines and exit, the endpoint's body,
    the page."""

    cli: list[str]
    cli_lot: list[str]
    exit: int
    api: dict[str, Any]
    page: str

    def named(self, *words: str, whole: tuple[str, ...] | None = None) -> None:
        """Every edge says the ledger is broken and names the problem with all of ``words`` (the whole ledger's
        check with ``whole``, if given)."""
        assert self.exit == 1
        assert all(line.startswith("BROKEN: ") for line in self.cli + self.cli_lot)
        assert any(all(w in line for w in whole or words) for line in self.cli), self.cli
        assert any(all(w in line for w in words) for line in self.cli_lot), self.cli_lot
        assert self.api["intact"] is False
        problems = self.api["problems"]
        assert isinstance(problems, list)
        assert any(all(w in p["message"] for w in words) for p in problems), problems
        assert "verification FAILED" in self.page
        assert "records intact, signatures valid" not in self.page


@pytest.fixture
def logged(engine: Engine) -> Services:
    """The demo ledger with its log: a checkpoint of it cosigned by a witness."""
    ledger = Services(
        Store(engine), operator=OPERATOR, log_signer=LOG, checkpoint_every=10**9, witness_keys=[WITNESS.verifier()]
    )
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    checkpoint = ledger.checkpointer.publish()
    cosigned = cosign(Note.parse(checkpoint.note).text, WITNESS, 1_800_000_000)
    ledger.cosignatures.add(checkpoint.size, cosigned.line())
    return ledger


Edges = Callable[..., Tampered]


@pytest.fixture
def edges(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Edges:
    """A function reading what the CLI (in-process), a freshly started server's verify endpoint and a box's
    page of ``lot`` say now."""
    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "cli-data"))
    opened: list[Services] = []

    def open_ledger(*args: Any, **kwargs: Any) -> Services:
        opened.append(bootstrap.open_ledger(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(cli, "open_ledger", open_ledger)

    def verify(*args: str) -> tuple[int, list[str]]:
        capsys.readouterr()
        try:
            code = cli.main(["verify", f"--database-url={database_url}", *args])
        finally:
            while opened:  # as the command's process would on exit
                opened.pop().store.engine.dispose()
        return code, capsys.readouterr().out.splitlines()

    def read(lot: str = LOT) -> Tampered:
        code, whole = verify()
        lot_code, of_lot = verify("--lot", lot)
        assert lot_code == code
        server = Services(Store(engine), operator=OPERATOR, log_signer=LOG)
        with LiveServer(create_app(server)) as live, httpx.Client(base_url=live.url, timeout=30) as client:
            api = client.get(f"/api/v1/lots/{lot}/verify")
            page = client.get(f"/01/{BOXES[lot]}/10/{lot}/21/0001?lang=en")
        assert (api.status_code, page.status_code) == (200, 200), page.text
        return Tampered(whole, of_lot, code, api.json(), page.text)

    return read


def sql(engine: Engine, *statements: str, **params: object) -> None:
    """Run ``statements`` as the attacker: triggers dropped, and foreign keys not enforced on this session."""
    drop_append_only_triggers(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            driver: Any = conn.connection.driver_connection
            driver.execute("PRAGMA foreign_keys=OFF")  # outside a transaction
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                conn.execute(text(statement), params)
        if engine.dialect.name == "sqlite":
            driver.execute("PRAGMA foreign_keys=ON")


def record_at(engine: Engine, index: int) -> tuple[bytes, bytes, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT record_bytes, event_bytes, event_id FROM records WHERE log_index = :i"), {"i": index}
        ).one()
    return bytes(row[0]), bytes(row[1]), str(row[2])


def index_of(engine: Engine, lot: str, seq: int) -> int:
    with engine.connect() as conn:
        query = text("SELECT log_index FROM records WHERE lot_id = :lot AND seq = :seq")
        return int(conn.execute(query, {"lot": lot, "seq": seq}).scalar_one())


def newest_seq(engine: Engine, lot: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT max(seq) FROM records WHERE lot_id = :lot"), {"lot": lot}).scalar_one())


@pytest.mark.slow
def test_an_untouched_ledger_is_intact_everywhere(logged: Services, edges: Edges) -> None:
    seen = edges()
    assert seen.exit == 0
    records = logged.records.count()
    assert seen.cli == [f"intact: whole ledger: {records} records in {demo_chains()} lot(s), against 1 checkpoint(s)"]
    assert seen.api["intact"] is True
    assert seen.api["problems"] == []
    assert 'data-verdict="genuine"' in seen.page


@pytest.mark.slow
def test_the_newest_record_of_a_lot_deleted(engine: Engine, logged: Services, edges: Edges) -> None:
    index = index_of(engine, LOT, newest_seq(engine, LOT))
    gone = f"WHERE log_index = {index}"
    sql(
        engine,
        f"DELETE FROM findings {gone}",
        f"DELETE FROM disclosures {gone}",
        f"DELETE FROM record_inputs {gone}",
        f"DELETE FROM records {gone}",
    )
    seen = edges()
    seen.named(f"lot {LOT!r}", "latest record", "as checkpoint", "lot-heads map says")
    assert 'data-verdict="broken"' in seen.page
    assert any(f"the record(s) at {index} are missing" in line for line in seen.cli)


@pytest.mark.slow
def test_the_newest_record_deleted_and_the_lot_heads_rewritten_to_match(
    engine: Engine, logged: Services, edges: Edges
) -> None:
    """The attacker also moves the derived lot_heads row back: the stored map is no longer the signed one."""
    seq = newest_seq(engine, LOT)
    index = index_of(engine, LOT, seq)
    previous = index_of(engine, LOT, seq - 1)
    gone = f"WHERE log_index = {index}"
    sql(
        engine,
        f"DELETE FROM findings {gone}",
        f"DELETE FROM disclosures {gone}",
        f"DELETE FROM record_inputs {gone}",
        f"DELETE FROM records {gone}",
        "UPDATE lot_heads SET seq = :seq, log_index = :previous, "
        "record_hash = (SELECT record_hash FROM records WHERE log_index = :previous) WHERE lot_id = :lot",
        seq=seq - 1,
        previous=previous,
        lot=LOT,
    )
    seen = edges()
    seen.named("checkpoint of size", "lot-heads map", whole=(f"the record(s) at {index} are missing",))


@pytest.mark.slow
def test_the_latest_checkpoint_row_deleted(engine: Engine, logged: Services, edges: Edges) -> None:
    """The log grows (a new organisation enrolled), its next checkpoint is cosigned; then that row goes, as a
    rollback to the one before would: the witness's cosignature is left over it."""
    enrol(logged, Actor("late-grower"), ("grower",), ("LATE-",), gs1_company_prefixes=())
    checkpoint = logged.checkpointer.publish()
    size = checkpoint.size
    logged.cosignatures.add(size, cosign(Note.parse(checkpoint.note).text, WITNESS, 1_800_000_100).line())
    sql(engine, f"DELETE FROM checkpoints WHERE size = {size}")
    seen = edges()
    seen.named(f"checkpoint of size {size}", "witness.test cosigned", "no such checkpoint")


@pytest.mark.slow
def test_a_checkpoint_replaced_by_one_signed_with_another_key(engine: Engine, logged: Services, edges: Edges) -> None:
    latest = logged.log.latest_checkpoint()
    text_ = Note.parse(latest.note).text
    forged = Note(text_, (sign_note(text_, OTHER),)).to_text()
    sql(engine, "UPDATE checkpoints SET note = :note WHERE size = :size", note=forged, size=latest.size)
    edges().named(f"checkpoint of size {latest.size}", "signature", "a note signed by the log's key")


@pytest.mark.slow
def test_a_checkpoint_row_with_an_altered_root(engine: Engine, logged: Services, edges: Edges) -> None:
    size = logged.log.latest_checkpoint().size
    sql(engine, "UPDATE checkpoints SET root = :root WHERE size = :size", root=bytes(32), size=size)
    edges().named(f"checkpoint of size {size}", "stored size and root", "A" * 43)


@pytest.mark.slow
def test_a_checkpoint_re_signed_by_the_log_key_over_another_root(
    engine: Engine, logged: Services, edges: Edges
) -> None:
    """Even with the log's own key (stolen), a checkpoint over another tree is caught: the records' tree is not
    the signed one, so every record of the lot fails its inclusion proof and the whole tree its root."""
    latest = logged.log.latest_checkpoint()
    honest = Checkpoint.parse(Note.parse(latest.note).text)
    root = bytes(31) + b"\x01"
    text_ = Checkpoint(honest.origin, honest.size, root, honest.extensions).text()
    note = Note(text_, (sign_note(text_, LOG),)).to_text()
    sql(
        engine,
        "UPDATE checkpoints SET note = :note, root = :root WHERE size = :size",
        note=note,
        root=root,
        size=latest.size,
    )
    seen = edges()
    seen.named("log inclusion", f"lot '{LOT}'", whole=(f"checkpoint of size {latest.size}: root: expected the signed",))


@pytest.mark.slow
def test_two_records_swap_positions(engine: Engine, logged: Services, edges: Edges) -> None:
    """Two neighbouring records of lots that do not link to each other trade places: every chain still links,
    only the log knows the order. The first such pair with a record of a packaged lot's lineage."""
    with engine.connect() as conn:
        pairs = conn.execute(
            text(
                "SELECT a.log_index, a.lot_id, b.lot_id FROM records a JOIN records b ON b.log_index = a.log_index + 1 "
                "WHERE a.lot_id <> b.lot_id AND a.seq > 1 AND b.seq > 1 AND NOT EXISTS "
                "(SELECT 1 FROM record_inputs x WHERE x.log_index IN (a.log_index, b.log_index)) ORDER BY a.log_index"
            )
        ).all()
    lineage = {box: {box} | {info.lot_id for info in logged.records.lineage(box, "ancestors")} for box in BOXES}
    first, lot = next((int(i), box) for i, lot_a, lot_b in pairs for box in BOXES if {lot_a, lot_b} & lineage[box])
    sql(
        engine,
        f"UPDATE records SET log_index = -1 WHERE log_index = {first}",
        f"UPDATE records SET log_index = {first} WHERE log_index = {first + 1}",
        f"UPDATE records SET log_index = {first + 1} WHERE log_index = -1",
    )
    seen = edges(lot)
    seen.named("log inclusion", whole=(f"record {first} (event", "log leaf"))
    assert any(f"record {first + 1} (event" in line and "log leaf" in line for line in seen.cli)
    assert any("root: expected the signed root" in line for line in seen.cli)


def test_a_signature_swapped_between_two_events(engine: Engine, logged: Services, edges: Edges) -> None:
    """Each record's ``sig`` traded with the next record's, and both record hashes recomputed."""
    first, second = (index_of(engine, LOT, seq) for seq in (2, 3))
    a, b = (parse_canonical(record_at(engine, i)[0]) for i in (first, second))
    a["sig"], b["sig"] = b["sig"], a["sig"]
    new_a, new_b = canonical_bytes(a), canonical_bytes(b)
    sql(
        engine,
        "UPDATE records SET record_bytes = :a, record_hash = :ha WHERE log_index = :i",
        "UPDATE records SET record_bytes = :b, record_hash = :hb WHERE log_index = :j",
        a=new_a,
        b=new_b,
        ha=bytes.fromhex(sha256_hex(new_a)),
        hb=bytes.fromhex(sha256_hex(new_b)),
        i=first,
        j=second,
    )
    seen = edges()
    for index in (first, second):
        seen.named(f"record {index} (event", "signature")
    assert any(f"record {first} (event" in line and "log inclusion" in line for line in seen.cli_lot)


@pytest.mark.slow
def test_a_byte_of_a_stored_event_changed(engine: Engine, logged: Services, edges: Edges) -> None:
    index = index_of(engine, LOT, 2)
    _record, event, event_id = record_at(engine, index)
    at = event.index(b'"occurred_at":"') + 20  # a digit of the date
    changed = event[:at] + bytes([event[at] ^ 0x01]) + event[at + 1 :]
    sql(engine, "UPDATE records SET event_bytes = :b WHERE log_index = :i", b=changed, i=index)
    seen = edges()
    seen.named(f"record {index} (event {event_id!r}", "event hash")


@pytest.mark.slow
def test_problems_name_checkpoints_in_the_api_model(engine: Engine, logged: Services, edges: Edges) -> None:
    size = logged.log.latest_checkpoint().size
    sql(engine, "UPDATE checkpoints SET root = :root WHERE size = :size", root=bytes(32), size=size)
    seen = edges()
    problems: list[dict[str, Any]] = seen.api["problems"]
    [problem] = problems
    assert (problem["checkpoint"], problem["log_index"], problem["check"]) == (size, None, "stored size and root")
    assert base64.b64decode(problem["found"].split("root ")[1].split(" ")[0]) == bytes(32)
