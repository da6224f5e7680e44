"""Downloads of the engagement tables the pages show, as CSV or XLSX (issue 19, item 2).

* ``/commitments/export.csv|xlsx?city=&status=``: every row of the commitment list with the
  same filters (all pages), with its progress on the KPI values this viewer may read;
* ``/declarations/<slug>/signatories.csv|xlsx``: the signatories table of a declaration's
  page (its live signatures, in the page's order, all pages).

Each goes through the project's one export path
(:func:`citydiplomacy.web.indicators.exports.table_response`: the spreadsheet guard against
formulas and the shared writer), and asks the pages' own rules who may see what: a draft
declaration is a 404 for whoever may not read it, and progress uses only visible KPI values.
"""

from __future__ import annotations

import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from citydiplomacy.core.commitments import Progress
from citydiplomacy.web.engagement.models import Commitment, Signature
from citydiplomacy.web.engagement.views.commitments import filtered_commitments
from citydiplomacy.web.engagement.views.common import _declaration
from citydiplomacy.web.engagement.views.declarations import live_signatures
from citydiplomacy.web.indicators.exports import FORMATS, table_response

#: Columns of the commitments export: the page's columns, each value in its own cell.
COMMITMENT_COLUMNS = (
    "city",
    "country",
    "geonames_id",
    "commitment",
    "origin",
    "network",
    "declaration",
    "measure",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "progress",
    "assessed_year",
    "assessed_value",
    "expected_value",
    "reason",
    "source_url",
    "synthetic",
)
#: Columns of the signatories export: the page's signatories table.
SIGNATORY_COLUMNS = (
    "signatory",
    "title",
    "capacity",
    "city",
    "geonames_id",
    "listed_place",
    "match_note",
    "country",
    "signed_at",
    "verification",
    "source_url",
)


def commitments_frame(rows: list[tuple[Commitment, Progress]]) -> pd.DataFrame:
    """The commitment list's rows as a table (one column per fact the page shows)."""
    records = [
        (
            c.city.name,
            c.city.country.name if c.city.country_id else "",
            c.city_id,
            c.title,
            c.get_origin_display(),
            c.network,
            c.declaration.title if c.declaration else "",
            c.measure,
            c.baseline_year,
            c.baseline_value,
            c.target_year,
            c.target_value,
            str(p.status.label),
            p.year,
            p.value,
            p.expected,
            p.reason,
            c.source_url,
            c.synthetic,
        )
        for c, p in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(COMMITMENT_COLUMNS))


def signatories_frame(signatures: list[Signature]) -> pd.DataFrame:
    """A declaration's live signatures as the page's signatories table shows them."""
    records = [
        (
            s.signer_name,
            s.signer_title,
            s.capacity,
            s.city.name if s.city else "",
            s.city_id,
            "" if s.city else s.listed_place,
            "" if s.city else s.match_note,
            s.country.name if s.country else s.listed_country,
            s.signed_at.isoformat() if s.signed_at else "",
            s.verification,
            s.source_url,
        )
        for s in signatures
    ]
    return pd.DataFrame.from_records(records, columns=list(SIGNATORY_COLUMNS))


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


@require_GET
def commitments_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every commitment the list shows this viewer with its filters, as CSV or XLSX."""
    _check_format(fmt)
    rows, _, _ = filtered_commitments(request)
    return table_response(commitments_frame(rows), fmt, "commitments")


@require_GET
def signatories_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The signatories table of a declaration's page (live signatures, all pages)."""
    _check_format(fmt)
    d = _declaration(request, slug)  # a draft the viewer may not read: 404
    return table_response(signatories_frame(list(live_signatures(d))), fmt, f"{d.slug}-signatories")
