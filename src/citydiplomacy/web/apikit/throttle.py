"""The API's rate limit, counted in the cache that every process shares.

django-ninja's ``SimpleRateThrottle`` keeps a list of request times under one cache key and
writes it back after reading it: two requests at once both read 599 and both pass, and with
the default per-process memory cache each gunicorn worker counts alone (a burst of 700
requests got 700 answers at a limit of 600 a minute). It also keeps the request being checked
on the throttle object, which all threads of a worker share.

:class:`SharedRateThrottle` counts in :data:`SLOTS` slots of the period (5 s of a minute) with
the cache's atomic increment: a request first adds itself to the current slot, then sums the
slots of the period, and passes only if that sum is within the limit; a refused request takes
itself back out. Each request therefore sees every request counted before it (the slot after
its own included: another process may have passed a slot boundary first), so at most
``num_requests`` pass in any :data:`SLOTS` consecutive slots, however many threads, processes
or hosts share the cache. With ``REDIS_URL`` set the cache is Redis and the limit is the whole
deployment's; without it each process counts alone (``docs/deployment.md``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)

#: Slots a period is counted in (a slot of a minute's limit is 5 s).
SLOTS = 12


class SharedRateThrottle(SimpleRateThrottle):
    """At most ``num_requests`` per ``duration`` seconds per client key, in a shared cache.

    Subclasses give :meth:`get_cache_key` (``None``: not limited), as with ninja's throttles.
    A cache that cannot be reached lets the request pass (and logs it): the limit protects the
    service, it must not take it down.
    """

    #: Seconds since the epoch (tests give their own clock).
    clock = staticmethod(time.time)

    def __init__(self, rate: str | None = None) -> None:
        super().__init__(rate)
        self._local = threading.local()

    def _slot_seconds(self) -> float:
        return float(self.duration or 1) / SLOTS

    def allow_request(self, request: HttpRequest) -> bool:
        self._local.wait = None
        key = self.get_cache_key(request)
        if key is None or self.num_requests is None or self.duration is None:
            return True
        slot_seconds = self._slot_seconds()
        now = self.clock()
        current = int(now // slot_seconds)
        keys = [f"{key}:{current - i}" for i in range(SLOTS)]
        # The next slot too: a process whose clock was read just after a slot boundary
        # counts there, and one that read its clock just before it would otherwise not see
        # those requests (two passed over the limit of a burst across processes).
        ahead = f"{key}:{current + 1}"
        try:
            *counts, early = _count(
                [*keys, ahead], timeout=math.ceil(self.duration + 2 * slot_seconds)
            )
            if sum(counts) + early <= self.num_requests:
                return True
            cache.decr(keys[0])  # a refused request does not count
        except Exception:  # the cache is down: serve rather than refuse everyone
            log.warning("rate limit not counted: the cache does not answer", exc_info=True)
            return True
        # Retry when the oldest slot with requests in it leaves the period.
        used = [current - i for i, n in enumerate(counts) if i and n > 0]
        oldest = min(used, default=current)
        self._local.wait = max((oldest + SLOTS) * slot_seconds - now, 1.0)
        return False

    def wait(self) -> float | None:
        """Seconds until a refused request may pass (for ``Retry-After``)."""
        return getattr(self._local, "wait", None)


def _count(keys: list[str], timeout: int) -> list[int]:
    """Add one to the slot ``keys[0]`` (kept ``timeout`` seconds), atomically, then read the
    count of every slot in ``keys``.

    On Redis it is one round trip (INCR, EXPIRE and MGET in a pipeline) on the cache's own
    keys; any other cache uses Django's API (add, incr, get_many).
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        names = [backend.make_and_validate_key(k) for k in keys]
        client = backend._cache.get_client(names[0], write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(names[0])
        pipe.expire(names[0], timeout)
        pipe.mget(names[1:])
        first, _, rest = pipe.execute()
        return [int(first)] + [int(v) if v is not None else 0 for v in rest]
    cache.add(keys[0], 0, timeout)
    try:
        first = int(cache.incr(keys[0]))
    except ValueError:  # the key expired between add and incr
        cache.add(keys[0], 0, timeout)
        first = int(cache.incr(keys[0]))
    earlier: dict[str, Any] = cache.get_many(keys[1:])
    return [first] + [int(earlier.get(k, 0)) for k in keys[1:]]
