"""In a real browser (Debian's Chromium through Playwright): the autocomplete combobox by
keyboard, and the offline map. Skipped when Chromium is not installed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from citydiplomacy.web.cities import services
from tests.web.cities.conftest import SAMPLE_COUNTRIES, SAMPLE_IDS, city_source, country_source

CHROMIUM = os.environ.get("CITYDIPLOMACY_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} is not installed")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium: Any, live_server: Any) -> Iterator[Any]:
    services.seed_registry(
        cities=[city_source(i) for i in SAMPLE_IDS],
        countries=[country_source(c) for c in SAMPLE_COUNTRIES],
    )
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    requests: list[str] = []
    tab = context.new_page()
    tab.on("request", lambda r: requests.append(r.url))
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    outside = [u for u in requests if not u.startswith(live_server.url)]
    assert not outside, f"requests to other hosts: {outside[:5]}"


def test_autocomplete_by_keyboard(tab: Any) -> None:
    tab.goto("/cities/")
    box = tab.get_by_role("combobox", name="City or country")
    box.fill("gen")
    option = tab.get_by_role("option", name="Geneva, GE, Switzerland")
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and tab.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert tab.get_by_role("status").first.inner_text() != ""
    box.press("ArrowDown")
    assert box.get_attribute("aria-expanded") == "true"
    with tab.expect_navigation():
        box.press("Enter")
    assert tab.url.endswith("/cities/2660646/")


def test_enter_without_a_choice_submits_the_form(tab: Any) -> None:
    tab.goto("/cities/")
    box = tab.get_by_role("combobox", name="City or country")
    box.fill("Женева")
    # the picker's own options: the header's language switcher has options too
    tab.locator(".autocomplete-listbox").get_by_role("option").first.wait_for()
    with tab.expect_navigation():
        box.press("Enter")
    assert "q=" in tab.url
    assert tab.get_by_role("link", name="Geneva").count() >= 1


def test_autocomplete_fills_a_hidden_input(tab: Any) -> None:
    tab.goto("/cities/")
    tab.evaluate(
        """() => {
        const form = document.createElement('form');
        form.innerHTML = '<label for="pick">Partner city</label>' +
          '<input id="pick" data-autocomplete-url="/cities/autocomplete/" data-target="city">' +
          '<input type="hidden" name="city">';
        document.querySelector('main').appendChild(form);
        window.citydiplomacyAutocomplete.enhance(document.getElementById('pick'));
    }"""
    )
    box = tab.get_by_role("combobox", name="Partner city")
    box.fill("zur")
    tab.get_by_role("option", name="Zürich, ZH, Switzerland").click()
    assert tab.locator("input[name=city]").input_value() == "2657896"
    assert box.input_value() == "Zürich, ZH, Switzerland"
    assert tab.url.endswith("/cities/")  # no data-navigate: stays


def test_offline_map(tab: Any) -> None:
    from citydiplomacy.web.cities.views import map_assets_available

    if not map_assets_available():
        pytest.skip("map files not vendored: run bash scripts/vendor-static.sh")
    tab.goto("/cities/2660646/")
    region = tab.get_by_role("region", name="Map of Geneva in Switzerland")
    region.wait_for(state="visible")
    tab.locator(".city-map-label", has_text="Geneva").wait_for()
    # a locator wait: wait_for_function's eval is refused by the page's policy when it polls
    tab.locator("#city-map path").nth(100).wait_for(state="attached")
    assert tab.locator("#city-map img.leaflet-tile").count() == 0
    assert "Natural Earth" in tab.locator(".leaflet-control-attribution").inner_text()


def test_map_label_is_text_whatever_the_city_name(tab: Any) -> None:
    """A city name is data: markup in it shows as text, never as HTML on the map."""
    from citydiplomacy.web.cities.models import City
    from citydiplomacy.web.cities.views import map_assets_available

    if not map_assets_available():
        pytest.skip("map files not vendored: run bash scripts/vendor-static.sh")
    City.objects.filter(pk=2660646).update(name='Gen<img src=x onerror="window.hit=1">')
    tab.goto("/cities/2660646/")
    label = tab.locator(".city-map-label")
    label.wait_for()
    assert label.inner_text().startswith("Gen<img")
    assert label.locator("img").count() == 0
    assert tab.evaluate("window.hit === undefined")


def test_city_picker_journey_on_find_partners(tab: Any) -> None:
    """Type "Genè", see Geneva above General Santos, choose it, submit: the form takes it."""
    services.seed_registry(
        cities=[city_source(1713022)],  # General Santos (PH), larger than Geneva
        countries=[country_source("PH")],
    )
    tab.goto("/partners/suggest/")
    box = tab.get_by_role("combobox", name="City")
    box.fill("Genè")
    options = tab.locator(".autocomplete-listbox").get_by_role("option")
    options.first.wait_for()
    labels = [options.nth(i).inner_text() for i in range(options.count())]
    assert labels[0].startswith("Geneva, GE, Switzerland"), labels
    assert any(label.startswith("General Santos") for label in labels[1:]), labels
    options.first.click()
    assert tab.locator("input[name=city_id]").input_value() == "2660646"
    with tab.expect_navigation():
        tab.get_by_role("button", name="Suggest").click()
    assert "city_id=2660646" in tab.url
    body = tab.locator("main").inner_text()
    assert "This field is required" not in body and "GeoNames id" not in body
    assert "Suggestions for Geneva" in body


def test_city_picker_without_a_pick_resolves_a_typed_name(tab: Any) -> None:
    tab.goto("/partners/suggest/")
    box = tab.get_by_role("combobox", name="City")
    box.fill("Lausanne")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Suggest").click()
    assert "Suggestions for Lausanne" in tab.locator("main").inner_text()
