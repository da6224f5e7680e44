"""Imports of published signatory lists, matched to the city registry, all or nothing.

The files are read by :mod:`citydiplomacy.io.signatories` (no Django there); this module
matches each entry's place to one registry city and writes the signatures and the import
record in one transaction.

The matcher (:func:`_match_city`) and :class:`ImportReport` are this app's own, kept here
until the one city-name matcher of ``web/cities/services.py`` (``CityMatcher``) can take
its place (issue 15): see :func:`_match_city` for what that needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from citydiplomacy.io import signatories as signatory_files
from citydiplomacy.io.signatories import ListedSignatory as ListedSignatory
from citydiplomacy.web.cities.models import City, CityName, Country, normalise_name
from citydiplomacy.web.engagement.models import (
    Declaration,
    SignatoryImport,
    Signature,
    SignatureSource,
)
from citydiplomacy.web.engagement.services.common import (
    EngagementError,
    check_url,
)

#: Country names as signatory lists write them -> ISO 3166 alpha-2 (others match by name).
COUNTRY_ALIASES = {
    "usa": "US",
    "united states": "US",
    "united states of america": "US",
    "uk": "GB",
    "united kingdom": "GB",
    "gambia": "GM",
    "taiwan": "TW",
    "palestine": "PS",
    "democratic republic of the congo": "CD",
    "czech republic": "CZ",
    "south korea": "KR",
    "north macedonia": "MK",
    "kosovo": "XK",
    "turkey": "TR",
    "turkiye": "TR",
    "russia": "RU",
    "moldova": "MD",
    "ivory coast": "CI",
}


def _without_article(name: str) -> str:
    key = normalise_name(name)
    return key[4:] if key.startswith("the ") else key


def country_code(name: str) -> str | None:
    """ISO alpha-2 of a country as a list writes it ("the Netherlands", "USA"), or None."""
    key = _without_article(name)
    if not key:
        return None
    if key in COUNTRY_ALIASES:
        code = COUNTRY_ALIASES[key]
        return code if Country.objects.filter(pk=code).exists() else None
    for iso2, cname in Country.objects.values_list("iso2", "name"):
        if _without_article(cname) == key:
            return str(iso2)
    return None


@dataclass
class ImportReport:
    """The outcome of an import: counts, and every unmatched entry with its reason."""

    declaration: str
    source_name: str
    n_rows: int = 0
    n_matched: int = 0
    n_created: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.declaration}: {self.n_rows} signatories listed, {self.n_matched} matched to "
            f"the registry, {len(self.unmatched)} not matched, {self.n_created} signatures "
            "created"
        ]
        for u in self.unmatched:
            out.append(f"  row {u['row']}: {u['name']} ({u['place'] or '?'}): {u['reason']}")
        return out


def _match_city(place: str, iso2: str | None, europe_only: bool) -> tuple[City | None, str, bool]:
    """The registry city a listed place names: ``(city, reason if none, by its own name)``.

    A city's own name is tried first, then its alternate names; several candidates are
    ambiguous and none is chosen (the report says so).

    The same search as ``CityMatcher.named`` of ``web/cities/matching.py`` (own name, then
    normalised main name, then alternate names; within a country or a continent): replacing
    the look-up below with ``CityMatcher().named(place, country=iso2, continent="EU" if
    europe_only else None)`` keeps the reasons and the ``by its own name`` flag, once that
    matcher is the one matcher of issue 15."""
    if not place.strip():
        return None, "the list gives no place", False
    key = normalise_name(place)
    cities = City.objects.all()
    if iso2:
        cities = cities.filter(country_id=iso2)
    elif europe_only:
        cities = cities.filter(country__continent="EU")
    names = CityName.objects.filter(normalised=key, city__in=cities)
    by_main = True
    hits = list(cities.filter(name__iexact=place.strip()).values_list("pk", flat=True))
    if not hits:
        hits = list(names.filter(is_main=True).values_list("city_id", flat=True).distinct())
    if not hits:
        by_main = False
        hits = list(names.values_list("city_id", flat=True).distinct())
    where = f" in {iso2}" if iso2 else (" in Europe" if europe_only else "")
    if len(hits) == 1:
        return City.objects.select_related("country").get(pk=hits[0]), "", by_main
    if not hits:
        return (
            None,
            f"no city named {place!r}{where} in the registry (cities of 15,000 inhabitants "
            "or more)",
            False,
        )
    return None, f"{place!r}{where} matches {len(hits)} registry cities; not chosen", False


def read_listed(file_name: str, content: str) -> list[ListedSignatory]:
    """Entries of a signatory list file (see :func:`citydiplomacy.io.signatories.read_listed`).

    Raises
    ------
    EngagementError
        With every problem of the file, one a line, as ``file:line:column: expected ...``.
    """
    try:
        return signatory_files.read_listed(file_name, content)
    except signatory_files.SignatoryListError as exc:
        raise EngagementError(str(exc)) from exc


def import_signatories(
    declaration: Declaration,
    entries: Sequence[ListedSignatory],
    *,
    source_name: str,
    source_url: str,
    file_name: str,
    signed_at: dt.datetime | None,
    europe_only: bool = False,
) -> ImportReport:
    """Import a published list of signatories, all or nothing, matched to the registry.

    Each entry becomes an imported signature; when its place matches exactly one registry
    city (in the given country, or in Europe for a European network's list without
    countries) the signature is that city's, else it stays unmatched with the reason. A
    second entry for an already matched city stays unmatched too (one signature per city).
    Importing the same source again replaces nothing and adds nothing: it is refused.
    """
    check_url(source_url, "source_url")
    if not source_url:
        raise EngagementError("source_url: expected where the list is published")
    if Signature.objects.filter(declaration=declaration, source_url=source_url).exists():
        raise EngagementError(f"{source_url} has already been imported into {declaration.slug}")
    report = ImportReport(declaration.slug, source_name, n_rows=len(entries))
    taken = set(
        Signature.objects.filter(
            declaration=declaration, withdrawn_at__isnull=True, city__isnull=False
        ).values_list("city_id", flat=True)
    )
    codes: dict[str, str | None] = {}
    matches: list[tuple[City | None, str, bool]] = []
    for e in entries:
        iso2 = None
        if e.country:
            if e.country not in codes:
                codes[e.country] = country_code(e.country)
            iso2 = codes[e.country]
        if e.country and iso2 is None:
            matches.append((None, f"country {e.country!r} not recognised", False))
        else:
            matches.append(_match_city(e.place, iso2, europe_only and not e.country))
    # One signature per city: entries naming a city by its own name take it before entries
    # that reached it through an alternate name, then list order decides.
    order = sorted(range(len(entries)), key=lambda i: (not matches[i][2], i))
    for i in order:
        city, reason, _ = matches[i]
        if city is not None and city.pk in taken:
            matches[i] = (None, f"{city.name} already has a signature on this declaration", False)
        elif city is not None:
            taken.add(city.pk)
    rows: list[Signature] = []
    for e, (city, reason, _) in zip(entries, matches, strict=True):
        iso2 = codes.get(e.country) if e.country else None
        if city is not None:
            report.n_matched += 1
        else:
            report.unmatched.append(
                {"row": e.row, "name": e.name, "place": e.place, "reason": reason}
            )
        rows.append(
            Signature(
                declaration=declaration,
                city=city,
                country_id=city.country_id if city else iso2,
                signer_name=e.name[:200],
                signer_title=e.title[:300],
                capacity="mayor or city leader, as listed",
                signed_at=signed_at,
                source=SignatureSource.IMPORTED,
                source_name=source_name,
                source_url=source_url,
                listed_place=e.place[:200],
                listed_country=e.country[:100],
                match_note=reason[:300],
            )
        )
    with transaction.atomic():
        Signature.objects.bulk_create(rows)
        SignatoryImport.objects.create(
            declaration=declaration,
            source_name=source_name,
            source_url=source_url,
            file_name=file_name,
            n_rows=report.n_rows,
            n_matched=report.n_matched,
            unmatched=report.unmatched,
        )
    report.n_created = len(rows)
    return report
