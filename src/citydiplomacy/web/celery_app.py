"""The Celery application: background work done by worker processes, on this host or others.

Configured from Django's settings (the ``CELERY_*`` names in ``settings.py``). With a broker
(``CITYDIPLOMACY_BROKER_URL``, or ``REDIS_URL``) tasks are queued in Redis and run by
``citydiplomacy worker`` processes, wherever they run; without one (the embedded SQLite
default) every task runs inline in the process that asks for it (``task_always_eager``).

Workers: ``citydiplomacy worker`` (or ``celery -A citydiplomacy.web.celery_app worker``);
see ``docs/deployment.md``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydiplomacy.web.settings")

app = Celery(
    "citydiplomacy",
    include=[
        "citydiplomacy.web.tasks",
        "citydiplomacy.web.partners.tasks",
        "citydiplomacy.web.reports.tasks",
        "citydiplomacy.web.recognition.tasks",
    ],
)
# Read lazily, at first use: the web imports this module before Django's settings are loaded.
app.config_from_object("django.conf:settings", namespace="CELERY")
