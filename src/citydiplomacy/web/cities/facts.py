"""Open facts about cities: UNdata city populations and Net Zero Tracker climate targets.

The packaged files are read and checked by :mod:`citydiplomacy.io.city_facts` (every problem
as ``file:row:column``, no Django there); this module matches each row to the registry by city
name and country and replaces that source's facts in one transaction, so running it again
changes nothing; the report says what matched and what did not. :func:`import_open_facts`
reads both files before writing either, and writes both in one transaction: a bad file
leaves every fact as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction

from citydiplomacy.io import city_facts as files
from citydiplomacy.io.city_facts import PopulationRow, TargetRow
from citydiplomacy.io.city_facts import undata_country_code as undata_country_code
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

_KIND_BY_TYPE = {
    "City proper": CityFact.Kind.POPULATION_CITY_PROPER,
    "Urban agglomeration": CityFact.Kind.POPULATION_AGGLOMERATION,
}


def _place(matcher: CityMatcher, name: str, country: str, report: ImportReport) -> int | None:
    """The most populous registry city of ``country`` the source's ``name`` spells (reported
    as ambiguous when several are), or ``None`` (reported as unmatched)."""
    city_id, n = matcher.most_populous(name, country)
    if n > 1:
        report.ambiguous.append(f"{name} ({country}): {n} registry cities")
    if city_id is None:
        report.unmatched.append(f"{name} ({country})")
    return city_id


def _replace(source: str, facts: list[CityFact]) -> None:
    with transaction.atomic():
        CityFact.objects.filter(source=source).delete()
        CityFact.objects.bulk_create(facts, batch_size=2000)


def import_undata_population(rows: Sequence[PopulationRow] | None = None) -> ImportReport:
    """Store the latest UNdata population (city proper, urban agglomeration) of each matched
    city; a city matched twice for the same kind keeps the larger figure's row.

    ``rows`` are the file's figures (read from the packaged file when ``None``).

    Raises
    ------
    citydiplomacy.errors.ValidationError
        When the file has problems (every one, ``file:row:column``); nothing is written.
    """
    if rows is None:
        rows = files.read_undata_population()
    report = ImportReport(UNDATA, facts=0)
    matcher = CityMatcher()
    known = set(Country.objects.values_list("pk", flat=True))
    best: dict[tuple[int, str], CityFact] = {}
    for row in rows:
        report.rows += 1
        if row.iso2 is None or row.iso2 not in known:
            report.unmatched.append(f"{row.city} ({row.country})")
            continue
        city_id = _place(matcher, row.city, row.iso2, report)
        if city_id is None:
            continue
        report.matched += 1
        kind = _KIND_BY_TYPE[row.city_type]
        fact = CityFact(
            city_id=city_id,
            kind=kind,
            source=UNDATA,
            year=row.year,
            value=row.population,
            detail={"record_type": row.record_type, "reliability": row.reliability},
            source_name=UNDATA_NAME,
            source_url=UNDATA_URL,
            licence="UNdata terms of use (free reuse with citation)",
            matched_as=f"{row.city}, {row.country}",
        )
        key = (city_id, kind)
        if key not in best or (fact.value or 0) > (best[key].value or 0):
            best[key] = fact
    _replace(UNDATA, list(best.values()))
    report.facts = len(best)
    return report


def import_net_zero_tracker(rows: Sequence[TargetRow] | None = None) -> ImportReport:
    """Store each matched city's net-zero (or other) climate target, "No target" included:
    the tracker covers every city above 500,000 inhabitants, so absence is a fact too.

    ``rows`` are the file's cities (read from the packaged file when ``None``).

    Raises
    ------
    citydiplomacy.errors.ValidationError
        When the file has problems (every one, ``file:row:column``); nothing is written.
    """
    if rows is None:
        rows = files.read_net_zero_targets()
    report = ImportReport(NET_ZERO_TRACKER, facts=0)
    matcher = CityMatcher()
    iso2_of = dict(Country.objects.values_list("iso3", "pk"))
    facts: dict[int, CityFact] = {}
    for row in rows:
        report.rows += 1
        code = iso2_of.get(row.country)
        if code is None:
            report.unmatched.append(f"{row.name} ({row.country})")
            continue
        city_id = _place(matcher, row.name, code, report)
        if city_id is None:
            continue
        report.matched += 1
        facts[city_id] = CityFact(
            city_id=city_id,
            kind=CityFact.Kind.NET_ZERO_TARGET,
            source=NET_ZERO_TRACKER,
            year=row.year,
            text=row.text[:300],
            detail={**row.detail, "target_source_url": row.source_url},
            source_name=NZT_NAME,
            source_url=NZT_URL,
            licence="CC BY 4.0",
            matched_as=f"{row.name}, {row.country}",
        )
    _replace(NET_ZERO_TRACKER, list(facts.values()))
    report.facts = len(facts)
    return report


def import_open_facts(progress: Callable[[str], None] | None = None) -> list[ImportReport]:
    """Run every open-facts import, all or nothing; ``progress`` receives one summary line per
    source.

    Raises
    ------
    ValueError
        When the registry is empty.
    citydiplomacy.errors.ValidationError
        When a packaged file has problems (all of them); no fact is written or removed.
    """
    if not City.objects.exists():
        raise ValueError("the city registry is empty: load it first (citydiplomacy demo)")
    # Both files are read and checked before anything is written.
    population, targets = files.read_undata_population(), files.read_net_zero_targets()
    with transaction.atomic():
        reports = [import_undata_population(population), import_net_zero_tracker(targets)]
    if progress is not None:
        for report in reports:
            progress(report.summary())
    return reports
