"""Per-process memory of page parts derived from one score snapshot.

A profile's tables and charts depend only on the snapshot, the data version, the city, the
year and the kind of viewer (the public view, or one that sees unpublished years and value
statuses), not on who asks: building and rendering them costs about 40 ms of CPU, a page of
the same city and year rendered before costs under 1 ms. A :class:`Memo` keeps the last few
hundred of them per process, keyed by what they depend on; a data change (a new data
version) makes every key new, so nothing stale is ever served, and old entries age out.

Kept in the process, not the shared cache: the parts are large (about 100 kB of HTML) and
cheap to rebuild, and pickling them through Redis would cost most of what they save. Clearing
the shared cache clears them too: every key carries a generation token kept in the cache.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")

#: Cache key of the memos' generation token (a new token after the cache was cleared).
GENERATION_KEY = "citydiplomacy:memo-generation"


def generation() -> str:
    """The current generation token, made when the cache has none."""
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        token = cache.get(GENERATION_KEY) or ""
    return str(token)


class Memo(Generic[T]):
    """A bounded, thread-safe least-recently-used map of built values.

    Parameters
    ----------
    size
        Entries kept; the least recently used goes first.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value kept for ``key``, else ``build()`` (outside the lock: two threads
        missing the same key at once both build it, and the values are equal)."""
        key = (generation(), key)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
