"""gunicorn hooks for ``citydiplomacy serve``.

Each worker warms its costly caches in a background thread as soon as it starts, so that the
first visitor of the partner suggestions does not wait seconds for the matchmaker (the
registry's context embedding and the ties index) to be built.
"""

from __future__ import annotations

import threading
from typing import Any


def warm_caches(log: Any = None) -> None:
    """Build the public partner matchmaker of the current data version (then cached)."""
    from django.db import connection

    try:
        from citydiplomacy.web.partners.services import matchmaker

        matchmaker()
    except Exception:  # a warm-up failure must never stop a worker; requests will retry
        if log is not None:
            log.exception("warming the partner matchmaker failed")
    finally:
        connection.close()


def post_worker_init(worker: Any) -> None:
    """gunicorn hook: start the warm-up thread of this worker."""
    threading.Thread(
        target=warm_caches, args=(getattr(worker, "log", None),), daemon=True, name="warm-caches"
    ).start()
