"""Downloads of the engagement tables that :mod:`.exports` did not cover yet, as CSV or XLSX
(issue 19, item 2): every table of a declaration's and a commitment's pages has its download.

* ``/declarations/<slug>/versions.csv|xlsx``: the versions page's table (every version, by
  number), each with the address of its plain text;
* ``/declarations/<slug>/signatures-by-country.csv|xlsx`` and
  ``/declarations/<slug>/signatures-by-region.csv|xlsx``: the counts of a declaration's page
  (live signatures), in the page's order;
* ``/declarations/<slug>/withdrawn-signatures.csv|xlsx``: the withdrawn signatures (kept on
  record), the latest withdrawal first: every one of them, the page listing the first 200;
* ``/commitments/<id>/values.csv|xlsx``: a commitment's "expected and reported values by year",
  the reported values being the KPI values this viewer may read.

Each goes through the project's one export path (:func:`citydiplomacy.web.downloads.table_response`:
the spreadsheet guard against formulas and the shared writer) and asks the pages' own rules
who may see what: a draft declaration is a 404 for whoever may not read it (as its page and its
versions page are), and a commitment's reported values are
:func:`~citydiplomacy.web.engagement.services.kpi_observations` of the viewer, the function its
page reads them from, so an unpublished value reaches only those who may read it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.downloads import FORMATS, table_response
from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    Commitment,
    Declaration,
    DeclarationVersion,
    Signature,
)
from citydiplomacy.web.engagement.views.common import _declaration

#: Columns of a declaration's versions export: the versions page's table.
VERSION_COLUMNS = ("declaration", "version", "saved_at", "by", "what_changed", "text_url")
#: Columns of the "signatures by country" export: the declaration page's counts table.
#: ``as_listed`` is true for a country written in an imported list and not recognised (the
#: page's hint), ``iso2`` empty then.
BY_COUNTRY_COLUMNS = ("declaration", "country", "iso2", "as_listed", "signatures")
#: Columns of the "signatures by region" export (UN M49 regions).
BY_REGION_COLUMNS = ("declaration", "region", "signatures")
#: Columns of the withdrawn signatures export: the page's "withdrawn signatures" table.
WITHDRAWN_COLUMNS = (
    "declaration",
    "signatory",
    "title",
    "city",
    "geonames_id",
    "listed_place",
    "signed_at",
    "withdrawn_at",
    "reason",
)
#: Columns of a commitment's values export: its page's table (year, the value expected on the
#: path from the baseline to the target, the value reported), with what it measures.
VALUE_COLUMNS = (
    "commitment",
    "city",
    "geonames_id",
    "measure",
    "unit",
    "year",
    "expected",
    "reported",
)


def declaration_versions(declaration: Declaration) -> list[DeclarationVersion]:
    """Every version of ``declaration`` in the versions page's order (by number)."""
    return list(declaration.versions.select_related("created_by").order_by("number"))


def version_author(version: DeclarationVersion, viewer: Any) -> str:
    """Who saved ``version``, as ``viewer`` may read it: the account's name for the secretariat,
    "the secretariat" for everyone else (only the secretariat writes versions, and a staff
    member's login name is not public information); empty for a version without an author
    (imported)."""
    if version.created_by is None:
        return ""
    if permissions.is_admin(viewer):
        return version.created_by.get_full_name() or version.created_by.get_username()
    return gettext("the secretariat")


def versions_frame(
    declaration: Declaration, versions: list[DeclarationVersion], base: str, viewer: Any
) -> pd.DataFrame:
    """The versions page's table as ``viewer`` reads it; ``base`` makes the plain texts'
    addresses absolute."""
    records = [
        (
            declaration.title,
            v.number,
            v.created_at.isoformat(),
            version_author(v, viewer),
            v.note,
            base + reverse("engagement:version-text", args=[declaration.slug, v.number]),
        )
        for v in versions
    ]
    return pd.DataFrame.from_records(records, columns=list(VERSION_COLUMNS))


def by_country_frame(declaration: Declaration, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The page's "signatures by country" rows (:func:`services.signature_stats`)."""
    records = [
        (declaration.title, r["name"], r["iso2"] or "", r["as_listed"], r["n"]) for r in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(BY_COUNTRY_COLUMNS))


def by_region_frame(declaration: Declaration, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The page's "signatures by region (UN M49)" rows."""
    records = [(declaration.title, r["region"], r["n"]) for r in rows]
    return pd.DataFrame.from_records(records, columns=list(BY_REGION_COLUMNS))


def withdrawn_signatures(declaration: Declaration) -> list[Signature]:
    """Every withdrawn signature of ``declaration`` in the page's order (the latest
    withdrawal first); the page shows the first 200."""
    return list(
        Signature.objects.filter(declaration=declaration, withdrawn_at__isnull=False)
        .select_related("city")
        .order_by("-withdrawn_at", "pk")
    )


def withdrawn_frame(declaration: Declaration, signatures: list[Signature]) -> pd.DataFrame:
    """The page's "withdrawn signatures (kept on record)" table, each fact in its cell."""
    records = [
        (
            declaration.title,
            s.signer_name,
            s.signer_title,
            s.city.local_name if s.city else "",
            s.city_id,
            "" if s.city else s.listed_place,
            s.signed_at.isoformat() if s.signed_at else "",
            s.withdrawn_at.isoformat() if s.withdrawn_at else "",
            s.withdrawal_reason,
        )
        for s in signatures
    ]
    return pd.DataFrame.from_records(records, columns=list(WITHDRAWN_COLUMNS))


def commitment_values(user: Any, commitment: Commitment) -> list[dict[str, Any]]:
    """A commitment page's table as numbers: every year of the baseline, the target and the
    KPI values ``user`` may read, with the value expected on the path (``None`` before the
    baseline year, as the page's "—") and the value reported (``None`` when none is visible).

    The page formats the same numbers (``fmt_value``) from the same service calls
    (:func:`services.commitment_path`, :func:`services.kpi_observations`)."""
    path = services.commitment_path(commitment)
    observations = services.kpi_observations(user, commitment)
    years = sorted({commitment.baseline_year, commitment.target_year, *observations})
    return [
        {
            "year": y,
            "expected": path.expected_value(y) if y >= commitment.baseline_year else None,
            "reported": observations.get(y),
        }
        for y in years
    ]


def values_frame(commitment: Commitment, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A commitment's values by year as a table, with the commitment and what it measures."""
    info = services.measure_info(commitment.measure) or {"unit": ""}
    records = [
        (
            commitment.title,
            commitment.city.local_name,
            commitment.city_id,
            commitment.measure,
            info["unit"],
            r["year"],
            r["expected"],
            r["reported"],
        )
        for r in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(VALUE_COLUMNS))


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


@require_GET
def versions_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A declaration's versions table, as CSV or XLSX (a draft only to its readers)."""
    _check_format(fmt)
    d = _declaration(request, slug)  # a draft the viewer may not read: 404
    base = request.build_absolute_uri("/").rstrip("/")
    frame = versions_frame(d, declaration_versions(d), base, request.user)
    return table_response(frame, fmt, f"{d.slug}-versions")


@require_GET
def signatures_by_country_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The "signatures by country" table of a declaration's page, as CSV or XLSX."""
    _check_format(fmt)
    d = _declaration(request, slug)
    rows = services.signature_stats(d).by_country
    return table_response(by_country_frame(d, rows), fmt, f"{d.slug}-signatures-by-country")


@require_GET
def signatures_by_region_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The "signatures by region (UN M49)" table of a declaration's page, as CSV or XLSX."""
    _check_format(fmt)
    d = _declaration(request, slug)
    rows = services.signature_stats(d).by_region
    return table_response(by_region_frame(d, rows), fmt, f"{d.slug}-signatures-by-region")


@require_GET
def withdrawn_signatures_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A declaration's withdrawn signatures (kept on record), as CSV or XLSX."""
    _check_format(fmt)
    d = _declaration(request, slug)
    frame = withdrawn_frame(d, withdrawn_signatures(d))
    return table_response(frame, fmt, f"{d.slug}-withdrawn-signatures")


@require_GET
def commitment_values_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A commitment's expected and reported values by year (the KPI values this viewer may
    read), as CSV or XLSX."""
    _check_format(fmt)
    c = get_object_or_404(Commitment.objects.select_related("city"), pk=pk)
    rows = commitment_values(request.user, c)
    return table_response(values_frame(c, rows), fmt, f"commitment-{c.pk}-values")
