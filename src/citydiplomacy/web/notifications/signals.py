"""Receivers that turn other apps' records into notifications, after the writer's
transaction commits (a rolled-back change tells nobody, and the writer's own queries and
locks are untouched: the receivers only remember what to do).

* a party city added to a proposed partnership, not confirmed yet (``partners``);
* a verification of KPI values set or withdrawn (``indicators``' audit records with the
  actions ``verify``/``unverify``): one notice per city, year and run, however many values.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_save

_pending = threading.local()


def _party_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and instance.confirmed_at is None and not kwargs.get("raw"):
        from citydiplomacy.web.notifications import services

        pk = instance.pk
        transaction.on_commit(lambda: _notify_party(services, pk))


def _notify_party(services: Any, pk: int) -> None:
    from citydiplomacy.web.partners.models import PartnershipCity

    party = PartnershipCity.objects.select_related("partnership", "city").filter(pk=pk).first()
    if party is not None and party.confirmed_at is None:
        services.partnership_party_added(party)


def _change_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw") or instance.action not in ("verify", "unverify"):
        return
    key = (instance.city_id, instance.year, instance.action == "verify")
    if not connection.in_atomic_block:  # autocommit: already committed
        from citydiplomacy.web.notifications import services

        services.values_verified(services.VerificationBatch(*key, instance.pk, 1))
        return
    batch: dict[tuple[int, int, bool], list[int]] | None = getattr(_pending, "batch", None)
    # A batch whose flush is no longer waiting for a commit belongs to a transaction that
    # was rolled back: it is dropped, and this change starts a new one.
    waiting = any(entry[1] is _flush_verifications for entry in connection.run_on_commit)
    if batch is None or not waiting:
        batch = _pending.batch = defaultdict(list)
        transaction.on_commit(_flush_verifications)
    batch[key].append(instance.pk)


def _flush_verifications() -> None:
    from citydiplomacy.web.notifications import services

    batch = getattr(_pending, "batch", None) or {}
    _pending.batch = None
    for (city_id, year, verified), ids in batch.items():
        services.values_verified(
            services.VerificationBatch(city_id, year, verified, min(ids), len(ids))
        )


def connect() -> None:
    from citydiplomacy.web.indicators.models import KpiValueChange
    from citydiplomacy.web.partners.models import PartnershipCity

    post_save.connect(_party_saved, sender=PartnershipCity, dispatch_uid="notify-party")
    post_save.connect(_change_saved, sender=KpiValueChange, dispatch_uid="notify-verification")
