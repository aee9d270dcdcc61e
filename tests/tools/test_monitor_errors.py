"""The monitor when the log answers errors or garbage where it must serve a checkpoint or a tile: always a
``MISMATCH:`` line and exit 1, never a crash; and a tampered server caught from the outside (both engines)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import Engine, text

from ginseng_trace import cli
from ginseng_trace.api import create_app
from ginseng_trace.chain.monitor import LogMonitor, MonitorError
from ginseng_trace.demo import load_demo
from ginseng_trace.monitor import monitor_once
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, LiveServer
from ..service.test_tampering import sql
from .test_monitor import LOG


@pytest.fixture
def logged(engine: Engine) -> Services:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, checkpoint_every=10**9)
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    ledger.checkpointer.publish()
    return ledger


def answering(checkpoint: Callable[[], Response], tile: Callable[[str], Response]) -> FastAPI:
    app = FastAPI()
    app.get("/api/v1/log/checkpoint")(checkpoint)
    app.get("/api/v1/log/tile/entries/{path:path}")(tile)
    return app


def server_error() -> Response:
    return PlainTextResponse("Internal Server Error", status_code=500)


def monitor_cli(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["monitor", "--log", url, "--log-key", LOG.verifier().text()])
    return code, capsys.readouterr().out


def test_a_server_error_for_the_checkpoint_is_a_mismatch(capsys: pytest.CaptureFixture[str]) -> None:
    with LiveServer(answering(server_error, lambda path: server_error())) as server:
        with httpx.Client() as http, pytest.raises(MonitorError, match="answered 500 for its checkpoint"):
            monitor_once(LogMonitor(), server.url, [LOG.verifier()], http)
        code, out = monitor_cli(server.url, capsys)
    assert code == 1
    assert out.startswith("MISMATCH: the log answered 500 for its checkpoint")
    assert out.count("\n") == 1


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe not text", b"", b"ginseng.test/log\n110\nnot base64\n\n\xe2\x80\x94 x y\n", b"<html>oops</html>"],
)
def test_garbage_for_the_checkpoint_is_a_mismatch(body: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    with LiveServer(answering(lambda: Response(body), lambda path: server_error())) as server:
        code, out = monitor_cli(server.url, capsys)
    assert code == 1
    assert out.startswith("MISMATCH: the log's checkpoint is not one signed by its key")


def test_a_server_error_or_garbage_for_a_tile_is_a_mismatch(
    logged: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    note = logged.log.latest_checkpoint().note
    for tile, says in (
        (lambda path: server_error(), "answered 500 for entry tile 0"),
        (
            lambda path: Response(b"\x00\x05abc"),
            "entry bundle ends inside an entry",
        ),
    ):
        with LiveServer(answering(lambda: PlainTextResponse(note), tile)) as server:
            code, out = monitor_cli(server.url, capsys)
        assert code == 1
        assert out.startswith("MISMATCH: ")
        assert says in out


@pytest.mark.slow
def test_a_server_whose_database_lost_a_record_is_caught_from_outside(
    engine: Engine, logged: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record deleted in the database behind an honest server: the entry tile its checkpoint covers cannot be
    served whole, and the monitor says so."""
    with engine.connect() as conn:
        index = int(conn.execute(text("SELECT max(log_index) FROM records WHERE lot_id = 'PK-2025-0931'")).scalar_one())
    gone = f"WHERE log_index = {index}"
    sql(engine, *(f"DELETE FROM {table} {gone}" for table in ("findings", "disclosures", "record_inputs", "records")))
    with LiveServer(create_app(Services(Store(engine), operator=OPERATOR, log_signer=LOG))) as server:
        code, out = monitor_cli(server.url, capsys)
    assert code == 1
    assert out.startswith("MISMATCH: the log answered 500 for entry tile 0")
