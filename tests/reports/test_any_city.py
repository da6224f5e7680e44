"""Every user's own city works: cohorts of cities outside GeoNames, in any script, with
ambiguous names and missing or wrong GeoNames ids, through the profile path.

The property test generates cohorts (synthetic values from :func:`synthetic_long` under
generated identities), reads them as a user's file, scores them, and assembles and renders
every city's profile (HTML and JSON, English and French). The only exceptions allowed are the
project's own user errors (:class:`CityDiplomacyError`: a validation report, "no profile for
that year"...), never a ``TypeError`` or ``KeyError`` from inside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.spec import Spec
from citydiplomacy.errors import CityDiplomacyError, ValidationError
from citydiplomacy.io.readers import read_kpi_data
from citydiplomacy.reports import Report, build_report, render
from citydiplomacy.reports.engine import cohort_from_long
from citydiplomacy.reports.model import optional_int
from citydiplomacy.reports.reference import rules_for
from citydiplomacy.synthetic import synthetic_long

#: Letters of several scripts, and the punctuation that breaks naive CSV and HTML handling.
SCRIPTS = (
    "abcxyzABCXYZ"  # Latin
    "éèçñøåäöüßłŠžĳœ"  # Latin with diacritics
    "МоскваКазаньЖЁё"  # Cyrillic
    "القاهرةدبي"  # Arabic
    "北京東京서울"  # CJK and Hangul
    "Ελλάδα"  # Greek
)
SPECIAL = ",;\"'<>&=+-@ ()/|\\"
#: Real registry ids, for ids that are right for one city and wrong for another.
CAZOMBO_IDS = (876482, 2241954)  # two GeoNames cities named Cazombo in Angola

city_names = st.text(alphabet=SCRIPTS + SPECIAL + "0123456789", min_size=1, max_size=24)
countries = st.sampled_from(["NO", "FR", "RU", "EG", "CN", "JP", "no", "fra"])
#: GeoNames id cells: most often none (a city outside GeoNames), so that most cohorts get as
#: far as the reports; else empty, a registry id (right for Cazombo, wrong for any other city),
#: an id almost surely unknown, or text that is no id at all.
gid_choice = st.integers(0, 9).flatmap(
    lambda k: (
        st.none()
        if k < 6
        else st.just("")
        if k == 6
        else st.sampled_from(CAZOMBO_IDS)
        if k == 7
        else st.integers(min_value=1, max_value=2**31 - 1)
        if k == 8
        else st.sampled_from(["abc", "-5", "1.5"])
    )
)
#: A generated city, or one of two registry cities of one name in one country (ambiguous).
identity = st.one_of(
    st.tuples(city_names, countries, gid_choice),
    st.sampled_from([("Cazombo", "AO", gid) for gid in CAZOMBO_IDS]),
)
ALPHA2 = {"NO": "NO", "FR": "FR", "FRA": "FR", "RU": "RU", "EG": "EG", "CN": "CN", "JP": "JP"}


def _same_city(ident: tuple[str, str, Any]) -> tuple[str, ...]:
    """Name and country as validation compares them (two such cities would be one), or the
    GeoNames id of a registry city (two ids are two cities even of one name)."""
    name, country, gid = ident
    if gid in CAZOMBO_IDS and name == "Cazombo":
        return ("geonames", str(gid))
    return " ".join(name.split()).casefold(), ALPHA2.get(country.upper(), country.upper())


#: Distinct cities (the same city twice is a cohort of duplicate rows: tested elsewhere).
cohorts = st.lists(identity, min_size=1, max_size=4, unique_by=_same_city)


@pytest.fixture(scope="module")
def base(fw: Framework) -> pd.DataFrame:
    """Synthetic values of four cities over two years (their identities are replaced)."""
    frame = synthetic_long(fw, n_cities=4, years=range(2022, 2024), seed=11, coverage=0.5)
    return frame.drop(columns=["geonames_id"])


def _cohort_file(base: pd.DataFrame, ids: list[tuple[str, str, Any]], path: Path) -> Path:
    """The base values with each of its cities given one generated identity."""
    originals = list(dict.fromkeys(base["city"]))[: len(ids)]
    frame = base[base["city"].isin(originals)].copy()
    cities: list[str] = []
    countries_: list[str] = []
    gids: list[Any] = []
    for original in frame["city"]:
        name, country, gid = ids[originals.index(original)]
        cities.append(name)
        countries_.append(country)
        gids.append("" if gid is None else gid)
    frame["city"] = cities
    frame["country"] = countries_
    frame["geonames_id"] = gids
    frame.to_csv(path, index=False)
    return path


def _profiles(fw: Framework, path: Path) -> list[Report]:
    """Every city's profile in the latest year, rendered in HTML and JSON, en and fr."""
    long = read_kpi_data(path, fw).long
    cohort = cohort_from_long(fw, long, Spec(method="u4ssc"), runs=0)
    rules = rules_for(fw)
    reports = []
    for key in cohort.units.index:
        # A city's key and id find it alone; its name finds it, perhaps among namesakes.
        assert cohort.find(str(key)) == [str(key)]
        assert str(key) in cohort.find(str(cohort.units.at[key, "city"]))
        gid = optional_int(cohort.units.at[key, "geonames_id"])
        if gid is not None:
            assert cohort.find(str(gid)) == [str(key)]
        for lang in ("en", "fr"):
            try:
                report = build_report(cohort, str(key), None, rules=rules, lang=lang)
            except CityDiplomacyError:
                continue
            html = render(report, "html", lang).decode("utf-8")
            assert html.startswith("<!DOCTYPE html>")
            data = json.loads(render(report, "json", lang))
            assert data["city"]["name"] == str(cohort.units.at[key, "city"])
            reports.append(report)
    return reports


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ids=cohorts)
def test_generated_cohorts_give_profiles_or_a_clear_error(
    fw: Framework, base: pd.DataFrame, tmp_path: Path, ids: list[tuple[str, str, Any]]
) -> None:
    path = _cohort_file(base, ids, tmp_path / "own cities.csv")
    try:
        reports = _profiles(fw, path)
        event(f"profiles assembled: {bool(reports)}")
    except ValidationError as exc:
        # A user's mistake (unknown id, empty name...), located in the user's own file.
        assert exc.problems and all(p.source == "own cities.csv" for p in exc.problems)
        event("refused with a validation report")
        note(str(exc))
    except CityDiplomacyError:
        event("refused with a user error")


def test_cities_outside_geonames_in_any_script_get_profiles(
    fw: Framework, base: pd.DataFrame, tmp_path: Path
) -> None:
    """The issue's case (``Testville07, NO``, no id) and names in four scripts with commas
    and quotes: each city gets its profile, with no GeoNames id and no context from it."""
    ids = [
        ("Testville07", "NO", None),
        ('Москва, "центр"', "RU", None),
        ("القاهرة", "EG", None),
        ("北京 'Beijing'", "CN", None),
    ]
    reports = _profiles(fw, _cohort_file(base, ids, tmp_path / "mine.csv"))
    names = {r.city.name for r in reports}
    assert names == {name for name, _, _ in ids}
    assert all(r.city.geonames_id is None for r in reports)
    # Peers are found among the other cities, without GeoNames facts.
    assert all(r.peers.size == 3 for r in reports)


def test_wrong_geonames_id_is_a_located_error(
    fw: Framework, base: pd.DataFrame, tmp_path: Path
) -> None:
    ids = [("Testville07", "NO", CAZOMBO_IDS[0]), ("Oslo", "NO", None)]
    with pytest.raises(ValidationError) as caught:
        read_kpi_data(_cohort_file(base, ids, tmp_path / "wrong.csv"), fw)
    text = str(caught.value)
    assert "wrong.csv:2:" in text and "876482" in text
