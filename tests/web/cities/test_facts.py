"""Open city facts: UNdata populations and Net Zero Tracker targets, matched and idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.errors import ValidationError
from citydiplomacy.io import city_facts
from citydiplomacy.web.cities import facts
from citydiplomacy.web.cities.matching import spellings
from citydiplomacy.web.cities.models import CityFact
from tests.web import factories


def test_spellings_of_a_source_name() -> None:
    assert spellings("ALGIERS (EL DJAZAIR)") == [
        "ALGIERS (EL DJAZAIR)",
        "ALGIERS",
        "EL DJAZAIR",
    ]
    assert spellings("Austin, TX") == ["Austin, TX", "Austin"]
    assert spellings("Lyon") == ["Lyon"]


@given(st.text(max_size=40))
def test_spellings_never_fail(name: str) -> None:
    variants = spellings(name)
    assert all(v and v == v.strip() for v in variants)
    assert len(variants) == len(set(variants))


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Switzerland", "CH"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("China, Hong Kong SAR", "HK"),
        ("Bolivia (Plurinational State of)", "BO"),
        ("Türkiye", "TR"),
        ("Atlantis", None),
    ],
)
def test_undata_country_code(name: str, code: str | None) -> None:
    assert facts.undata_country_code(name) == code


def test_import_matches_and_is_idempotent(geneva: Any, lyon: Any) -> None:
    first = facts.import_open_facts()
    undata, nzt = first
    assert undata.matched >= 4  # Genève and Lyon, city proper and agglomeration
    assert undata.unmatched and nzt.unmatched  # most cities are not in this small registry
    lyon_proper = CityFact.objects.get(city=lyon, kind=CityFact.Kind.POPULATION_CITY_PROPER)
    assert (lyon_proper.year, lyon_proper.value) == (2015, 513275)
    geneva_proper = CityFact.objects.get(city=geneva, kind=CityFact.Kind.POPULATION_CITY_PROPER)
    assert (geneva_proper.year, geneva_proper.value) == (2021, 203401)
    assert geneva_proper.matched_as == "Genève, Switzerland"  # found by its alternate name
    target = CityFact.objects.get(city=geneva, kind=CityFact.Kind.NET_ZERO_TARGET)
    assert target.text.startswith("Carbon neutral(ity) by 2050")
    assert target.licence == "CC BY 4.0"
    assert target.detail["target_source_url"].startswith("https://www.geneve.ch/")
    before = sorted(CityFact.objects.values_list("city_id", "kind", "year", "value", "text"))
    second = facts.import_open_facts()
    after = sorted(CityFact.objects.values_list("city_id", "kind", "year", "value", "text"))
    assert before == after
    assert [r.facts for r in first] == [r.facts for r in second]


def test_ambiguous_names_take_the_most_populous(db: Any) -> None:
    small = factories.city("Lyon", "FR", population=20_000)
    big = factories.city("Lyon", "FR", population=500_000)
    report = facts.import_undata_population()
    assert CityFact.objects.filter(city=big).count() == 2
    assert not CityFact.objects.filter(city=small).exists()
    assert any(line.startswith("Lyon (FR)") for line in report.ambiguous)


def test_empty_registry_is_a_clear_error(db: Any) -> None:
    with pytest.raises(ValueError, match="registry is empty"):
        facts.import_open_facts()


def test_command_prints_what_did_not_match(geneva: Any, capsys: Any) -> None:
    call_command("load_city_facts", "--show-unmatched")
    out = capsys.readouterr().out
    assert "undata_city_population:" in out and "matched to the registry" in out
    assert "not matched:" in out and "  TIRANA (Albania)" in out


def test_city_page_shows_the_facts_with_their_sources(geneva: Any, client: Client) -> None:
    facts.import_open_facts()
    page = client.get(f"/cities/{geneva.pk}/").content.decode()
    assert "From open data" in page
    assert "203,401" in page and "2021" in page
    assert "UNdata" in page and "Net Zero Tracker" in page and "CC BY 4.0" in page
    assert "Carbon neutral(ity) by 2050" in page


def test_a_bad_file_writes_nothing_of_either_source(
    geneva: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both files are checked before either source's facts are replaced."""
    facts.import_open_facts()
    before = sorted(CityFact.objects.values_list("city_id", "kind", "source", "year", "value"))
    assert before
    packaged = city_facts.packaged_text

    def files(name: str) -> str:
        if name == city_facts.UNDATA_FILE:  # a valid file that would drop Geneva's figures
            return packaged(name).splitlines()[0] + "\n"
        return packaged(name).replace(",CHE,", ",Switzerland,")

    monkeypatch.setattr(city_facts, "packaged_text", files)
    with pytest.raises(ValidationError, match=r"net_zero_tracker_cities.csv:\d+:3: expected an"):
        facts.import_open_facts()
    with pytest.raises(CommandError, match=r"net_zero_tracker_cities.csv:\d+:3: expected an"):
        call_command("load_city_facts")
    after = sorted(CityFact.objects.values_list("city_id", "kind", "source", "year", "value"))
    assert after == before
