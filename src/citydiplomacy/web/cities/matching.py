"""The one city-name matcher: places named in imported files, forms and commands, found in the
GeoNames registry.

:class:`CityMatcher` answers three questions, each with a reason when it finds no single city:

* :meth:`CityMatcher.match` / :meth:`CityMatcher.candidates`: a name within an ISO country (or a
  GeoNames id), by the city's own name first, then its alternate names, most populous first
  (uploads, forum participants, capacity files, the command line);
* :meth:`CityMatcher.most_populous`: the largest namesake within a country, trying the
  :func:`spellings` of a source's name (open facts about large cities);
* :meth:`CityMatcher.named`: a name within a country, a continent or anywhere, own names
  before alternate names, with whether the own name matched (signatory lists);
* :meth:`CityMatcher.locate`: a place given by a label and coordinates, matched when one of a
  registry city's names is a variant of the label (:func:`name_variants`) within
  :data:`MATCH_KM`, else by name within the country (open partnership and network files).

The coordinate index is built on the first :meth:`~CityMatcher.locate` call and kept by the
matcher, so one matcher serves a whole import.
"""

from __future__ import annotations

import math
import re

import numpy as np
from django.utils.translation import gettext_noop
from scipy.spatial import cKDTree

from citydiplomacy.errors import Words, words
from citydiplomacy.web.cities.models import City, CityName, normalise_name

EARTH_KM = 6371.0088
#: A place and a registry city match when one of the city's names is the place's name and
#: they are at most this far apart.
MATCH_KM = 20.0
_PREFIXES = ("city of ", "ville de ", "stadt ", "comune di ", "municipality of ")


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Unit vectors of points on the sphere: chords between them order like great circles."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def name_variants(label: str) -> set[str]:
    """Normalised forms of a place label: whole, before a comma, bracket or slash ("Porcia,
    Friuli-Venezia Giulia" -> "porcia"), without "City of" and its like."""
    base = normalise_name(label)
    out = {base}
    for sep in (",", " (", "/"):
        if sep in base:
            out.add(base.split(sep)[0].strip())
    for prefix in _PREFIXES:
        for v in list(out):
            if v.startswith(prefix):
                out.add(v[len(prefix) :])
    return {v for v in out if v}


def spellings(name: str) -> list[str]:
    """The spellings to try for a source's city name (as written, not normalised): as given,
    without a bracketed part or a trailing ", XX" state/country code, and the bracketed part
    itself ("ALGIERS (EL DJAZAIR)" gives "ALGIERS (EL DJAZAIR)", "ALGIERS", "EL DJAZAIR")."""
    variants = [name.strip()]
    bracket = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    if bracket:
        variants += [bracket.group(1).strip(), bracket.group(2).strip()]
    suffix = re.match(r"^(.*?),\s*[A-Z]{2,3}$", name.strip())
    if suffix:
        variants.append(suffix.group(1).strip())
    return [v for v in dict.fromkeys(variants) if v]


class _Index:
    """Every registry city's position and normalised names, for :meth:`CityMatcher.locate`."""

    def __init__(self) -> None:
        rows = list(City.objects.values_list("pk", "latitude", "longitude", "country_id"))
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.country = {int(r[0]): str(r[3]) for r in rows}
        lat = np.array([r[1] for r in rows], dtype=float)
        lon = np.array([r[2] for r in rows], dtype=float)
        self.xyz = _unit(lat, lon) if rows else np.zeros((0, 3))
        self.tree = cKDTree(self.xyz) if rows else None
        self.names: dict[int, set[str]] = {}
        self.by_name: dict[tuple[str, str], list[int]] = {}
        for cid, norm in CityName.objects.values_list("city_id", "normalised").iterator(
            chunk_size=20000
        ):
            self.names.setdefault(int(cid), set()).add(str(norm))
            self.by_name.setdefault((str(norm), self.country.get(int(cid), "")), []).append(
                int(cid)
            )


class CityMatcher:
    """Places cities given by name and country, by GeoNames id, or by label and coordinates,
    in the registry (see the module's docstring)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], list[int]] = {}
        self._index: _Index | None = None

    # ---------------------------------------------------------------- by name and country
    def candidates(self, name: str, country: str) -> list[int]:
        """Registry ids of the cities of ``country`` named ``name`` (primary name first, then
        alternate names; most populous first)."""
        key = (normalise_name(name), country.upper())
        if key not in self._by_key:
            primary = list(
                City.objects.filter(country_id=key[1], name__iexact=name)
                .order_by("-population", "pk")
                .values_list("pk", flat=True)
            )
            if not primary:
                primary = list(
                    City.objects.filter(
                        country_id=key[1],
                        pk__in=CityName.objects.filter(normalised=key[0]).values("city_id"),
                    )
                    .order_by("-population", "pk")
                    .values_list("pk", flat=True)
                )
            self._by_key[key] = primary
        return self._by_key[key]

    def match(self, name: str, country: str, geonames_id: int | None) -> tuple[int | None, str]:
        """Registry id, or ``None`` with the reason (in English)."""
        city_id, why = self.match_worded(name, country, geonames_id)
        return city_id, why.text

    def match_worded(
        self, name: str, country: str, geonames_id: int | None
    ) -> tuple[int | None, Words]:
        """:meth:`match` with the reason as :class:`~citydiplomacy.errors.Words`, which a
        page writes in its reader's language (an upload's problems)."""
        if geonames_id is not None:
            if City.objects.filter(pk=geonames_id).exists():
                return geonames_id, words("")
            return None, words(
                gettext_noop("GeoNames id %(id)s is not in the city registry"), id=geonames_id
            )
        hits = self.candidates(name, country)
        if len(hits) == 1:
            return hits[0], words("")
        if not hits:
            return None, words(
                gettext_noop(
                    "no city %(name)s in %(country)s in the registry (cities of 15,000 "
                    "inhabitants or more); check the spelling or give its geonames_id"
                ),
                name=repr(name),
                country=country,
            )
        return None, words(
            gettext_noop(
                "%(name)s (%(country)s) matches %(count)s registry cities (GeoNames ids "
                "%(ids)s); add a geonames_id column to say which"
            ),
            name=repr(name),
            country=country,
            count=len(hits),
            ids=", ".join(map(str, hits[:5])),
        )

    def most_populous(self, name: str, country: str) -> tuple[int | None, int]:
        """The most populous city of ``country`` that the first matching of
        :func:`spellings` of ``name`` names, and how many cities that spelling names (more
        than one: the source's name was ambiguous; 0: no match). For sources of facts
        about large cities, where the largest namesake is the one meant."""
        for variant in spellings(name):
            hits = self.candidates(variant, country)
            if hits:
                return hits[0], len(hits)
        return None, 0

    def named(
        self, name: str, *, country: str | None = None, continent: str | None = None
    ) -> tuple[list[int], bool]:
        """Registry ids of the cities named ``name`` and whether their own name matched.

        The city's own name is tried first (as written, case ignored; then its normalised
        main name), then its alternate names. ``country`` (ISO alpha-2) or ``continent``
        (GeoNames code, ``"EU"``) narrows the search.

        Returns
        -------
        tuple
            ``(ids, by_own_name)``; ``ids`` is empty when no city has the name, and has
            several entries when the name is ambiguous (the caller decides).
        """
        if not name.strip():
            return [], False
        key = normalise_name(name)
        cities = City.objects.all()
        if country:
            cities = cities.filter(country_id=country.upper())
        elif continent:
            cities = cities.filter(country__continent=continent)
        names = CityName.objects.filter(normalised=key, city__in=cities)
        hits = list(cities.filter(name__iexact=name.strip()).values_list("pk", flat=True))
        if not hits:
            hits = list(names.filter(is_main=True).values_list("city_id", flat=True).distinct())
        if hits:
            return hits, True
        return list(names.values_list("city_id", flat=True).distinct()), False

    # ---------------------------------------------------------------- by coordinates
    def locate(
        self, label: str, lat: float | None, lon: float | None, country: str = ""
    ) -> tuple[int | None, str]:
        """The registry city of a place given by label and coordinates.

        With coordinates, the nearest city within :data:`MATCH_KM` one of whose names is a
        variant of ``label``; else (or when none is that near) the one city of ``country``
        with such a name.

        Returns
        -------
        tuple
            ``(GeoNames id, "")``, or ``(None, reason)``.
        """
        if self._index is None:
            self._index = _Index()
        index = self._index
        variants = name_variants(label)
        if lat is not None and lon is not None and index.tree is not None:
            here = _unit(np.array([lat]), np.array([lon]))[0]
            chord = 2.0 * math.sin(MATCH_KM / EARTH_KM / 2.0)
            near = index.tree.query_ball_point(here, chord)
            pos = {int(index.ids[i]): i for i in near}
            hits = [c for c in pos if index.names.get(c, set()) & variants]
            if hits:
                return min(hits, key=lambda c: float(((index.xyz[pos[c]] - here) ** 2).sum())), ""
        if country:
            found = sorted(
                {c for v in variants for c in index.by_name.get((v, country.upper()), [])}
            )
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                return None, "name shared by several registry cities"
        if lat is None:
            return None, "no registry city (15,000+ inhabitants) of that name in the country"
        return None, f"no registry city (15,000+ inhabitants) of that name within {MATCH_KM:.0f} km"
