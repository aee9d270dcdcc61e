"""A small client for the people and machines that feed the ledger: sign an event with your own key and
submit it, safely retried.

    from ginseng_trace.client import LedgerClient
    from ginseng_trace.chain import SignerKey

    with LedgerClient("https://trace.example", SignerKey.parse(open("grower.key").read())) as client:
        stored = client.submit({"event_id": "wang-2026-0001", "lot_id": "PLOT-FS-0042", "type": "register_plot",
                                "occurred_at": "2026-04-01T02:00:00Z", "payload": {...}})

The key never leaves the client: the event is signed here (private members as salted disclosures, as the
catalogue marks them) and the server verifies the signature. A submission is idempotent on its event id,
so a timeout, a dropped connection or a 503 is retried with the same signed bytes, never recorded twice.
It imports the chain, the event catalogue and an HTTP client, nothing of the server.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

import httpx

from .chain.errors import Error
from .chain.keys import SignerKey
from .chain.records import Event, SignedEvent, sign_event
from .events.catalogue import private_fields

RETRIES = 3


class SubmissionRefusedError(Error):
    """The ledger refused the event; ``problem`` is its RFC 9457 problem document."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        fields = "; ".join(f"{e.get('pointer')}: {e.get('detail')}" for e in problem.get("errors", []))
        super().__init__(
            f"{status} {problem.get('title', '')}: {problem.get('detail', '')}" + (f" ({fields})" if fields else "")
        )


def _retry_after(header: str | None) -> float:
    """Seconds to wait from a Retry-After header (delay-seconds; an HTTP-date or nonsense counts as 1 s),
    at most 5."""
    try:
        return min(max(float(header or 1), 0.0), 5.0)
    except ValueError:
        return 1.0


class LedgerClient:
    """Signs events as the actor of ``key`` and submits them to the ledger at ``base_url``."""

    def __init__(self, base_url: str, key: SignerKey, *, http: httpx.Client | None = None, timeout: float = 30) -> None:
        self.key = key
        self._own = http is None
        self.http = http or httpx.Client(timeout=timeout)
        self.base = base_url.rstrip("/")

    def __enter__(self) -> LedgerClient:
        return self

    def __exit__(self, *_exc: object | TracebackType) -> None:
        self.close()

    def close(self) -> None:
        if self._own:
            self.http.close()

    def sign(self, event: dict[str, Any]) -> SignedEvent:
        """The event signed by this client's key (``actor`` and ``key_id`` filled in from it)."""
        body = {**event, "actor": self.key.name, "key_id": self.key.verifier().key_id_hex}
        parsed = Event.from_json(body)
        return sign_event(parsed, self.key, private=private_fields(parsed.type))

    def submit(self, event: dict[str, Any] | SignedEvent) -> dict[str, Any]:
        """Sign (unless already signed) and submit one event; returns the stored record as the ledger
        answers it. ``created`` is whether the answer was 201: false when the event was already recorded,
        which after a retry may be by this call's own first attempt whose answer was lost. Raises
        :class:`SubmissionRefusedError` with the problem document when the ledger refuses it."""
        signed = event if isinstance(event, SignedEvent) else self.sign(event)
        envelope = signed.envelope()
        for attempt in range(RETRIES + 1):
            try:
                response = self.http.post(f"{self.base}/api/v1/events", json=envelope)
            except httpx.TransportError:
                if attempt == RETRIES:
                    raise
                time.sleep(0.2 * 2**attempt)
                continue
            if response.status_code == 503 and attempt < RETRIES:
                time.sleep(_retry_after(response.headers.get("retry-after")))
                continue
            if response.status_code in (200, 201):
                return {**response.json(), "created": response.status_code == 201}
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "detail": response.text[:200]}
            raise SubmissionRefusedError(response.status_code, problem if isinstance(problem, dict) else {})
        raise AssertionError("unreachable")  # pragma: no cover
