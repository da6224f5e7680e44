"""The public page cache (web/pagecache): a kept page is served only while nothing changed.

The invariants: whatever way the content changes (a model's save, ``QuerySet.update``,
``bulk_create``, a delete, raw SQL, several writes in one transaction), the next anonymous
request shows the change; a rolled-back change moves nothing; logged-in users are never served
a kept page and never fill the cache; no kept page holds a visitor's CSRF token, and each
visitor's forms work with their own; language, date, messages and pages not listed are
respected.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.web.engagement.models import Event
from citydiplomacy.web.pagecache import middleware, versioning
from tests.web import factories

HEADER = "X-Page-Cache"
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]*)"')


def _event(slug: str = "cache-cop", name: str = "Cache test COP") -> Event:
    start = timezone.localdate() + dt.timedelta(days=30)
    return Event.objects.create(
        slug=slug,
        name=name,
        kind="cop",
        start_date=start,
        end_date=start + dt.timedelta(days=10),
        place="Belém",
        organiser="UNFCCC",
        source_url="https://unfccc.int/cop",
    )


def _without_tokens(content: bytes) -> bytes:
    return TOKEN.sub(b"TOKEN", content)


# ----------------------------------------------------------------- served while unchanged
@pytest.mark.django_db(transaction=True)
def test_the_second_anonymous_request_is_served_from_the_cache(client: Client) -> None:
    _event()
    first = client.get("/events/")
    second = client.get("/events/")
    assert first.status_code == second.status_code == 200
    assert (first[HEADER], second[HEADER]) == ("miss", "hit")
    assert b"Cache test COP" in second.content
    assert _without_tokens(first.content) == _without_tokens(second.content)
    # the headers the view and the outer middleware set are on the kept answer too
    for name in ("Content-Type", "X-Frame-Options", "Content-Security-Policy", "Content-Language"):
        assert second.get(name) == first.get(name), name


def _rename_by_save(event: Event) -> None:
    event.name = "Renamed COP"
    event.save()


def _rename_by_update(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(name="Renamed COP")


def _rename_by_raw_sql(event: Event) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Event._meta.db_table} SET name = %s WHERE id = %s", ["Renamed COP", event.pk]
        )


def _rename_in_a_transaction_of_several_writes(event: Event) -> None:
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(name="Intermediate")
        _event(slug="another", name="Another event")
        Event.objects.filter(pk=event.pk).update(name="Renamed COP")


def _add_by_bulk_create(event: Event) -> None:
    start = timezone.localdate() + dt.timedelta(days=40)
    Event.objects.bulk_create(
        [
            Event(
                slug="bulk",
                name="Renamed COP",
                kind="cop",
                start_date=start,
                end_date=start,
                place="Bonn",
                organiser="UNFCCC",
                source_url="https://unfccc.int/sb",
            )
        ]
    )
    event.delete()


CHANGES = [
    _rename_by_save,
    _rename_by_update,
    _rename_by_raw_sql,
    _rename_in_a_transaction_of_several_writes,
    _add_by_bulk_create,
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_any_committed_change_shows_on_the_next_anonymous_request(
    client: Client, change: Any
) -> None:
    event = _event()
    client.get("/events/")
    assert client.get("/events/")[HEADER] == "hit"
    change(event)
    after = client.get("/events/")
    assert after[HEADER] == "miss"
    assert b"Renamed COP" in after.content
    assert b"Cache test COP" not in after.content


@pytest.mark.django_db(transaction=True)
def test_a_deleted_event_is_gone_from_its_kept_page(client: Client) -> None:
    event = _event()
    assert client.get("/events/cache-cop/").status_code == 200
    assert client.get("/events/cache-cop/")[HEADER] == "hit"
    event.delete()
    assert client.get("/events/cache-cop/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_keeps_the_version_and_the_page(client: Client) -> None:
    event = _event()
    client.get("/events/")
    token = versioning.current()

    class UndoError(Exception):
        pass

    with pytest.raises(UndoError), transaction.atomic():
        _rename_by_update(event)
        raise UndoError
    assert versioning.current() == token
    again = client.get("/events/")
    assert again[HEADER] == "hit" and b"Cache test COP" in again.content


@pytest.mark.django_db
def test_uncommitted_writes_neither_read_nor_fill_the_cache(client: Client) -> None:
    # (this test runs in a transaction that is never committed)
    _event()
    assert versioning.pending_writes()
    response = client.get("/events/")
    assert response.status_code == 200 and HEADER not in response


@pytest.mark.django_db(transaction=True)
def test_logging_in_and_sessions_do_not_make_pages_obsolete(client: Client) -> None:
    factories.user(None, username="visitor")
    _event()
    client.get("/events/")
    token = versioning.current()
    other = Client()
    assert (
        other.post(
            "/accounts/login/", {"username": "visitor", "password": factories.PASSWORD}
        ).status_code
        == 302
    )
    other.get("/events/")
    assert versioning.current() == token
    assert client.get("/events/")[HEADER] == "hit"


# ------------------------------------------------------------------------ who is served
@pytest.mark.django_db(transaction=True)
def test_logged_in_users_are_never_served_a_kept_page_nor_fill_the_cache(client: Client) -> None:
    _event()
    user = factories.user(None, username="member")
    member = Client()
    member.force_login(user)
    seen = member.get("/events/")
    assert seen.status_code == 200 and HEADER not in seen
    assert client.get("/events/")[HEADER] == "miss"  # the member's page was not kept
    assert member.get("/events/").get(HEADER) is None  # nor is the anonymous one served


@pytest.mark.django_db(transaction=True)
def test_a_messages_cookie_bypasses_the_cache(client: Client) -> None:
    _event()
    client.get("/events/")
    client.cookies["messages"] = "anything"
    assert client.get("/events/").get(HEADER) is None


@pytest.mark.django_db(transaction=True)
def test_each_language_has_its_own_page(client: Client) -> None:
    _event()
    english = client.get("/events/", HTTP_ACCEPT_LANGUAGE="en")
    french = Client().get("/events/", HTTP_ACCEPT_LANGUAGE="fr")
    assert english[HEADER] == french[HEADER] == "miss"
    assert english["Content-Language"] == "en" and french["Content-Language"] == "fr"
    assert b'<html lang="fr">' in french.content and b'<html lang="en">' in english.content
    assert Client().get("/events/", HTTP_ACCEPT_LANGUAGE="fr")[HEADER] == "hit"


@pytest.mark.django_db(transaction=True)
def test_tomorrow_pages_are_rendered_anew(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    _event()
    client.get("/events/")
    assert client.get("/events/")[HEADER] == "hit"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(middleware.timezone, "localdate", lambda *a, **k: tomorrow)
    assert client.get("/events/")[HEADER] == "miss"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/partners/suggest/", "/api/events", "/events/calendar.ics"],
)
def test_pages_not_listed_are_never_kept(client: Client, path: str) -> None:
    _event()
    client.get(path)
    assert client.get(path).get(HEADER) is None


@pytest.mark.django_db(transaction=True)
def test_an_answer_that_is_not_200_is_not_kept_and_its_forms_still_work(client: Client) -> None:
    response = client.get("/events/no-such-event/")
    assert response.status_code == 404 and response[HEADER] == "pass"
    assert middleware.PLACEHOLDER.encode() not in response.content
    assert client.get("/events/no-such-event/")[HEADER] == "pass"


@pytest.mark.django_db(transaction=True)
def test_the_cache_can_be_turned_off(client: Client, settings: Any) -> None:
    settings.CITYDIPLOMACY_PAGE_CACHE_SECONDS = 0
    _event()
    client.get("/events/")
    assert client.get("/events/").get(HEADER) is None


# ------------------------------------------------------------------------------- CSRF
@pytest.mark.django_db(transaction=True)
def test_no_kept_page_holds_a_visitors_token_and_each_visitor_gets_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept: list[Any] = []
    pages = middleware.caches["pages"]
    real_set = pages.set

    def spy(key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        kept.append(value)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(pages, "set", spy)
    _event()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one = first.get("/events/")
    page_two = second.get("/events/")
    assert (page_one[HEADER], page_two[HEADER]) == ("miss", "hit")
    assert len(kept) == 1
    # the kept page has only the placeholder where tokens go
    assert set(TOKEN.findall(kept[0].content)) == {middleware.PLACEHOLDER.encode()}
    token_one, token_two = TOKEN.findall(page_one.content)[0], TOKEN.findall(page_two.content)[0]
    assert middleware.PLACEHOLDER.encode() not in page_one.content + page_two.content
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # each visitor's language form posts with the token of their own page
    for visitor, token in ((first, token_one), (second, token_two)):
        switched = visitor.post(
            "/i18n/setlang/",
            {"csrfmiddlewaretoken": token.decode(), "language": "fr", "next": "/events/"},
        )
        assert switched.status_code == 302, switched.status_code
    # and not with the other visitor's
    crossed = second.post(
        "/i18n/setlang/",
        {"csrfmiddlewaretoken": token_one.decode(), "language": "fr", "next": "/events/"},
    )
    assert crossed.status_code == 403


# --------------------------------------------------------------------- seeing the writes
@pytest.mark.parametrize(
    ("sql", "table"),
    [
        (
            'INSERT INTO "cities_city" ("id") VALUES (%s) RETURNING "cities_city"."id"',
            "cities_city",
        ),
        ("  update engagement_event SET name = %s", "engagement_event"),
        ('DELETE FROM "partners_partnership" WHERE id IN (1)', "partners_partnership"),
        ('INSERT OR IGNORE INTO "capacity_rating" VALUES (1)', "capacity_rating"),
        ('REPLACE INTO "recognition_paragraph" VALUES (1)', "recognition_paragraph"),
        ('TRUNCATE "auth_user", "cities_city" RESTART IDENTITY', "auth_user"),
        ("SELECT * FROM cities_city", None),
        ('SELECT "id" FROM "engagement_event" FOR UPDATE', None),
    ],
)
def test_written_table(sql: str, table: str | None) -> None:
    assert versioning.written_table(sql) == table


def test_writes_to_bookkeeping_tables_are_not_watched_but_a_truncate_is() -> None:
    for table in ("django_session", "axes_accessattempt", "auth_user", "pagecache_contentversion"):
        assert not versioning.watches(f'UPDATE "{table}" SET x = 1')
    assert versioning.watches('TRUNCATE "django_session", "cities_city"')
    assert versioning.watches('UPDATE "indicators_kpivalue" SET x = 1')


@given(
    verb=st.sampled_from(["INSERT INTO", "insert into", "UPDATE", "Update", "DELETE FROM"]),
    table=st.from_regex(r"[a-z][a-z0-9_]{0,40}", fullmatch=True),
    quote=st.sampled_from(['"', "`", "", "["]),
    space=st.sampled_from([" ", "  ", "\n", "\t"]),
)
def test_every_write_names_its_table(verb: str, table: str, quote: str, space: str) -> None:
    closing = "]" if quote == "[" else quote
    sql = f"{space}{verb}{space}{quote}{table}{closing} SET x = 1"
    assert versioning.written_table(sql) == table


@given(st.text(max_size=80))
def test_text_that_is_not_a_write_is_never_taken_for_one(text: str) -> None:
    if versioning.written_table(text) is not None:
        assert re.match(r"\s*(insert|replace|update|delete|truncate)", text, re.IGNORECASE)
