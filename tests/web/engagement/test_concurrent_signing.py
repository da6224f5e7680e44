"""20 concurrent signers, each thread with its own database connection, lose no signature
and create no duplicate: the conditional unique constraint decides (PostgreSQL; SQLite's
in-memory test database cannot be shared between connections)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Declaration, Signature
from tests.web import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a database shared between connections"
    ),
]

SIGNERS = 20


def run_concurrently(jobs: list[Any]) -> list[Any]:
    """Start every job at the same moment (a barrier), each in its own thread and
    connection; return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = jobs[i]()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_twenty_cities_sign_at_once(geneva: Any) -> None:
    admin = factories.user("admin", username="sec")
    decl = Declaration.objects.create(slug="race", title="Race", status="adopted")
    cities = [factories.city(f"Town {i}", "FR") for i in range(SIGNERS)]
    signers = []
    for i, city in enumerate(cities):
        u = factories.user(None, username=f"mayor-{i}")
        u.first_name, u.last_name = "Mayor", f"Number {i}"  # a signature records a full name
        u.save()
        services.grant_representative(admin, u, city, title=f"Mayor of Town {i}", capacity="c")
        signers.append((u, city))
    results = run_concurrently([lambda u=u, c=c: services.sign(u, decl, c).pk for u, c in signers])
    assert all(isinstance(r, int) for r in results), results
    assert Signature.objects.filter(declaration=decl).count() == SIGNERS
    assert set(Signature.objects.values_list("city_id", flat=True)) == {c.pk for c in cities}


def test_twenty_signers_for_the_same_cities_make_no_duplicate(geneva: Any) -> None:
    """Two representatives for each of ten cities press "Sign" at the same moment."""
    admin = factories.user("admin", username="sec")
    decl = Declaration.objects.create(slug="race2", title="Race 2", status="adopted")
    cities = [factories.city(f"City {i}", "DE") for i in range(SIGNERS // 2)]
    signers = []
    for i in range(SIGNERS):
        u = factories.user(None, username=f"rep-{i}")
        u.first_name, u.last_name = "Deputy", f"Number {i}"  # a signature records a full name
        u.save()
        city = cities[i % len(cities)]
        services.grant_representative(admin, u, city, title="Deputy Mayor", capacity="c")
        signers.append((u, city))
    results = run_concurrently([lambda u=u, c=c: services.sign(u, decl, c).pk for u, c in signers])
    signed = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, services.AlreadySignedError)]
    assert len(signed) == len(cities) and len(refused) == SIGNERS - len(cities), results
    live = Signature.objects.filter(declaration=decl, withdrawn_at__isnull=True)
    assert live.count() == len(cities)
    assert live.values("city_id").distinct().count() == len(cities)
