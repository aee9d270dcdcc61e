"""Witnesses: the tlog-witness add-checkpoint decision, the witness's state and HTTP interface,
and the whole flow between a running log and `ginseng-trace witness` in separate processes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ginseng_trace.chain.keys import ALG_COSIGNATURE, SignerKey
from ginseng_trace.chain.merkle import EMPTY_ROOT, consistency_proof, leaf_hash, root_hash
from ginseng_trace.chain.note import Checkpoint, Note, sign_note, verify_note
from ginseng_trace.chain.witness import (
    Cosigned,
    WitnessRefusal,
    check_add_checkpoint,
    parse_add_checkpoint,
    request_body,
)
from ginseng_trace.witness import Witness, WitnessState, witness_app

from ..conftest import OPERATOR, LiveServer, demo_shop_sale, demo_size

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
WITNESS = SignerKey("regulator.test/witness", bytes(range(5, 37)), ALG_COSIGNATURE)
LEAVES = [leaf_hash(bytes([i])) for i in range(20)]
LOGS = {LOG.name: [LOG.verifier()]}
DEMO_SIZE = demo_size()  # the demo's log: its membership records and its events


def signed(size: int, leaves: list[bytes] = LEAVES, key: SignerKey = LOG) -> str:
    text = Checkpoint(key.name, size, root_hash(leaves[:size])).text()
    return Note(text, (sign_note(text, key),)).to_text()


def cosigned(size: int, leaves: list[bytes] = LEAVES) -> Cosigned:
    return Cosigned(size, root_hash(leaves[:size]), signed(size, leaves))


def decide(old: int, proof: list[bytes], note: str, latest: Cosigned | None) -> Checkpoint:
    return check_add_checkpoint(parse_add_checkpoint(request_body(old, proof, note)), LOGS, latest)


def refusal(old: int, proof: list[bytes], note: str, latest: Cosigned | None) -> WitnessRefusal:
    with pytest.raises(WitnessRefusal) as caught:
        decide(old, proof, note, latest)
    return caught.value


def test_first_and_following_checkpoints_are_accepted() -> None:
    assert decide(0, [], signed(5), None).size == 5
    assert decide(5, consistency_proof(LEAVES[:9], 5), signed(9), cosigned(5)).size == 9
    assert decide(9, [], signed(9), cosigned(9)).size == 9  # the same checkpoint again


def test_statuses_follow_the_specification() -> None:
    other_log = SignerKey("elsewhere.test/log", bytes(32))
    assert refusal(0, [], signed(5, key=other_log), None).status == 404
    forged = signed(5).replace("\n5\n", "\n6\n")
    assert refusal(0, [], forged, None).status == 403
    impostor = SignerKey(LOG.name, bytes(32))
    assert refusal(0, [], signed(5, key=impostor), None).status == 403
    assert refusal(7, [], signed(5), cosigned(7)).status == 400
    stale = refusal(3, consistency_proof(LEAVES[:9], 3), signed(9), cosigned(5))
    assert (stale.status, stale.latest_size) == (409, 5)
    assert refusal(0, [], signed(9), cosigned(5)).latest_size == 5
    rewritten = [*LEAVES[:2], leaf_hash(b"forged"), *LEAVES[3:]]
    split = refusal(5, [], signed(5, rewritten), cosigned(5))
    assert (split.status, split.split_view) == (409, True)
    bad = refusal(5, consistency_proof(rewritten[:9], 5), signed(9, rewritten), cosigned(5))
    assert (bad.status, bad.split_view) == (422, True)
    assert refusal(0, [LEAVES[0]], signed(5), None).status == 422
    empty_text = Checkpoint(LOG.name, 0, LEAVES[0]).text()
    assert refusal(0, [], Note(empty_text, (sign_note(empty_text, LOG),)).to_text(), None).status == 422
    good_empty = Checkpoint(LOG.name, 0, EMPTY_ROOT).text()
    assert decide(0, [], Note(good_empty, (sign_note(good_empty, LOG),)).to_text(), None).size == 0


@pytest.mark.parametrize(
    "body",
    [b"\xff", b"old 1\n", b"new 1\n\n" + signed(1).encode(), b"old 01\n\n" + signed(1).encode(), b"old 0\n%%%\n\nx"],
)
def test_malformed_requests_are_400(body: bytes) -> None:
    with pytest.raises(WitnessRefusal) as caught:
        parse_add_checkpoint(body)
    assert caught.value.status == 400


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return Witness(
        WITNESS, LOGS, WitnessState(tmp_path / "state.json"), tmp_path / "evidence", clock=lambda: 1_764_000_000
    )


def test_the_witness_remembers_cosigns_and_keeps_evidence_of_a_split_view(witness: Witness) -> None:
    line = witness.add_checkpoint(request_body(0, [], signed(5)))
    text = Checkpoint(LOG.name, 5, root_hash(LEAVES[:5])).text()
    [verified] = verify_note(Note.parse(text + "\n" + line), [WITNESS.verifier()])
    assert verified.timestamp == 1_764_000_000
    assert witness.state.latest(LOG.name) == cosigned(5)
    witness.add_checkpoint(request_body(5, consistency_proof(LEAVES[:12], 5), signed(12)))
    assert witness.state.latest(LOG.name).size == 12  # type: ignore[union-attr]
    rewritten = [*LEAVES[:12], leaf_hash(b"other")]
    other = [*LEAVES[:3], leaf_hash(b"forged"), *LEAVES[4:]]
    with pytest.raises(WitnessRefusal) as caught:
        witness.add_checkpoint(request_body(12, consistency_proof(other[:13], 12), signed(13, other)))
    assert caught.value.split_view
    evidence = json.loads(Path(caught.value.evidence or "").read_text())
    assert evidence["cosigned"] == signed(12)
    assert evidence["offered"] == signed(13, other)
    assert witness.state.latest(LOG.name).size == 12  # type: ignore[union-attr]  # nothing rolled or moved
    witness.add_checkpoint(request_body(12, consistency_proof(rewritten, 12), signed(13, rewritten)))


def test_the_witness_http_interface(witness: Witness) -> None:
    with LiveServer(witness_app(witness)) as server, httpx.Client(base_url=server.url) as client:
        ok = client.post("/add-checkpoint", content=request_body(0, [], signed(4)))
        assert ok.status_code == 200
        assert ok.text.startswith("\u2014 regulator.test/witness ")
        stale = client.post("/add-checkpoint", content=request_body(0, [], signed(6)))
        assert (stale.status_code, stale.text) == (409, "4\n")
        assert stale.headers["content-type"].startswith("text/x.tlog.size")
        assert client.post("/add-checkpoint", content=b"nonsense").status_code == 400
        unknown = client.post(
            "/add-checkpoint", content=request_body(0, [], signed(4, key=SignerKey("x.test/log", bytes(32))))
        )
        assert unknown.status_code == 404


# -- the whole flow, in separate processes ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ginseng_trace.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def service_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "TRACE_DATA_DIR": str(tmp_path / "log-a"), "TRACE_LOG_ORIGIN": "ginseng.test/log"}


@pytest.fixture
def witness_key(tmp_path: Path, service_env: dict[str, str]) -> tuple[Path, str]:
    path = tmp_path / "witness.key"
    made = cli("keygen", "regulator.test/witness", "--cosigner", "-o", str(path), env=service_env)
    assert made.returncode == 0, made.stderr
    return path, made.stdout.strip()


@pytest.fixture
def serve() -> Iterator[Callable[[dict[str, str], str], str]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], database_url: str) -> str:
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ginseng_trace.cli",
                "serve",
                "--demo",
                "--port",
                str(port),
                f"--database-url={database_url}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/log/checkpoint", timeout=5).status_code == 200:
                    return url
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the log service exited"
            assert time.monotonic() < deadline, "the log service did not start"
            time.sleep(0.2)

    yield start
    for process in started:
        process.terminate()
        process.wait(30)


@pytest.mark.slow
def test_witness_and_log_in_separate_processes(
    database_url: str,
    tmp_path: Path,
    service_env: dict[str, str],
    witness_key: tuple[Path, str],
    serve: Callable[[dict[str, str], str], str],
) -> None:
    key_file, witness_vkey = witness_key
    env = {**service_env, "TRACE_WITNESS_KEYS": witness_vkey, "TRACE_CHECKPOINT_SECONDS": "0.2"}
    log_url = serve(env, database_url)
    log_vkey = cli("log-key", f"--database-url={database_url}", env=env).stdout.strip()
    state = tmp_path / "witness" / "state.json"
    witness = ["witness", "--log", log_url, "--key", str(key_file), "--log-key", log_vkey, "--state", str(state)]

    first = cli(*witness, env=env)
    assert (first.returncode, first.stdout) == (0, f"cosigned ginseng.test/log at tree size {DEMO_SIZE}\n"), (
        first.stderr
    )
    checkpoint = httpx.get(f"{log_url}/api/v1/log/checkpoint").text
    assert "\u2014 regulator.test/witness " in checkpoint

    # more events arrive; the witness checks the consistency proof from the demo's size and cosigns again
    key_path = tmp_path / "shop.key"
    event = demo_shop_sale("sale-2", "2025-11-21T02:00:00Z", key_path)
    envelope = _sign(key_path, event, env)
    assert (
        httpx.post(
            f"{log_url}/api/v1/events", content=envelope, headers={"content-type": "application/json"}
        ).status_code
        == 201
    )
    deadline = time.monotonic() + 20
    while httpx.get(f"{log_url}/api/v1/log/checkpoint").text.split("\n")[1] != str(DEMO_SIZE + 1):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    second = cli(*witness, env=env)
    assert second.stdout == f"cosigned ginseng.test/log at tree size {DEMO_SIZE + 1}\n", second.stderr

    bundle = tmp_path / "pk.json"
    assert (
        cli("bundle", f"--database-url={database_url}", "--lot", "PK-2025-0931", "-o", str(bundle), env=env).returncode
        == 0
    )
    anchor = cli("admin", "anchor", f"--database-url={database_url}", env=env).stdout.strip()
    verified = cli(
        "verify-bundle", str(bundle), "--log-key", log_vkey, "--witness-key", witness_vkey, "--anchor", anchor, env=env
    )
    assert verified.returncode == 0, verified.stdout
    assert "regulator.test/witness (cosigned at unix time" in verified.stdout

    # a second log with the same key and origin but another history: the witness sees a split view
    other_dir = tmp_path / "log-b"
    other_dir.mkdir()
    shutil.copy(tmp_path / "log-a" / "log.key", other_dir / "log.key")
    other_env = {**env, "TRACE_DATA_DIR": str(other_dir)}
    other_db = f"sqlite+pysqlite:///{other_dir / 'ledger.sqlite3'}"
    other_url = serve(other_env, other_db)
    forked = _sign(key_path, {**event, "event_id": "sale-2-elsewhere"}, other_env)
    httpx.post(f"{other_url}/api/v1/events", content=forked, headers={"content-type": "application/json"})
    deadline = time.monotonic() + 20
    while httpx.get(f"{other_url}/api/v1/log/checkpoint").text.split("\n")[1] != str(DEMO_SIZE + 1):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    split = cli(
        "witness", "--log", other_url, "--key", str(key_file), "--log-key", log_vkey, "--state", str(state), env=env
    )
    assert split.returncode == 1
    assert split.stdout.startswith(f"SPLIT VIEW: split view: two roots for tree size {DEMO_SIZE + 1}")
    evidence = Path(split.stdout.strip().rsplit("evidence: ", 1)[1])
    both = json.loads(evidence.read_text())
    assert both["cosigned"].split("\n")[1] == both["offered"].split("\n")[1] == str(DEMO_SIZE + 1)
    assert both["cosigned"] != both["offered"]


def _sign(key_path: Path, event: dict[str, Any], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ginseng_trace.cli", "sign", "--key", str(key_path), "-"],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.slow
def test_the_log_pushes_checkpoints_to_a_c2sp_witness(engine: object, grower: object, tmp_path: Path) -> None:
    """The log as a tlog-witness client, against a witness served over HTTP (ours, speaking the protocol)."""
    from ginseng_trace.api import create_app
    from ginseng_trace.service import Services
    from ginseng_trace.service.witnessing import WitnessPusher
    from ginseng_trace.store import Store

    from ..conftest import Actor

    assert isinstance(grower, Actor)
    ledger = Services(
        Store(engine),  # type: ignore[arg-type]
        operator=OPERATOR,
        log_signer=LOG,
        witness_keys=[WITNESS.verifier()],
        checkpoint_every=10**6,
    )
    witness = Witness(WITNESS, LOGS, WitnessState(tmp_path / "w.json"), tmp_path / "evidence")
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    ledger.checkpointer.publish()
    with LiveServer(witness_app(witness)) as served, httpx.Client() as http:
        # the grower's enrolment (3 records) and its plot
        assert WitnessPusher(ledger.log, ledger.cosignatures, [served.url], http).push(served.url) == 3 + 1
        for i in range(3):
            ledger.events.append(grower.sign("PLOT-1", "field_operation", payload={"note": str(i)}))
        ledger.checkpointer.publish()
        fresh = WitnessPusher(
            ledger.log, ledger.cosignatures, [served.url], http
        )  # knows nothing: learns size 4 from a 409, then proves 4 -> 7
        assert fresh.push(served.url) == 7
        assert witness.state.latest(LOG.name).size == 7  # type: ignore[union-attr]
        assert "\u2014 regulator.test/witness " in ledger.log.latest_checkpoint().cosignatures[0]

        ledger.events.append(grower.sign("PLOT-1", "field_operation", payload={"note": str(9)}))
        app = create_app(ledger, checkpoint_seconds=0.2, witness_urls=[served.url])
        with LiveServer(app) as log, httpx.Client(base_url=log.url) as client:
            deadline = time.monotonic() + 15
            while True:
                note = client.get("/api/v1/log/checkpoint").text
                if note.split("\n")[1] == "8" and "\u2014 regulator.test/witness " in note:
                    break
                assert time.monotonic() < deadline, note
                time.sleep(0.1)
        bad = WitnessPusher(ledger.log, ledger.cosignatures, ["http://127.0.0.1:9"], http).push_all()
        assert bad[0].startswith("http://127.0.0.1:9: ")
