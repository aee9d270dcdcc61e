"""``ginseng-trace serve`` as a real process, for the tests that need one (crashes, front shedding, workers):
started on a free port, waited for until it answers, stopped at the end."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_process(
    env: dict[str, str], *args: str, probe: str = "/.well-known/gs1resolver", seconds: float = 90
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``serve --port P *args`` under ``env``, once ``probe`` answers at all: its base URL and process. At the
    end it is terminated (killed if it does not stop in 30 s; a test may have killed it already)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ginseng_trace.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                httpx.get(f"{base}{probe}", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, "serve exited"
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.2)
        yield base, server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        server.wait(30)
