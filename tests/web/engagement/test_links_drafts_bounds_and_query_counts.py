"""Engagement guards, each test failing without its fix: links are web addresses (no stored
XSS), drafts never leak through commitments, the synthetic label, no CSV formula injection,
out-of-range input and huge ids are 4xx not 500s, unknown tags, unsluggable titles, constant
query counts, re-seeding, import error reports, event sources and escaping in the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.core.commitments import Status
from citydiplomacy.core.text import forbidden_character
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.engagement import dashboard, seed, services, views
from citydiplomacy.web.engagement.models import (
    Commitment,
    Deadline,
    Declaration,
    DeclarationCommitment,
    DeclarationStatus,
    Event,
    Signature,
    SignatureSource,
)
from citydiplomacy.web.indicators.models import KpiValue, Publication
from tests.web.engagement.conftest import client_for

pytestmark = pytest.mark.django_db

MEASURE = "EN-EN-PSN-1C"  # green areas, higher is better
HUGE = "99999999999999999999999"


def pledge(**extra: Any) -> dict[str, Any]:
    """A valid commitment of Geneva, with ``extra`` fields replaced."""
    return {
        "title": "More green area",
        "origin": "own",
        "measure": MEASURE,
        "baseline_year": "2020",
        "baseline_value": "100",
        "target_year": "2030",
        "target_value": "200",
        **extra,
    }


def form(city: Any, **extra: Any) -> dict[str, Any]:
    return {"city": str(city.pk), **pledge(**extra)}


# ------------------------------------------------------------------ 1. links (stored XSS)
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/pledge.pdf",
        "example.org/pledge",
        "https://example.org/" + "a" * 500,
    ],
)
def test_a_commitment_link_must_be_a_web_address(
    users: dict[str, Any], geneva: Any, url: str
) -> None:
    with pytest.raises(services.EngagementError, match="source_url: expected"):
        services.record_commitment(users["editor"], geneva, pledge(source_url=url))
    response = client_for(users["editor"]).post(
        reverse("engagement:commitment-new"), form(geneva, source_url=url)
    )
    assert response.status_code == 400
    assert "source_url: expected" in response.content.decode()
    assert not Commitment.objects.exists()


def test_a_web_link_is_kept_and_shown(users: dict[str, Any], geneva: Any) -> None:
    c = services.record_commitment(
        users["editor"], geneva, pledge(source_url="https://example.org/pledge?a=1&b=2")
    )
    html = Client().get(c.get_absolute_url()).content.decode()
    assert 'href="https://example.org/pledge?a=1&amp;b=2"' in html


def test_imported_and_seeded_links_are_checked(adopted: Declaration) -> None:
    with pytest.raises(services.EngagementError, match="source_url: expected"):
        services.import_signatories(
            adopted,
            [],
            source_name="x",
            source_url="javascript:alert(1)",
            file_name="l.csv",
            signed_at=None,
        )
    with pytest.raises(services.EngagementError, match=r"data/engagement \(e\): source_url"):
        seed._url("javascript:alert(1)", "e")
    assert seed._url("https://example.org/", "e") == "https://example.org/"


# ------------------------------------------------------------------ 2. drafts stay private
@pytest.fixture
def draft_item(draft: Declaration) -> DeclarationCommitment:
    return DeclarationCommitment.objects.create(
        declaration=draft, number=1, text="Secret draft pledge", source_url="https://example.org"
    )


@pytest.fixture
def adopted_item(adopted: Declaration) -> DeclarationCommitment:
    return DeclarationCommitment.objects.create(
        declaration=adopted, number=1, text="Public pledge", source_url="https://example.org"
    )


def test_the_commitment_form_offers_adopted_declarations_only(
    users: dict[str, Any],
    lyon: Any,
    draft_item: DeclarationCommitment,
    adopted_item: DeclarationCommitment,
) -> None:
    # Lyon's editor does not take part in the draft (Geneva does)
    html = client_for(users["lyon_editor"]).get(reverse("engagement:commitment-new"))
    page = html.content.decode()
    assert "Public pledge" in page
    assert "Secret draft pledge" not in page and "Cities for clean air" not in page


def test_a_draft_item_is_refused_and_never_shown(
    users: dict[str, Any],
    lyon: Any,
    draft_item: DeclarationCommitment,
    adopted_item: DeclarationCommitment,
) -> None:
    client = client_for(users["lyon_editor"])
    data = form(lyon, origin="declaration", declaration_commitment=str(draft_item.pk))
    response = client.post(reverse("engagement:commitment-new"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "expected a commitment of an adopted declaration" in page
    assert "Secret draft pledge" not in page
    assert not Commitment.objects.exists()
    with pytest.raises(services.EngagementError, match="adopted declaration"):
        services.record_commitment(
            users["lyon_editor"],
            lyon,
            pledge(origin="declaration", declaration_commitment=draft_item),
        )
    with pytest.raises(services.EngagementError, match="adopted declaration"):
        services.record_commitment(
            users["lyon_editor"],
            lyon,
            pledge(origin="declaration", declaration=draft_item.declaration),
        )
    data["declaration_commitment"] = str(adopted_item.pk)
    assert client.post(reverse("engagement:commitment-new"), data).status_code == 302
    c = Commitment.objects.get()
    assert (c.declaration, c.declaration_commitment) == (adopted_item.declaration, adopted_item)
    assert "Public pledge" in Client().get(c.get_absolute_url()).content.decode()


def test_an_item_of_another_declaration_is_refused(
    users: dict[str, Any], geneva: Any, adopted_item: DeclarationCommitment
) -> None:
    other = Declaration.objects.create(
        slug="other", title="Other", status=DeclarationStatus.ADOPTED
    )
    with pytest.raises(services.EngagementError, match="not one of that declaration"):
        services.record_commitment(
            users["editor"],
            geneva,
            pledge(origin="declaration", declaration=other, declaration_commitment=adopted_item),
        )


# ------------------------------------------------------------------ 3. the synthetic label
def test_the_synthetic_label_follows_what_the_reader_may_see(
    users: dict[str, Any], geneva: Any
) -> None:
    c = services.record_commitment(users["editor"], geneva, pledge())
    KpiValue.objects.create(
        city=geneva, year=2024, measure=MEASURE, kpi=MEASURE, value=150.0, synthetic=True
    )
    banner = "Synthetic demo data"
    assert banner not in Client().get(c.get_absolute_url()).content.decode()  # unpublished
    assert banner in client_for(users["editor"]).get(c.get_absolute_url()).content.decode()
    Publication.objects.create(city=geneva, year=2024)
    assert banner in Client().get(c.get_absolute_url()).content.decode()


# ------------------------------------------------------------------ 4. CSV formula injection
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("+41 22 418 00 00", "'+41 22 418 00 00"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r'=1"),  # and after the CR: a reader breaks the row there
        ("Anne Hidalgo", "Anne Hidalgo"),
        ("", ""),
        (2660646, 2660646),
    ],
)
def test_csv_cells_cannot_start_a_formula(cell: Any, expected: Any) -> None:
    assert services.csv_cell(cell) == expected


@given(st.text())
def test_a_cleaned_cell_never_starts_a_formula(text: str) -> None:
    cleaned = services.csv_cell(text)
    assert not cleaned.startswith(("=", "+", "-", "@", "\t", "\r"))
    if "\r" not in text and forbidden_character(text) is None:
        assert cleaned in (text, "'" + text)


def test_the_signatures_export_is_safe_for_spreadsheets(adopted: Declaration) -> None:
    Signature.objects.create(
        declaration=adopted,
        signer_name='=HYPERLINK("https://evil.example","click")',
        signer_title="@mayor",
        listed_place="-Geneva",
        source=SignatureSource.IMPORTED,
        source_url="https://example.org/list",
    )
    rows = list(csv.DictReader(io.StringIO(services.signatures_csv(adopted))))
    assert rows[0]["signer_name"] == '\'=HYPERLINK("https://evil.example","click")'
    assert rows[0]["signer_title"] == "'@mayor"
    assert rows[0]["listed_place"] == "'-Geneva"
    assert rows[0]["source_url"] == "https://example.org/list"


# ------------------------------------------------------------------ 5. out-of-range input
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("baseline_year", "-5", "baseline_year: expected a year from 1900 to 2100"),
        ("baseline_year", "40000", "baseline_year: expected a year from 1900 to 2100"),
        ("target_year", "70000", "target_year: expected a year from 1900 to 2100"),
        ("target_year", HUGE, "target_year: expected a year from 1900 to 2100"),
        ("target_year", "2030.5", "target_year: expected a year such as 2030"),
        ("baseline_value", "nan", "baseline_value: expected a finite number"),
        ("target_value", "1e999", "target_value: expected a finite number"),
        ("target_value", "lots", "target_value: expected a number"),
        ("title", "x" * 301, "title: expected at most 300 characters, found 301"),
        ("network", "n" * 201, "network: expected at most 200 characters, found 201"),
        ("measure", "M" * 65, "measure: expected at most 64 characters, found 65"),
    ],
)
def test_out_of_range_input_is_a_form_error(
    users: dict[str, Any], geneva: Any, field: str, value: str, message: str
) -> None:
    response = client_for(users["editor"]).post(
        reverse("engagement:commitment-new"), form(geneva, **{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Commitment.objects.exists()


def test_years_at_the_bounds_are_accepted(users: dict[str, Any], geneva: Any) -> None:
    c = services.record_commitment(
        users["editor"], geneva, pledge(baseline_year="1900", target_year="2100")
    )
    assert (c.baseline_year, c.target_year) == (1900, 2100)


# ------------------------------------------------------------------ 6. unknown tags
@pytest.mark.parametrize("tag", ["a b", "é", "<script>", "x" * 300])
def test_an_unknown_tag_is_ignored(events: dict[str, Any], tag: str) -> None:
    response = Client().get(reverse("engagement:events"), {"tag": tag, "when": "all"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "COP test" in page and "Forum of Mayors test" in page  # no filter applied
    assert "/events/tags/" not in page


def test_a_real_tag_filters_and_links_its_feed(events: dict[str, Any]) -> None:
    page = Client().get(reverse("engagement:events"), {"tag": "climate"}).content.decode()
    assert "COP test" in page and "Forum of Mayors test" not in page
    assert reverse("engagement:calendar-tag", args=["climate"]) in page


# ------------------------------------------------------------------ 7. huge ids
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        (HUGE, None),
        ("0", None),
        ("-3", None),
        ("١٢", None),  # Arabic-Indic digits: not an id of a form
        ("12 ", 12),
        ("", None),
        (None, None),
    ],
)
def test_ids_are_parsed_within_the_database_bounds(text: str | None, expected: int) -> None:
    assert views._int(text) == expected


def test_huge_ids_in_queries_and_forms_are_not_errors(
    users: dict[str, Any], geneva: Any, adopted: Declaration
) -> None:
    client = Client()
    assert client.get(reverse("engagement:commitments"), {"city": HUGE}).status_code == 200
    assert client.get(reverse("engagement:events"), {"city": HUGE}).status_code == 200
    response = client.get(reverse("engagement:versions", args=[adopted.slug]), {"a": HUGE})
    assert response.status_code in (200, 400)
    admin = client_for(users["admin"])
    response = admin.post(
        reverse("engagement:declaration-new"),
        {"title": "Big ids", "text": "t", "kind": "declaration", "cities_text": HUGE},
    )
    assert response.status_code == 400
    assert "Participating cities: No city" in response.content.decode()
    response = admin.post(
        reverse("engagement:declaration-new"),
        {"title": "Unknown ids", "text": "t", "kind": "declaration", "cities_text": "12345"},
    )
    assert response.status_code == 400
    assert "No city “12345” in the registry" in response.content.decode()
    response = admin.get(reverse("engagement:commitment-new"), {"city": HUGE})
    assert response.status_code == 200
    response = admin.post(
        reverse("engagement:commitment-new"),
        {**form(geneva), "city": HUGE, "declaration_commitment": HUGE},
    )
    assert response.status_code == 400
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        f"/commitments/{HUGE}/",
        f"/forums/{HUGE}/",
        f"/events/cities/{HUGE}/calendar.ics",
        "/commitments/2147483648/",
        "/commitments/0/",
    ],
)
def test_huge_ids_in_paths_are_not_found(path: str) -> None:
    assert Client().get(path).status_code == 404


def test_huge_ids_in_posted_paths_are_not_found(
    users: dict[str, Any], adopted: Declaration
) -> None:
    client = client_for(users["admin"])
    for path in (
        f"/forums/recommendations/{HUGE}/status/",
        f"/declarations/{adopted.slug}/signatures/{HUGE}/withdraw/",
        f"/declarations/{adopted.slug}/comments/{HUGE}/settle/",
    ):
        assert client.post(path, {"status": "x"}).status_code == 404, path
    assert client.post(f"/declarations/{adopted.slug}/sign/", {"city": HUGE}).status_code == 404
    assert client.get(f"/declarations/{adopted.slug}/versions/{HUGE}.txt").status_code == 404


def test_the_api_bounds_ids(geneva: Any) -> None:
    assert Client().get("/api/commitments", {"city": HUGE}).status_code == 422
    assert Client().get("/api/events", {"city": HUGE}).status_code == 422


# ------------------------------------------------------------------ 8. titles without a slug
@pytest.mark.parametrize("title", ["!!!", "Декларация мэров", "宣言", "---"])
def test_any_title_gives_a_working_declaration(users: dict[str, Any], title: str) -> None:
    client = client_for(users["admin"])
    url = reverse("engagement:declaration-new")
    response = client.post(url, {"title": title, "text": "We agree.", "kind": "declaration"})
    assert response.status_code == 302
    d = Declaration.objects.get(title=title)
    assert d.slug == f"declaration-{Declaration.objects.count()}"
    assert client.get(d.get_absolute_url()).status_code == 200
    assert client.get(reverse("engagement:versions", args=[d.slug])).status_code == 200


def test_titles_that_slugify_alike_get_distinct_slugs(users: dict[str, Any]) -> None:
    client = client_for(users["admin"])
    url = reverse("engagement:declaration-new")
    for title in ("Summit!", "Summit?", "¡¡¡", "???"):
        response = client.post(url, {"title": title, "text": "t", "kind": "declaration"})
        assert response.status_code == 302, title
    slugs = dict(Declaration.objects.values_list("title", "slug"))
    assert slugs["Summit!"] == "summit" and slugs["Summit?"] == "summit-2"
    assert {slugs["¡¡¡"], slugs["???"]} == {"declaration-3", "declaration-4"}
    again = client.post(url, {"title": "summit!", "text": "t", "kind": "declaration"})
    assert again.status_code == 400 and "exists already" in again.content.decode()


def test_declaration_slug_skips_taken_fallbacks(users: dict[str, Any]) -> None:
    Declaration.objects.create(slug="declaration-1", title="Taken")
    assert services.declaration_slug("!!!") == "declaration-2"
    with pytest.raises(services.EngagementError, match="slug: expected"):
        services.create_declaration(users["admin"], slug="", title="x", text="t")
    with pytest.raises(services.EngagementError, match="title: expected at most 300"):
        services.create_declaration(users["admin"], slug="long", title="x" * 301, text="t")


# ------------------------------------------------------------------ 9. queries
def _many_commitments(geneva: Any, lyon: Any, admin: Any, n: int) -> None:
    rows = []
    for i in range(n):
        city = geneva if i % 2 else lyon
        rows.append(
            Commitment(
                city=city,
                title=f"Pledge {i:02d}",
                origin="own",
                measure=MEASURE,
                baseline_year=2020,
                baseline_value=100.0,
                target_year=2030,
                target_value=200.0,
                created_by=admin,
            )
        )
    Commitment.objects.bulk_create(rows)
    for city, v in ((geneva, 150.0), (lyon, 105.0)):
        KpiValue.objects.create(city=city, year=2024, measure=MEASURE, kpi=MEASURE, value=v)
        Publication.objects.create(city=city, year=2024)


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_commitment_list_takes_the_same_queries_for_2_or_22_rows(
    users: dict[str, Any], geneva: Any, lyon: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(users["editor"])
    url = reverse("engagement:commitments")
    _many_commitments(geneva, lyon, users["admin"], 2)
    client.get(url)  # warm the per-user caches (the navigation's unread count)
    few = _count(client, url)
    Commitment.objects.all().delete()
    _many_commitments_again(geneva, lyon, users["admin"], 22)
    assert _count(client, url) == few
    with django_assert_max_num_queries(few):
        page = client.get(url).content.decode()
    assert "22 commitments" in page
    # Geneva (150 in 2024: 50% of the way, 40% expected) on track; Lyon (105) off track
    assert page.count("progress-on_track") == 11 and page.count("progress-off_track") == 11


def _many_commitments_again(geneva: Any, lyon: Any, admin: Any, n: int) -> None:
    KpiValue.objects.all().delete()
    Publication.objects.all().delete()
    _many_commitments(geneva, lyon, admin, n)


def test_the_commitment_list_is_paginated(users: dict[str, Any], geneva: Any, lyon: Any) -> None:
    _many_commitments(geneva, lyon, users["admin"], views.COMMITMENT_PAGE_SIZE + 3)
    client = Client()
    first = client.get(reverse("engagement:commitments")).content.decode()
    assert f"{views.COMMITMENT_PAGE_SIZE + 3} commitments" in first and "page 1 of 2" in first
    second = client.get(reverse("engagement:commitments"), {"page": 2}).content.decode()
    assert len(re.findall(r'href="/commitments/[0-9]+/"', second)) == 3
    off = client.get(reverse("engagement:commitments"), {"status": "off_track"})
    assert "page 1 of 2" not in off.content.decode()  # 27 off track (Lyon): one page


def test_bulk_progress_equals_progress_one_by_one(
    users: dict[str, Any], geneva: Any, lyon: Any
) -> None:
    _many_commitments(geneva, lyon, users["admin"], 4)
    # unpublished, later and off the path: seen by Geneva's editor and the analyst only
    KpiValue.objects.create(city=geneva, year=2026, measure=MEASURE, kpi=MEASURE, value=101.0)
    KpiValue.objects.create(city=lyon, year=2019, measure=MEASURE, kpi=MEASURE, value=500.0)
    for who in ("public", "editor", "lyon_editor", "analyst", "admin"):
        user = users[who]
        bulk = services.progress_of(user, Commitment.objects.all())
        assert [p for _, p in bulk] == [services.progress(user, c) for c, _ in bulk], who
    geneva_rows = services.progress_of(users["editor"], Commitment.objects.filter(city=geneva))
    assert {p.status for _, p in geneva_rows} == {Status.OFF_TRACK}
    public_rows = services.progress_of(users["public"], Commitment.objects.filter(city=geneva))
    assert {p.status for _, p in public_rows} == {Status.ON_TRACK}


def test_the_api_list_does_not_grow_with_its_page(
    users: dict[str, Any], geneva: Any, lyon: Any
) -> None:
    _many_commitments(geneva, lyon, users["admin"], 2)
    few = _count(Client(), "/api/commitments?page_size=100")
    _many_commitments_again(geneva, lyon, users["admin"], 22)
    assert _count(Client(), "/api/commitments?page_size=100") == few


def test_the_dashboard_panels_add_at_most_two_queries(
    users: dict[str, Any],
    geneva: Any,
    lyon: Any,
    rf: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _many_commitments(geneva, lyon, users["admin"], 22)
    event = Event.objects.create(
        slug="e",
        name="E",
        kind="cop",
        start_date=dt.date(2099, 1, 1),
        end_date=dt.date(2099, 1, 2),
        place="P",
        organiser="O",
        source_url="https://example.org/e",
    )
    event.cities.add(lyon)
    Deadline.objects.create(
        event=event,
        kind="submission",
        title="Submit",
        due_date=dt.date(2098, 12, 1),
        source_url="https://example.org/d",
    )
    request = rf.get("/")
    request.user = users["lyon_editor"]
    # the dashboard itself has resolved the viewer's role and cities already
    permissions.role_of(request.user)
    permissions.editable_city_ids(request.user)
    with django_assert_max_num_queries(2):
        deadlines = dashboard.deadlines_panel(request, lyon, 2024)
        off = dashboard.off_track_panel(request, lyon, 2024)
    assert deadlines is not None and off is not None
    assert len(off.context["rows"]) == 11
    with django_assert_max_num_queries(2):
        assert dashboard.deadlines_panel(request, geneva, 2024) is None
        assert dashboard.off_track_panel(request, geneva, 2024) is None  # on track


# ------------------------------------------------------------------ 10. re-seeding
def test_reseeding_keeps_the_secretariats_status_and_date(geneva: Any) -> None:
    seed.seed_events()
    seed.seed_declarations()
    d = Declaration.objects.exclude(adopted_on=None).first()
    assert d is not None and d.status == DeclarationStatus.ADOPTED
    d.status = DeclarationStatus.CLOSED
    d.adopted_on = dt.date(2001, 2, 3)
    d.save()
    seed.seed_declarations()
    d.refresh_from_db()
    assert (d.status, d.adopted_on) == (DeclarationStatus.CLOSED, dt.date(2001, 2, 3))
    Declaration.objects.filter(pk=d.pk).delete()
    seed.seed_declarations()  # a new declaration is adopted, with its published date
    assert Declaration.objects.get(slug=d.slug).status == DeclarationStatus.ADOPTED


# ------------------------------------------------------------------ 11. import errors
HEADER = "city_name,country,wikidata_id,mayor_name,mayor_title\n"


def test_csv_problems_name_the_line_and_the_1_based_column() -> None:
    text = HEADER + 'Geneva,Switzerland,,A,Mayor,extra\nLyon\n"Bonn\nam Rhein",Germany\n'
    with pytest.raises(services.EngagementError) as err:
        services.read_listed("bad.csv", text)
    assert str(err.value).splitlines() == [
        "bad.csv:2:6: expected 5 columns, found 6",  # the first cell too many
        "bad.csv:3:2: expected 5 columns, found 1",  # the first cell missing
        "bad.csv:4:3: expected 5 columns, found 2",  # the record starts on line 4
    ]


def test_a_byte_order_mark_is_ignored() -> None:
    entries = services.read_listed("bom.csv", "\ufeff" + HEADER + "Geneva,Switzerland,,A,M\n")
    assert [(e.row, e.place, e.name) for e in entries] == [(2, "Geneva", "A")]
    entries = services.read_listed("bom.json", '\ufeff[{"vote": "Sign", "author": {"name": "A"}}]')
    assert [e.name for e in entries] == ["A"]


def test_a_csv_error_is_reported_not_raised() -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    with pytest.raises(services.EngagementError, match=r"big.csv:2:1: expected CSV \(field"):
        services.read_listed("big.csv", HEADER + f"Geneva,Switzerland,,{huge},M\n")


def test_json_problems_name_the_item_and_the_field() -> None:
    text = (
        '{"statement": {"votes": ['
        '{"vote": "Sign", "author": {"title": "Mayor"}},'
        '{"vote": "Against", "author": {"name": "B"}},'
        '"C"]}}'
    )
    with pytest.raises(services.EngagementError) as err:
        services.read_listed("v.json", text)
    assert str(err.value).splitlines() == [
        # line:column of the item's first character, then the item's path in the JSON
        'v.json:1:26: item 1 ("statement".votes[0]), field author.name: '
        "expected the signatory's name",
        'v.json:1:73: item 2 ("statement".votes[1]), field vote: expected \'Sign\', found "Against"',
        'v.json:1:118: item 3 ("statement".votes[2]): expected an object, found str',
    ]


def test_the_command_reports_bad_files_as_command_errors(
    tmp_path: Path, adopted: Declaration, geneva: Any
) -> None:
    args = ["--declaration", adopted.slug, "--source-url", "https://example.org/list"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "Genève,Switzerland,,A,M\n").encode("latin-1"))
    with pytest.raises(CommandError, match=r"latin.csv:2:4: expected UTF-8 text, found the byte"):
        call_command("import_signatories", str(latin), *args)
    bad_url = tmp_path / "ok.csv"
    bad_url.write_text("\ufeff" + HEADER + "Geneva,Switzerland,,A,Mayor\n", encoding="utf-8")
    with pytest.raises(CommandError, match="source_url: expected a web address"):
        call_command(
            "import_signatories",
            str(bad_url),
            "--declaration",
            adopted.slug,
            "--source-url",
            "javascript:alert(1)",
        )
    out = io.StringIO()
    call_command("import_signatories", str(bad_url), *args, stdout=out)  # with a BOM
    assert "1 matched" in out.getvalue()
    assert Signature.objects.get(declaration=adopted).city == geneva
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(HEADER + "Geneva,Switzerland\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"wrong.csv:2:3: expected 5 columns, found 2"):
        call_command("import_signatories", str(wrong), *args)


# ------------------------------------------------------------------ 12. event sources
def test_events_cite_their_own_primary_sources(geneva: Any) -> None:
    seed.seed_events()
    fom_2025 = "https://land.unece.org/forumofmayors/events/fifth-meeting-un-forum-mayors-2025"
    assert list(Event.objects.filter(source_url=fom_2025).values_list("slug", flat=True)) == [
        "un-forum-of-mayors-2025"
    ]
    sources = dict(Event.objects.values_list("slug", "source_url"))
    assert sources["summit-of-the-future-2024"].startswith("https://www.un.org/")
    assert sources["un-forum-of-mayors-2024"] == "https://unece.org/forumofmayors"
    assert sources["hlpf-2025"] == "https://sustainabledevelopment.un.org/hlpf"
    dates = {
        e.slug: (e.start_date, e.end_date)
        for e in Event.objects.filter(
            slug__in=["summit-of-the-future-2024", "un-forum-of-mayors-2024", "hlpf-2025"]
        )
    }
    assert dates == {
        "summit-of-the-future-2024": (dt.date(2024, 9, 22), dt.date(2024, 9, 23)),
        "un-forum-of-mayors-2024": (dt.date(2024, 9, 30), dt.date(2024, 10, 1)),
        "hlpf-2025": (dt.date(2025, 7, 14), dt.date(2025, 7, 23)),
    }


# ------------------------------------------------------------------ 13. escaping in the diff
def test_html_in_a_version_is_escaped_in_the_diff(
    users: dict[str, Any], draft: Declaration
) -> None:
    services.add_version(
        users["admin"],
        draft,
        'We commit <script>alert("x")</script> to act on <b>air</b> quality.\nWe report.',
        "markup",
    )
    response = client_for(users["admin"]).get(
        reverse("engagement:versions", args=[draft.slug]), {"a": 1, "b": 2}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page and "<b>air</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;" in page and "&lt;/b&gt;" in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x"])
def test_the_admin_takes_web_links_only(users: dict[str, Any], rf: Any, url: str) -> None:
    from django.contrib import admin

    from citydiplomacy.web.engagement.admin import EventAdmin

    request = rf.get("/")
    request.user = users["admin"]
    form_class = EventAdmin(Event, admin.site).get_form(request)
    data = {
        "slug": "e",
        "name": "E",
        "kind": "cop",
        "start_date": "2030-01-01",
        "end_date": "2030-01-02",
        "place": "P",
        "organiser": "O",
        "source_url": url,
        "official_url": url,
    }
    bound = form_class(data)
    assert not bound.is_valid()
    assert set(bound.errors) >= {"source_url", "official_url"}
    bound = form_class({**data, "source_url": "https://example.org", "official_url": ""})
    assert bound.is_valid(), bound.errors
