"""Pass 4: one identity per city, and duplicates of (city, year, measure).

A city is its GeoNames id, else its case-folded name with its country; a row naming a city
that other rows identify by GeoNames id is that same city. Duplicates are found with an owner
table over the (city, year, measure) key space where it is small enough (one pass, O(n)),
else by hashing the considered rows. Reads ``gid``, ``city_code``, ``country_code``, ``year``,
``mcode``, ``considered`` and ``runs``; writes ``ident``, ``first_row`` and ``seen``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.validation.columns import Columns
from citydiplomacy.core.validation.identity import Registry
from citydiplomacy.core.validation.keys import Distinct, code_dtype, lut
from citydiplomacy.core.validation.state import Work

#: A slice of rows, or the first rows of its runs of one city.
Rows = slice | NDArray[np.intp]


@dataclass
class CityKeys:
    """How rows are turned into city keys: by GeoNames id code, else by name and country."""

    work: Work
    registry: Registry
    folded: list[str]  # the case-folded city texts
    fold_of: NDArray[np.int64]  # city text -> its case-folded form's position
    n_folded: int
    n_country: int
    names: Distinct = field(init=False)

    def rows_of(self, i: int, s: int, e: int) -> Rows:
        run = self.work.runs[i]
        return slice(s, e) if run is None else run[0] + s

    def name_keys(self, at: Rows) -> NDArray[np.int64]:
        w = self.work
        return np.asarray(
            self.fold_of[w.city_code[at]] * self.n_country + w.country_code[at], dtype=np.int64
        )

    def gid_codes(self, at: Rows) -> NDArray[np.integer]:
        geo, gid = self.registry.geo, self.work.gid
        if geo is None or gid is None:
            return np.full(len(self.work.city_code[at]), -1, dtype=np.intp)
        return geo.codes(np.maximum(gid[at], 0))


def city_keys(work: Work, cols: Columns, registry: Registry) -> CityKeys:
    folded = [t.casefold() for t in cols.place.city_texts]
    fold_pos = {t: i for i, t in enumerate(dict.fromkeys(folded))}
    keys = CityKeys(
        work,
        registry,
        folded,
        lut([fold_pos[t] for t in folded], np.int64),
        len(fold_pos),
        len(cols.place.country_texts) + 1,
    )
    keys.names = Distinct(keys.n_folded * keys.n_country)
    return keys


def _identities(keys: CityKeys) -> NDArray[np.int64]:
    """Identity of every city key: GeoNames id codes first, then the names without an id;
    a name that rows with one id also carry is that id's city."""
    work, names = keys.work, keys.names
    n_gids = len(keys.registry.gids)
    for i, (s, e) in enumerate(work.spans if work.gid is None or (work.gid <= 0).any() else ()):
        at = keys.rows_of(i, s, e)
        names.add(keys.name_keys(at)[keys.gid_codes(at) < 0])
    name_list = names.finish()
    identity_of = np.arange(n_gids + len(name_list), dtype=np.int64)
    if len(name_list) and n_gids:
        named_gid = Distinct(keys.n_folded * keys.n_country * n_gids)
        for i, (s, e) in enumerate(work.spans):
            at = keys.rows_of(i, s, e)
            gc = keys.gid_codes(at)
            with_id = gc >= 0
            named_gid.add(keys.name_keys(at)[with_id] * n_gids + gc[with_id])
        both = named_gid.finish()
        key_of, gid_of = np.divmod(both, n_gids)
        uniq, first, count = np.unique(key_of, return_index=True, return_counts=True)
        single = count == 1
        code = names.codes(uniq[single])
        use = code >= 0
        identity_of[n_gids + code[use]] = gid_of[first[single][use]]
    return identity_of


def assign_identities(keys: CityKeys) -> None:
    """Each row's city identity (``ident``), each identity's first row and whether it
    occurs (``first_row``, ``seen``)."""
    work = keys.work
    identity_of = _identities(keys)
    n_gids = len(keys.registry.gids)
    with_names = len(keys.names.keys) > 0
    n_ident = len(identity_of)
    work.first_row = np.full(n_ident, work.n, dtype=np.int64)
    work.ident = np.empty(work.n, dtype=code_dtype(n_ident))
    work.seen = np.zeros(n_ident, dtype=bool)
    for i, (s, e) in enumerate(work.spans):
        at = keys.rows_of(i, s, e)
        gc = keys.gid_codes(at)
        code: NDArray[np.integer]
        if with_names:
            code = identity_of[np.where(gc >= 0, gc, n_gids + keys.names.codes(keys.name_keys(at)))]
        else:  # every row has a GeoNames id: the id is the identity
            code = gc
        run = work.runs[i]
        if run is None:
            work.ident[s:e] = code
            # A city's first row starts a run of equal codes: only run starts are looked at.
            starts = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
        else:
            work.ident[s:e] = np.repeat(code, run[1])
            starts = np.arange(len(code))
        fresh = starts[~work.seen[code[starts]]]
        if len(fresh):
            first_rows = fresh if run is None else run[0][fresh]
            np.minimum.at(work.first_row, code[fresh], first_rows + s)
            work.seen[code[fresh]] = True


@dataclass
class KeySpace:
    """(identity, year, measure) as one integer: ``(ident * span + year - base) * stride +
    mcode + 1``; rows left out of the search get the extra slot ``space``."""

    span: int
    base: int
    stride: int
    space: int

    @classmethod
    def of(cls, work: Work, n_measures: int) -> KeySpace:
        n_ident = len(work.seen)
        found_years = work.year_max >= work.year_min
        span = work.year_max - work.year_min + 1 if found_years else 1
        stride = n_measures + 1
        return cls(span, work.year_min if found_years else 0, stride, n_ident * span * stride)

    def of_rows(self, work: Work, at: slice | NDArray[np.intp]) -> NDArray[np.int64]:
        key = (work.ident[at].astype(np.int64) * self.span + (work.year[at] - self.base)) * (
            self.stride
        )
        key += work.mcode[at] + 1
        return key

    def of_slice(self, work: Work, s: int, e: int) -> NDArray[np.int64]:
        key = self.of_rows(work, slice(s, e))
        key[~work.considered[s:e]] = self.space  # a slot for the rows left out of the check
        return key


def _suspects(work: Work, space: KeySpace) -> NDArray[np.int64]:
    """Rows that may be duplicates: all considered rows, or (dense key space) those whose
    key another row holds too."""
    # A dense table of keys is O(n) and cache-friendly; hashing ten million keys is not.
    if not (space.space < 2**31 - 1 and space.space <= 4 * work.n + 10_000_000):
        return np.flatnonzero(work.considered)
    # owner[key]: a row holding the key. A row whose key an earlier slice holds, or that
    # loses the key to another row of its own slice, is a duplicate: its key is "hot".
    owner = np.full(space.space + 1, -1, dtype=np.int32)
    hot = np.zeros(space.space + 1, dtype=bool)
    for s, e in work.spans:
        key = space.of_slice(work, s, e)
        slice_rows = np.arange(s, e, dtype=np.int32)
        clash = owner[key] >= 0
        owner[key] = slice_rows
        clash |= owner[key] != slice_rows
        hot[key[clash]] = True
    del owner
    hot[space.space] = False
    return np.concatenate(
        [np.flatnonzero(hot[space.of_slice(work, s, e)]) + s for s, e in work.spans]
    )


def find_duplicates(
    work: Work, n_measures: int, max_problems: int
) -> tuple[NDArray[np.int64], dict[int, int]]:
    """The duplicate rows (every row after the first of its key) and, for the first
    ``max_problems + 1`` of them, the row they repeat."""
    space = KeySpace.of(work, n_measures)
    suspect = _suspects(work, space)
    if not len(suspect):
        return np.zeros(0, dtype=np.int64), {}
    dup_keys = pd.Series(space.of_rows(work, suspect))
    later = dup_keys.duplicated(keep="first").to_numpy()
    dup = suspect[later]
    first_index = pd.Series(suspect).groupby(dup_keys.to_numpy()).first()
    first_of = {
        int(i): int(first_index.loc[dup_keys.iloc[j]])
        for j, i in zip(
            np.flatnonzero(later)[: max_problems + 1].tolist(),
            dup[: max_problems + 1].tolist(),
            strict=True,
        )
    }
    return dup, first_of


def check_duplicates(
    work: Work, cols: Columns, registry: Registry, n_measures: int, max_problems: int
) -> tuple[NDArray[np.int64], dict[int, int], list[str]]:
    """Pass 4: identities, then duplicates; returns the duplicates, the rows they repeat and
    the case-folded city texts (the clean table's unit keys)."""
    keys = city_keys(work, cols, registry)
    assign_identities(keys)
    dup, first_of = find_duplicates(work, n_measures, max_problems)
    return dup, first_of, keys.folded
