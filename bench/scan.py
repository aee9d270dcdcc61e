"""The consumer's scan under load, and label printing speed.

    python bench/scan.py [--seconds 10] [--rates 50,200,500] [--labels 10000] [--no-load] [--workers 1]
                         [--requests json,html]

- QR labels: symbols per second against the qrcode library's own (the baseline, same run), single PNG
  and SVG labels, and a whole packaging run (``--labels`` serials) as SVG sheets and as one PDF, on one
  core and on all;
- the scan page: the service (the demo data, with daily storage readings the shop adds to the box's lot if
  the demo holds fewer: a 40-record history from two plots to the shelf, 6 lots) runs in its own
  process (``ginseng-trace serve``, one worker or ``--workers N``, started afresh for each measurement);
  a load generator in another
  process sends requests at fixed rates
  (open loop: a request leaves on schedule whether or not earlier ones have answered) for the HTML page
  and for the JSON resolve, and reports the rate of 200 answers, their p50/p99 latency, and the other
  answers (503 when the service sheds load beyond TRACE_MAX_IN_FLIGHT requests in flight); on SQLite and, when
  TRACE_TEST_POSTGRES_URL (or TRACE_BENCH_POSTGRES_URL) is set, PostgreSQL.

Target (issue 5): p99 <= 50 ms at 200 requests/s on this 2-core machine. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from ginseng_trace.labels import qr
from ginseng_trace.labels.digital_link import build

sys.path.insert(0, os.path.dirname(__file__))
from append import postgres_database

PAGE = "/01/06975123400010/10/PK-2025-0931/21/{serial:04d}"


def label_rates(count: int) -> None:
    """Print the label figures: one symbol against the qrcode library's own, single labels, and a whole run."""
    import qrcode

    links = [
        build("https://trace.example.cn", "06975123400010", lot="PK-2025-0931", serial=f"{n:05d}").uri()
        for n in range(count)
    ]
    sample = links[:500]

    def rate(work: Any, items: list[Any]) -> float:
        start = time.perf_counter()
        work(items)
        return len(items) / (time.perf_counter() - start)

    def library(items: list[str]) -> None:
        for link in items:
            code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
            code.add_data(link.encode())
            code.make(fit=True)

    baseline = rate(library, sample)
    ours = rate(lambda items: [qr.symbol(link) for link in items], sample)
    print(f"QR symbol (version {len(qr.symbol(links[0])) // 4 - 6}-M, {len(sample)} serials):")
    print(f"  qrcode library's own make(): {baseline:,.0f}/s (baseline)")
    print(f"  ginseng_trace.labels.qr.symbol: {ours:,.0f}/s ({ours / baseline:.1f}x the baseline, same modules)")
    print(
        f"  single labels: PNG {rate(lambda i: [qr.png(x, scale=4) for x in i], sample):,.0f}/s,"
        f" SVG {rate(lambda i: [qr.svg(x) for x in i], sample):,.0f}/s"
    )
    labels = [(link, f"PK-2025-0931 {link[-5:]}") for link in links]
    cores = os.cpu_count() or 1
    for name, draw in (("SVG sheets", qr.sheets), ("PDF", qr.sheets_pdf)):
        for workers in sorted({1, cores}):
            start = time.perf_counter()
            draw(labels, workers=workers)
            took = time.perf_counter() - start
            per_second = count / took
            print(f"  a run of {count:,} labels as {name}, {workers} process(es): {took:.1f} s ({per_second:,.0f}/s)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


HISTORY = 40
"""The issue's history of the scanned box, ancestors included: the shop adds daily storage records to the demo's
if it holds fewer (the bundle also carries its signers' organisations' membership records)."""


def prepare(database_url: str, data_dir: str) -> int:
    """Load the demo and the shop's daily storage readings of the boxes on its shelf (signed by the shop's
    demo key); return the number of records in the scanned box's history, ancestors included."""
    from datetime import UTC, datetime, timedelta

    from ginseng_trace.bootstrap import open_ledger
    from ginseng_trace.chain import Event, sign_event
    from ginseng_trace.chain.times import format_utc
    from ginseng_trace.demo import ACTORS, load_demo
    from ginseng_trace.events import private_fields
    from ginseng_trace.settings import Settings

    ledger = open_ledger(Settings(data_dir=Path(data_dir), database_url=database_url))
    load_demo(ledger)
    shop = next(actor for actor in ACTORS if actor.name == "changchun-herb-shop").key
    start = datetime(2025, 11, 21, 1, tzinfo=UTC)
    for day in range(max(0, HISTORY - _history(ledger))):
        at = format_utc(start + timedelta(days=day))
        event = Event.from_json(
            {
                "event_id": f"bench-shop-store-{day:03d}",
                "lot_id": "PK-2025-0931",
                "type": "store",
                "occurred_at": at,
                "actor": shop.name,
                "key_id": shop.verifier().key_id_hex,
                "payload": {
                    "warehouse": "长春参茸店库房 Changchun shop storeroom",
                    "readings": [{"at": at, "temperature_c": 16.5, "humidity_pct": 50}],
                },
            }
        )
        ledger.events.append(sign_event(event, shop, private=private_fields("store")))
    ledger.checkpointer.publish()
    return _history(ledger)


def _history(ledger: Any) -> int:
    """The records of the scanned box's lot and the lots it was made from."""
    entries = ledger.bundles.bundle("PK-2025-0931").entries
    return sum(not json.loads(e.record_bytes)["lot"].startswith("org:") for e in entries)


def answered(result: Mapping[str, Any]) -> tuple[float, float, float]:
    """A load run's answers a second, and the p50 and p99 of their latencies in milliseconds."""
    latencies = sorted(result["latencies"])
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000 if latencies else float("nan")
    return len(latencies) / result["elapsed"], p50, p99


def serve(
    database_url: str, data_dir: str, workers: int = 1, *, demo: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    """``ginseng-trace serve`` (``--workers``) on a free port, once it answers; its process and base URL. Without
    ``--demo`` by default: :func:`prepare` has loaded the demo, and the flag would only open the demo's accounts
    (password hashing at every start), which no scan uses."""
    port = free_port()
    env = {**os.environ, "TRACE_DATA_DIR": data_dir, "TRACE_DATABASE_URL": database_url}
    options = ["--demo"] if demo else []
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "ginseng_trace.cli", "serve", *options, "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/v1/log/checkpoint", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the service did not start")


async def _load(url: str, rate: float, seconds: float, json: bool) -> dict[str, Any]:
    """Open loop over raw HTTP/1.1 keep-alive connections: request n leaves at ``n / rate`` seconds on an
    idle connection (a new one when none is idle), whether or not earlier ones have answered; its latency
    runs from that moment to the last byte of the answer. Deliberately lean (no HTTP client library), so
    that the generator, which shares the machine's cores, costs far less than the service it measures."""
    host, port = url.removeprefix("http://").split(":")
    accept = "Accept: application/json\r\n" if json else ""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """An idle connection, or a new one; like a browser, never one idle for longer than the server keeps
        it (uvicorn closes keep-alive connections after 5 s)."""
        while idle:
            since, reader, writer = idle.pop()
            if time.perf_counter() - since < 4:
                return reader, writer
            writer.close()
        return await asyncio.open_connection(host, int(port))

    async def one(n: int) -> None:
        start = time.perf_counter()
        try:
            reader, writer = await connection()
            path = PAGE.format(serial=1 + n % 200)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{accept}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12].decode()
            length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, IndexError, ValueError) as exc:
            kind = f"error ({type(exc).__name__})"
            statuses[kind] = statuses.get(kind, 0) + 1
            return
        statuses[status] = statuses.get(status, 0) + 1
        if status == "200":
            latencies.append(time.perf_counter() - start)
        if b"connection: close" in head.lower():
            writer.close()
        else:
            idle.append((time.perf_counter(), reader, writer))

    tasks = []
    begin = time.perf_counter()
    for n in range(int(rate * seconds)):
        delay = begin + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    elapsed = time.perf_counter() - begin
    for _since, _reader, writer in idle:
        writer.close()
    return {"latencies": latencies, "statuses": statuses, "elapsed": elapsed}


def load(args: tuple[str, float, float, bool]) -> dict[str, Any]:
    """Runs in the load generator's own process."""
    return asyncio.run(_load(*args))


def run_engine(
    name: str,
    database_url: str,
    data_dir: str,
    rates: list[float],
    seconds: float,
    workers: int = 1,
    kinds: tuple[str, ...] = ("json", "html"),
) -> None:
    """Each measurement gets a freshly started service (the same database), so that an overloaded run
    does not leave a backlog for the next one."""
    records = prepare(database_url, data_dir)
    served = f"{workers} workers" if workers > 1 else "one worker"
    print(f"| {name} | (the scanned box's history: {records} records; {served}) | | | | | | |", flush=True)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        for json in [kind == "json" for kind in kinds]:
            for rate in rates:
                server, url = serve(database_url, data_dir, workers)
                try:
                    pool.apply(load, ((url, 20, 2, json),))  # warm up
                    result = pool.apply(load, ((url, rate, seconds, json),))
                finally:
                    server.terminate()
                    server.wait(10)
                achieved, p50, p99 = answered(result)
                kind = "JSON resolve" if json else "HTML page"
                others = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()) if k != "200")
                print(
                    f"| {name} | {kind} | {rate:.0f}/s | {achieved:.0f}/s "
                    f"| {p50:.1f} ms | {p99:.1f} ms | {len(result['latencies'])}/{int(rate * seconds)} "
                    f"| {others or '-'} |",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rates", default="50,200,500")
    parser.add_argument("--labels", type=int, default=10000, help="serials in the packaging run (0: skip labels)")
    parser.add_argument("--no-load", action="store_true", help="measure the labels only")
    parser.add_argument("--workers", type=int, default=1, help="the service's worker processes (serve --workers)")
    parser.add_argument("--requests", default="json,html", help="which: the JSON resolve, the HTML page, or both")
    args = parser.parse_args()
    if args.labels:
        label_rates(args.labels)
    if args.no_load:
        return
    rates = [float(r) for r in args.rates.split(",")]
    kinds = tuple(kind for kind in ("json", "html") if kind in args.requests.split(","))
    print()
    print("| engine | request | offered | achieved (200) | p50 | p99 | answered 200 | other answers |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        run_engine(
            "SQLite",
            f"sqlite+pysqlite:///{Path(tmp) / 'ledger.sqlite3'}",
            tmp,
            rates,
            args.seconds,
            args.workers,
            kinds,
        )
    pg = os.environ.get("TRACE_BENCH_POSTGRES_URL") or os.environ.get("TRACE_TEST_POSTGRES_URL")
    if pg:
        with postgres_database(pg) as url, tempfile.TemporaryDirectory() as tmp:
            run_engine("PostgreSQL", url, tmp, rates, args.seconds, args.workers, kinds)


if __name__ == "__main__":
    main()
