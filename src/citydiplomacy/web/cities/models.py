"""Countries and cities, seeded from GeoNames (credit: GeoNames, CC BY 4.0).

Search is by prefix on normalised text (:func:`normalise_name`), as a range on an indexed
column: ``CityName`` holds every name of a city, ``CityWord`` every tail of a name from its
second word on ("francisco" of "san francisco"), so that a later word matches too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

#: Longest normalised text stored and searched (the width of the ``normalised`` columns).
MAX_NORMALISED = 200
#: Where a later word of a name starts: after blanks, hyphens, apostrophes, dots, slashes,
#: commas and brackets ("saint-denis", "l'aquila", "st. louis").
_WORD_BREAK = re.compile(r"[\s\-\u2010\u2011'\u2019./,()]+")


def normalise_name(text: str) -> str:
    """Lower case without accents, for search: 'Genève' -> 'geneve'; other scripts kept.

    Compatibility forms are decomposed before and after case folding, so the result is stable
    ('ᴬ' -> 'a', not 'A'): ``normalise_name(normalise_name(x)) == normalise_name(x)``.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def name_tails(normalised: str, min_length: int = 2) -> list[str]:
    """The tails of a normalised name that start at its second, third, ... word.

    Parameters
    ----------
    normalised
        A name as :func:`normalise_name` returns it.
    min_length
        Shorter tails are left out (a lone "d" matches too much to help).

    Returns
    -------
    list of str
        ``"rio de janeiro"`` -> ``["de janeiro", "janeiro"]``; ``"saint-denis"`` ->
        ``["denis"]``; a one-word name gives ``[]``.
    """
    tails = []
    for match in _WORD_BREAK.finditer(normalised):
        tail = normalised[match.end() :]
        if len(tail) >= min_length and match.start() > 0:
            tails.append(tail[:MAX_NORMALISED])
    return tails


def prefix_range(column: str, prefix: str) -> Q:
    """``column`` starts with ``prefix``, as a range that an index on ``column`` serves:
    ``prefix <= column < successor``, where the successor raises the prefix's last character
    by one ("gen" -> "geo"). Exact for text compared by code point (SQLite's default binary
    collation, PostgreSQL's "C"); LIKE 'gen%' would not use the index on SQLite."""
    upper = prefix.rstrip("\U0010ffff")
    if not upper:
        return Q(**{f"{column}__gte": prefix})
    following = ord(upper[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not text; skip past them
        following = 0xE000
    upper = upper[:-1] + chr(following)
    return Q(**{f"{column}__gte": prefix, f"{column}__lt": upper})


class Country(models.Model):
    """A country or territory with its ISO 3166 codes."""

    iso2 = models.CharField("ISO 3166-1 alpha-2", max_length=2, primary_key=True)
    iso3 = models.CharField("ISO 3166-1 alpha-3", max_length=3, unique=True)
    name = models.CharField(max_length=100)
    continent = models.CharField(max_length=2, help_text="GeoNames continent code")
    continent_name = models.CharField(max_length=30)
    region = models.CharField(max_length=60, blank=True, help_text="UN M49 sub-region")
    capital = models.CharField(max_length=100, blank=True)
    population = models.BigIntegerField(null=True, blank=True)
    area_km2 = models.FloatField(null=True, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    geonames_id = models.IntegerField(null=True, blank=True)
    m49_region: models.CharField[str, str] = models.CharField(
        "M49 region", max_length=20, blank=True, help_text="UN M49 region (Africa, Americas...)"
    )
    intermediate_region: models.CharField[str, str] = models.CharField(
        max_length=60, blank=True, help_text="UN M49 intermediate region, where there is one"
    )
    income_group: models.CharField[str, str] = models.CharField(
        max_length=2,
        blank=True,
        choices=[
            ("L", "Low income"),
            ("LM", "Lower-middle income"),
            ("UM", "Upper-middle income"),
            ("H", "High income"),
        ],
        help_text="World Bank income group; empty where the World Bank does not classify",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return str(self.name)


class CityQuerySet(models.QuerySet["City"]):
    def search(self, query: str) -> Self:
        """Cities found by ``query``, largest population first.

        A city matches when one of its names (accents and case ignored, any script) or a
        later word of one starts with ``query``, or when its country is ``query``: an ISO
        3166 alpha-2 or alpha-3 code, or the country's name. Every text test is a range on an
        indexed column, so the search stays fast on the whole registry.

        Parameters
        ----------
        query
            What a person typed; any text (control characters are dropped).

        Returns
        -------
        QuerySet
            Empty when ``query`` has nothing to search for.
        """
        q = search_text(query)
        if not q:
            return self.none()
        names = CityName.objects.filter(prefix_range("normalised", q)).values("city_id")
        words = CityWord.objects.filter(prefix_range("normalised", q)).values("city_id")
        # One IN over a UNION: a semi-join on both backends (two ORed INs made PostgreSQL
        # scan every city, 3-4 times slower).
        condition = Q(pk__in=names.union(words))
        countries = _countries_named(q)
        if countries:
            condition |= Q(country_id__in=countries)
        return self.filter(condition).order_by("-population", "name", "pk")

    def suggest(self, query: str, limit: int = 10) -> list[City]:
        """At most ``limit`` cities for an autocomplete list: first those whose own name starts
        with ``query``, then the rest of :meth:`search`, each group largest first.

        Two small queries, each a range on an indexed column: "par" gives Paris before a larger
        city that has an alternate name starting with "par".
        """
        q = search_text(query)
        if not q or limit <= 0:
            return []
        main = CityName.objects.filter(prefix_range("normalised", q), is_main=True)
        ordered = self.select_related("country").order_by("-population", "name", "pk")
        found = list(ordered.filter(pk__in=main.values("city_id"))[:limit])
        if len(found) < limit:
            rest = self.search(query).select_related("country")
            found += rest.exclude(pk__in=[c.pk for c in found])[: limit - len(found)]
        return found

    def in_country(self, iso2: str) -> Self:
        """Cities of one country (ISO 3166 alpha-2, any case)."""
        return self.filter(country_id=iso2.upper())


def localised_city_name(geonames_id: int, name: str, lang: str | None = None) -> str:
    """``name`` of the city ``geonames_id`` in ``lang`` (default: the active language) where
    the packaged list of names in that language has one, else ``name`` as it is."""
    lang = (lang or translation.get_language() or "en").split("-")[0]
    if lang == "en":
        return name
    # Imported here: the reports package pulls in pandas, which starting Django must not.
    from citydiplomacy.reports.localise import city_names

    return city_names(lang).get(geonames_id, name)


def search_text(query: str) -> str:
    """``query`` as search compares it: normalised, without control characters, at most
    :data:`MAX_NORMALISED` long."""
    kept = "".join(
        ch for ch in query if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    return normalise_name(kept)[:MAX_NORMALISED].strip()


def _countries_named(q: str) -> list[str]:
    """ISO alpha-2 codes of the countries whose code or name is the normalised text ``q``."""
    if len(q) in (2, 3) and q.isascii() and q.isalpha():
        field = "iso2" if len(q) == 2 else "iso3"
        found = list(Country.objects.filter(**{field: q.upper()}).values_list("iso2", flat=True))
        if found:
            return found
    rows = Country.objects.values_list("iso2", "name")
    return [iso2 for iso2, name in rows if _normalised_country(name) == q]


@lru_cache(maxsize=2048)
def _normalised_country(name: str) -> str:
    return normalise_name(name)


class City(models.Model):
    """A city of the GeoNames registry; ``id`` is the GeoNames id."""

    id = models.IntegerField("GeoNames id", primary_key=True)
    name = models.CharField(max_length=200, db_index=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="cities")
    admin1_code = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.BigIntegerField(default=0)
    timezone = models.CharField(max_length=40, blank=True)
    feature_code = models.CharField(
        max_length=10,
        blank=True,
        help_text="GeoNames feature code (PPLC capital, PPLA seat of a first-order division, "
        "PPLX section of a city ...); blank when unknown",
    )

    objects = CityQuerySet.as_manager()

    class Meta:
        ordering = ["-population", "name"]
        verbose_name_plural = "cities"
        indexes = [models.Index(fields=["country", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_id})"

    @property
    def local_name(self) -> str:
        """The city's name in the active language: its French name on a French page ("Genève"),
        from the same list the French report reads (``reports.localise.city_names``, each one of
        the city's GeoNames alternate names); otherwise :attr:`name`."""
        return localised_city_name(self.pk, str(self.name))

    @property
    def geonames_url(self) -> str:
        return f"https://www.geonames.org/{self.id}"

    @property
    def coordinates_label(self) -> str:
        """'46.2022° N, 6.1457° E': the coordinates in words a screen reader reads well."""
        lat = f"{abs(self.latitude):.4f}° {'N' if self.latitude >= 0 else 'S'}"
        lon = f"{abs(self.longitude):.4f}° {'E' if self.longitude >= 0 else 'W'}"
        return f"{lat}, {lon}"


class CityName(models.Model):
    """The name and every alternate name of a city, normalised for prefix search."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    normalised = models.CharField(max_length=200, db_index=True)
    is_main: models.BooleanField[bool, bool] = models.BooleanField(
        default=False, help_text="the city's own name (ranked first by suggestions)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "normalised"], name="unique_city_name")
        ]

    def __str__(self) -> str:
        return str(self.name)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, and add the name's later words to :class:`CityWord` (the seeding service
        bulk-creates both tables itself)."""
        city_id = getattr(self, "city_id", None)
        if not self.is_main and city_id is not None:
            self.is_main = normalise_name(self.city.name)[:MAX_NORMALISED] == self.normalised
        super().save(*args, **kwargs)
        for tail in name_tails(self.normalised):
            CityWord.objects.get_or_create(city=self.city, normalised=tail)


class CityWord(models.Model):
    """A tail of a city's name from a later word on, normalised: "francisco" for San
    Francisco, "york" for New York; a prefix search on it finds a city by a later word."""

    city: models.ForeignKey[City, City] = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="words"
    )
    normalised: models.CharField[str, str] = models.CharField(
        max_length=MAX_NORMALISED, db_index=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "normalised"], name="unique_city_word")
        ]

    def __str__(self) -> str:
        return str(self.normalised)


class CityFact(models.Model):
    """A fact about a city from an open source, with its year and its source.

    Facts are context beside the KPI profile (the U4SSC KPIs are submitted by the cities);
    each import replaces all facts of its source, so re-running it is idempotent.
    """

    class Kind(models.TextChoices):
        POPULATION_CITY_PROPER = "population_city_proper", _("Population (city proper)")
        POPULATION_AGGLOMERATION = "population_agglomeration", _("Population (urban agglomeration)")
        NET_ZERO_TARGET = "net_zero_target", _("Climate target")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="facts")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    source = models.CharField(max_length=40, help_text="short key of the source (one import)")
    year = models.IntegerField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    text = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    source_name = models.CharField(max_length=200)
    source_url = models.URLField(max_length=500, blank=True)
    licence = models.CharField(max_length=60, blank=True)
    matched_as = models.CharField(
        max_length=300, blank=True, help_text="the source's own name of the city, as matched"
    )

    class Meta:
        ordering = ["city", "kind", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["city", "kind", "source"], name="one_fact_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.city}: {self.get_kind_display()} ({self.source_name})"
