"""The log monitor's client: fetch the log's checkpoint and new entry tiles over HTTP, replay them with
``chain.monitor.LogMonitor``, keep its state in a file between runs."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import httpx

from .chain.errors import Error
from .chain.keys import VerifierKey
from .chain.monitor import TILE_WIDTH, LogMonitor, MonitorError, parse_entry_bundle, tile_path
from .chain.note import open_checkpoint


def load_state(path: Path | None) -> LogMonitor:
    """The monitor saved at ``path``, or a new one when there is no file yet."""
    if path is None or not path.exists():
        return LogMonitor()
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Error(f"cannot read the monitor state {path}: {exc}") from None
    return LogMonitor.from_json(state)


def save_state(monitor: LogMonitor, path: Path) -> None:
    """Write the state atomically (a new file renamed over the old), so a crash never leaves half of one."""
    partial = path.with_suffix(path.suffix + ".tmp")
    partial.write_text(json.dumps(monitor.to_json(), indent=1) + "\n", encoding="utf-8")
    os.replace(partial, path)


def monitor_once(monitor: LogMonitor, log_url: str, log_keys: Sequence[VerifierKey], http: httpx.Client) -> str:
    """Verify the log's latest checkpoint, replay the entries it adds to what ``monitor`` has seen, and
    check the checkpoint against them. Returns a one-line report; raises :class:`MonitorError` when the
    log is not honest, :class:`Error` when it cannot be read."""
    api = log_url.rstrip("/") + "/api/v1/log"
    response = http.get(f"{api}/checkpoint")
    if response.status_code != 200:
        raise Error(f"the log answered {response.status_code} for its checkpoint")
    checkpoint, _note, _verified = open_checkpoint(response.text, log_keys)
    if checkpoint.size < monitor.size:
        raise MonitorError(f"the log's checkpoint is of size {checkpoint.size}, but {monitor.size} entries were seen")
    while monitor.size < checkpoint.size:
        index = monitor.size // TILE_WIDTH
        start = index * TILE_WIDTH
        width = min(TILE_WIDTH, checkpoint.size - start)
        got = http.get(f"{api}/tile/entries/{tile_path(index, None if width == TILE_WIDTH else width)}")
        if got.status_code != 200:
            raise Error(f"the log answered {got.status_code} for entry tile {index} (width {width})")
        monitor.feed(parse_entry_bundle(got.content, width)[monitor.size - start :])
    report = monitor.check(checkpoint)
    return (
        f"monitored {checkpoint.origin} at tree size {report.size}: {report.lots} lots, every chain linear, "
        "root and lot-heads map as signed"
    )


__all__ = ["load_state", "monitor_once", "save_state"]
