"""The audit trail's order is the commit order (issue 14, item 1).

Before the fix a write read the clock before it queued for the city's lock, so a change
committed later could carry an earlier time (5-6 of 1,980 concurrent changes), and the
history, ordered by time, showed the wrong latest change.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue, KpiValueChange
from tests.web import factories

MEASURES = ["EC-ICT-ICT-1C", "EC-ICT-ICT-2C", "EC-ICT-ICT-3C", "EC-ICT-WS-1C"]


def row(city_id: int, measure: str, value: float) -> services.Row:
    return services.Row(city_id, 2023, measure, measure, "", value, "%", "s", "", False)


@pytest.mark.django_db
def test_history_lists_changes_in_commit_order_whatever_their_clock(
    users: dict[str, Any], geneva: Any
) -> None:
    """Two hosts whose clocks disagree: the change committed second is the latest."""
    services.write_values(users["admin"], [row(geneva.pk, MEASURES[0], 10.0)], via="test")
    services.write_values(users["admin"], [row(geneva.pk, MEASURES[0], 20.0)], via="test")
    first, second = KpiValueChange.objects.order_by("id")
    # The second committer's clock ran a minute behind.
    KpiValueChange.objects.filter(pk=second.pk).update(
        changed_at=first.changed_at - timedelta(minutes=1)
    )
    assert [c.new_value for c in KpiValueChange.objects.all()] == [20.0, 10.0]
    client = Client()
    client.force_login(users["analyst"])
    page = client.get(reverse("indicators:history"), {"city": geneva.pk}).content.decode()
    assert page.index("Updated") < page.index("Created")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_are_audited_in_commit_order(monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers at the start of a transaction")
    city = factories.city("Geneva", "CH", geonames_id=2660646)
    admin = factories.user("admin", username="secretariat")
    services.write_values(admin, [row(city.pk, m, 0.0) for m in MEASURES], via="test")

    real_now = timezone.now

    def slow_clock() -> Any:
        """A clock that takes a moment to read: another writer may overtake in between."""
        t = real_now()
        time.sleep(random.uniform(0, 0.004))
        return t

    monkeypatch.setattr(timezone, "now", slow_clock)
    n_threads, n_writes = 4, 25
    failures: list[BaseException] = []
    start = threading.Barrier(n_threads)

    def writer(t: int) -> None:
        try:
            start.wait()
            rnd = random.Random(t)
            for k in range(n_writes):
                chosen = rnd.sample(MEASURES, 2)
                value = float(t * 1000 + k + 1)
                services.write_values(admin, [row(city.pk, m, value) for m in chosen], via="api")
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures, failures[:1]
    monkeypatch.setattr(timezone, "now", real_now)

    changes = list(KpiValueChange.objects.filter(action="update").order_by("id"))
    assert len(changes) == n_threads * n_writes * 2
    # Times never go back along the commit order.
    times = [c.changed_at for c in changes]
    assert all(a <= b for a, b in itertools.pairwise(times)), "audit times out of order"
    stored = dict(KpiValue.objects.values_list("measure", "value"))
    for m in MEASURES:
        chain = [c for c in changes if c.measure == m]
        # Each change starts where the one before it ended.
        for before, after in itertools.pairwise(chain):
            assert after.old_value == before.new_value
        # The history's latest change is the value stored.
        latest = KpiValueChange.objects.filter(measure=m).first()
        assert latest is not None and latest.new_value == stored[m]
        by_time = KpiValueChange.objects.filter(measure=m).order_by("-changed_at", "-id").first()
        assert by_time is not None and by_time.new_value == stored[m]
