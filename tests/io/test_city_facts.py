"""The readers of the open city-facts files: the packaged files read whole, and every problem of
a bad file located as file:row:column, without the registry or Django."""

from __future__ import annotations

import pytest

from citydiplomacy.errors import ValidationError
from citydiplomacy.io import city_facts as cf

UNDATA_HEADER = "country_or_area,city,city_type,year,population,record_type,reliability\n"
NZT_HEADER = (
    "id_code,name,country,end_target,end_target_year,end_target_percentage_reduction,"
    "end_target_baseline_year,end_target_status,interim_target,"
    "interim_target_percentage_reduction,interim_target_baseline_year,interim_target_year,"
    "source_url,last_updated\n"
)


def test_the_packaged_files_are_read_whole() -> None:
    population = cf.read_undata_population()
    assert len(population) == 6842  # every data row of the file
    tirana = next(r for r in population if r.city == "TIRANA")
    assert (tirana.row, tirana.iso2, tirana.year, tirana.population) == (3, "AL", 2011, 418495)
    assert tirana.city_type == "City proper"
    targets = cf.read_net_zero_targets()
    assert len(targets) == 1177
    amsterdam = targets[0]
    assert (amsterdam.row, amsterdam.name, amsterdam.country) == (2, "Amsterdam", "NLD")
    assert amsterdam.text == "Climate neutral by 2050; interim: −55 % by 2030 against 1990"
    assert amsterdam.year == 2050 and amsterdam.detail["id_code"] == "CIT-0001"


def test_a_bad_population_file_names_every_problem_with_its_place() -> None:
    text = UNDATA_HEADER + (
        "Albania,,City proper,2011,113249,Census,Final\n"
        "Albania,Tirana,Metro area,20x1,-5,Census,Final\n"
        "\n"
        "France,Lyon,City proper,2015,513275,Census,Final,extra\n"
        "Atlantis,Poseidonia,City proper,2015,1000,Estimate,Provisional\n"
    )
    with pytest.raises(ValidationError) as err:
        cf.read_undata_population(text, "pop.csv")
    assert [str(p) for p in err.value.problems] == [
        "pop.csv:2:2: expected the city's name",
        "pop.csv:3:3: expected one of ['City proper', 'Urban agglomeration'], found 'Metro area'",
        "pop.csv:3:4: expected a year, found '20x1'",
        "pop.csv:3:5: expected a population (a number, 0 or more), found '-5'",
        "pop.csv:5:8: expected 7 columns, found 8",
    ]


def test_an_unknown_country_is_not_a_problem_of_the_file() -> None:
    rows = cf.read_undata_population(
        UNDATA_HEADER + "Atlantis,Poseidonia,City proper,2015,1000,Estimate,Provisional\n", "p"
    )
    assert [(r.row, r.iso2, r.population) for r in rows] == [(2, None, 1000.0)]


def test_a_bad_tracker_file_names_every_problem_with_its_place() -> None:
    text = NZT_HEADER + (
        "CIT-1,,NLD,Net zero,2050.0,,,In law,,,,,https://example.org,2022-01-01\n"
        "CIT-2,Essen,Germany,Net zero,soon,,,Proposed,,155,1990.5,2030,https://e.org,2022\n"
    )
    with pytest.raises(ValidationError) as err:
        cf.read_net_zero_targets(text, "nzt.csv")
    assert [str(p) for p in err.value.problems] == [
        "nzt.csv:2:2: expected the city's name",
        "nzt.csv:3:3: expected an ISO 3166 alpha-3 code, found 'Germany'",
        "nzt.csv:3:5: expected a year, found 'soon'",
        "nzt.csv:3:10: expected a percentage, found '155'",
        "nzt.csv:3:11: expected a year, found '1990.5'",
    ]


def test_missing_columns_and_empty_files_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"p.csv:1:0: expected the columns \['year'"):
        cf.read_undata_population(
            "country_or_area,city,city_type,population,record_type,reliability\n", "p.csv"
        )
    with pytest.raises(ValidationError, match=r"n.csv:0:0: expected a header row"):
        cf.read_net_zero_targets("", "n.csv")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Switzerland", "CH"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("China, Hong Kong SAR", "HK"),
        ("Türkiye", "TR"),
        ("Atlantis", None),
    ],
)
def test_undata_country_names(name: str, code: str | None) -> None:
    assert cf.undata_country_code(name) == code
