"""Background work as Celery tasks (:mod:`citydiplomacy.web.celery_app`).

* :func:`rescore` scores the cohort after a data change (peer targets, ranks and the
  uncertainty analysis behind the rank intervals: the costly work the web triggers), while
  pages serve the previous snapshot (:func:`schedule_rescore`).
* :func:`check_upload` reads and checks an uploaded KPI file (under the upload limits of
  :mod:`citydiplomacy.io.limits`), so that a hostile or large file never holds a web worker
  (:func:`schedule_upload_check`).
* :func:`send_email` delivers mail (password resets) through the configured delivery backend;
  :class:`QueuedEmailBackend` is Django's ``EMAIL_BACKEND`` and queues each message for it, so a
  page never waits on a mail server.

With a broker the tasks run on ``citydiplomacy worker`` processes on any host. Without one (the
embedded default) mail is sent and uploads are checked inline, and rescoring runs on a thread
of the web process, as one machine has always done: a cohort takes a minute to score, and a
page must not wait for it (the page that asked serves the previous scores meanwhile). One
rescoring runs at a time for the whole deployment: a claim in the cache, which every process
shares when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Sequence
from email.mime.base import MIMEBase
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction

from citydiplomacy.web.celery_app import app

log = logging.getLogger(__name__)

#: Cache key of the claim on the rescoring in progress (one at a time, deployment-wide).
RESCORE_CLAIM = "citydiplomacy:rescore-claim"
#: A claim left by a process that died is given up after this long (a cohort of 1,000 cities
#: takes about a minute to score).
RESCORE_CLAIM_SECONDS = 30 * 60


def schedule_rescore(version: int) -> bool:
    """Have data version ``version`` scored off the request that found it stale.

    Returns ``False`` when a rescoring is already queued or running anywhere (it scores the
    latest data when it ends, :func:`rescore`), or when the broker refused the task (logged;
    the next request tries again).
    """
    if not cache.add(RESCORE_CLAIM, version, RESCORE_CLAIM_SECONDS):
        return False
    if app.conf.task_always_eager:
        # No broker: a page must not wait a minute for the cohort, so this process's thread.
        threading.Thread(
            target=_rescore_here, args=(version,), name=f"rescore-{version}", daemon=True
        ).start()
        return True
    try:
        rescore.delay(version)
    except Exception:
        cache.delete(RESCORE_CLAIM)
        log.exception("could not queue the rescoring of data version %s", version)
        return False
    return True


def _rescore_here(version: int) -> None:
    try:
        rescore(version)
    except Exception:  # a thread has nobody to raise to; the next request tries again
        log.exception("background scoring of data version %s failed", version)
    finally:
        connection.close()


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name="citydiplomacy.rescore", acks_late=True, reject_on_worker_lost=True
)
def rescore(version: int) -> int | None:
    """Score the cohort for ``version`` and store the snapshot, then again while the data
    changed meanwhile; releases the rescoring claim. Idempotent: a version already scored (by
    a request, another worker or a redelivery) is not scored again.

    Returns
    -------
    int or None
        The data version of the last snapshot stored (``None``: no KPI data).
    """
    from citydiplomacy.web.indicators.models import ScoreSnapshot
    from citydiplomacy.web.indicators.scoring import compute_snapshot
    from citydiplomacy.web.indicators.services import data_version

    try:
        while True:
            done = ScoreSnapshot.objects.filter(data_version=version).first()
            if done is None:
                done = compute_snapshot(version)
                if done is None:
                    return None
            latest = data_version()
            if latest == version:
                return int(done.data_version)
            version = latest
    finally:
        cache.delete(RESCORE_CLAIM)


# ------------------------------------------------------------------------------ uploads
#: Seconds a worker may spend on one upload: reading is bounded by the upload limits
#: (``UPLOAD_LIMITS.max_seconds``); this also bounds the checks after it.
CHECK_SOFT_SECONDS = 300


def schedule_upload_check(submission_id: int) -> None:
    """Have a stored upload checked: inline without a broker; with one, on a worker once the
    upload's transaction has committed (a worker cannot read it before)."""
    if app.conf.task_always_eager:  # run here and now by Celery, as mail is
        check_upload.delay(submission_id)
        return
    transaction.on_commit(lambda: _queue_check(submission_id))


def _queue_check(submission_id: int) -> None:
    try:
        check_upload.delay(submission_id)
    except Exception:  # the upload stays "being checked"; its page says what to do
        log.exception("could not queue the check of upload %s", submission_id)


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name="citydiplomacy.check_upload",
    # Acknowledged on receipt: a file that brought its worker down is not read again by
    # the next one (its upload stays "being checked", and its page says so after a while).
    acks_late=False,
    reject_on_worker_lost=False,
    soft_time_limit=CHECK_SOFT_SECONDS,
    time_limit=CHECK_SOFT_SECONDS + 60,
)
def check_upload(submission_id: int) -> str | None:
    """Check one stored upload (:func:`services.check_upload`); returns its new status."""
    from citydiplomacy.web.indicators import services

    return services.check_upload(submission_id)


# ------------------------------------------------------------------------------ mail
class QueuedEmailBackend(BaseEmailBackend):
    """Django e-mail backend that hands each message to :func:`send_email`.

    The task sends it with ``CITYDIPLOMACY_EMAIL_DELIVERY_BACKEND`` on a worker (inline without
    a broker). A message with a ready-made MIME attachment, which has no JSON form, is sent
    here and now by the delivery backend.
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                data = message_data(message)
            except TypeError:
                sent += get_connection(_delivery_backend()).send_messages([message])
                continue
            try:
                send_email.delay(data)
            except Exception:
                if not self.fail_silently:
                    raise
                log.exception("could not queue a mail to %s", message.to)
                continue
            sent += 1
        return sent


def _delivery_backend() -> str:
    return str(
        getattr(
            settings,
            "CITYDIPLOMACY_EMAIL_DELIVERY_BACKEND",
            "django.core.mail.backends.console.EmailBackend",
        )
    )


def message_data(message: EmailMessage) -> dict[str, Any]:
    """A message as JSON-serialisable data (:func:`message_from_data` rebuilds it).

    Raises
    ------
    TypeError
        For an attachment given as a MIME object.
    """
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            raise TypeError("a MIME attachment has no JSON form")
        filename, content, mimetype = attachment
        if isinstance(content, bytes):
            attachments.append([filename, base64.b64encode(content).decode("ascii"), mimetype, 1])
        else:
            attachments.append([filename, content, mimetype, 0])
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
    }


def message_from_data(data: dict[str, Any]) -> EmailMultiAlternatives:
    """The message :func:`message_data` described."""
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    message.content_subtype = data["content_subtype"]
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype, encoded in data["attachments"]:
        message.attach(filename, base64.b64decode(content) if encoded else content, mimetype)
    return message


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name="citydiplomacy.send_email",
    acks_late=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=30,
    max_retries=5,
)
def send_email(data: dict[str, Any]) -> int:
    """Send one queued message with the delivery backend (retried when the server fails)."""
    return int(get_connection(_delivery_backend()).send_messages([message_from_data(data)]))
