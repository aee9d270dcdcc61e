"""Group commit: single appends that arrive while another is being written go into the ledger together, in one
transaction under one append lock, as :meth:`Appending.append_batch` writes a batch.

One append costs a transaction, the append lock, its statements and a sync to disk, whatever it holds: a server
taking single-event POSTs one by one is bound by that cost (bench/http_ingest.py), not by the signatures. So a
caller of :meth:`GroupCommit.append` that finds no batch being written leads: it takes every append waiting
(its own first; at most :data:`MOST`), writes them with ``append_batch``, gives each caller its own answer,
and hands the lead to the first caller still waiting, if any, so that no caller writes for others longer than
one batch. A batch is all or nothing, so when it is refused (one event breaks a rule, a signature does not
verify, two callers sent the same event) each of its appends is written alone, exactly as without grouping,
and each caller gets its own record or its own refusal. Any other failure (the database busy or gone) is every
caller's; when it is one that passes (the write lock held by another process past its timeout, a dropped
connection: ``TransientStoreError``), the callers who arrived meanwhile get it too, at once, rather than each
group after waiting its own lock timeout again (so a caller is answered within one lock wait of its turn).
Nothing else changes: the same checks, in the same order of arrival, one linear ledger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..chain.errors import Error
from ..chain.records import SignedEvent
from ..store import StoreError, TransientStoreError
from .views import Appended

MOST = 256
"""Appends in one group (a batch's decision reads a snapshot of every lot it names)."""


@dataclass
class _Waiting:
    signed: SignedEvent
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: Appended | None = None
    error: BaseException | None = None


class GroupCommit:
    """Writes concurrent single appends in groups (see the module's docstring)."""

    def __init__(
        self,
        append_batch: Callable[[Sequence[SignedEvent]], list[Appended]],
        append_one: Callable[[SignedEvent], Appended],
    ) -> None:
        self._append_batch = append_batch
        self._append_one = append_one
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._leading = False
        self.groups = 0  # groups written (for the tests: appends / groups is the gain)

    def append(self, signed: SignedEvent) -> Appended:
        me = _Waiting(signed)
        with self._lock:
            self._waiting.append(me)
            me.lead = not self._leading
            self._leading = True
        while True:
            if me.lead:
                self._write_group()
            else:
                me.done.wait()
            if me.result is not None:
                return me.result
            if me.error is not None:
                raise me.error
            # woken to lead: the previous group did not hold this append

    def _write_group(self) -> None:
        with self._lock:
            group, self._waiting = self._waiting[:MOST], self._waiting[MOST:]
        try:
            self._write(group)
        finally:
            with self._lock:
                busy = group[0].error if isinstance(group[0].error, TransientStoreError) else None
                if busy is not None:  # the write lock held elsewhere, the connection lost: so it is for all
                    _fail(self._waiting, busy)  # those waiting, who are answered now, not one wait later
                    group, self._waiting = group + self._waiting, []
                following = self._waiting[0] if self._waiting else None
                self._leading = following is not None
                if following is not None:
                    following.lead = True
            for waiting in group:
                waiting.lead = False
                waiting.done.set()
            if following is not None:
                following.done.set()

    def _write(self, group: list[_Waiting]) -> None:
        self.groups += 1
        if len(group) == 1:
            self._settle(group[0], self._append_one)
            return
        try:
            results = self._append_batch([w.signed for w in group])
        except BaseException as exc:
            if isinstance(exc, Error) and not isinstance(exc, StoreError):  # a refusal of one of them
                for waiting in group:  # each alone, as without grouping: its own record or its own refusal
                    self._settle(waiting, self._append_one)
            else:  # the database busy, full or gone (or a bug): every caller's answer
                _fail(group, exc)
            return
        for waiting, result in zip(group, results, strict=True):
            waiting.result = result

    @staticmethod
    def _settle(waiting: _Waiting, append_one: Callable[[SignedEvent], Appended]) -> None:
        try:
            waiting.result = append_one(waiting.signed)
        except BaseException as exc:
            waiting.error = exc


def _fail(waiting: list[_Waiting], error: BaseException) -> None:
    for one in waiting:
        one.error = error
