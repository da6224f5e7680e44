"""A visitor downloads a city's Smart City Profile from the dashboard, in PDF and in French
HTML; the downloaded HTML opens without any request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from citydiplomacy.web.indicators.models import Publication
from citydiplomacy.web.reports import services
from tests.web import factories
from tests.web.profiles.conftest import write_synthetic

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def geneva(settings: Any) -> Any:
    settings.CITYDIPLOMACY_SENSITIVITY_RUNS = 16
    services.clear_cache()
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    others = [
        factories.city("Lyon", "FR", geonames_id=2996944, population=522_000, latitude=45.75),
        factories.city("Basel", "CH", population=175_000),
        factories.city("Bonn", "DE", population=330_000),
    ]
    admin = factories.user("admin", username="admin")
    write_synthetic(admin, [geneva, *others], range(2022, 2024))
    for city in [geneva, *others]:
        for year in (2022, 2023):
            Publication.objects.create(city=city, year=year, published_by=admin)
    return geneva


def test_download_pdf_and_french_html_from_the_dashboard(
    page: Any, geneva: Any, tmp_path: Path
) -> None:
    page.goto(f"/cities/{geneva.pk}/profile/")
    panel = page.locator("#panel-report")
    assert "Smart City Profile report" in panel.locator("h2").inner_text()
    panel.screenshot(path=str(tmp_path / "panel.png"))

    with page.expect_download() as info:
        panel.get_by_role("link", name="Download the 2023 report as PDF, English").click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    assert info.value.suggested_filename == "smart-city-profile-geneva-2023-en.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")

    with page.expect_download() as info:
        panel.get_by_role("link", name="Download the 2023 report as HTML, Français").click()
    html = tmp_path / "report.html"
    info.value.save_as(html)
    assert '<html lang="fr">' in html.read_text(encoding="utf-8")

    # Opened from disk, the report fetches nothing: no style sheet, font, script or image.
    viewer = page.context.new_page()
    requests: list[str] = []
    viewer.on("request", lambda r: requests.append(r.url))
    viewer.goto(html.as_uri())
    assert viewer.get_by_role("heading", name="Synthèse").is_visible()
    assert viewer.locator("svg.wheel").is_visible()
    assert requests == [html.as_uri()]
    viewer.close()
