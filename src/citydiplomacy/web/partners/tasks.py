"""The partner tie-graph analysis as background work (:mod:`citydiplomacy.web.celery_app`).

The graph metrics of the whole registry take seconds (about 5 s for the demo's 4,600
cities): no page waits for them (:func:`citydiplomacy.web.partners.services.tie_analysis`).
The finished analysis is kept in the cache, which every app server and worker shares when
``REDIS_URL`` is set, under :data:`RESULT_KEY`, with its data version under
:data:`VERSION_KEY` (read by each request: a few bytes, not the graph).

With a broker, :func:`analyse_ties` runs on a ``citydiplomacy worker``, which reads the data
itself. Without one (the embedded default) the analysis runs on a thread of the web process,
from data the request read (a thread may not see the request's database connection), as
rescoring does (:mod:`citydiplomacy.web.tasks`): a page must not wait for it. One analysis of a
data version at a time: a claim in the cache.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import connection

from citydiplomacy.web.celery_app import app

if TYPE_CHECKING:
    from citydiplomacy.web.partners.services import TieAnalysis, TieData

log = logging.getLogger(__name__)

#: Cache key of the latest finished analysis (a pickled :class:`TieAnalysis`).
RESULT_KEY = "citydiplomacy:ties-analysis"
#: Cache key of its data version (small: read on every page that shows the analysis).
VERSION_KEY = "citydiplomacy:ties-analysis-version"
#: A finished analysis stays this long without a newer one (a stale one is still shown).
RESULT_SECONDS = 7 * 24 * 3600
#: A claim left by a process that died is given up after this long.
CLAIM_SECONDS = 10 * 60
_CLAIM_PREFIX = "citydiplomacy:ties-claim:"
_claims: set[str] = set()  # claims taken by this process (forgotten by :func:`forget`)
_claims_lock = threading.Lock()


def claim_key(version: tuple[Any, ...]) -> str:
    """The cache key of the claim on analysing data version ``version``."""
    return _CLAIM_PREFIX + hashlib.sha256(repr(version).encode()).hexdigest()[:32]


def stored_version() -> tuple[Any, ...] | None:
    """The data version of the stored analysis (``None``: none stored)."""
    found = cache.get(VERSION_KEY)
    return tuple(found) if found is not None else None


def stored() -> TieAnalysis | None:
    """The stored analysis, the latest any process or worker finished."""
    return cache.get(RESULT_KEY)  # type: ignore[no-any-return]


def store(result: TieAnalysis) -> None:
    """Keep ``result`` for every process; the version last, so that a reader who sees it
    finds the analysis (and checks its version anyway)."""
    cache.set(RESULT_KEY, result, RESULT_SECONDS)
    cache.set(VERSION_KEY, result.version, RESULT_SECONDS)


def schedule(
    version: tuple[Any, ...], data: TieData | None
) -> tuple[threading.Thread | None, bool]:
    """Have data version ``version`` analysed, unless someone is already at it.

    ``data``: what the request read (needed without a broker; a worker reads it itself).

    Returns
    -------
    (thread, started)
        The thread that analyses here (without a broker; else ``None``) and whether this
        call started the work (``False``: already claimed, or the broker refused it).
    """
    key = claim_key(version)
    if not cache.add(key, 1, CLAIM_SECONDS):
        return None, False
    with _claims_lock:
        _claims.add(key)
    if app.conf.task_always_eager:
        if data is None:
            from citydiplomacy.web.partners.services import tie_data

            data = tie_data()
        thread = threading.Thread(
            target=_analyse_here,
            args=(version, data, key),
            name="partners-tie-analysis",
            daemon=True,
        )
        thread.start()
        return thread, True
    try:
        analyse_ties.delay(key)
    except Exception:  # the page shows the previous analysis; the next request tries again
        cache.delete(key)
        log.exception("could not queue the tie analysis")
        return None, False
    return None, True


def _analyse_here(version: tuple[Any, ...], data: TieData, key: str) -> None:
    from citydiplomacy.web.partners import services

    try:
        result = services.analyse(version, data)
        services.remember(result)
        store(result)
    except Exception:  # a background thread has nobody to raise to: log it
        log.exception("tie analysis failed")
    finally:
        cache.delete(key)
        connection.close()


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name="citydiplomacy.analyse_ties", acks_late=True, reject_on_worker_lost=True
)
def analyse_ties(claim: str | None = None) -> int:
    """Analyse the current partnerships and memberships and store the result for every
    process; releases ``claim``. Returns the number of cities analysed."""
    from citydiplomacy.web.partners import services

    try:
        version = services.ties_version()
        if stored_version() == version:  # done meanwhile (a redelivery, another worker)
            found = stored()
            if found is not None and found.version == version:
                return len(found.metrics)
        result = services.analyse(version, services.tie_data())
        store(result)
        return len(result.metrics)
    finally:
        if claim:
            cache.delete(claim)


def forget() -> None:
    """Drop the stored analysis and this process's claims (tests build fresh databases)."""
    with _claims_lock:
        keys = [RESULT_KEY, VERSION_KEY, *_claims]
        _claims.clear()
    cache.delete_many(keys)
