"""One bounded cache with a stated freshness rule, for every value the service or its pages keep in memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``size`` entries (the oldest put is dropped first). An entry is fresh while both hold: it was
    put less than ``max_age`` seconds ago (``None``: no age limit), and it was put at the same ``version`` as
    the caller asks with (for values derived from the log: the log's state). A stale entry is never returned.
    Safe to use from several threads."""

    def __init__(self, size: int, max_age: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if size < 1:
            raise ValueError("a cache holds at least one entry")
        self.size = size
        self.max_age = max_age
        self._clock = clock
        self._entries: dict[K, tuple[float, Hashable, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, version: Hashable = None, max_age: float | None = None) -> V | None:
        """The entry if it is fresh (``max_age``, if given, instead of the cache's own), else None."""
        found = self.entry(key, version, max_age)
        return found[0] if found is not None and found[1] else None

    def entry(self, key: K, version: Hashable = None, max_age: float | None = None) -> tuple[V, bool] | None:
        """The entry however old, and whether it is fresh (for a caller that prefers a stale answer to a wait)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        put_at, put_version, value = entry
        limit = self.max_age if max_age is None else max_age
        stale = put_version != version or (limit is not None and self._clock() - put_at >= limit)
        return value, not stale

    def put(self, key: K, value: V, version: Hashable = None) -> V:
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= self.size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (self._clock(), version, value)
        return value

    def get_or_make(self, key: K, make: Callable[[], V], version: Hashable = None, max_age: float | None = None) -> V:
        """The fresh entry, or ``make()`` put in its place (two threads may both make it; one value wins)."""
        found = self.get(key, version, max_age)
        return found if found is not None else self.put(key, make(), version)

    def drop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
