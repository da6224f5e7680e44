"""CSV and XLSX downloads of the engagement tables the earlier exports left out (issue 19,
item 2): a declaration's versions, its signatures by country and by region, its withdrawn
signatures, and a commitment's expected and reported values by year.

Each download equals the rows its page shows the same viewer (compared with what the page
was rendered from), its text cells are guarded against formulas
(:data:`tests.web.export_checks.HOSTILE`), its line is on the page in the page's language,
and it follows the page's access rules: a draft declaration's tables only to its readers, and
a commitment's reported values only from the KPI values the viewer may read (an unpublished
value never reaches a reader who may not see it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    Commitment,
    Declaration,
    DeclarationVersion,
    Signature,
)
from citydiplomacy.web.indicators.charts import fmt_value
from citydiplomacy.web.indicators.models import KpiValue, Publication
from tests.web.engagement.conftest import client_for, rep_user
from tests.web.export_checks import HOSTILE, assert_guarded, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db

MEASURE = "EN-EN-PSN-1C"
#: The declaration tables' downloads, by URL name.
DECLARATION_EXPORTS = (
    "versions-export",
    "signatures-by-country-export",
    "signatures-by-region-export",
    "withdrawn-signatures-export",
)


def _both(client: Any, name: str, *args: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The CSV and the XLSX rows of one download."""
    csv = csv_rows(client.get(reverse(f"engagement:{name}", args=[*args, "csv"])))
    xlsx = xlsx_rows(client.get(reverse(f"engagement:{name}", args=[*args, "xlsx"])))
    return csv, xlsx


def _links_on(html: str, name: str, *args: Any) -> None:
    for fmt in ("csv", "xlsx"):
        url = reverse(f"engagement:{name}", args=[*args, fmt])
        assert f'href="{url}" download' in html, (name, fmt)


# ------------------------------------------------------------------ versions
def test_the_versions_export_equals_the_versions_table(
    users: dict[str, Any], adopted: Declaration
) -> None:
    for n, note in enumerate(HOSTILE, start=2):
        DeclarationVersion.objects.create(
            declaration=adopted, number=n, text=f"Text {n}", note=note, created_by=users["admin"]
        )
    client = client_for(None)
    page = client.get(reverse("engagement:versions", args=[adopted.slug]))
    shown = page.context["versions"]
    csv, xlsx = _both(client, "versions-export", adopted.slug)
    for rows in (csv, xlsx):
        assert [int(r["version"]) for r in rows] == [v.number for v in shown] == list(range(1, 8))
        # Only the secretariat writes versions; the public reads "the secretariat", not a
        # staff member's login name (the secretariat's own view: below).
        assert [r["by"] or "" for r in rows] == ["", *["the secretariat"] * len(HOSTILE)]
        assert not rows[0]["what_changed"]
        for row, note in zip(rows[1:], HOSTILE, strict=True):
            assert_guarded(row["what_changed"], note)
        assert rows[0]["saved_at"] == shown[0].created_at.isoformat()
    # each version's plain text is where the row says
    text_url = csv[1]["text_url"]
    assert text_url.startswith("http://testserver/")
    assert client.get(text_url.removeprefix("http://testserver")).content.decode() == "Text 2"
    _links_on(page.content.decode(), "versions-export", adopted.slug)


@pytest.mark.parametrize("who", [None, "editor", "analyst", "admin"])
def test_a_versions_author_is_named_to_the_secretariat_only(
    users: dict[str, Any], adopted: Declaration, who: str | None
) -> None:
    author = users["admin"]
    author.username = "staff-login-xyz"
    author.save()
    DeclarationVersion.objects.create(
        declaration=adopted, number=2, text="Text 2", note="", created_by=author
    )
    client = client_for(users[who] if who else None)
    page = client.get(reverse("engagement:versions", args=[adopted.slug])).content.decode()
    csv, xlsx = _both(client, "versions-export", adopted.slug)
    expected = "staff-login-xyz" if who == "admin" else "the secretariat"
    assert [r["by"] for r in csv[1:]] == [r["by"] for r in xlsx[1:]] == [expected]
    assert f"<td>{expected}</td>" in page
    if who != "admin":
        assert "staff-login-xyz" not in page
    french = client.get(
        reverse("engagement:versions-export", args=[adopted.slug, "csv"]),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    if who != "admin":
        assert [r["by"] for r in csv_rows(french)[1:]] == ["le secrétariat"]


# ------------------------------------------------------------------ signature counts
def _imported(declaration: Declaration, name: str, country: str, **extra: Any) -> Signature:
    return Signature.objects.create(
        declaration=declaration,
        signer_name=name,
        signer_title="Mayor",
        source="imported",
        listed_place="Nowhere",
        listed_country=country,
        source_url="https://example.org/list",
        **extra,
    )


def test_the_counts_exports_equal_the_declaration_pages_tables(
    reps: dict[str, Any], adopted: Declaration, geneva: Any, lyon: Any
) -> None:
    services.sign(rep_user(reps, "geneva"), adopted, geneva)
    lyon_signature = services.sign(rep_user(reps, "lyon"), adopted, lyon)
    services.withdraw(rep_user(reps, "lyon"), lyon_signature, "changed council")  # not counted
    for i, country in enumerate(HOSTILE):
        for j in range(i + 1):  # distinct counts, so the page's order is by count
            _imported(adopted, f"Signer {i}-{j}", country)
    client = client_for(None)
    page = client.get(adopted.get_absolute_url())
    stats = page.context["stats"]
    html = page.content.decode()
    csv, xlsx = _both(client, "signatures-by-country-export", adopted.slug)
    for rows in (csv, xlsx):
        assert [int(r["signatures"]) for r in rows] == [r["n"] for r in stats.by_country]
        assert len(rows) == len(HOSTILE) + 1  # Geneva's country; Lyon's signature is withdrawn
        for row, shown in zip(rows, stats.by_country, strict=True):
            if shown["as_listed"]:
                assert_guarded(row["country"], shown["name"])
                assert not row["iso2"]
            else:
                assert (row["country"], row["iso2"]) == (geneva.country.name, "CH")
        # CSV writes the flag "true"/"false", XLSX as a boolean
        assert [str(r["as_listed"]).lower() for r in rows] == [
            str(r["as_listed"]).lower() for r in stats.by_country
        ]
    csv, xlsx = _both(client, "signatures-by-region-export", adopted.slug)
    for rows in (csv, xlsx):
        assert [(r["region"], int(r["signatures"])) for r in rows] == [
            (r["region"], r["n"]) for r in stats.by_region
        ]
        assert sum(int(r["signatures"]) for r in rows) == stats.total
    _links_on(html, "signatures-by-country-export", adopted.slug)
    _links_on(html, "signatures-by-region-export", adopted.slug)


def test_the_withdrawn_export_equals_the_pages_withdrawn_table(
    reps: dict[str, Any], adopted: Declaration, lyon: Any
) -> None:
    lyon_signature = services.sign(rep_user(reps, "lyon"), adopted, lyon)
    services.withdraw(rep_user(reps, "lyon"), lyon_signature, "changed council")
    start = timezone.now()
    for i, text in enumerate(HOSTILE):
        _imported(
            adopted,
            text,
            "Atlantis",
            withdrawn_at=start - dt.timedelta(days=i + 1),
            withdrawal_reason=text,
        )
    _imported(adopted, "Still signed", "Atlantis")  # live: not in the table
    client = client_for(None)
    page = client.get(adopted.get_absolute_url())
    shown = page.context["withdrawn"]
    csv, xlsx = _both(client, "withdrawn-signatures-export", adopted.slug)
    for rows in (csv, xlsx):
        assert len(rows) == len(shown) == len(HOSTILE) + 1
        assert (rows[0]["signatory"], rows[0]["city"], rows[0]["reason"]) == (
            "Louis Lyonnais",
            "Lyon",
            "changed council",
        )
        for row, s in zip(rows[1:], shown[1:], strict=True):
            assert_guarded(row["signatory"], s.signer_name)
            assert_guarded(row["reason"], s.withdrawal_reason)
            assert row["listed_place"] == "Nowhere"
            assert row["withdrawn_at"] == s.withdrawn_at.isoformat()
    _links_on(page.content.decode(), "withdrawn-signatures-export", adopted.slug)


def test_no_withdrawn_line_without_withdrawn_signatures(adopted: Declaration) -> None:
    html = client_for(None).get(adopted.get_absolute_url()).content.decode()
    assert "withdrawn-signatures." not in html
    # the download of an empty table is its header
    empty = client_for(None).get(f"/declarations/{adopted.slug}/withdrawn-signatures.csv")
    assert empty.content.decode().startswith("declaration,signatory,")
    assert csv_rows(empty) == []


@pytest.mark.parametrize("name", DECLARATION_EXPORTS)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 404),
        ("public", 404),
        ("lyon_editor", 404),
        ("editor", 200),
        ("analyst", 200),
        ("admin", 200),
    ],
)
def test_a_drafts_tables_are_exported_only_to_its_readers(
    users: dict[str, Any], draft: Declaration, name: str, who: str | None, status: int
) -> None:
    """A draft (Geneva takes part) is a 404 for anonymous, a user without a role and Lyon's
    editor, as its page and its versions page are; its participants, analysts and the
    secretariat get each file, with the versions the versions page shows them."""
    DeclarationVersion.objects.create(
        declaration=draft, number=2, text="Draft text, second.", note="Secret amendment"
    )
    client = client_for(users[who] if who else None)
    versions_page = client.get(reverse("engagement:versions", args=[draft.slug]))
    assert versions_page.status_code == status
    assert client.get(draft.get_absolute_url()).status_code == status
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse(f"engagement:{name}", args=[draft.slug, fmt]))
        assert response.status_code == status, (fmt, response.status_code)
        assert b"Secret amendment" not in response.content or status == 200
    if status == 200 and name == "versions-export":
        rows = csv_rows(client.get(reverse(f"engagement:{name}", args=[draft.slug, "csv"])))
        assert [int(r["version"]) for r in rows] == [
            v.number for v in versions_page.context["versions"]
        ]
        assert rows[-1]["what_changed"] == "Secret amendment"


def test_an_unknown_format_or_declaration_is_not_found(adopted: Declaration) -> None:
    client = client_for(None)
    for name in DECLARATION_EXPORTS:
        assert (
            client.get(reverse(f"engagement:{name}", args=[adopted.slug, "pdf"])).status_code == 404
        )
        assert client.get(reverse(f"engagement:{name}", args=["no-such", "csv"])).status_code == 404
    assert client.get("/commitments/1/values.csv").status_code == 404  # no commitment


def test_the_download_lines_read_in_french(
    reps: dict[str, Any], adopted: Declaration, users: dict[str, Any], lyon: Any
) -> None:
    lyon_signature = services.sign(rep_user(reps, "lyon"), adopted, lyon)
    services.withdraw(rep_user(reps, "lyon"), lyon_signature, "changed council")
    client = client_for(None)
    html = client.get(adopted.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for text in (
        "Télécharger les signatures par pays :",
        "Télécharger les signatures par région :",
        "Télécharger toutes les signatures retirées :",
        "Télécharger ce tableau des signataires (toutes les pages) :",
    ):
        assert text in html, text
    versions = client.get(
        reverse("engagement:versions", args=[adopted.slug]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert '<p class="downloads">Télécharger ce tableau :' in versions
    pledge = _pledge(users["admin"], lyon, "Lyon pledge")
    detail = client.get(pledge.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<p class="downloads">Télécharger ce tableau :' in detail


# ------------------------------------------------------------------ a commitment's values
def _pledge(user: Any, city: Any, title: str) -> Commitment:
    return services.record_commitment(
        user,
        city,
        {
            "title": title,
            "origin": "own",
            "measure": MEASURE,
            "baseline_year": "2020",
            "baseline_value": "100",
            "target_year": "2030",
            "target_value": "200",
        },
    )


def _page_rows(rows: list[dict[str, Any]], baseline_year: int) -> list[dict[str, Any]]:
    """A download's rows as the commitment page writes them (``fmt_value``, "—" before the
    baseline year)."""

    def number(x: Any) -> float | None:
        return None if x in ("", None) else float(x)

    return [
        {
            "year": int(r["year"]),
            "expected": "—" if int(r["year"]) < baseline_year else fmt_value(number(r["expected"])),
            "value": fmt_value(number(r["reported"])),
        }
        for r in rows
    ]


@pytest.mark.parametrize(
    ("who", "sees_unpublished"),
    [
        (None, False),
        ("public", False),
        ("lyon_editor", False),
        ("editor", True),  # Geneva's editor: Geneva's unpublished values
        ("analyst", True),
        ("admin", True),
    ],
)
def test_the_values_export_equals_the_commitment_pages_table(
    users: dict[str, Any], geneva: Any, who: str | None, sees_unpublished: bool
) -> None:
    c = _pledge(users["admin"], geneva, "More green area")
    for year, value in ((2018, 95.0), (2022, 125.0), (2024, 131.5)):
        KpiValue.objects.create(city=geneva, year=year, measure=MEASURE, kpi=MEASURE, value=value)
    for year in (2018, 2022):
        Publication.objects.create(city=geneva, year=year)  # 2024 stays unpublished
    client = client_for(users[who] if who else None)
    page = client.get(c.get_absolute_url())
    assert page.status_code == 200
    shown = page.context["table"]
    csv, xlsx = _both(client, "commitment-values-export", c.pk)
    for rows in (csv, xlsx):
        assert _page_rows(rows, c.baseline_year) == shown
        years = [int(r["year"]) for r in rows]
        assert years == (
            [2018, 2020, 2022, 2024, 2030] if sees_unpublished else [2018, 2020, 2022, 2030]
        )
        reported = {int(r["year"]): r["reported"] for r in rows if r["reported"] not in ("", None)}
        assert {y: float(v) for y, v in reported.items()} == (
            {2018: 95.0, 2022: 125.0, 2024: 131.5}
            if sees_unpublished
            else {2018: 95.0, 2022: 125.0}
        )
        by_year = {int(r["year"]): r for r in rows}
        assert float(by_year[2020]["expected"]) == 100.0
        assert float(by_year[2030]["expected"]) == 200.0
        assert by_year[2018]["expected"] in ("", None)  # before the baseline: no path
        assert (rows[0]["commitment"], rows[0]["city"], rows[0]["measure"]) == (
            "More green area",
            "Geneva",
            MEASURE,
        )
    if not sees_unpublished:
        assert b"131.5" not in client.get(f"/commitments/{c.pk}/values.csv").content
    _links_on(page.content.decode(), "commitment-values-export", c.pk)


def test_commitment_values_cells_that_start_like_formulas_are_guarded(
    users: dict[str, Any], geneva: Any
) -> None:
    c = _pledge(users["admin"], geneva, "A pledge")
    client = client_for(None)
    for text in HOSTILE:
        Commitment.objects.filter(pk=c.pk).update(title=text)
        csv, xlsx = _both(client, "commitment-values-export", c.pk)
        for rows in (csv, xlsx):
            assert rows and all(r["commitment"] for r in rows)
            for row in rows:
                assert_guarded(row["commitment"], text)
        assert float(csv[0]["expected"]) == 100.0  # numbers stay numbers, unguarded


def test_the_values_export_names_the_city_as_a_french_page_does(
    users: dict[str, Any], geneva: Any
) -> None:
    c = _pledge(users["admin"], geneva, "More green area")
    client = client_for(None)
    url = reverse("engagement:commitment-values-export", args=[c.pk, "csv"])
    page = client.get(c.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Genève" in page
    rows = csv_rows(client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert {r["city"] for r in rows} == {"Genève"}
    assert {r["city"] for r in csv_rows(client.get(url))} == {"Geneva"}
