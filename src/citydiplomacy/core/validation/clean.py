"""The validated long table: one row per observation, cities numbered in order of first
appearance, text columns as categoricals (no Python string per row)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.validation.keys import code_dtype, lut, strings


def categorical(codes: NDArray[np.integer], categories: list[str]) -> pd.Categorical[Any]:
    """A categorical from codes known to be valid, in the dtype pandas keeps (no re-check)."""
    return pd.Categorical.from_codes(
        codes.astype(code_dtype(len(categories)), copy=False),
        dtype=pd.CategoricalDtype(pd.Index(categories)),
        validate=False,
    )


def clean_long(
    framework: Framework,
    df: pd.DataFrame,
    rows: NDArray[np.int32] | NDArray[np.int64],
    *,
    ident: NDArray[np.integer],
    first_row: NDArray[np.int64],
    seen: NDArray[np.bool_],
    gids: NDArray[np.int64],
    gid: NDArray[np.int32] | None,
    city_code: NDArray[np.integer],
    city_texts: list[str],
    folded: list[str],
    country_code: NDArray[np.integer],
    country_texts: list[str],
    year: NDArray[np.int16],
    mcode: NDArray[np.integer],
    value: NDArray[np.float64],
    verified: NDArray[np.bool_],
) -> pd.DataFrame:
    """The validated long table; units (cities) numbered in order of first appearance."""
    present = np.flatnonzero(seen)
    order = present[np.argsort(first_row[present], kind="stable")]
    unit_type = code_dtype(len(order))
    unit_of_ident = np.full(len(seen), -1, dtype=unit_type)
    unit_of_ident[order] = np.arange(len(order), dtype=unit_type)
    unit_code = unit_of_ident[ident]
    firsts = first_row[order].tolist()
    n_gids = len(gids)
    # Per city: the first row's spelling of its name, its country and GeoNames id.
    unit_keys = [
        f"geonames:{gids[u]}"
        if u < n_gids
        else f"{folded[city_code[r]]}|{country_texts[country_code[r]]}"
        for u, r in zip(order.tolist(), firsts, strict=True)
    ]
    unit_city = [city_texts[city_code[r]] for r in firsts]
    unit_country = [country_texts[country_code[r]] for r in firsts]
    city_cats = list(dict.fromkeys(unit_city))
    country_cats = list(dict.fromkeys(unit_country))
    city_idx = {c: i for i, c in enumerate(city_cats)}
    country_idx = {c: i for i, c in enumerate(country_cats)}
    measures = framework.measures
    nodes_dp = [
        framework.text(m, "data_point") if framework.level(m) == 0 else "" for m in measures
    ]
    kpis = list(framework.kpis)
    kpi_idx = {k: i for i, k in enumerate(kpis)}
    # Lookup tables in the codes' final dtype, so that each column is one gather, no cast.
    kpi_of_measure = lut([kpi_idx[framework.kpi_of(m)] for m in measures], code_dtype(len(kpis)))
    dp_cats = list(dict.fromkeys(nodes_dp))
    dp_of_measure = lut([dp_cats.index(d) for d in nodes_dp], code_dtype(len(dp_cats)))
    n = len(value)
    if gid is not None:
        gid_array = pd.arrays.IntegerArray(gid, gid <= 0)  # -1 (none) is masked
    else:
        gid_array = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int32), np.ones(n, dtype=bool))
    columns: dict[str, Any] = {
        "unit": categorical(unit_code, unit_keys),
        "city": categorical(
            lut([city_idx[c] for c in unit_city], code_dtype(len(city_cats)))[unit_code],
            city_cats,
        ),
        "country": categorical(
            lut([country_idx[c] for c in unit_country], code_dtype(len(country_cats)))[unit_code],
            country_cats,
        ),
        "geonames_id": gid_array,
        "year": year,
        "measure": categorical(mcode, list(measures)),
        "kpi": categorical(kpi_of_measure[mcode], kpis),
        "data_point": categorical(dp_of_measure[mcode], dp_cats),
        "value": value,
    }
    for extra in ("source", "note"):
        if extra in df.columns:
            ecodes, etexts = strings(df[extra])
            cats = list(dict.fromkeys(etexts))
            if cats == etexts and ecodes.min(initial=0) >= 0:  # already distinct, none missing
                columns[extra] = categorical(ecodes, cats)
            else:
                remap = lut([cats.index(t) for t in etexts], np.int32)
                columns[extra] = categorical(remap[ecodes], cats)
        else:
            columns[extra] = categorical(np.zeros(n, dtype=np.int8), [""])
    columns["verified"] = verified
    columns["row"] = rows
    return pd.DataFrame(columns, copy=False)
