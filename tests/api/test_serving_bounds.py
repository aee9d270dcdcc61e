"""`ginseng-trace serve` as a real process (issue 15): its access log keeps no query string (the scan page's
query carries the shopper's rounded position), a request head must arrive within the header timeout and fit the
head limit, an idle keep-alive connection is closed, and every answer carries the security headers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..serve_process import free_port

POSITION = "near=43.9,125.3"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "TRACE_DATA_DIR": str(tmp_path / "data"),
        "TRACE_HEADER_TIMEOUT": "1",
        "TRACE_KEEP_ALIVE_TIMEOUT": "1",
        "TRACE_MAX_HEADER_BYTES": "4096",
        "TRACE_CHECKPOINT_SECONDS": "3600",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "ginseng_trace.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/.well-known/gs1resolver", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        yield port, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.communicate(timeout=30)
        if server.stdout is not None:
            server.stdout.close()


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` (reading end of stream) within ``seconds``."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


@pytest.mark.slow
def test_the_access_log_keeps_no_query_string(served: tuple[int, subprocess.Popen[str]]) -> None:
    port, server = served
    scan = f"http://127.0.0.1:{port}/01/06975123400010/10/LOT-1/21/0001?{POSITION}&place=1&city=Changchun"
    answer = httpx.get(scan)
    assert answer.status_code == 404  # not registered: the page is served (and logged) all the same
    server.terminate()
    log = server.communicate(timeout=30)[0]
    assert '"GET /01/06975123400010/10/LOT-1/21/0001 HTTP/1.1" 404' in log  # the request is logged...
    assert "43.9" not in log
    assert "Changchun" not in log
    assert "?" not in log


@pytest.mark.slow
def test_connections_are_bounded(served: tuple[int, subprocess.Popen[str]]) -> None:
    port, _server = served
    with socket.create_connection(("127.0.0.1", port)) as slow:  # a head sent too slowly is cut off
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.6)
        slow.sendall(b"X-A: 1\r\n")
        assert closed_within(slow, 3)
    with socket.create_connection(("127.0.0.1", port)) as silent:  # so is a connection that sends nothing
        assert closed_within(silent, 3)
    with socket.create_connection(("127.0.0.1", port)) as big:  # a head growing beyond the limit gets 400
        big.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000)
        time.sleep(0.2)
        big.sendall(b"a\r\n\r\n")
        big.settimeout(5)
        assert big.recv(100).startswith(b"HTTP/1.1 400")
    with socket.create_connection(("127.0.0.1", port)) as idle:  # an idle keep-alive connection is closed
        idle.sendall(b"GET /.well-known/gs1resolver HTTP/1.1\r\nHost: x\r\n\r\n")
        idle.settimeout(5)
        assert idle.recv(65536).startswith(b"HTTP/1.1 200")
        assert closed_within(idle, 3)
    with socket.create_connection(("127.0.0.1", port)) as patient:  # a request that keeps to the bounds is served
        patient.sendall(b"GET /.well-known/gs1resolver HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.5)
        patient.sendall(b"\r\n")
        patient.settimeout(5)
        assert patient.recv(65536).startswith(b"HTTP/1.1 200")
    answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/log/checkpoint")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
