"""Open facts about cities: UNdata city populations and Net Zero Tracker climate targets.

Both files are packaged under ``citydiplomacy/data/city_facts/`` (see ``data/SOURCES.md``;
``scripts/build_city_facts.py`` derives them from the original downloads). Each source is
matched to the registry by city name and country and imported in one transaction that
replaces that source's facts, so running it again changes nothing; the report says what
matched and what did not.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import pycountry
from django.db import transaction

from citydiplomacy.io.import_report import ImportReport
from citydiplomacy.web.cities.matching import CityMatcher
from citydiplomacy.web.cities.models import City, CityFact, Country

UNDATA = "undata_city_population"
NET_ZERO_TRACKER = "net_zero_tracker_2022"

UNDATA_NAME = "UNdata, UN Statistics Division, Demographic Statistics: city population"
UNDATA_URL = "https://data.un.org/Data.aspx?d=POP&f=tableCode%3a240"
NZT_NAME = "Net Zero Tracker (Energy and Climate Intelligence Unit, Data-Driven EnviroLab, "
NZT_NAME += "NewClimate Institute, Oxford Net Zero), snapshot 2022-12-20"
NZT_URL = "https://zerotracker.net/"

#: UNdata country names that ``pycountry`` does not resolve, and their ISO alpha-2 codes.
UNDATA_COUNTRIES = {
    "China, Hong Kong SAR": "HK",
    "China, Macao SAR": "MO",
    "Republic of South Sudan": "SS",
    "Saint Helena ex. dep.": "SH",
    "Wallis and Futuna Islands": "WF",
    "Reunion": "RE",
    "Republic of Korea": "KR",
    "Democratic People's Republic of Korea": "KP",
    "Republic of Moldova": "MD",
    "United Republic of Tanzania": "TZ",
    "State of Palestine": "PS",
    "Holy See": "VA",
    "United States Virgin Islands": "VI",
    "British Virgin Islands": "VG",
    "Falkland Islands (Malvinas)": "FK",
    "Micronesia (Federated States of)": "FM",
    "Bolivia (Plurinational State of)": "BO",
    "Venezuela (Bolivarian Republic of)": "VE",
    "Iran (Islamic Republic of)": "IR",
    "Lao People's Democratic Republic": "LA",
    "United Kingdom of Great Britain and Northern Ireland": "GB",
    "Türkiye": "TR",
}

_KIND_BY_TYPE = {
    "City proper": CityFact.Kind.POPULATION_CITY_PROPER,
    "Urban agglomeration": CityFact.Kind.POPULATION_AGGLOMERATION,
}


def _packaged_rows(name: str) -> Iterator[dict[str, str]]:
    path = resources.files("citydiplomacy.data") / "city_facts" / name
    yield from csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))


def undata_country_code(name: str) -> str | None:
    """ISO alpha-2 code of a UNdata "Country or Area" name, or ``None``."""
    if name in UNDATA_COUNTRIES:
        return UNDATA_COUNTRIES[name]
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        return None


def _place(matcher: CityMatcher, name: str, country: str, report: ImportReport) -> int | None:
    """The most populous registry city of ``country`` the source's ``name`` spells (reported
    as ambiguous when several are), or ``None`` (reported as unmatched)."""
    city_id, n = matcher.most_populous(name, country)
    if n > 1:
        report.ambiguous.append(f"{name} ({country}): {n} registry cities")
    if city_id is None:
        report.unmatched.append(f"{name} ({country})")
    return city_id


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _replace(source: str, facts: list[CityFact]) -> None:
    with transaction.atomic():
        CityFact.objects.filter(source=source).delete()
        CityFact.objects.bulk_create(facts, batch_size=2000)


def import_undata_population() -> ImportReport:
    """Store the latest UNdata population (city proper, urban agglomeration) of each matched
    city; a city matched twice for the same kind keeps the larger figure's row."""
    report = ImportReport(UNDATA, facts=0)
    matcher = CityMatcher()
    known = set(Country.objects.values_list("pk", flat=True))
    best: dict[tuple[int, str], CityFact] = {}
    for row in _packaged_rows("undata_city_population.csv"):
        report.rows += 1
        code = undata_country_code(row["country_or_area"])
        kind = _KIND_BY_TYPE.get(row["city_type"])
        if code is None or code not in known or kind is None:
            report.unmatched.append(f"{row['city']} ({row['country_or_area']})")
            continue
        city_id = _place(matcher, row["city"], code, report)
        if city_id is None:
            continue
        report.matched += 1
        fact = CityFact(
            city_id=city_id,
            kind=kind,
            source=UNDATA,
            year=int(row["year"]),
            value=_number(row["population"]),
            detail={"record_type": row["record_type"], "reliability": row["reliability"]},
            source_name=UNDATA_NAME,
            source_url=UNDATA_URL,
            licence="UNdata terms of use (free reuse with citation)",
            matched_as=f"{row['city']}, {row['country_or_area']}",
        )
        key = (city_id, kind)
        if key not in best or (fact.value or 0) > (best[key].value or 0):
            best[key] = fact
    _replace(UNDATA, list(best.values()))
    report.facts = len(best)
    return report


def _target_text(row: dict[str, str]) -> str:
    end = row["end_target"] or "No target"
    year = _number(row["end_target_year"])
    text = end if end == "No target" or year is None else f"{end} by {int(year)}"
    cut = _number(row["interim_target_percentage_reduction"])
    base = _number(row["interim_target_baseline_year"])
    by = _number(row["interim_target_year"])
    if cut is not None and by is not None:
        text += f"; interim: −{cut:g} % by {int(by)}"
        if base is not None:
            text += f" against {int(base)}"
    return text


def import_net_zero_tracker() -> ImportReport:
    """Store each matched city's net-zero (or other) climate target, "No target" included:
    the tracker covers every city above 500,000 inhabitants, so absence is a fact too."""
    report = ImportReport(NET_ZERO_TRACKER, facts=0)
    matcher = CityMatcher()
    iso2_of = dict(Country.objects.values_list("iso3", "pk"))
    facts: dict[int, CityFact] = {}
    for row in _packaged_rows("net_zero_tracker_cities.csv"):
        report.rows += 1
        code = iso2_of.get(row["country"].upper())
        if code is None:
            report.unmatched.append(f"{row['name']} ({row['country']})")
            continue
        city_id = _place(matcher, row["name"], code, report)
        if city_id is None:
            continue
        report.matched += 1
        detail: dict[str, Any] = {
            k: row[k]
            for k in (
                "id_code",
                "end_target",
                "end_target_year",
                "end_target_status",
                "interim_target",
                "interim_target_percentage_reduction",
                "interim_target_baseline_year",
                "interim_target_year",
                "last_updated",
            )
            if row.get(k)
        }
        detail["target_source_url"] = row["source_url"]
        year = _number(row["end_target_year"])
        facts[city_id] = CityFact(
            city_id=city_id,
            kind=CityFact.Kind.NET_ZERO_TARGET,
            source=NET_ZERO_TRACKER,
            year=int(year) if year is not None else None,
            text=_target_text(row)[:300],
            detail=detail,
            source_name=NZT_NAME,
            source_url=NZT_URL,
            licence="CC BY 4.0",
            matched_as=f"{row['name']}, {row['country']}",
        )
    _replace(NET_ZERO_TRACKER, list(facts.values()))
    report.facts = len(facts)
    return report


def import_open_facts(progress: Callable[[str], None] | None = None) -> list[ImportReport]:
    """Run every open-facts import; ``progress`` receives one summary line per source."""
    reports = []
    if not City.objects.exists():
        raise ValueError("the city registry is empty: load it first (citydiplomacy demo)")
    for run in (import_undata_population, import_net_zero_tracker):
        report = run()
        if progress is not None:
            progress(report.summary())
        reports.append(report)
    return reports
