"""Report downloads on the platform: who gets which city-year, in which format and language,
and what the reports may reveal."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from citydiplomacy.web.indicators import scoring
from citydiplomacy.web.indicators.models import CityScore
from citydiplomacy.web.reports import printing
from tests.web.profiles.conftest import (
    ROLES,
    SEES_GENEVA_UNPUBLISHED,
    UNPUBLISHED_YEAR,
    Cohort,
    client_for,
)
from tests.web.profiles.html import parse


def url(pk: int, fmt: str, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("reports:download", kwargs={"pk": pk, "fmt": fmt}) + (
        f"?{query}" if query else ""
    )


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("year", [2023, UNPUBLISHED_YEAR])
def test_download_matrix(cohort: Cohort, who: str, year: int) -> None:
    response = client_for(cohort.users, who).get(url(cohort.geneva.pk, "json", year=year))
    visible = year != UNPUBLISHED_YEAR or who in SEES_GENEVA_UNPUBLISHED
    assert response.status_code == (200 if visible else 404)
    if visible:
        report = json.loads(response.content)
        assert report["city"]["name"] == "Geneva" and report["year"] == year
        assert report["unpublished"] == (year == UNPUBLISHED_YEAR)
        assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("who", ROLES)
def test_default_year_is_the_latest_visible(cohort: Cohort, who: str) -> None:
    response = client_for(cohort.users, who).get(url(cohort.geneva.pk, "json"))
    assert response.status_code == 200
    expected = UNPUBLISHED_YEAR if who in SEES_GENEVA_UNPUBLISHED else 2023
    assert json.loads(response.content)["year"] == expected


@pytest.mark.parametrize("who", ROLES)
def test_never_published_city(cohort: Cohort, who: str) -> None:
    response = client_for(cohort.users, who).get(url(cohort.nantes.pk, "json", year=2023))
    assert response.status_code == (200 if who in ("analyst", "admin") else 404)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("json?lang=xx", 400),
        ("json?year=twenty", 400),
        ("json?year=20233", 400),
        ("json?year=2019", 404),
        ("docx", 404),
    ],
)
def test_bad_requests(cohort: Cohort, path: str, status: int) -> None:
    fmt, _, query = path.partition("?")
    target = reverse("reports:download", kwargs={"pk": cohort.geneva.pk, "fmt": fmt})
    response = client_for(cohort.users, "anonymous").get(target + (f"?{query}" if query else ""))
    assert response.status_code == status
    if status == 400:
        assert b"Traceback" not in response.content and response.content


def test_unknown_city_and_method(cohort: Cohort) -> None:
    client = client_for(cohort.users, "anonymous")
    assert client.get(url(999_999_999, "json")).status_code == 404
    assert client.post(url(cohort.geneva.pk, "json")).status_code == 405


def test_public_reports_reveal_no_unpublished_data(cohort: Cohort) -> None:
    """Peers, the peer group and change figures come from published city-years only."""
    public = json.loads(
        client_for(cohort.users, "anonymous").get(url(cohort.geneva.pk, "json", year=2023)).content
    )
    names = {m["name"] for m in public["peers"]["members"]}
    names |= {p["name"] for g in public["guidance"] for p in g["peers"]}
    assert "Nantes" not in names  # never published
    nodes = CityScore.objects.get(snapshot=scoring.current_snapshot(), city=cohort.geneva).nodes
    root = public["index"]["code"]
    record = scoring.public_record(nodes["2023"][root])
    assert public["index"]["change"] == pytest.approx(record[3])
    analyst = json.loads(
        client_for(cohort.users, "analyst").get(url(cohort.geneva.pk, "json", year=2023)).content
    )
    assert "Nantes" in {m["name"] for m in analyst["peers"]["members"]}


def test_html_report_labels_synthetic_values_and_drafts(cohort: Cohort) -> None:
    client = client_for(cohort.users, "editor")
    response = client.get(url(cohort.geneva.pk, "html", year=UNPUBLISHED_YEAR, lang="fr"))
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Données de démonstration synthétiques." in html and "Non publié." in html
    assert "vérifié" in html  # the statuses of the values


def test_verified_values_are_marked(cohort: Cohort) -> None:
    report = json.loads(
        client_for(cohort.users, "admin").get(url(cohort.geneva.pk, "json", year=2023)).content
    )
    rows = {
        row["code"]: row
        for dim in report["dimensions"]
        for sub in dim["subdimensions"]
        for cat in sub["categories"]
        for row in cat["kpis"]
    }
    assert rows["EC-ICT-ICT-1C"]["status"] == "verified"
    assert rows["EC-ICT-ICT-2C"]["status"] == "self_reported"


def test_pdf_download(cohort: Cohort) -> None:
    response = client_for(cohort.users, "anonymous").get(
        url(cohort.geneva.pk, "pdf", year=2023, lang="en")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="smart-city-profile-geneva-2023-en.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize("who", ROLES)
def test_dashboard_panel_has_download_buttons(cohort: Cohort, who: str) -> None:
    client = client_for(cohort.users, who)
    response = client.get(reverse("indicators:dashboard", args=[cohort.geneva.pk]) + "?year=2023")
    assert response.status_code == 200
    section = parse(response.content).find("section", id="panel-report")
    assert section is not None
    hrefs = [
        a.attrs.get("href", "") for a in section.iter("a") if "report." in a.attrs.get("href", "")
    ]
    for fmt in ("pdf", "html"):
        for lang in ("en", "fr"):
            assert url(cohort.geneva.pk, fmt, year=2023, lang=lang) in hrefs
    # The buttons work for this viewer.
    assert client.get(url(cohort.geneva.pk, "json", year=2023, lang="en")).status_code == 200
    assert "Top recommendations" in section.text() or "No guidance rule fired" in section.text()


def test_pdf_download_without_a_browser_is_a_503_that_offers_the_html(
    cohort: Cohort, monkeypatch: pytest.MonkeyPatch
) -> None:
    printing.close()  # a browser started by an earlier test would still print
    monkeypatch.setenv("CITYDIPLOMACY_CHROMIUM", "/nonexistent/chromium")
    response = client_for(cohort.users, "anonymous").get(
        url(cohort.geneva.pk, "pdf", year=2023, lang="en")
    )
    assert response.status_code == 503
    text = response.content.decode()
    assert "CITYDIPLOMACY_CHROMIUM" in text and "HTML report" in text
    assert "Traceback" not in text
    monkeypatch.undo()
    # Once a browser is found, the next download prints again.
    again = client_for(cohort.users, "anonymous").get(url(cohort.geneva.pk, "pdf", year=2023))
    assert again.status_code == 200 and again.content.startswith(b"%PDF")


def test_pdf_downloads_share_one_browser_and_replace_a_dead_one(cohort: Cohort) -> None:
    """A worker's downloads are printed by one browser; one that died is replaced."""
    client = client_for(cohort.users, "anonymous")
    first = client.get(url(cohort.geneva.pk, "pdf", year=2023))
    printer = printing._printer
    assert first.status_code == 200 and printer is not None
    assert client.get(url(cohort.geneva.pk, "pdf", year=2023, lang="fr")).status_code == 200
    assert printing._printer is printer
    # The browser goes away behind the printer's back (a crash, an out-of-memory kill).
    assert printer._browser is not None and printer._loop is not None
    asyncio.run_coroutine_threadsafe(printer._browser.close(), printer._loop).result(30)
    cache.clear()  # printed again, not served from the cache of printed PDFs
    third = client.get(url(cohort.geneva.pk, "pdf", year=2023))
    assert third.status_code == 200 and third.content.startswith(b"%PDF")
    assert printing._printer is not None and printing._printer is not printer
    printing.close()
    assert printing._printer is None


def test_a_worker_closes_its_browser_when_idle(
    cohort: Cohort, monkeypatch: pytest.MonkeyPatch
) -> None:
    printing.close()
    monkeypatch.setattr(printing, "IDLE_SECONDS", 0.3)
    client = client_for(cohort.users, "anonymous")
    assert client.get(url(cohort.geneva.pk, "pdf", year=2023)).status_code == 200
    printer = printing._printer
    assert printer is not None
    deadline = time.monotonic() + 30
    while (printing._printer is not None or printer._loop is not None) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert printing._printer is None and printer._loop is None  # closed, not only forgotten
    # The next download starts a browser again.
    cache.clear()  # printed again, not served from the cache of printed PDFs
    assert client.get(url(cohort.geneva.pk, "pdf", year=2023)).status_code == 200
    printing.close()
