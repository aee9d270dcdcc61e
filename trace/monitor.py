"""The log monitor's client: fetch the log's checkpoint and new entry tiles over HTTP, replay them with
``chain.monitor.LogMonitor``, keep its state in a file between runs."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import httpx

from .chain.canonical import canonical_bytes
from .chain.errors import Error
from .chain.keys import VerifierKey
from .chain.membership import org_of_lot
from .chain.monitor import TILE_WIDTH, LogMonitor, MembershipReplay, MonitorError, parse_entry_bundle, tile_path
from .chain.note import open_checkpoint
from .chain.records import Record


def load_state(path: Path | None, anchors: Sequence[VerifierKey] = ()) -> tuple[LogMonitor, MembershipReplay | None]:
    """The monitor (and, given trust anchors, its membership replay) saved at ``path``, or new ones when there
    is no file yet."""
    fresh = MembershipReplay(anchors) if anchors else None
    if path is None or not path.exists():
        return LogMonitor(), fresh
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Error(f"cannot read the monitor state {path}: {exc}") from None
    monitor = LogMonitor.from_json(state)
    if not anchors:
        return monitor, None
    if "membership" not in state:
        if monitor.size:
            raise Error(f"the monitor state {path} was kept without membership: start a new one to replay it")
        return monitor, fresh
    replay = MembershipReplay.from_json(state["membership"])
    if {k.text() for k in replay.anchors} != {k.text() for k in anchors}:
        raise Error(f"the monitor state {path} was kept for other trust anchors")
    return monitor, replay


def save_state(monitor: LogMonitor, path: Path, replay: MembershipReplay | None = None) -> None:
    """Write the state atomically (a new file renamed over the old), so a crash never leaves half of one."""
    state = monitor.to_json()
    if replay is not None:
        state["membership"] = replay.to_json()
    partial = path.with_suffix(path.suffix + ".tmp")
    partial.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _replay_membership(
    replay: MembershipReplay, start: int, entries: Sequence[bytes], events_url: str, http: httpx.Client
) -> None:
    """Fold the membership records among ``entries`` (log positions from ``start``): their events are fetched
    by record hash, and must be the events the records seal."""
    for offset, data in enumerate(entries):
        record = Record.from_bytes(data)
        if org_of_lot(record.lot_id) is None:
            continue
        got = _answer(http, f"{events_url}/{record.event_hash}", f"the event of entry {start + offset}")
        try:
            event_bytes = canonical_bytes(got.json()["event"])
        except (Error, ValueError, KeyError, TypeError) as exc:
            raise MonitorError(f"entry {start + offset}: the log served no event for it: {exc}") from None
        replay.feed(start + offset, data, event_bytes)


def _answer(http: httpx.Client, url: str, what: str) -> httpx.Response:
    """The log's 200 answer for ``what``, which an honest log must give: any other status (a server error, a
    refusal, a tile missing from its own tree) is a :class:`MonitorError`. Only an unreachable log is an
    :class:`httpx.HTTPError` for the caller."""
    got = http.get(url)
    if got.status_code != 200:
        raise MonitorError(f"the log answered {got.status_code} for {what}, which it must serve: {_excerpt(got)}")
    return got


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.content[:120].decode("utf-8", "replace").split())
    return repr(text) if text else "an empty body"


def monitor_once(
    monitor: LogMonitor,
    log_url: str,
    log_keys: Sequence[VerifierKey],
    http: httpx.Client,
    replay: MembershipReplay | None = None,
) -> str:
    """Verify the log's latest checkpoint, replay the entries it adds to what ``monitor`` has seen (and, with
    ``replay``, the membership records among them), and check the checkpoint against them. Returns a
    one-line report; raises :class:`MonitorError` when the log is not honest, :class:`Error` when it cannot
    be read."""
    api = log_url.rstrip("/") + "/api/v1/log"
    response = http.get(f"{api}/checkpoint")
    if response.status_code == 404 and monitor.size == 0:
        raise Error("the log has published no checkpoint yet")
    if response.status_code != 200:
        raise MonitorError(f"the log answered {response.status_code} for its checkpoint: {_excerpt(response)}")
    try:
        checkpoint, _note, _verified = open_checkpoint(response.content.decode("utf-8"), log_keys)
    except (Error, ValueError) as exc:
        found = exc.diagnostics() if isinstance(exc, Error) else str(exc)
        raise MonitorError(f"the log's checkpoint is not one signed by its key: {found}") from None
    if checkpoint.size < monitor.size:
        raise MonitorError(f"the log's checkpoint is of size {checkpoint.size}, but {monitor.size} entries were seen")
    while monitor.size < checkpoint.size:
        index = monitor.size // TILE_WIDTH
        start = index * TILE_WIDTH
        width = min(TILE_WIDTH, checkpoint.size - start)
        path = tile_path(index, None if width == TILE_WIDTH else width)
        got = _answer(http, f"{api}/tile/entries/{path}", f"entry tile {index} (width {width}) of its checkpoint")
        entries = parse_entry_bundle(got.content, width)[monitor.size - start :]
        first = monitor.size
        monitor.feed(entries)
        if replay is not None:
            _replay_membership(replay, first, entries, log_url.rstrip("/") + "/api/v1/events", http)
    report = monitor.check(checkpoint)
    line = (
        f"monitored {checkpoint.origin} at tree size {report.size}: {report.lots} lots, every chain linear, "
        "root and lot-heads map as signed"
    )
    return f"{line}; {replay.summary()}" if replay is not None else line


__all__ = ["load_state", "monitor_once", "save_state"]
