"""Seeding the registry from GeoNames: what it loads, idempotence, updates, speed."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pycountry
import pytest
from django.core.management import call_command

from citydiplomacy.web.cities import services
from citydiplomacy.web.cities.models import City, CityName, CityWord, Country, normalise_name
from tests.web.cities.conftest import SAMPLE_IDS, city_source, country_source


def test_seed_loads_countries_cities_names_and_words(seeded: dict[str, Any]) -> None:
    assert seeded["countries"] == {"created": 6, "updated": 0, "unchanged": 0}
    assert seeded["cities"] == {"created": len(SAMPLE_IDS), "updated": 0, "unchanged": 0}
    assert seeded["skipped_cities"] == 0
    assert City.objects.count() == len(SAMPLE_IDS)
    assert seeded["names"]["created"] == CityName.objects.count() > 300
    assert seeded["words"]["created"] == CityWord.objects.count() > 0

    geneva = City.objects.select_related("country").get(pk=2660646)
    assert (geneva.name, geneva.country_id, geneva.timezone) == ("Geneva", "CH", "Europe/Zurich")
    assert geneva.population > 150_000 and geneva.admin1_code == "GE"
    assert geneva.latitude == pytest.approx(46.20, abs=0.01)
    country = geneva.country
    assert (country.iso3, country.name, country.continent, country.continent_name) == (
        "CHE",
        "Switzerland",
        "EU",
        "Europe",
    )
    assert (country.m49_region, country.region, country.intermediate_region) == (
        "Europe",
        "Western Europe",
        "",
    )
    assert country.capital == "Bern" and country.geonames_id == 2658434
    brazil = Country.objects.get(iso2="BR")
    assert (brazil.m49_region, brazil.region, brazil.intermediate_region) == (
        "Americas",
        "Latin America and the Caribbean",
        "South America",
    )


def test_names_are_normalised_deduplicated_and_flag_the_main_name(seeded: dict[str, Any]) -> None:
    names = dict(CityName.objects.filter(city_id=2660646).values_list("normalised", "name"))
    assert names["geneva"] == "Geneva"
    assert names["geneve"] in ("Genève", "Geneve")
    assert "женева" in names and "genf" in names
    main = CityName.objects.filter(city_id=2660646, is_main=True)
    assert list(main.values_list("name", flat=True)) == ["Geneva"]
    # one row per normalised text and city
    rows = CityName.objects.filter(city_id=2660646)
    assert rows.count() == len(set(rows.values_list("normalised", flat=True)))
    # airport codes are not names
    assert not CityName.objects.filter(city_id=5391959, name="SFO").exists()
    assert CityName.objects.filter(city_id=5391959, name="SF").exists()


def test_later_words_are_stored(seeded: dict[str, Any]) -> None:
    words = set(CityWord.objects.filter(city_id=3451190).values_list("normalised", flat=True))
    assert {"de janeiro", "janeiro"} <= words
    assert "francisco" in set(
        CityWord.objects.filter(city_id=5391959).values_list("normalised", flat=True)
    )


def test_second_run_changes_nothing(
    seeded: dict[str, Any], sample_cities: list[dict[str, Any]], sample_countries: list[Any]
) -> None:
    before = {
        "names": list(CityName.objects.order_by("pk").values_list()),
        "words": list(CityWord.objects.order_by("pk").values_list()),
        "cities": list(City.objects.order_by("pk").values_list()),
        "countries": list(Country.objects.order_by("pk").values_list()),
    }
    again = services.seed_registry(cities=sample_cities, countries=sample_countries)
    assert again["countries"] == {"created": 0, "updated": 0, "unchanged": 6}
    assert again["cities"] == {"created": 0, "updated": 0, "unchanged": len(SAMPLE_IDS)}
    for key in ("names", "words"):
        assert again[key]["created"] == again[key]["updated"] == again[key]["deleted"] == 0
        assert again[key]["total"] == seeded[key]["total"]
    after = {
        "names": list(CityName.objects.order_by("pk").values_list()),
        "words": list(CityWord.objects.order_by("pk").values_list()),
        "cities": list(City.objects.order_by("pk").values_list()),
        "countries": list(Country.objects.order_by("pk").values_list()),
    }
    assert after == before


def test_changes_in_the_source_are_applied(seeded: dict[str, Any]) -> None:
    geneva = city_source(2660646)
    geneva["population"] = 250_000
    geneva["alternatenames"] = ["Genève", "Ginevra", "Geneva Nova"]
    report = services.seed_registry(cities=[geneva], countries=[country_source("CH")])
    assert report["cities"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert City.objects.get(pk=2660646).population == 250_000
    names = set(CityName.objects.filter(city_id=2660646).values_list("normalised", flat=True))
    assert names == {"geneva", "geneve", "ginevra", "geneva nova"}
    assert report["names"]["deleted"] > 40
    assert set(CityWord.objects.filter(city_id=2660646).values_list("normalised", flat=True)) == {
        "nova"
    }
    # other cities untouched
    assert CityName.objects.filter(city_id=2657896).count() > 50


def test_a_city_of_an_unknown_country_is_skipped(db: Any) -> None:
    report = services.seed_registry(
        cities=[city_source(2660646), city_source(1850147)], countries=[country_source("CH")]
    )
    assert report["skipped_cities"] == 1
    assert list(City.objects.values_list("pk", flat=True)) == [2660646]


def test_seeding_keeps_cities_made_elsewhere(db: Any) -> None:
    from tests.web import factories

    mine = factories.city("Testville", "CH", geonames_id=9_999_001, alternate_names=("Testburg",))
    services.seed_registry(cities=[city_source(2660646)], countries=[country_source("CH")])
    assert City.objects.filter(pk=mine.pk).exists()
    assert CityName.objects.filter(city=mine).count() == 2


def test_management_command_prints_what_it_loaded(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "geonames_cities", lambda: [city_source(2660646)])
    monkeypatch.setattr(services, "geonames_countries", lambda: [country_source("CH")])
    out = io.StringIO()
    call_command("load_geonames", stdout=out)
    text = out.getvalue()
    assert "countries: 1 (1 created" in text
    assert "cities: 1 (1 created" in text
    assert "City registry: 1 cities" in text
    assert "GeoNames" in text


def test_m49_table_covers_every_iso_country_once() -> None:
    path = services.resources.files("citydiplomacy.data") / "reference" / "m49_regions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["iso2"] for r in rows] == sorted({r["iso2"] for r in rows})
    iso = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    assert {r["iso2"]: r["iso3"] for r in rows} == iso
    regions = {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    for row in rows:
        if row["iso2"] == "AQ":
            assert row["region"] == row["sub_region"] == ""
            continue
        assert row["region"] in regions and row["sub_region"], row
    by_code = {r["iso2"]: r for r in rows}
    assert by_code["KE"]["intermediate_region"] == "Eastern Africa"
    assert by_code["MX"]["intermediate_region"] == "Central America"
    assert by_code["US"]["sub_region"] == "Northern America"
    assert by_code["RU"]["sub_region"] == "Eastern Europe"
    assert by_code["TR"]["sub_region"] == "Western Asia"
    assert by_code["JE"]["intermediate_region"] == "Channel Islands"


def test_city_names_helper_skips_noise() -> None:
    names = services.city_names(
        {"name": "Ufa", "alternatenames": ["UFA", "", "12", "Уфа", "ufa", "LED"]}
    )
    assert names == {"ufa": "Ufa", "уфа": "Уфа"}
    assert normalise_name("Уфа") == "уфа"


def test_full_registry_seeds_within_a_minute(db: Any) -> None:
    """All 34,000 cities and 325,000 names: about 15-20 s on SQLite, twice with the re-run."""
    started = time.perf_counter()
    report = services.seed_registry()
    seconds = time.perf_counter() - started
    assert report["cities"]["created"] > 30_000
    assert report["names"]["created"] > 300_000
    assert seconds < 60, f"seeding took {seconds:.0f} s"
    again = services.seed_registry()
    assert again["cities"]["created"] == again["cities"]["updated"] == 0
    assert again["names"]["created"] == again["names"]["deleted"] == 0
    assert City.objects.search("francisco").filter(pk=5391959).exists()


def test_the_portable_insert_path_gives_the_same_rows(
    db: Any, monkeypatch: Any, sample_cities: list[dict[str, Any]], sample_countries: list[Any]
) -> None:
    """Multi-row INSERTs (backends other than SQLite's executemany and PostgreSQL's COPY)."""
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "other")
    report = services.seed_registry(cities=sample_cities, countries=sample_countries)
    assert report["names"]["created"] == CityName.objects.count() > 300
    assert City.objects.search("Женева").filter(pk=2660646).exists()
