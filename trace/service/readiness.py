"""Readiness: whether this instance should be sent requests (``/readyz``), as a list of what is not ready."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..chain.times import parse_utc
from ..store import Store, StoreError
from .checkpoints import Checkpointer

logger = logging.getLogger("ginseng_trace.service")


@dataclass(frozen=True)
class NotReady:
    """One check that failed: which (``database``, ``migrations``, ``log_key``, ``checkpoint``) and why."""

    check: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "detail": self.detail}


class Readiness:
    """The database answers, its schema is at the code's migration head, the log key is loaded, and no record
    waits longer than ``checkpoint_seconds`` for a checkpoint that covers it."""

    def __init__(
        self, store: Store, checkpointer: Checkpointer, *, clock: Callable[[], datetime], checkpoint_seconds: float
    ) -> None:
        self.store = store
        self.checkpointer = checkpointer
        self.clock = clock
        self.checkpoint_seconds = checkpoint_seconds

    def not_ready(self) -> list[NotReady]:
        """Every check that fails now (empty: ready)."""
        problems = []
        if self.checkpointer.signer is None:
            problems.append(NotReady("log_key", "no log key is loaded: checkpoints cannot be signed"))
        try:
            current, head = self.store.schema_revisions()
            tree, latest = self.store.read(lambda repo: (repo.next_log_index(), repo.log.latest_checkpoint()))
        except Exception as exc:
            # the driver's message names hosts and ports: it goes to the log, not into the answer
            logger.warning("readiness: the database does not answer: %s", exc)
            kind = "StoreError" if isinstance(exc, StoreError) else type(exc).__name__
            return [*problems, NotReady("database", f"the database does not answer ({kind}; see the log)")]
        if current != head:
            problems.append(
                NotReady("migrations", f"the database is at migration {current or 'none'}, the code at {head}")
            )
        covered = latest.size if latest is not None else 0
        if tree > covered:
            since = parse_utc(latest.created_at) if latest is not None else None
            age = (self.clock() - since).total_seconds() if since is not None else None
            if age is None or age > self.checkpoint_seconds:
                waited = "no checkpoint yet" if age is None else f"the latest is {age:.0f} s old"
                problems.append(
                    NotReady(
                        "checkpoint",
                        f"{tree - covered} records wait for a checkpoint ({waited}; bound "
                        f"{self.checkpoint_seconds:g} s)",
                    )
                )
        return problems
