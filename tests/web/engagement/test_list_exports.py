"""CSV and XLSX exports of the calendar's table and of the declaration list (issue 19,
item 2): equal to what the page shows with its filters, formula prefixes neutralised, a link
on each page, and the pages' own access rules (a draft only to its readers)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    Declaration,
    DeclarationStatus,
    Event,
    ForumSession,
    Recommendation,
)
from tests.web.engagement.conftest import client_for

pytestmark = pytest.mark.django_db


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def _xlsx(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _page_names(html: str) -> list[str]:
    """The event names of the calendar table, in the page's order."""
    table = html[html.index('<table class="events">') :]
    return re.findall(r'<td><a href="/events/[^"]+/">([^<]+)</a>', table)


# ------------------------------------------------------------------ events
@pytest.mark.parametrize(
    "query",
    ["", "?when=all", "?when=past", "?kind=cop&when=all", "?tag=climate&when=all", "?city={lyon}"],
)
def test_the_events_export_equals_the_calendar_table(
    events: dict[str, Any], lyon: Any, query: str
) -> None:
    query = query.format(lyon=f"{lyon.pk}&when=all")
    client = client_for(None)
    page = client.get(reverse("engagement:events") + query).content.decode()
    shown = _page_names(page)
    for fmt, read in (("csv", _csv), ("xlsx", _xlsx)):
        rows = read(client.get(reverse("engagement:events-export", args=[fmt]) + query))
        assert [r["event"] for r in rows] == shown, (fmt, query)
    # the page links the download with the filters as taken
    assert 'href="/events/export.csv' in page and 'href="/events/export.xlsx' in page


def test_the_events_export_has_the_facts_of_each_row(events: dict[str, Any], geneva: Any) -> None:
    cop = events["cop"]
    cop.host_city = geneva
    cop.save()
    url = reverse("engagement:events-export", args=["csv"]) + "?when=all&tag=climate"
    (row,) = _csv(client_for(None).get(url))
    assert row["start_date"] == "2030-11-10" and row["end_date"] == "2030-11-21"
    assert (row["kind"], row["place"], row["host_city"]) == (
        "UN Climate Change Conference (COP)",
        "Belém",
        "Geneva",
    )
    assert row["tags"] == "Climate" and row["source_url"] == "https://example.org/cop"
    assert row["cancelled"] == "false" and row["past"] == "false"
    assert row["page_url"] == "http://testserver/events/cop-test/"
    page = client_for(None).get(reverse("engagement:events") + "?when=all&tag=climate")
    assert 'href="/events/export.csv?tag=climate&amp;when=all"' in page.content.decode()


def test_an_unknown_filter_is_ignored_as_on_the_page(events: dict[str, Any]) -> None:
    url = reverse("engagement:events-export", args=["csv"]) + "?when=all&kind=nope&tag=nope"
    assert len(_csv(client_for(None).get(url))) == 2
    page = client_for(None).get(reverse("engagement:events") + "?when=all&kind=nope&tag=nope")
    assert 'href="/events/export.csv?when=all"' in page.content.decode()


def test_event_cells_that_start_like_formulas_are_neutralised(events: dict[str, Any]) -> None:
    Event.objects.create(
        slug="evil",
        name='=HYPERLINK("http://evil","x")',
        kind="other",
        start_date=dt.date(2031, 1, 1),
        end_date=dt.date(2031, 1, 2),
        place="+cmd|' /C calc'!A0",
        organiser="@SUM(A1:A2)",
        source_url="https://example.org/evil",
    )
    url = reverse("engagement:events-export", args=["csv"])
    row = next(r for r in _csv(client_for(None).get(url)) if "HYPERLINK" in r["event"])
    assert row["event"] == '\'=HYPERLINK("http://evil","x")'
    assert row["place"] == "'+cmd|' /C calc'!A0" and row["organiser"] == "'@SUM(A1:A2)"
    cell = next(r for r in _xlsx(client_for(None).get(url.replace(".csv", ".xlsx"))) if r["place"])
    assert all(not str(v).startswith(("=", "+", "@")) for v in cell.values() if v is not None)


def test_an_unknown_format_is_not_found() -> None:
    assert client_for(None).get("/events/export.pdf").status_code == 404
    assert client_for(None).get("/declarations/export.json").status_code == 404


# ------------------------------------------------------------------ declarations
@pytest.mark.parametrize(
    ("who", "sees_draft"),
    [
        (None, False),
        ("public", False),
        ("lyon_editor", False),
        ("editor", True),
        ("analyst", True),
        ("admin", True),
    ],
)
def test_the_declarations_export_shows_what_the_list_shows_to_each_user(
    users: dict[str, Any],
    draft: Declaration,
    adopted: Declaration,
    who: str | None,
    sees_draft: bool,
) -> None:
    """A draft (Geneva takes part) is listed and exported only to its readers."""
    client = client_for(users[who] if who else None)
    page = client.get(reverse("engagement:declarations")).content.decode()
    assert (draft.title in page) is sees_draft
    for fmt, read in (("csv", _csv), ("xlsx", _xlsx)):
        rows = read(client.get(reverse("engagement:declarations-export", args=[fmt])))
        titles = [r["title"] for r in rows]
        on_page = [t for t in (draft.title, adopted.title) if t in page]
        assert titles == sorted(on_page, key=page.index), (who, fmt)  # the page's order
        assert (draft.title in titles) is sees_draft
    assert 'href="/declarations/export.csv"' in page and 'href="/declarations/export.xlsx"' in page


def test_declaration_rows_and_formula_guard(adopted: Declaration) -> None:
    Declaration.objects.create(
        slug="evil-declaration",
        title="-2+3",
        status=DeclarationStatus.ADOPTED,
        organiser='=WEBSERVICE("http://evil")',
        adopted_on=dt.date(2026, 11, 2),
    )
    rows = {r["page_url"]: r for r in _csv(client_for(None).get("/declarations/export.csv"))}
    good = rows["http://testserver/declarations/open-declaration/"]
    assert (good["title"], good["status"], good["adopted_on"]) == (
        "An open declaration",
        "Adopted, open for signature",
        "2026-10-01",
    )
    evil = rows["http://testserver/declarations/evil-declaration/"]
    assert evil["title"] == "'-2+3" and evil["organiser"] == '\'=WEBSERVICE("http://evil")'


# ------------------------------------------------------------------ archive, sessions
def test_the_archive_export_equals_the_archive_table(events: dict[str, Any]) -> None:
    Event.objects.create(
        slug="older",
        name="Older forum",
        kind="other",
        start_date=dt.date(2019, 5, 1),
        end_date=dt.date(2019, 5, 2),
        place="Bonn",
        organiser="Organiser",
        source_url="https://example.org/older",
    )
    client = client_for(None)
    page = client.get(reverse("engagement:events-archive")).content.decode()
    shown = _page_names(page)
    assert shown == ["Forum of Mayors test", "Older forum"]  # latest first, past only
    for fmt, read in (("csv", _csv), ("xlsx", _xlsx)):
        rows = read(client.get(reverse("engagement:events-archive-export", args=[fmt])))
        assert [r["event"] for r in rows] == shown
    assert 'href="/events/archive/export.csv"' in page


def test_the_sessions_and_recommendations_exports(users: dict[str, Any]) -> None:
    session = ForumSession.objects.create(
        title="Forum session (synthetic)",
        date=dt.date(2025, 10, 6),
        place="Geneva",
        source_url="https://example.org/session",
    )
    ForumSession.objects.create(
        title="Earlier session (synthetic)",
        date=dt.date(2024, 10, 6),
        place="Geneva",
        source_url="https://example.org/earlier",
    )
    rec = Recommendation.objects.create(
        session=session, text="=cmd|' /C calc'!A0", addressed_to="HLPF"
    )
    services.set_recommendation_status(users["admin"], rec, "submitted", "sent to the HLPF")
    client = client_for(None)
    page = client.get(reverse("engagement:sessions")).content.decode()
    rows = _csv(client.get(reverse("engagement:sessions-export", args=["csv"])))
    assert [r["session"] for r in rows] == [
        "Forum session (synthetic)",
        "Earlier session (synthetic)",
    ]  # the page's order, latest first
    assert page.index("Forum session (synthetic)") < page.index("Earlier session (synthetic)")
    assert rows[0]["recommendations"] == "1" and 'href="/forums/export.xlsx"' in page
    url = reverse("engagement:recommendations-export", args=[session.pk, "xlsx"])
    (row,) = _xlsx(client.get(url))
    assert row["recommendation"] == "'=cmd|' /C calc'!A0"  # neutralised
    assert row["status"] == "Submitted" and row["history"].endswith("Submitted: sent to the HLPF")
    assert f'href="{url}"' in client.get(session.get_absolute_url()).content.decode()
    assert client.get("/forums/999999/recommendations.csv").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["city=%C2%B2", "city=%EF%BC%93", "city=99999999999", "kind=%00", "tag=%3Cscript%3E", "when=x"],
)
def test_hostile_filters_are_ignored_not_a_server_error(events: dict[str, Any], query: str) -> None:
    client = Client(raise_request_exception=False)
    for name in ("engagement:events", "engagement:events-export"):
        args = ["csv"] if name.endswith("export") else []
        assert client.get(reverse(name, args=args) + "?" + query).status_code < 500
