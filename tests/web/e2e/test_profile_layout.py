"""The profile page on a laptop (1366 px) and a phone (390 px): the report downloads and the
table of contents above the fold, no horizontal scroll, progress shown while a PDF prints.

Screenshots of both widths are written to the test's temporary directory; with
``CITYDIPLOMACY_SCREENSHOTS=docs/img`` they are also copied there (the ones in docs/web.md).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from citydiplomacy.web.indicators.models import Publication
from citydiplomacy.web.reports import services
from tests.web import factories
from tests.web.profiles.conftest import write_synthetic

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {1366: 768, 390: 844}
#: The elements sticking out of the window (not inside a scroll container), for the message.
WIDE_ELEMENTS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-scroll')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5) {
      out.push(el.tagName + '.' + el.className + '#' + el.id + ' ' + Math.round(r.right));
    }
  }
  return out.slice(0, 12);
}"""


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
    write_synthetic(admin, [geneva, *others], range(2021, 2024))
    for city in [geneva, *others]:
        for year in (2021, 2022, 2023):
            Publication.objects.create(city=city, year=year, published_by=admin)
    return geneva


def _save(page: Any, tmp_path: Path, name: str) -> None:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=False)
    target = os.environ.get("CITYDIPLOMACY_SCREENSHOTS")
    if target:
        shutil.copy(shot, Path(target) / name)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_profile_fits_the_screen_with_downloads_on_top(
    page: Any, geneva: Any, tmp_path: Path, width: int
) -> None:
    height = WIDTHS[width]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/cities/{geneva.pk}/profile/")

    # No horizontal scroll anywhere on the page (wide tables scroll inside their container).
    scroll = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate(WIDE_ELEMENTS)
    assert scroll[0] <= scroll[1], f"page is {scroll[0]} px wide in {scroll[1]} px: {wide}"

    # The downloads and the table of contents are above the fold.
    pdf = page.get_by_role("link", name="PDF, English: the 2023 Smart City Profile report")
    assert pdf.is_visible()
    box = pdf.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height
    toc = page.get_by_role("navigation", name="On this page")
    toc_box = toc.bounding_box()
    assert toc_box is not None and toc_box["y"] < height
    assert page.locator(".downloads-top").evaluate(
        "el => el.compareDocumentPosition(document.getElementById('h-summary')) & 4"
    ), "the downloads come before the summary"

    # Every table of KPIs sits in a scroll container and has a caption; every chart scales.
    assert page.locator("table.kpi-table").count() > 0
    assert page.locator("table.kpi-table:not(.table-scroll table)").count() == 0
    assert page.locator("table:not(:has(caption))").count() == 0
    for svg in page.locator("svg.chart").all():
        assert svg.get_attribute("viewBox")
        w = svg.evaluate("el => el.getBoundingClientRect().width")
        parent = svg.evaluate("el => el.parentElement.getBoundingClientRect().width")
        assert w <= parent + 0.5

    _save(page, tmp_path, f"profile-{width}.png")
    page.screenshot(path=str(tmp_path / f"profile-{width}-full.png"), full_page=True)
    # The table of contents takes the reader to a section.
    toc.get_by_role("link", name="Data coverage").click()
    assert page.evaluate("location.hash") == "#h-coverage"


def test_pdf_download_shows_progress_then_saves_the_file(
    page: Any, geneva: Any, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/cities/{geneva.pk}/profile/")
    status = page.locator("#pdf-progress")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    # Hold the PDF response so the progress can be seen before it arrives.
    held: list[Any] = []
    page.route("**/report.pdf*", lambda route: held.append(route))
    link = page.get_by_role("link", name="PDF, English: the 2023 Smart City Profile report")
    link.click()
    expect(page.locator("#pdf-progress")).to_have_text(re.compile(r"\S"))
    assert "Preparing PDF…" in status.inner_text()
    assert link.get_attribute("aria-busy") == "true"
    assert held, "the click fetched the PDF"
    with page.expect_download() as info:
        held[0].continue_()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert info.value.suggested_filename == "smart-city-profile-geneva-2023-en.pdf"
    expect(page.locator("#pdf-progress")).to_contain_text("ready")
    assert link.get_attribute("aria-busy") is None


def test_without_javascript_the_pdf_is_a_plain_link(
    browser: Any, live_server: Any, geneva: Any, tmp_path: Path
) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/cities/{geneva.pk}/profile/")
        with page.expect_download() as info:
            page.get_by_role(
                "link", name="PDF, English: the 2023 Smart City Profile report"
            ).click()
        assert info.value.suggested_filename.endswith(".pdf")
        assert page.locator("#pdf-progress").inner_text() == ""
    finally:
        context.close()
