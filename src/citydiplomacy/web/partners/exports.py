"""Downloads of the networks' and a city's tables, as CSV or XLSX (issue 19, item 2).

* ``/partners/networks/export.csv|xlsx``: the networks list (each network, its members in the
  registry, where the member list is from);
* ``/partners/networks/<slug>/members.csv|xlsx``: a network's members (every page);
* ``/partners/cities/<id>/export.csv|xlsx``: the partnerships table of a city's ties page,
  the partnerships this viewer may see (a proposal only to those who may see it);
* ``/partners/analysis/export.csv|xlsx``: the network analysis page's three tables (most
  central, bridging, most partners) in one file, a ``table`` column naming each row's table;
  404 while the analysis is not there yet (the page shows no table then);
* ``/partners/<id>/export.csv|xlsx``: a partnership's party cities and their confirmation (a
  404 to whoever may not see the partnership, as its page);
* ``/partners/suggest/export.csv|xlsx?city=&theme=&mode=&k=&include_partners=``: the
  suggestions the page shows for the same query, each with how its score is made (each
  signal and its contribution) and the context similarity by factor;
* ``/partners/suggest/evidence.csv|xlsx?<the same query>``: the KPI evidence tables of those
  suggestions (the scores behind a theme or reciprocal suggestion: published scores only to
  whoever may not see unpublished ones, as the page).

Each reads the same function as its page (:func:`.views.listed_networks`,
:func:`.views.network_members`, :func:`.views._partners_of`, :func:`.views.analysis_tables`,
:func:`.views.shown_partnership`, :func:`.views.suggestions`)
and goes through the project's one export path
(:func:`citydiplomacy.web.indicators.exports.table_response`: the spreadsheet guard against
formulas and the shared writer).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from citydiplomacy.core import peers as core_peers
from citydiplomacy.core.context import FACTORS
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators.exports import FORMATS, table_response
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import Membership, Network, Partnership, Status
from citydiplomacy.web.partners.views import (
    _partners_of,
    analysis_tables,
    listed_networks,
    network_members,
    shown_partnership,
    suggestions,
)

#: Columns of the networks export: the networks list's table.
NETWORK_COLUMNS = ("network", "slug", "members_in_registry", "member_list_from", "website")
#: Columns of a network's members export: the members table, ids beside the names.
MEMBER_COLUMNS = (
    "city",
    "geonames_id",
    "country",
    "role",
    "status",
    "since",
    "commitments",
    "source",
    "demo_data",
)
#: Columns of a city's ties export: the partnerships table of the city's ties page.
TIE_COLUMNS = (
    "id",
    "partnership",
    "with",
    "with_geonames_ids",
    "kind",
    "status",
    "source",
    "source_url",
    "demo_data",
)

#: Columns of the analysis export: the analysis page's tables, a column naming the table.
ANALYSIS_COLUMNS = (
    "table",
    "city",
    "geonames_id",
    "country",
    "partners",
    "all_ties",
    "betweenness",
    "bridging",
    "community",
)
#: The analysis page's tables, in its order: (context key, name in the export).
ANALYSIS_TABLES = (
    ("central", "most central"),
    ("bridging", "bridging"),
    ("most_partners", "most partners"),
)

#: Columns of a partnership's party cities export: the detail page's party table.
PARTY_COLUMNS = ("city", "geonames_id", "country", "confirmation", "confirmed_on")
#: Columns of the suggestions export before each signal's pair of columns
#: (``<signal>_signal``, ``<signal>_contribution``) and the context factors (``context_<f>``).
SUGGESTION_COLUMNS = ("rank", "city", "geonames_id", "country", "score", "reasons")
#: Columns of the suggestions' KPI evidence export: each suggestion's "scores behind it".
EVIDENCE_COLUMNS = (
    "rank",
    "city",
    "geonames_id",
    "code",
    "category_or_kpi",
    "score_of_city_asked",
    "score_of_suggested_city",
    "change_since_previous_year",
)


def networks_frame(networks: Any) -> pd.DataFrame:
    """The networks list's rows (``n``: the members in the registry)."""
    records = [
        (n.name, n.slug, n.n, n.members_source or _("entered on the platform"), n.url)
        for n in networks
    ]
    return pd.DataFrame.from_records(records, columns=list(NETWORK_COLUMNS))


def members_frame(members: list[Membership]) -> pd.DataFrame:
    """A network's members as the page's table shows them."""
    records = [
        (
            m.city.name,
            m.city_id,
            m.city.country.name if m.city.country_id else "",
            m.role,
            m.status,
            m.since.isoformat() if m.since else "",
            "; ".join(map(str, m.commitments or [])),
            m.source,
            "DEMO data" if m.is_demo else "",
        )
        for m in members
    ]
    return pd.DataFrame.from_records(records, columns=list(MEMBER_COLUMNS))


def ties_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A city's partnerships as its ties page lists them (each with its other parties)."""
    records = [
        (
            row["p"].pk,
            row["p"].label,
            ", ".join(f"{c.name} ({c.country_id})" for c in row["others"]),
            " ".join(str(c.pk) for c in row["others"]),
            str(row["p"].get_kind_display()),
            str(row["p"].get_status_display()),
            row["p"].source,
            row["p"].source_url,
            "DEMO data" if row["p"].is_demo else "",
        )
        for row in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(TIE_COLUMNS))


def analysis_frame(tables: dict[str, Any]) -> pd.DataFrame:
    """The analysis page's three tables, one after the other, each row naming its table."""
    records = [
        (
            name,
            r["city"].name,
            r["city"].pk,
            r["city"].country_id,
            r["partners"],
            r["degree"],
            r["betweenness"],
            r["bridging"],
            r["community"],
        )
        for key, name in ANALYSIS_TABLES
        for r in tables[key]
    ]
    return pd.DataFrame.from_records(records, columns=list(ANALYSIS_COLUMNS))


def parties_frame(p: Partnership) -> pd.DataFrame:
    """A partnership's party cities and their confirmation, as its page's table says it (in
    the page's language)."""
    records = []
    for pc in p.parties.all():
        if pc.confirmed_at:
            confirmation = _("confirmed")
        elif p.status == Status.RECORDED:
            confirmation = _("recorded from the source")
        else:
            confirmation = _("awaiting confirmation")
        records.append(
            (
                pc.city.name,
                pc.city_id,
                pc.city.country.name,
                confirmation,
                timezone.localtime(pc.confirmed_at).date().isoformat() if pc.confirmed_at else "",
            )
        )
    return pd.DataFrame.from_records(records, columns=list(PARTY_COLUMNS))


def _number(value: float | None) -> float | None:
    """A score as a cell: none where the page shows a dash (missing or not a number)."""
    return None if value is None or value != value else float(value)


def suggestions_frame(results: list[dict[str, Any]]) -> pd.DataFrame:
    """The suggestions in the page's order, each with its reasons, the signals and their
    contributions (the page's "How the score is made" table) and the context similarity by
    factor."""
    codes = [s for s in core_peers.SIGNAL_LABELS if any(s in r["rec"].components for r in results)]
    columns = [*SUGGESTION_COLUMNS]
    for code in codes:
        columns += [f"{code}_signal", f"{code}_contribution"]
    columns += [f"context_{f}" for f in FACTORS]
    rows = []
    for rank, r in enumerate(results, start=1):
        rec = r["rec"]
        row: list[Any] = [
            rank,
            r["city"].name,
            r["city"].pk,
            r["city"].country.name,
            rec.score,
            "; ".join(rec.reasons),
        ]
        for code in codes:
            present = code in rec.components
            row += [
                rec.signals.get(code, 0.0) if present else None,
                rec.components[code] if present else None,
            ]
        row += [rec.factors[f] for f in FACTORS]
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def evidence_frame(results: list[dict[str, Any]]) -> pd.DataFrame:
    """The KPI evidence tables of the suggestions ("Scores behind it"), one after the other,
    each row naming its suggestion by rank and city."""
    records = [
        (
            rank,
            r["city"].name,
            r["city"].pk,
            e.code,
            e.name,
            _number(e.own),
            _number(e.theirs),
            _number(e.change),
        )
        for rank, r in enumerate(results, start=1)
        for e in r["rec"].kpis
    ]
    return pd.DataFrame.from_records(records, columns=list(EVIDENCE_COLUMNS))


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


@require_GET
def networks_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The networks list, as CSV or XLSX."""
    _check_format(fmt)
    return table_response(networks_frame(listed_networks()), fmt, "networks")


@require_GET
def network_members_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """Every member of a network (all pages of its list), as CSV or XLSX."""
    _check_format(fmt)
    net = get_object_or_404(Network, slug=slug)
    members = list(network_members(net))
    return table_response(members_frame(members), fmt, f"{net.slug}-members")


@require_GET
def city_ties_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The partnerships table of a city's ties page for this viewer, as CSV or XLSX."""
    _check_format(fmt)
    city = get_object_or_404(City, pk=pk)
    return table_response(ties_frame(_partners_of(request, city)), fmt, f"partnerships-{city.pk}")


@require_GET
def analysis_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The network analysis page's tables, as CSV or XLSX (404 until the analysis is ready)."""
    _check_format(fmt)
    found = services.tie_analysis()
    if found is None:
        raise Http404("the network analysis is being computed; try again shortly")
    return table_response(analysis_frame(analysis_tables(found)), fmt, "network-analysis")


@require_GET
def parties_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A partnership's party table, as CSV or XLSX (a 404 as its page to whoever may not see
    the partnership)."""
    _check_format(fmt)
    p = shown_partnership(request, pk)
    return table_response(parties_frame(p), fmt, f"partnership-{p.pk}-parties")


def _suggested(request: HttpRequest) -> tuple[dict[str, Any], HttpResponse | None]:
    """The suggestion page's selection for this query, or the answer when it shows none."""
    context = suggestions(request)
    form = context["form"]
    if form.errors or context["error"]:
        problems = "; ".join(
            f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
        )
        return context, HttpResponse(
            f"The query is not valid ({problems or context['error']}); nothing was exported.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if context["city"] is None:
        return context, HttpResponse(
            "Name a city (?city=<GeoNames id>); nothing was exported.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return context, None


@require_GET
def suggestions_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The suggestions the page shows for this query, explained, as CSV or XLSX."""
    _check_format(fmt)
    context, refused = _suggested(request)
    if refused is not None:
        return refused
    name = f"partner-suggestions-{context['city'].pk}"
    return table_response(suggestions_frame(context["results"]), fmt, name)


@require_GET
def evidence_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The KPI evidence of the suggestions the page shows for this query, as CSV or XLSX."""
    _check_format(fmt)
    context, refused = _suggested(request)
    if refused is not None:
        return refused
    name = f"partner-suggestions-{context['city'].pk}-evidence"
    return table_response(evidence_frame(context["results"]), fmt, name)
