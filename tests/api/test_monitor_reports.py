"""Monitors report to the log, and the regulator's console shows what each last found: the signed status
format (docs/FORMAT.md's worked example, parse and refusal), the log's checks over real HTTP on both engines
(only configured monitors, only its own origin, only newer reports, a split view named), and the CLI's
``monitor --report-key`` end to end, for an honest log and for one that lost entries."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain.keys import ALG_COSIGNATURE, SignerKey
from ginseng_trace.chain.merkle import leaf_hash, root_hash
from ginseng_trace.chain.monitor_status import MonitorStatus, MonitorStatusError, open_status
from ginseng_trace.chain.note import Note, cosign
from ginseng_trace.demo import DEMO_PASSWORD, load_demo, open_demo_accounts
from ginseng_trace.demo.actors import REGULATOR
from ginseng_trace.service import Services
from ginseng_trace.store import Store, create_ledger_engine, migrate, sqlite_url_for

from ..conftest import OPERATOR, LiveServer
from ..tools.test_cli import run

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
MONITOR = SignerKey("monitor.example.cn", bytes(range(32)))
STRANGER = SignerKey("monitor.example.cn", bytes(range(1, 33)))
DOCS = Path(__file__).parents[2] / "docs" / "FORMAT.md"


def test_the_worked_example_in_format_md_is_what_the_code_signs() -> None:
    root = root_hash([leaf_hash(x) for x in (b"a", b"b", b"c")])
    detail = (
        "monitored trace.example.cn/log at tree size 3: 2 lots, every chain linear, root and lot-heads map as signed"
    )
    status = MonitorStatus("trace.example.cn/log", 3, root, "consistent", 1764950400, detail)
    signed = status.signed(MONITOR)
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### Monitor status reports") : text.index("### Tiles")]
    assert MONITOR.verifier().text() in section
    [example] = re.findall(r"```\n(ginseng-trace/monitor-status/v1\n.*?)```", section, re.S)
    assert example == signed
    assert open_status(example, [MONITOR.verifier()]) == (status, MONITOR.verifier())


def test_a_witness_cosignature_is_not_a_monitor_report() -> None:
    """A cosigning key configured by mistake as a monitor's: its timestamped cosignature signs no report."""
    witness = SignerKey(MONITOR.name, MONITOR.seed, ALG_COSIGNATURE)
    text = MonitorStatus("o", 0, bytes(32), "consistent", 1, "").text()
    with pytest.raises(MonitorStatusError, match="Ed25519 note signature"):
        open_status(Note(text, (cosign(text, witness, 1),)).to_text(), [witness.verifier()])


statuses = st.builds(
    MonitorStatus,
    st.text(st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=1, max_size=40),
    st.integers(0, 2**63 - 1),
    st.binary(min_size=32, max_size=32),
    st.sampled_from(["consistent", "MISMATCH"]),
    st.integers(0, 2**40),
    st.text(st.characters(codec="utf-8", categories=["L", "N", "P"], include_characters=" "), max_size=500),
)


@given(statuses)
def test_a_status_reads_back_as_itself(status: MonitorStatus) -> None:
    assert MonitorStatus.parse(status.text()) == status


@given(statuses, st.integers(0, 6), st.sampled_from(["", "01", "x", "MAYBE", " 3", "-1", "人"]))
def test_a_changed_line_is_refused_or_reads_as_a_status(status: MonitorStatus, line: int, value: str) -> None:
    lines = status.text().split("\n")
    lines[line] = value
    try:
        read = MonitorStatus.parse("\n".join(lines))
    except MonitorStatusError:
        return
    assert read.text() == "\n".join(lines)  # only a value that is itself well formed there (a detail, an origin)


@pytest.fixture
def monitored(engine: Engine) -> Services:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, monitor_keys=[MONITOR.verifier()])
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    open_demo_accounts(ledger)
    ledger.checkpointer.publish()
    return ledger


def log_in(client: httpx.Client) -> dict[str, str]:
    answer = client.post("/api/v1/session", json={"login": REGULATOR, "password": DEMO_PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"Cookie": f"gt_session={answer.cookies['gt_session']}"}


def report(ledger: Services, *, signer: SignerKey = MONITOR, verdict: str = "consistent", **changes: object) -> str:
    size = ledger.log.latest_checkpoint().size
    root = ledger.log.latest_checkpoint().root
    fields: dict[str, object] = {
        "origin": LOG.name,
        "size": size,
        "root": root,
        "verdict": verdict,
        "checked_at": int(time.time()),
        "detail": "all well",
    }
    fields.update(changes)
    return MonitorStatus(**fields).signed(signer)  # type: ignore[arg-type]


def post(client: httpx.Client, body: str) -> httpx.Response:
    return client.post("/api/v1/log/monitors", content=body, headers={"content-type": "text/plain"})


@pytest.mark.slow
def test_the_log_hears_its_monitors_and_the_console_shows_them(monitored: Services) -> None:
    now = int(time.time())
    with LiveServer(create_app(monitored)) as server, httpx.Client(base_url=server.url) as client:
        cookie = log_in(client)
        before = client.get("/app/console", params={"lang": "en"}, headers=cookie).text
        assert "monitor <b>monitor.example.cn</b>:\nnot reported" in before
        taken = post(client, report(monitored, checked_at=now - 60))
        assert taken.status_code == 201, taken.text
        size = monitored.log.latest_checkpoint().size
        assert taken.json() | {"checked_at": None} == {
            "name": MONITOR.name,
            "verdict": "consistent",
            "size": size,
            "checked_at": None,
            "detail": "all well",
            "agrees": True,
        }
        page = client.get("/app/console", params={"lang": "en"}, headers=cookie).text
        assert f"consistent\nat tree size {size}" in page
        assert "split view" not in page

        # a replay, or an older report, cannot stand over the newer one
        assert post(client, report(monitored, checked_at=now - 60)).status_code == 409
        assert post(client, report(monitored, checked_at=now - 120, verdict="consistent")).status_code == 409

        # a report whose root is not this log's at that size: the monitor was shown another tree
        split = post(client, report(monitored, checked_at=now - 30, root=bytes(32), detail="looked fine to me"))
        assert split.status_code == 201
        assert split.json()["agrees"] is False
        page = client.get("/app/console", params={"lang": "en"}, headers=cookie).text
        assert "a split view" in page
        assert '<li class="hard">monitor <b>monitor.example.cn</b>' in page

        mismatch = post(client, report(monitored, checked_at=now, verdict="MISMATCH", detail="entry 7: seq 3 after 1"))
        assert mismatch.status_code == 201
        [listed] = client.get("/api/v1/log/monitors").json()
        assert (listed["verdict"], listed["detail"], listed["agrees"]) == ("MISMATCH", "entry 7: seq 3 after 1", True)
        zh = client.get("/app/console", headers=cookie).text
        assert "发现不一致" in zh
    stored = monitored.store.read(lambda repo: repo.log.latest_monitor_check(MONITOR.name))
    assert stored == now


@pytest.mark.slow
def test_reports_the_log_cannot_trust_are_refused(monitored: Services) -> None:
    refusals: list[tuple[str | bytes, int, str]] = [
        (report(monitored, signer=STRANGER), 403, "not a status signed by a monitor"),
        (report(monitored, origin="another.example/log"), 403, "not this log"),
        (report(monitored, checked_at=int(time.time()) + 3600), 403, "in the future"),
        (report(monitored).replace("consistent", "fine"), 403, "does not verify"),
        ("not a note", 403, "no blank line"),
        (b"\xff\xfe", 422, "UTF-8"),
    ]
    with LiveServer(create_app(monitored)) as server, httpx.Client(base_url=server.url) as client:
        for body, status, says in refusals:
            refused = client.post("/api/v1/log/monitors", content=body, headers={"content-type": "text/plain"})
            assert refused.status_code == status, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert says in refused.json()["detail"]
        assert client.get("/api/v1/log/monitors").json()[0]["verdict"] is None
    assert monitored.store.read(lambda repo: repo.log.latest_monitor_reports()) == []


def test_a_log_without_monitor_keys_takes_no_report(engine: Engine) -> None:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG)
    ledger.checkpointer.adopt_log_key()
    ledger.checkpointer.publish()
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        refused = post(client, report(ledger))
        assert refused.status_code == 403
        assert "TRACE_MONITOR_KEYS" in refused.json()["detail"]
        assert client.get("/api/v1/log/monitors").json() == []


@pytest.mark.slow
def test_the_cli_monitor_reports_each_verdict(monitored: Services, engine: Engine, tmp_path: Path) -> None:
    key_file, state = tmp_path / "monitor.key", tmp_path / "state.json"
    key_file.write_text(MONITOR.text() + "\n")
    log_key = LOG.verifier().text()
    size = monitored.log.latest_checkpoint().size
    with LiveServer(create_app(monitored)) as server:
        honest = run(
            "monitor", "--log", server.url, "--log-key", log_key, "--state", str(state), "--report-key", str(key_file)
        )
        assert honest.returncode == 0, honest.stderr
        assert honest.stderr == ""
        [listed] = httpx.get(f"{server.url}/api/v1/log/monitors").json()
    assert (listed["verdict"], listed["size"], listed["agrees"]) == ("consistent", size, True)
    assert listed["detail"] == honest.stdout.strip()

    # the same log key serving a shorter log (entries lost): the monitor says MISMATCH and reports it there
    other = create_ledger_engine(sqlite_url_for(tmp_path / "shorter"))  # another database, the same log key
    migrate(other)
    shorter = Services(
        Store(other),
        operator=OPERATOR,
        log_signer=LOG,
        monitor_keys=[MONITOR.verifier()],
    )
    shorter.checkpointer.adopt_log_key()
    shorter.checkpointer.publish()
    time.sleep(1.1)  # a report must be newer (whole seconds) than the last one this monitor sent
    with LiveServer(create_app(shorter)) as server:
        caught = run(
            "monitor", "--log", server.url, "--log-key", log_key, "--state", str(state), "--report-key", str(key_file)
        )
        assert caught.returncode == 1, caught.stderr
        assert caught.stdout.startswith("MISMATCH: ")
        assert caught.stderr == ""
        [listed] = httpx.get(f"{server.url}/api/v1/log/monitors").json()
    assert (listed["verdict"], listed["size"], listed["agrees"]) == ("MISMATCH", size, None)
    assert f"but {size} entries were seen" in listed["detail"]
    other.dispose()

    cosigner = tmp_path / "cosigner.key"
    cosigner.write_text(SignerKey("w", bytes(32), ALG_COSIGNATURE).text() + "\n")
    bad = run("monitor", "--log", "http://127.0.0.1:9", "--log-key", log_key, "--report-key", str(cosigner))
    assert (bad.returncode, bad.stderr.count("\n")) == (2, 1)
    assert "cosigning key" in bad.stderr
