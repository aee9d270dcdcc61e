"""The monitor's report to the log it watches: after each check, ``ginseng-trace monitor --report-key FILE``
signs what it found (``chain.monitor_status``) and posts it to the log's ``/api/v1/log/monitors``, so the
regulator's console shows each monitor's latest verdict. A report the log refuses, or cannot take, never
changes the monitor's own verdict or exit status: it is said on standard error."""

from __future__ import annotations

import sys
import time

import httpx

from .chain.keys import SignerKey
from .chain.monitor import LogMonitor
from .chain.monitor_status import MonitorStatus


def status_of(
    monitor: LogMonitor, origin: str, verdict: str, detail: str, checked_at: int | None = None
) -> MonitorStatus:
    """What ``monitor`` found, as a status: the tree it replayed (its size and root), the verdict and the
    finding's one line (shortened to what a status carries)."""
    line = " ".join(detail.split())
    line = line if len(line) <= 500 else line[:499] + "…"
    when = int(time.time()) if checked_at is None else checked_at
    return MonitorStatus(
        origin, monitor.size, monitor.root(), verdict, when, "".join(c for c in line if c.isprintable())
    )


def send_status(http: httpx.Client, log_url: str, status: MonitorStatus, signer: SignerKey) -> bool:
    """Post ``status`` signed by ``signer``; False (said on standard error) if the log did not take it."""
    url = log_url.rstrip("/") + "/api/v1/log/monitors"
    try:
        answer = http.post(url, content=status.signed(signer), headers={"content-type": "text/plain"})
    except httpx.HTTPError as exc:
        print(f"the report did not reach {url}: {exc}", file=sys.stderr, flush=True)
        return False
    if answer.status_code != 201:
        try:
            why = answer.json().get("detail", answer.text)
        except ValueError:
            why = answer.text
        print(f"the log did not take the report ({answer.status_code}): {str(why)[:200]}", file=sys.stderr, flush=True)
        return False
    return True


__all__ = ["send_status", "status_of"]
