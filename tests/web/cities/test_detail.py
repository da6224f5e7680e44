"""The city page: facts, names, map with its text alternative, KPI years, added sections,
and no request to another host."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.cities import sections, views
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators.models import KpiValue, Publication
from tests.web.cities.conftest import Tags

GENEVA = 2660646


@pytest.fixture
def with_map(monkeypatch: Any) -> None:
    """As if scripts/vendor-static.sh had run (the page does not read the files)."""
    monkeypatch.setattr(views, "map_assets_available", lambda: True)


@pytest.fixture
def without_map(monkeypatch: Any) -> None:
    monkeypatch.setattr(views, "map_assets_available", lambda: False)


def page(client: Client, pk: int = GENEVA) -> Tags:
    response = client.get(reverse("cities:detail", args=[pk]))
    assert response.status_code == 200
    return Tags(response.content.decode())


def test_city_page_shows_the_registry_facts(client: Client, seeded: Any, with_map: None) -> None:
    html = page(client)
    text = html.plain
    assert html.find("h1") and "Geneva" in text
    for fact in (
        "Switzerland",
        "ISO 3166-1: CH, CHE",
        "Europe › Western Europe",
        "201,741",
        "46.2022° N, 6.1457° E",
        "Europe/Zurich",
        "GE",
    ):
        assert fact in text, fact
    assert html.find("a", href="https://www.geonames.org/2660646")
    assert "GeoNames (CC BY 4.0)" in text
    assert "Женева" in text and "ジュネーヴ" in text  # the selection spans scripts


def test_map_element_and_its_text_alternative(client: Client, seeded: Any, with_map: None) -> None:
    html = page(client)
    (map_div,) = html.find("div", id="city-map")
    assert map_div["aria-label"] == "Map of Geneva in Switzerland"
    assert map_div["data-lat"].startswith("46.20") and map_div["data-lon"].startswith("6.14")
    assert map_div["data-label"] == "Geneva" and map_div["data-country"] == "756"
    assert map_div["data-basemap-url"] == "/static/vendor/world-atlas/countries-50m.json"
    assert "hidden" in map_div  # shown by the script only
    assert "Map of Geneva in Switzerland. The city is at 46.2022° N, 6.1457° E." in html.plain
    scripts = [a["src"] for a in html.find("script")]
    assert "/static/vendor/leaflet/leaflet.js" in scripts
    assert "/static/js/city-map.js" in scripts
    assert html.find("link", href="/static/vendor/leaflet/leaflet.css")


def test_without_vendored_files_the_caption_remains(
    client: Client, seeded: Any, without_map: None
) -> None:
    html = page(client)
    assert html.find("div", id="city-map")
    assert "Map of Geneva in Switzerland. The city is at" in html.plain
    assert not [a for a in html.find("script") if "leaflet" in a.get("src", "")]


@pytest.mark.parametrize("path", ["detail", "search"])
def test_pages_request_nothing_from_other_hosts(
    client: Client, seeded: Any, with_map: None, path: str
) -> None:
    url = reverse("cities:detail", args=[GENEVA]) if path == "detail" else reverse("cities:search")
    response = client.get(url, {"q": "gen"} if path == "search" else {})
    html = Tags(response.content.decode())
    loaded = [
        a.get("src") or a.get("href") or ""
        for tag, a in html.tags
        if tag in ("script", "link", "img", "iframe", "source", "audio", "video", "object")
    ]
    assert loaded
    for address in loaded:
        parts = urlsplit(address)
        assert not parts.scheme and not parts.netloc, address
        assert address.startswith("/"), address


def test_our_scripts_name_no_other_host() -> None:
    from pathlib import Path

    static = Path(views.__file__).resolve().parents[1] / "static"
    for script in ("js/city-map.js", "js/autocomplete.js"):
        code = (static / script).read_text()
        assert "http://" not in code and "https://" not in code, script
        assert "tileLayer" not in code, script


def test_unknown_city_is_404(client: Client, db: Any) -> None:
    assert client.get(reverse("cities:detail", args=[1])).status_code == 404


def test_factory_city_page(client: Client, geneva: Any) -> None:
    """A city made by the shared factories (no country regions) renders too."""
    text = page(client, geneva.pk).plain
    assert "Geneva" in text and "not classified" in text


@pytest.fixture
def kpi_years(geneva: Any) -> None:
    for year in (2022, 2023, 2024):
        KpiValue.objects.create(
            city=geneva, year=year, measure="EC-ICT-ICT-1C", kpi="EC-ICT-ICT-1C", value=1.0
        )
    Publication.objects.create(city=geneva, year=2023)


@pytest.mark.parametrize(
    ("who", "years"),
    [
        (None, [2023]),
        ("public", [2023]),
        ("lyon_editor", [2023]),
        ("editor", [2024, 2023, 2022]),
        ("analyst", [2024, 2023, 2022]),
        ("admin", [2024, 2023, 2022]),
    ],
)
def test_profile_years_follow_the_viewer(
    client: Client, geneva: Any, users: dict[str, Any], kpi_years: None, who: str, years: list[int]
) -> None:
    if who:
        client.force_login(users[who])
    response = client.get(reverse("cities:detail", args=[geneva.pk]))
    shown = [item["year"] for item in response.context["profile_years"]]
    assert shown == years
    html = Tags(response.content.decode())
    for year in years:
        assert html.find("a", href=f"/cities/{geneva.pk}/profile/?year={year}") or html.find(
            "a", href=f"{views.profile_url(geneva.pk, year)}"
        )
    assert ("not published" in html.plain) == (len(years) > 1)


def test_no_profile_section_without_data(client: Client, geneva: Any) -> None:
    assert "KPI profiles" not in page(client, geneva.pk).plain


def test_sections_added_by_other_apps(client: Client, seeded: Any, tmp_path: Any) -> None:
    html = page(client)
    assert "Networks and partnerships" not in html.plain

    def provider(request: Any, city: City) -> sections.CitySection | None:
        if city.country_id != "CH":
            return None
        return sections.CitySection(
            "partners", "Networks and partnerships", "cities/_test_section.html", {"n": 3}
        )

    from django.template import engines

    loader_dirs = engines["django"].engine.dirs
    template_dir = tmp_path / "cities"
    template_dir.mkdir()
    (template_dir / "_test_section.html").write_text("<p>{{ section.context.n }} partners</p>")
    loader_dirs.append(str(tmp_path))
    sections.register_city_section(provider)
    try:
        html = page(client)
        assert html.find("section", id="section-partners")
        assert "Networks and partnerships" in html.plain and "3 partners" in html.plain
        assert "Networks and partnerships" not in page(client, 5128581).plain
    finally:
        sections.unregister_city_section(provider)
        loader_dirs.remove(str(tmp_path))
