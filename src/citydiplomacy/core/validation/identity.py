"""Pass 1 and what it makes possible: GeoNames ids read, each distinct id looked up once,
each distinct (KPI, data point) pair resolved to a measure once, and the identity check
(city and country of a row, or of a run of rows of one city).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.validation.columns import MAX_GEONAMES_ID, Columns, GeoNamesColumn
from citydiplomacy.core.validation.keys import Distinct, Pairs, code_dtype, lut
from citydiplomacy.core.validation.state import Work
from citydiplomacy.errors import Words, gettext_noop, words

#: A function that maps a GeoNames id to ``(name, ISO country code)``, or ``None`` if unknown.
GeoNamesResolver = Callable[[int], "tuple[str, str] | None"]


def _ids_of_slice(work: Work, geo: GeoNamesColumn, s: int, e: int) -> None:
    """The GeoNames ids of rows ``s:e`` into ``work.gid`` (-1 where none or invalid)."""
    gid, col = work.gid, geo.column
    assert gid is not None and col is not None
    if geo.plain:  # no missing cells, no parsing
        values = col.to_numpy()[s:e]
        out_of_range = (values <= 0) | (values > MAX_GEONAMES_ID)
        gid[s:e] = values
        if out_of_range.any():
            work.hits.add("geonames_range", out_of_range, s)
            work.bad[s:e] |= out_of_range
            gid[s:e][out_of_range] = -1
    elif geo.integers and not np.asarray(col.array[s:e].isna()).any():
        values = col.array[s:e].to_numpy(dtype=np.int64)
        out_of_range = (values <= 0) | (values > MAX_GEONAMES_ID)
        work.hits.add("geonames_range", out_of_range, s)
        work.bad[s:e] |= out_of_range
        gid[s:e] = np.where(out_of_range, -1, values)
    elif geo.integers:
        g = col.array[s:e].to_numpy(dtype=np.float64, na_value=np.nan)
        out_of_range = (g <= 0) | (g > MAX_GEONAMES_ID)
        work.hits.add("geonames_range", out_of_range, s)
        work.bad[s:e] |= out_of_range
        gid[s:e] = np.where(np.isnan(g) | out_of_range, -1, g)
    else:
        gc = geo.codes[s:e]
        gid[s:e] = geo.parsed[gc]
        work.hits.add("geonames_text", geo.invalid[gc], s)
        work.bad[s:e] |= geo.invalid[gc]


def read_ids_and_pairs(work: Work, cols: Columns) -> Pairs:
    """Pass 1: GeoNames ids parsed into ``work.gid``; the (KPI, data point) pairs met."""
    kpi = cols.kpi
    if cols.geonames.column is not None:
        work.gid = np.empty(work.n, dtype=np.int32)  # ids are below 2^31
    pairs = Pairs(len(kpi.kpi_texts), len(kpi.dp_texts))
    with np.errstate(invalid="ignore"):
        for s, e in work.spans:
            if work.gid is not None:
                _ids_of_slice(work, cols.geonames, s, e)
            pairs.add(kpi.kpi_codes[s:e], kpi.dp_codes[s:e])
    return pairs


@dataclass
class Registry:
    """The distinct GeoNames ids of the input and what the registry says of each.

    Tables indexed by an id's code read a sentinel at index -1 (no id, or not looked up).
    """

    geo: Distinct | None  # codes of the distinct ids
    gids: NDArray[np.int64]  # the distinct ids, ascending
    resolving: bool
    found_of: NDArray[np.bool_]  # per id code: the registry knows it
    city_of: NDArray[np.int32]  # per id code: position of its name in the city texts
    country_of: NDArray[np.int32]  # per id code: position of its country in country texts
    found_by_gid: dict[int, tuple[str, str] | None]


def look_up_ids(work: Work, cols: Columns, resolve: GeoNamesResolver | None) -> Registry:
    """Every distinct GeoNames id looked up once; the names and countries found are added
    to the city and country texts."""
    gid, place = work.gid, cols.place
    gids = np.zeros(0, dtype=np.int64)
    geo: Distinct | None = None
    if gid is not None and gid.max(initial=-1) > 0:
        geo = Distinct(int(gid.max()) + 1)
        for s, e in work.spans:
            gs = gid[s:e]
            geo.add(gs[gs > 0])
        gids = geo.finish()
    resolving = resolve is not None and geo is not None
    found = [resolve(g) for g in gids.tolist()] if resolving and resolve is not None else []
    city_pos = {t: i for i, t in enumerate(place.city_texts)}
    country_pos = {t: i for i, t in enumerate(place.country_texts)}
    city_list: list[int] = []
    country_list: list[int] = []
    for hit in found:
        if hit is None:
            city_list.append(-1)
            country_list.append(-1)
            continue
        hit_city, hit_country = hit
        if hit_city not in city_pos:
            city_pos[hit_city] = len(place.city_texts)
            place.city_texts.append(hit_city)
        if hit_country not in country_pos:
            country_pos[hit_country] = len(place.country_texts)
            place.country_texts.append(hit_country)
        city_list.append(city_pos[hit_city])
        country_list.append(country_pos[hit_country])
    return Registry(
        geo=geo,
        gids=gids,
        resolving=resolving,
        found_of=lut([f is not None for f in found] + [False], bool),
        city_of=lut([*city_list, -1], np.int32),
        country_of=lut([*country_list, -1], np.int32),
        found_by_gid=dict(zip(gids.tolist(), found, strict=False)),
    )


def measure_of_pair(
    framework: Framework, kpi: str | None, dp: str
) -> tuple[str | None, str | Words]:
    """The measure a (KPI, data point) pair names, or ``None`` and why not (``""`` when
    nothing is wrong)."""
    if kpi is None:
        return None, ""
    nodes = framework.nodes
    level = framework.level(kpi)
    points = framework.data_points(kpi) if level == 1 else {}
    if level == 0:  # the kpi column already names a data point ("KPI:part")
        if dp and dp.lower() != str(nodes.at[kpi, "data_point"]).lower():
            return None, words(
                gettext_noop("data point %(point)s contradicts KPI code %(kpi)s"),
                point=repr(dp),
                kpi=repr(kpi),
            )
        return kpi, ""
    if points:
        measure = points.get(dp.lower())
        if measure is None:
            options = ", ".join(repr(str(nodes.at[c, "data_point"])) for c in points.values())
            if not dp:
                return None, words(
                    gettext_noop("KPI %(kpi)s needs a data point (one of %(options)s)"),
                    kpi=kpi,
                    options=options,
                )
            return None, words(
                gettext_noop(
                    "unknown data point %(point)s for KPI %(kpi)s; expected one of %(options)s"
                ),
                point=repr(dp),
                kpi=kpi,
                options=options,
            )
        return measure, ""
    if dp:
        return None, words(
            gettext_noop("KPI %(kpi)s has no data points, got %(point)s; leave data_point empty"),
            kpi=kpi,
            point=repr(dp),
        )
    return kpi, ""


@dataclass
class PairMeasures:
    """Per distinct (KPI, data point) pair: its measure code (-1 none) and the problem."""

    pairs: Pairs
    mcode: NDArray[np.integer]
    bad: NDArray[np.bool_]
    messages: list[str | Words]
    any_bad_pair: bool
    any_bad_kpi: bool  # a KPI code that occurs is empty or unknown


def resolve_measures(framework: Framework, cols: Columns, pairs: Pairs) -> PairMeasures:
    """Measures resolved once per distinct (KPI, data point) pair."""
    kpi = cols.kpi
    pair_kpi, pair_dp = pairs.finish()
    measure_pos = {m: i for i, m in enumerate(framework.measures)}
    codes: list[int] = []
    messages: list[str | Words] = []
    for kc, dc in zip(pair_kpi.tolist(), pair_dp.tolist(), strict=True):
        measure, msg = measure_of_pair(framework, kpi.resolved[kc], kpi.dp_texts[dc])
        codes.append(-1 if measure is None or msg else measure_pos[measure])
        messages.append(msg)
    bad = lut([bool(m) for m in messages], bool)
    # Only codes that occur matter: an unused category must not cost a pass.
    used_kpi = np.unique(pair_kpi)
    return PairMeasures(
        pairs=pairs,
        mcode=lut(codes, code_dtype(len(framework.measures))),
        bad=bad,
        messages=messages,
        any_bad_pair=bool(bad.any()),
        any_bad_kpi=bool((kpi.unknown_kpi[used_kpi] | kpi.empty_kpi[used_kpi]).any()),
    )


#: Identity checks that are errors (the others are warnings).
IDENTITY_ERRORS = frozenset(
    {"country_unknown", "geonames_unknown", "country_clash", "no_city", "no_country"}
)


@dataclass
class IdentityCheck:
    """City and country of rows (or of the first rows of runs), and the identity checks."""

    cols: Columns
    registry: Registry
    city_empty_of: NDArray[np.bool_]  # per city text
    country_empty_of: NDArray[np.bool_]  # per country text

    @classmethod
    def build(cls, cols: Columns, registry: Registry) -> IdentityCheck:
        place = cols.place
        return cls(
            cols,
            registry,
            lut([t == "" for t in place.city_texts], bool),
            lut([c == "" for c in place.country_texts], bool),
        )

    def __call__(
        self, gv: NDArray[np.int32] | None, craw: NDArray[np.integer], cc: NDArray[np.integer]
    ) -> tuple[
        NDArray[np.integer],
        NDArray[np.integer],
        NDArray[np.bool_],
        list[tuple[str, NDArray[np.bool_]]],
    ]:
        """City and country codes, the rows without a city, and each check's rows."""
        place, reg = self.cols.place, self.registry
        flagged: list[tuple[str, NDArray[np.bool_]]] = []
        country_s = place.country_of[cc]
        if place.any_unknown_country:
            flagged.append(("country_unknown", place.unknown_country[cc]))
        city_s = place.city_index[craw]
        city_empty = self.city_empty_of[city_s]
        country_empty = self.country_empty_of[country_s]
        has_gid = gv > 0 if gv is not None else np.zeros(len(cc), dtype=bool)
        if reg.resolving and reg.geo is not None and gv is not None:
            gc = reg.geo.codes(np.maximum(gv, 0))
            known_gid = reg.found_of[gc]
            unknown_id = has_gid & ~known_gid
            # The registry holds cities of 15,000+; a smaller town is fine when named.
            named = unknown_id & ~city_empty & ~country_empty
            flagged.append(("geonames_named", named))
            flagged.append(("geonames_unknown", unknown_id & ~named))
            # Fill name and country from GeoNames; a contradicting country is an error.
            looked_country = reg.country_of[gc]
            city_s = np.where(known_gid & city_empty, reg.city_of[gc], city_s)
            flagged.append(
                ("country_clash", known_gid & ~country_empty & (country_s != looked_country))
            )
            country_s = np.where(known_gid & country_empty, looked_country, country_s)
            city_empty = self.city_empty_of[city_s]
            country_empty = self.country_empty_of[country_s]
        no_city = city_empty & ~has_gid
        flagged.append(("no_city", no_city))
        no_country = country_empty & place.raw_country_empty[cc] & ~has_gid & ~no_city
        flagged.append(("no_country", no_country))
        return city_s, country_s, no_city, flagged
