"""Whole-ledger verification's CPU-bound part spread over processes: each record's checks that need no other
record (hashes, parsing, its Ed25519 signature: ``chain.verify.check_each_alone``) run in a pool of worker
processes, a batch at a time, while the verifying process streams the records in log order and does the
checks that follow the chain and the tree. At most ``2 * workers`` batches are in flight, so memory stays
flat in the ledger's size. (Threads would not do: ``cryptography``'s Ed25519 verify holds the GIL.)"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import TypeVar

from ..chain.errors import Break
from ..chain.keys import ActorKey, VerifierKey
from ..chain.verify import CheckedAlone, StoredEntry, check_each_alone

T = TypeVar("T")

BATCH = 500
"""Records a worker checks at once."""

_worker_keys: dict[tuple[str, str], VerifierKey] = {}  # in a worker process: the ledger's actor keys


def _install_keys(table: Mapping[tuple[str, str], tuple[str, bytes, int]]) -> None:
    """Worker initialiser: the ledger's keys, sent as plain values (name, public key, alg)."""
    _worker_keys.clear()
    _worker_keys.update({ref: VerifierKey(name, public, alg) for ref, (name, public, alg) in table.items()})


def _check_batch(entries: Sequence[StoredEntry]) -> list[CheckedAlone | Break]:
    return check_each_alone(_worker_keys, entries)


def default_workers() -> int:
    """One worker per core."""
    return os.cpu_count() or 1


class SignatureWorkers:
    """A pool of ``workers`` processes checking records alone under a ledger's actor keys (a context manager)."""

    def __init__(self, workers: int, keys: Mapping[tuple[str, str], ActorKey]) -> None:
        table = {ref: (k.key.name, k.key.public_key, k.key.alg) for ref, k in keys.items()}
        self.workers = workers
        # fork: the workers start at once with the package imported; they touch nothing but their batches
        self._pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_install_keys, initargs=(table,)
        )

    def __enter__(self) -> SignatureWorkers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def checked(self, items: Iterable[tuple[StoredEntry, T]]) -> Iterator[tuple[StoredEntry, T, CheckedAlone | Break]]:
        """Each of ``items`` (an entry and what goes with it, in their order) with what the entry's checks alone
        gave, the workers kept ``2 * workers`` batches ahead."""
        in_flight: deque[tuple[list[tuple[StoredEntry, T]], Future[list[CheckedAlone | Break]]]] = deque()
        batch: list[tuple[StoredEntry, T]] = []
        for item in items:
            batch.append(item)
            if len(batch) >= BATCH:
                in_flight.append((batch, self._pool.submit(_check_batch, [entry for entry, _ in batch])))
                batch = []
                if len(in_flight) >= 2 * self.workers:
                    yield from _done(*in_flight.popleft())
        if batch:
            in_flight.append((batch, self._pool.submit(_check_batch, [entry for entry, _ in batch])))
        while in_flight:
            yield from _done(*in_flight.popleft())


def _done(
    batch: list[tuple[StoredEntry, T]], future: Future[list[CheckedAlone | Break]]
) -> Iterator[tuple[StoredEntry, T, CheckedAlone | Break]]:
    for (entry, extra), alone in zip(batch, future.result(), strict=True):
        yield entry, extra, alone


__all__ = ["BATCH", "SignatureWorkers", "default_workers"]
