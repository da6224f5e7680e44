"""Imports of published signatory lists, matched to the city registry, all or nothing.

The files are read by :mod:`citydiplomacy.io.signatories` (no Django there); this module
matches each entry's place to one registry city with the platform's one city-name matcher
(:meth:`~citydiplomacy.web.cities.matching.CityMatcher.named`), its country with the one
country-name rule (:func:`~citydiplomacy.web.cities.services.country_named`, plus the
spellings lists use), and writes the signatures and the import record in one transaction.
The outcome is the platform's one :class:`~citydiplomacy.io.import_report.ImportReport`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from citydiplomacy.io import signatories as signatory_files
from citydiplomacy.io.import_report import ImportReport as ImportReport
from citydiplomacy.io.signatories import ListedSignatory as ListedSignatory
from citydiplomacy.web.cities.matching import CityMatcher
from citydiplomacy.web.cities.models import City, Country, normalise_name
from citydiplomacy.web.cities.services import country_named
from citydiplomacy.web.engagement.models import (
    Declaration,
    DeclarationStatus,
    SignatoryImport,
    Signature,
    SignatureSource,
)
from citydiplomacy.web.engagement.services.common import (
    EngagementError,
    check_url,
)

#: Country names as signatory lists write them -> ISO 3166 alpha-2, for the spellings that
#: :func:`~citydiplomacy.web.cities.services.country_named` does not know (others match by
#: name, code or translation there).
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

#: Why an entry is not matched: the report counts entries by these, each entry's own line
#: (and its signature's ``match_note``) says it in full.
NO_PLACE = "no place given"
UNKNOWN_COUNTRY = "country not recognised"
NOT_FOUND = "no registry city of that name"
AMBIGUOUS = "several registry cities of that name"
ALREADY_SIGNED = "the city already has a signature on the declaration"


def country_code(name: str) -> str | None:
    """ISO alpha-2 of a country as a list writes it ("the Netherlands", "USA"), or None."""
    key = normalise_name(name)
    if not key:
        return None
    bare = key[4:] if key.startswith("the ") else key
    if bare in COUNTRY_ALIASES:
        code = COUNTRY_ALIASES[bare]
        return code if Country.objects.filter(pk=code).exists() else None
    return country_named(name) or (country_named(bare) if bare != key else None)


def _match(
    matcher: CityMatcher, place: str, iso2: str | None, europe_only: bool
) -> tuple[int | None, str, str, bool]:
    """The registry city a listed place names: ``(id, reason, reason in full, by own name)``.

    A city's own name is tried before its alternate names; several candidates are ambiguous
    and none is chosen (the report says so, with the candidates' GeoNames ids)."""
    if not place.strip():
        return None, NO_PLACE, "the list gives no place", False
    ids, by_own_name = matcher.named(place, country=iso2, continent="EU" if europe_only else None)
    where = f" in {iso2}" if iso2 else (" in Europe" if europe_only else "")
    if len(ids) == 1:
        return ids[0], "", "", by_own_name
    if not ids:
        return (
            None,
            NOT_FOUND,
            f"no city named {place!r}{where} in the registry (cities of 15,000 inhabitants "
            "or more)",
            False,
        )
    shown = ", ".join(map(str, sorted(ids)[:5])) + (", ..." if len(ids) > 5 else "")
    return (
        None,
        AMBIGUOUS,
        f"{place!r}{where} matches {len(ids)} registry cities (GeoNames ids {shown}); not chosen",
        False,
    )


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
    countries) the signature is that city's, else it stays unmatched with the reason (on the
    signature, in the import record and in the report). A second entry for an already
    matched city stays unmatched too (one signature per city). Importing the same source
    again replaces nothing and adds nothing: it is refused.

    Returns
    -------
    ImportReport
        ``into`` the declaration's slug, from ``source_name``; one line per unmatched entry
        (``row 6: Nobody (Atlantis): country 'Atlantis' not recognised``).
    """
    if declaration.status == DeclarationStatus.DRAFT:
        # A published list signs an adopted text; signatures on a draft would also show its
        # title wherever the city's signatures are listed.
        raise EngagementError(
            f"{declaration.slug} is a draft: signatories can be imported into an adopted "
            "declaration only"
        )
    check_url(source_url, "source_url")
    if not source_url:
        raise EngagementError("source_url: expected where the list is published")
    if Signature.objects.filter(declaration=declaration, source_url=source_url).exists():
        raise EngagementError(f"{source_url} has already been imported into {declaration.slug}")
    report = ImportReport(source_name, rows=len(entries), into=declaration.slug)
    taken = set(
        Signature.objects.filter(
            declaration=declaration, withdrawn_at__isnull=True, city__isnull=False
        ).values_list("city_id", flat=True)
    )
    matcher = CityMatcher()
    codes: dict[str, str | None] = {}
    matches: list[tuple[int | None, str, str, bool]] = []
    for e in entries:
        iso2 = None
        if e.country:
            if e.country not in codes:
                codes[e.country] = country_code(e.country)
            iso2 = codes[e.country]
        if e.country and iso2 is None:
            why = f"country {e.country!r} not recognised"
            matches.append((None, UNKNOWN_COUNTRY, why, False))
        else:
            matches.append(_match(matcher, e.place, iso2, europe_only and not e.country))
    cities = City.objects.in_bulk([m[0] for m in matches if m[0] is not None])
    # One signature per city: entries naming a city by its own name take it before entries
    # that reached it through an alternate name, then list order decides.
    order = sorted(range(len(entries)), key=lambda i: (not matches[i][3], i))
    for i in order:
        city_id = matches[i][0]
        if city_id is not None and city_id in taken:
            why = f"{cities[city_id].name} already has a signature on this declaration"
            matches[i] = (None, ALREADY_SIGNED, why, False)
        elif city_id is not None:
            taken.add(city_id)
    rows: list[Signature] = []
    records: list[dict[str, Any]] = []
    for e, (city_id, reason, why, _) in zip(entries, matches, strict=True):
        city = cities[city_id] if city_id is not None else None
        if city is not None:
            report.matched += 1
        else:
            report.not_matched(f"row {e.row}: {e.name} ({e.place or '?'}): {why}", reason)
            records.append({"row": e.row, "name": e.name, "place": e.place, "reason": why})
        rows.append(
            Signature(
                declaration=declaration,
                city=city,
                country_id=city.country_id if city else codes.get(e.country),
                signer_name=e.name[:200],
                signer_title=e.title[:300],
                capacity="mayor or city leader, as listed",
                signed_at=signed_at,
                source=SignatureSource.IMPORTED,
                source_name=source_name,
                source_url=source_url,
                listed_place=e.place[:200],
                listed_country=e.country[:100],
                match_note=why[:300],
            )
        )
    with transaction.atomic():
        Signature.objects.bulk_create(rows)
        SignatoryImport.objects.create(
            declaration=declaration,
            source_name=source_name,
            source_url=source_url,
            file_name=file_name,
            n_rows=report.rows,
            n_matched=report.matched,
            unmatched=records,
        )
    report.created = len(rows)
    return report
