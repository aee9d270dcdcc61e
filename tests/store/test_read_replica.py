"""Published reads from a PostgreSQL streaming replica (``TRACE_DATABASE_READ_URL``), against a real one.

The machine's shared PostgreSQL server is never touched: the test starts its own primary and a streaming
standby of it (``pg_basebackup -R``) from the machine's PostgreSQL binaries, in a temporary directory, on two
free ports, and stops both at the end. Replay on the standby is paused (``pg_wal_replay_pause``) to make it
lag on purpose, so a test can tell which of the two answered.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from ginseng_trace.api import create_app
from ginseng_trace.service import Services
from ginseng_trace.settings import Settings
from ginseng_trace.store import Store, create_ledger_engine, migrate

from ..conftest import DEMO_LOG, OPERATOR, Actor, LiveServer, enrol


def _bindir() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out and (Path(out) / "pg_basebackup").exists():
            return Path(out)
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_basebackup").exists():
            return candidate
    return None


BIN = _bindir()
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _tool(name: str) -> str:
    assert BIN is not None
    return str(BIN / name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A primary and its streaming standby, each a server of its own in ``root``."""

    root: Path
    primary_port: int
    replica_port: int

    def url(self, port: int) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def run(self, *argv: str) -> None:
        subprocess.run([*AS_POSTGRES, *argv], check=True, capture_output=True, timeout=60)

    def start(self, name: str) -> None:
        self.run(_tool("pg_ctl"), "-D", str(self.root / name), "-l", str(self.root / f"{name}.log"), "-w", "start")

    def stop(self, name: str) -> None:
        self.run(_tool("pg_ctl"), "-D", str(self.root / name), "-m", "immediate", "-w", "stop")


def _configure(data: Path, port: int, root: Path) -> None:
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{root}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
        )


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if BIN is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_basebackup) on this machine")
    if AS_POSTGRES and not shutil.which("runuser"):
        pytest.skip("initdb refuses to run as root and there is no runuser to run it as the postgres user")
    root = Path(tempfile.mkdtemp(prefix="trace-replica-"))
    if AS_POSTGRES:
        shutil.chown(root, "postgres")
    root.chmod(0o700)
    found = Cluster(root, _free_port(), _free_port())
    started: list[str] = []
    try:
        found.run(_tool("initdb"), "-D", str(root / "primary"), "-A", "trust", "-U", "postgres")
        _configure(root / "primary", found.primary_port, root)
        with (root / "primary" / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        found.start("primary")
        started.append("primary")
        found.run(
            _tool("pg_basebackup"), "-h", "127.0.0.1", "-p", str(found.primary_port), "-U", "postgres",
            "-D", str(root / "replica"), "-R", "-X", "stream",
        )  # fmt: skip
        conf = root / "replica" / "postgresql.conf"
        conf.write_text(conf.read_text().replace(f"port = {found.primary_port}", f"port = {found.replica_port}"))
        found.start("replica")
        started.append("replica")
        yield found
    finally:
        for name in reversed(started):
            with contextlib.suppress(subprocess.CalledProcessError):  # a test stopped it already
                found.stop(name)
        shutil.rmtree(root, ignore_errors=True)


def _caught_up(primary: Engine, replica: Engine) -> None:
    """Wait until the standby has replayed everything the primary has written."""
    with primary.connect() as conn:
        target = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with replica.connect() as conn:
            behind = conn.execute(text("SELECT pg_wal_lsn_diff(:t, pg_last_wal_replay_lsn()) > 0"), {"t": target})
            if not behind.scalar_one():
                return
        time.sleep(0.05)
    raise AssertionError("the standby did not catch up with the primary in 20 s")


def _replay(replica: Engine, *, paused: bool) -> None:
    with replica.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"))
        conn.commit()


def _records(client: httpx.Client, lot: str) -> int:
    answer = client.get(f"/api/v1/lots/{lot}/history")
    assert answer.status_code == 200, answer.text
    return len(answer.json()["records"])


@pytest.mark.postgres
@pytest.mark.slow
def test_published_reads_are_served_by_the_replica_and_the_primary_answers_what_it_lacks(cluster: Cluster) -> None:
    primary = create_ledger_engine(cluster.primary_url)
    migrate(primary)
    replica = create_ledger_engine(cluster.replica_url)
    ledger = Services(Store(primary, replica), operator=OPERATOR, log_signer=DEMO_LOG)
    grower = Actor("replica-grower")
    enrol(ledger, grower)
    ledger.events.append(grower.sign("PLOT-R1", "register_plot"))
    _caught_up(primary, replica)
    try:
        with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
            assert _records(client, "PLOT-R1") == 1
            assert client.post("/api/v1/log/checkpoint").status_code == 200  # one the standby holds
            _caught_up(primary, replica)
            _replay(replica, paused=True)
            ledger.events.append(grower.sign("PLOT-R1", "sow"))  # on the primary; the paused standby lags
            ledger.events.append(grower.sign("PLOT-R2", "register_plot"))

            # the history of a lot both hold: the standby answered, one record behind
            assert _records(client, "PLOT-R1") == 1
            # a lot only the primary holds: the standby's 404 is not the answer, the primary's record is
            assert _records(client, "PLOT-R2") == 1
            # a record by hash that the standby lacks: the primary's
            newest = ledger.store.read(lambda repo: repo.lot_records(["PLOT-R1"]))[-1].record_hash
            assert client.get(f"/api/v1/events/{newest}").status_code == 200
            # a checkpoint the standby has not replayed: the bundle and its proofs are the primary's, at it
            signed = client.post("/api/v1/log/checkpoint")
            assert signed.status_code == 200
            size = int(signed.text.splitlines()[1])
            assert client.get(f"/api/v1/log/checkpoints/{size}").text == signed.text
            bundle = client.get("/api/v1/lots/PLOT-R1/bundle")  # the standby has an older checkpoint of it
            assert bundle.status_code == 200, bundle.text
            assert bundle.json()["checkpoint"].splitlines()[1] == str(size)
            assert client.get(f"/api/v1/log/consistency?from=1&to={size}").status_code == 200
            # reads that decide (a write's own reads, roles) stay on the primary: the chain grows on the primary
            ledger.events.append(grower.sign("PLOT-R1", "field_operation"))

            _replay(replica, paused=False)
            _caught_up(primary, replica)
            assert _records(client, "PLOT-R1") == 3

            cluster.stop("replica")  # the standby gone: published reads fall back to the primary, no 503
            assert _records(client, "PLOT-R1") == 3
            assert client.get("/api/v1/lots/PLOT-R2/history").status_code == 200
            assert client.get("/api/v1/lots/NOWHERE/history").status_code == 404
    finally:
        replica.dispose()
        primary.dispose()


def test_the_replica_is_configured_by_url_and_only_as_postgresql(tmp_path: Path) -> None:
    standby = "postgresql+psycopg://postgres@127.0.0.1:5433/test"
    assert Settings(data_dir=tmp_path, database_read_url=standby).database_read_url == standby
    assert Settings(data_dir=tmp_path, database_read_url="").database_read_url is None
    with pytest.raises(ValueError, match="TRACE_DATABASE_READ_URL"):
        Settings(data_dir=tmp_path, database_read_url=f"sqlite+pysqlite:///{tmp_path}/copy.sqlite3")
