"""A partnership's journey: Geneva's editor proposes a partnership with Lyon, Lyon's editor
confirms it, and it appears on both city pages and on the partner map."""

from __future__ import annotations

from typing import Any

import pytest

from citydiplomacy.web.partners.models import Partnership, Status
from citydiplomacy.web.partners.views import map_assets
from tests.web import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cities() -> dict[str, Any]:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    lyon = factories.city(
        "Lyon", "FR", geonames_id=2996944, population=522_000, latitude=45.75, longitude=4.85
    )
    factories.user("editor", cities=(geneva,), username="geneva")
    factories.user("editor", cities=(lyon,), username="lyon")
    return {"geneva": geneva, "lyon": lyon}


def log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()


def test_propose_confirm_and_see_it_on_both_city_pages(page: Any, cities: dict[str, Any]) -> None:
    geneva, lyon = cities["geneva"], cities["lyon"]

    log_in(page, "geneva")
    page.goto(f"/cities/{geneva.pk}/")
    page.get_by_role("link", name="Propose a partnership").click()
    page.get_by_label("Your city").select_option(str(geneva.pk))
    combo = page.get_by_role("combobox", name="Partner city")
    combo.fill("Lyo")
    page.get_by_role("option", name="Lyon").first.click()
    page.get_by_label("Kind").select_option("technical")
    page.get_by_label("Title (optional)").fill("Cross-border energy exchange")
    page.get_by_label("Themes (framework categories)").select_option("EN-E-E")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/partners/*/")
    assert "Proposed (awaiting confirmation)" in page.content()
    p = Partnership.objects.get(title="Cross-border energy exchange")
    assert p.status == Status.PROPOSED

    # The proposal is not public yet.
    log_out(page)
    page.goto(f"/cities/{lyon.pk}/")
    assert "Cross-border energy exchange" not in page.content()

    log_in(page, "lyon")
    page.goto(f"/partners/{p.pk}/")
    page.get_by_role("button", name="Confirm for Lyon").click()
    page.get_by_text("Confirmed for Lyon.").wait_for()
    assert "Confirmed by every party" in page.content()
    log_out(page)

    for city, other in ((geneva, "Lyon"), (lyon, "Geneva")):
        page.goto(f"/cities/{city.pk}/")
        section = page.locator("#section-partners")
        assert "Cross-border energy exchange" in section.inner_text()
        assert other in section.locator("figcaption").inner_text()
        if map_assets():
            page.locator("#partner-map").wait_for(state="visible")
            # a locator wait, not wait_for_function: its expression is evaluated with eval,
            # which the page's Content-Security-Policy refuses when it has to poll
            page.locator("#partner-map path.leaflet-interactive").first.wait_for(state="attached")
            page.locator("#partner-map .city-map-label", has_text=city.name).wait_for()


def test_map_labels_are_text_whatever_the_city_name(page: Any, cities: dict[str, Any]) -> None:
    """Leaflet writes a string tooltip as HTML: a city name holding markup was run as markup
    on the partner map. The labels are text nodes now."""
    if not map_assets():
        pytest.skip("the vendored map assets are not installed")
    from citydiplomacy.web.partners.models import Kind, PartnershipCity

    odd = factories.city('<img id="injected" src="x">Oddtown', "DE", latitude=50.0, longitude=8.0)
    p = Partnership.objects.create(kind=Kind.TWINNING, status=Status.CONFIRMED)
    PartnershipCity.objects.create(partnership=p, city=cities["lyon"])
    PartnershipCity.objects.create(partnership=p, city=odd)
    page.goto(f"/partners/cities/{cities['lyon'].pk}/")
    page.locator("#partner-map").wait_for(state="visible")
    label = page.locator("#partner-map .city-map-label", has_text="Oddtown")
    label.wait_for()
    assert '<img id="injected"' in label.inner_text()
    assert page.locator("#injected").count() == 0
