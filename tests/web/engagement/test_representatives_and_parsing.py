"""Representatives (granted in the admin, ending with their mandate) and the signatory list
parser (property-based: whatever a CSV writer produces, the parser reads back)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Representative
from tests.web import factories
from tests.web.engagement.conftest import client_for


@pytest.mark.django_db
def test_the_secretariat_grants_a_representative_in_the_admin(
    users: dict[str, Any], geneva: Any
) -> None:
    mayor = factories.user(None, username="new-mayor")
    client = client_for(users["admin"])
    response = client.post(
        reverse("admin:engagement_representative_add"),
        {
            "user": mayor.pk,
            "city": geneva.pk,
            "title": "Mayor of Geneva",
            "capacity": "on behalf of the city",
            "since_0": "2026-11-01",
            "since_1": "09:00:00",
            "until": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rep = Representative.objects.get(user=mayor)
    assert rep.authorised_by == users["admin"] and rep.is_current
    # a representative is revoked, never deleted
    delete = client.get(reverse("admin:engagement_representative_delete", args=[rep.pk]))
    assert delete.status_code == 403
    # editors have no access to the admin
    editor = client_for(users["editor"])
    assert editor.get(reverse("admin:engagement_representative_add")).status_code == 302


@pytest.mark.django_db
def test_a_mandate_that_has_ended_no_longer_signs(
    users: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    mayor = factories.user(None, username="former-mayor")
    services.grant_representative(
        users["admin"],
        mayor,
        geneva,
        title="Mayor of Geneva",
        capacity="c",
        until=dt.date.today() - dt.timedelta(days=1),
    )
    with pytest.raises(PermissionDenied):
        services.sign(mayor, adopted, geneva)
    with pytest.raises(services.EngagementError, match="title and a capacity"):
        services.grant_representative(users["admin"], mayor, geneva, title=" ", capacity="c")


words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=60)
@given(st.lists(st.tuples(words, words, words, words), min_size=1, max_size=8))
def test_csv_lists_read_back(rows: list[tuple[str, str, str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["city_name", "country", "wikidata_id", "mayor_name", "mayor_title"])
    for place, country, name, title in rows:
        writer.writerow([place, country, "", name, title])
    entries = services.read_listed("list.csv", buffer.getvalue())
    assert [(e.place, e.country, e.name, e.title) for e in entries] == rows
    assert [e.row for e in entries] == list(range(2, len(rows) + 2))


@settings(max_examples=60)
@given(st.lists(st.tuples(words, words, st.one_of(st.none(), words)), min_size=1, max_size=8))
def test_json_lists_read_back(rows: list[tuple[str, str, str | None]]) -> None:
    votes = [
        {"vote": "Sign", "author": {"name": n, "title": t}, "organisationNameFallback": p}
        for n, t, p in rows
    ]
    entries = services.read_listed("list.json", json.dumps({"statement": {"votes": votes}}))
    assert [(e.name, e.title, e.place or None) for e in entries] == rows
