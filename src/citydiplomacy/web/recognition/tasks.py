"""Recognition text imports read as background work (:mod:`citydiplomacy.web.celery_app`).

Reading an uploaded PDF, DOCX or HTML text and analysing it takes seconds and, for a hostile
file, as long as the io limits allow (:mod:`citydiplomacy.io.limits`): with a broker a
``citydiplomacy worker`` does it (:func:`import_upload`) while the uploader's page says the
file is being read and refreshes itself until the result is there; without one (the embedded
default) the task runs inline, in the request, as before.

The uploaded file waits for the worker in the cache (shared by every app server and worker
when ``REDIS_URL`` is set) for :data:`FILE_SECONDS` at most, and the import's state stays
there for :data:`STATE_SECONDS`, readable by the uploader only. A refused file stores nothing
(:func:`citydiplomacy.web.recognition.services.import_upload` is one transaction).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache

from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.web.celery_app import app

log = logging.getLogger(__name__)

#: An uploaded file waits this long for a worker to read it.
FILE_SECONDS = 3600
#: The state of an import (being read, its text, or why it was refused) is kept this long.
STATE_SECONDS = 24 * 3600
#: Seconds a worker may spend on one file (reading is bounded by the io limits too).
READ_SOFT_SECONDS = 300
_STATE = "citydiplomacy:text-import:"
_FILE = "citydiplomacy:text-import-file:"

READING, DONE, FAILED = "reading", "done", "failed"


def start_import(user: Any, fields: dict[str, Any], data: bytes, filename: str) -> str:
    """Queue the import of an uploaded file (read inline without a broker); returns the token
    of its state (:func:`state`).

    ``fields``: the upload form's values as JSON data (ids for the document, event and
    declaration, the date in ISO format).
    """
    token = uuid.uuid4().hex
    cache.set(
        _STATE + token, {"user": user.pk, "state": READING, "filename": filename}, STATE_SECONDS
    )
    cache.set(_FILE + token, data, FILE_SECONDS)
    try:
        import_upload.delay(token, {**fields, "filename": filename, "user": user.pk})
    except Exception as exc:  # the broker refused it: nothing was read, say so
        log.exception("could not queue the import of %s", filename)
        cache.delete(_FILE + token)
        _finish(
            token, error=f"The file could not be queued for reading ({exc}); nothing was stored."
        )
    return token


def state(token: str) -> dict[str, Any] | None:
    """The state of the import ``token``: ``state`` (``reading``, ``done``, ``failed``),
    ``user`` (the uploader's id), and ``text`` and ``message`` when done, ``error`` when
    refused; ``None`` for an unknown (or expired) token."""
    found = cache.get(_STATE + token)
    return dict(found) if found is not None else None


def _finish(token: str, **result: Any) -> None:
    found = state(token) or {}
    found.update(result, state=FAILED if "error" in result else DONE)
    cache.set(_STATE + token, found, STATE_SECONDS)


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name="citydiplomacy.import_text",
    # Acknowledged on receipt: a file that brought its worker down is not read again by the
    # next one (its import stays "being read", and its page says so after a while).
    acks_late=False,
    reject_on_worker_lost=False,
    soft_time_limit=READ_SOFT_SECONDS,
    time_limit=READ_SOFT_SECONDS + 60,
)
def import_upload(token: str, fields: dict[str, Any]) -> int | None:
    """Read, analyse and store the uploaded file of import ``token``; returns the new text's
    id (``None``: refused, nothing stored, the reason in the import's state)."""
    from citydiplomacy.web.recognition import services

    data = cache.get(_FILE + token)
    cache.delete(_FILE + token)
    if data is None:
        _finish(token, error="The uploaded file was no longer waiting to be read; upload it again.")
        return None
    try:
        text = services.import_upload(fields, bytes(data))
    except CityDiplomacyError as exc:
        _finish(token, error=str(exc))
        return None
    except SoftTimeLimitExceeded:
        _finish(
            token,
            error=f"Reading the file took longer than {READ_SOFT_SECONDS} s; nothing was stored.",
        )
        return None
    except Exception:  # a worker has nobody to show a traceback to: the uploader gets a reason
        log.exception("the import of %s failed", fields.get("filename"))
        _finish(token, error="The file could not be read; nothing was stored.")
        return None
    _finish(
        token,
        text=text.pk,
        url=text.get_absolute_url(),
        message=f"Imported {text.get_lang_display()} text of {text.version}: "
        f"{text.references_count} reference(s).",
    )
    return int(text.pk)
