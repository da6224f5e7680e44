"""Download a city-year's Smart City Profile as HTML, PDF or JSON.

``/cities/<pk>/profile/report.<fmt>?year=YEAR&lang=LANG``. Visibility is the dashboard's: the
public gets published years only (anything else is a 404, so unpublished data do not reveal
themselves); the city's editors, analysts and the secretariat also get unpublished years,
which the report then marks as not published.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.shortcuts import render as render_page
from django.urls import reverse
from django.views.decorators.http import require_GET

from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.reports import Report, build_report, render
from citydiplomacy.reports.i18n import available_languages
from citydiplomacy.reports.reference import rules_for
from citydiplomacy.reports.render import pdf_html
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators import scoring, visibility
from citydiplomacy.web.indicators.models import CityScore, ScoreSnapshot
from citydiplomacy.web.reports import tasks
from citydiplomacy.web.reports.services import cohort_for

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json; charset=utf-8",
}


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "city"


def report_years(user: Any, city: City, snapshot: Any) -> list[int]:
    """Years of ``city``'s profile in ``snapshot`` that ``user`` may see (the one rule,
    :func:`visibility.visible_years`, over the years the snapshot scored)."""
    nodes = (
        CityScore.objects.filter(snapshot=snapshot, city_id=city.pk)
        .values_list("nodes", flat=True)
        .first()
    )
    return visibility.visible_years(user, city.pk, (int(y) for y in (nodes or {})))


def report_for(
    user: Any, city: City, year: int | None, lang: str, *, checked: bool = False
) -> Report | None:
    """The report content of ``city`` in ``year`` (default: latest visible) for ``user``;
    ``None`` when there is nothing the user may see.

    ``checked``: the caller (the dashboard) already made sure ``user`` may see ``year``; the
    report then skips the values' provenance and the publication status (a panel shows only
    the recommendations), which saves the dashboard three queries.
    """
    # The dashboard has just made sure the current snapshot exists (and, with background
    # scoring, shows the latest one too): the latest is one query instead of two.
    snapshot = (
        ScoreSnapshot.objects.order_by("-data_version").first()
        if checked
        else scoring.current_snapshot()
    )
    if snapshot is None:
        return None
    if not checked:
        years = report_years(user, city, snapshot)
        if not years:
            return None
        if year is None:
            year = years[-1]
        if year not in years:
            return None
    cohort = cohort_for(snapshot, user, city, provenance=not checked)
    if str(city.pk) not in cohort.units.index:
        return None
    try:
        report = build_report(
            cohort, str(city.pk), year, rules=rules_for(cohort.framework), lang=lang
        )
    except CityDiplomacyError:
        return None
    if not checked:
        report.unpublished = not visibility.is_published(city.pk, report.year)
    return report


#: Seconds after which the "being printed" page asks again.
REFRESH_SECONDS = 2


def _being_printed(request: HttpRequest, city: City, year: int, lang: str) -> HttpResponse:
    """202: the PDF is being printed on a worker; the page reloads itself (a meta refresh, no
    script) until the download comes, and links to it and to the HTML report meanwhile."""
    here = request.get_full_path()
    html_url = reverse("reports:download", kwargs={"pk": city.pk, "fmt": "html"})
    response = render_page(
        request,
        "reports/printing.html",
        {
            "city": city,
            "year": year,
            "refresh": REFRESH_SECONDS,
            "pdf_url": here,
            "html_url": f"{html_url}?{urlencode({'year': year, 'lang': lang})}",
        },
        status=202,
    )
    response["Retry-After"] = str(REFRESH_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The report file; 400 for an unknown language or a malformed year, 404 when the city or
    the year is not visible."""
    if fmt not in CONTENT_TYPES:
        raise Http404("unknown report format")
    lang = request.GET.get("lang", "en").strip() or "en"
    if lang not in available_languages():
        return HttpResponseBadRequest(
            f"Unknown report language “{lang[:20]}”; available: "
            + ", ".join(available_languages()),
            content_type="text/plain; charset=utf-8",
        )
    raw_year = request.GET.get("year", "").strip()
    year: int | None = None
    if raw_year:
        if not re.fullmatch(r"\d{4}", raw_year):
            return HttpResponseBadRequest(
                "The year must be four digits, for example year=2023.",
                content_type="text/plain; charset=utf-8",
            )
        year = int(raw_year)
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    report = report_for(request.user, city, year, lang)
    if report is None:
        raise Http404("no profile of this city and year to report on")
    if fmt == "pdf":
        html = pdf_html(report, lang)
        key = tasks.pdf_key(html)
        body = tasks.cached_pdf(key)
        if body is None:
            error = tasks.take_error(key)
            if error is None:
                # Inline without a broker (the PDF is then ready); else queued for a worker.
                tasks.schedule_print(key, html)
                body = tasks.cached_pdf(key)
                error = tasks.take_error(key) if body is None else None
            if error is not None:
                # No browser to print with (or it failed): say so, and offer the HTML.
                return HttpResponse(
                    f"The PDF cannot be made on this server: {error}. The HTML report holds "
                    "the same content and prints to PDF from any browser.",
                    status=503,
                    content_type="text/plain; charset=utf-8",
                )
            if body is None:
                return _being_printed(request, city, report.year, lang)
    else:
        body = render(report, fmt, lang)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"smart-city-profile-{_slug(city.name)}-{report.year}-{lang}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Whoever may see unpublished data gets a report that may hold some (a draft year, or
    # unpublished peers of other cities): no shared cache may keep it.
    if report.unpublished or visibility.sees_unpublished(request.user, city):
        response["Cache-Control"] = "private, no-store"
    response["Content-Language"] = lang
    return response
