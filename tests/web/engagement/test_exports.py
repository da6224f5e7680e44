"""CSV and XLSX exports of the commitments table and of a declaration's signatories table
(issue 19, item 2): equal to what the page shows with its filters (every page), formula
prefixes neutralised, a link on the page, and the page's own access rules."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Commitment, Declaration, Signature
from citydiplomacy.web.engagement.views import COMMITMENT_PAGE_SIZE
from citydiplomacy.web.indicators.models import KpiValue, Publication
from tests.web.engagement.conftest import client_for, rep_user

pytestmark = pytest.mark.django_db

MEASURE = "EN-EN-PSN-1C"


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


def _pledge(user: Any, city: Any, title: str, **extra: Any) -> Commitment:
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
            **extra,
        },
    )


def _value(city: Any, year: int, v: float) -> None:
    KpiValue.objects.create(city=city, year=year, measure=MEASURE, kpi=MEASURE, value=v)


# ------------------------------------------------------------------ commitments
def test_the_commitments_export_equals_the_filtered_list_on_every_page(
    users: dict[str, Any], geneva: Any, lyon: Any
) -> None:
    for i in range(COMMITMENT_PAGE_SIZE + 2):  # more than one page
        _pledge(users["admin"], geneva, f"Geneva pledge {i:03d}")
    _pledge(users["admin"], lyon, "Lyon pledge")
    client = client_for(None)
    rows = _csv(client.get(reverse("engagement:commitments-export", args=["csv"])))
    assert len(rows) == COMMITMENT_PAGE_SIZE + 3
    url = reverse("engagement:commitments-export", args=["csv"]) + f"?city={geneva.pk}"
    rows = _csv(client.get(url))
    assert len(rows) == COMMITMENT_PAGE_SIZE + 2
    assert {r["city"] for r in rows} == {"Geneva"}
    assert rows[0]["commitment"] == "Geneva pledge 000"  # the page's order
    assert rows[0]["progress"] == "Insufficient data"
    page = client.get(reverse("engagement:commitments") + f"?city={geneva.pk}").content.decode()
    assert f'href="/commitments/export.csv?city={geneva.pk}"' in page
    assert f'href="/commitments/export.xlsx?city={geneva.pk}"' in page


def test_the_status_filter_and_visibility_apply_as_on_the_page(
    users: dict[str, Any], geneva: Any
) -> None:
    green = _pledge(users["editor"], geneva, "More green area")
    _value(geneva, 2022, 125.0)  # published: on track
    _value(geneva, 2024, 120.0)  # unpublished: off track
    Publication.objects.create(city=geneva, year=2022)
    url = reverse("engagement:commitments-export", args=["xlsx"])
    public = _xlsx(client_for(None).get(url))
    assert [(r["commitment"], r["progress"], r["assessed_year"]) for r in public] == [
        (green.title, "On track", 2022)
    ]
    editor = _xlsx(client_for(users["editor"]).get(url))
    assert [(r["progress"], r["assessed_year"]) for r in editor] == [("Off track", 2024)]
    # the filter: anonymous sees no off-track commitment, the editor sees it
    filtered = url + "?status=off_track"
    assert _xlsx(client_for(None).get(filtered)) == []
    assert len(_xlsx(client_for(users["editor"]).get(filtered))) == 1
    page = client_for(None).get(reverse("engagement:commitments") + "?status=off_track")
    assert "0 commitments" in page.content.decode()


def test_commitment_cells_that_start_like_formulas_are_neutralised(
    users: dict[str, Any], geneva: Any
) -> None:
    _pledge(
        users["admin"], geneva, '=HYPERLINK("http://evil")', origin="network", network="@SUM(A1:A9)"
    )
    row = _csv(client_for(None).get(reverse("engagement:commitments-export", args=["csv"])))[0]
    assert row["commitment"] == '\'=HYPERLINK("http://evil")'
    assert row["network"] == "'@SUM(A1:A9)"
    assert row["baseline_value"] == "100"  # numbers stay numbers, unguarded
    cell = _xlsx(client_for(None).get(reverse("engagement:commitments-export", args=["xlsx"])))[0]
    assert cell["commitment"] == '\'=HYPERLINK("http://evil")'


def test_an_unknown_export_format_is_not_found(users: dict[str, Any]) -> None:
    assert client_for(None).get("/commitments/export.pdf").status_code == 404


# ------------------------------------------------------------------ signatories
def test_the_signatories_export_equals_the_page_table(
    reps: dict[str, Any], adopted: Declaration, geneva: Any, lyon: Any
) -> None:
    services.sign(rep_user(reps, "geneva"), adopted, geneva)
    lyon_signature = services.sign(rep_user(reps, "lyon"), adopted, lyon)
    services.withdraw(rep_user(reps, "lyon"), lyon_signature, "changed council")
    Signature.objects.create(
        declaration=adopted,
        signer_name="-1+cmd|' /C calc'!A0",
        signer_title="Mayor",
        source="imported",
        listed_place="Nowhere",
        listed_country="Atlantis",
        match_note="no city named 'Nowhere'",
        source_url="https://example.org/list",
    )
    url = reverse("engagement:signatories-export", args=[adopted.slug, "csv"])
    rows = _csv(client_for(None).get(url))
    # live signatures only (the withdrawn one is in its own list on the page), by name
    assert [r["signatory"] for r in rows] == ["'-1+cmd|' /C calc'!A0", "Ada Genevois"]
    geneva_row = rows[1]
    assert (geneva_row["title"], geneva_row["city"], geneva_row["country"]) == (
        "Mayor of Geneva",
        "Geneva",
        geneva.country.name,
    )
    assert rows[0]["listed_place"] == "Nowhere" and rows[0]["country"] == "Atlantis"
    xlsx = _xlsx(client_for(None).get(url.replace(".csv", ".xlsx")))
    assert [r["signatory"] for r in xlsx] == [r["signatory"] for r in rows]
    page = client_for(None).get(adopted.get_absolute_url()).content.decode()
    assert f'href="{url}"' in page and f'href="{url.replace(".csv", ".xlsx")}"' in page


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
def test_a_drafts_signatories_are_exported_only_to_its_readers(
    users: dict[str, Any], draft: Declaration, who: str | None, status: int
) -> None:
    """A draft (Geneva takes part) is a 404 for anonymous, a user without a role and Lyon's
    editor, as its page is; its participants, analysts and the secretariat get the file."""
    url = reverse("engagement:signatories-export", args=[draft.slug, "xlsx"])
    client = client_for(users[who] if who else None)
    assert client.get(url).status_code == status
    assert client.get(draft.get_absolute_url()).status_code == status
