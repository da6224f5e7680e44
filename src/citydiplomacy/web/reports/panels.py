"""The dashboard panel of the reports app: download buttons and the top recommendations."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from citydiplomacy.reports.i18n import available_languages
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators import visibility
from citydiplomacy.web.indicators.memo import Memo
from citydiplomacy.web.indicators.models import ScoreSnapshot
from citydiplomacy.web.indicators.panels import DashboardPanel
from citydiplomacy.web.reports.views import report_for

log = logging.getLogger(__name__)

#: Recommendations shown on the dashboard (the report has more).
TOP = 3
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
#: Recommendations of recent (snapshot, city, year, view), kept per process: building the
#: report behind them costs about 60 ms of CPU, the rest of the dashboard about 20 ms.
_GUIDANCE: Memo[tuple[list[Any], int] | None] = Memo(512)


def _guidance(request: HttpRequest, city: City, year: int) -> tuple[list[Any], int] | None:
    """The first recommendations and their number, ``None`` without a report; built once per
    score snapshot, language, city, year and view (the whole cohort, or the published one with or
    without the city's own unpublished years: what :func:`report_for` depends on)."""
    snapshot = (
        ScoreSnapshot.objects.order_by("-data_version")
        .values_list("pk", "data_version", "computed_at")
        .first()
    )
    user = request.user
    lang = _report_language()
    key = (
        snapshot,
        lang,
        city.pk,
        year,
        visibility.sees_unpublished(user),
        visibility.sees_unpublished(user, city),
    )

    def build() -> tuple[list[Any], int] | None:
        report = report_for(user, city, year, lang, checked=True)
        return None if report is None else (report.guidance[:TOP], len(report.guidance))

    return _GUIDANCE.get_or_build(key, build)


def _report_language() -> str:
    """The page's language when the reports are written in it, else English: the
    recommendations the panel shows are the report's own, in the page's language."""
    active = (translation.get_language() or "en").split("-")[0]
    return active if active in available_languages() else "en"


def report_panel(request: HttpRequest, city: City, year: int) -> DashboardPanel | None:
    """Download links for the year shown (every format and language) and the first
    recommendations; ``None`` when the viewer may not see a report of that year."""
    # The dashboard calls panels only for a year the viewer may see.
    found = _guidance(request, city, year)
    if found is None:
        return None
    guidance, n_guidance = found
    url = reverse("reports:download", kwargs={"pk": city.pk, "fmt": "pdf"})
    base = url.rsplit(".", 1)[0]
    downloads = [
        {
            "lang": lang,
            "lang_name": LANGUAGE_NAMES.get(lang, lang),
            "links": [
                {"fmt": fmt, "label": label, "url": f"{base}.{fmt}?year={year}&lang={lang}"}
                for fmt, label in (("pdf", "PDF"), ("html", "HTML"))
            ],
        }
        for lang in available_languages()
    ]
    return DashboardPanel(
        key="report",
        title=gettext("Smart City Profile report and recommendations"),
        template_name="reports/_panel.html",
        context={
            "year": year,
            "downloads": downloads,
            "json_url": f"{base}.json?year={year}&lang=en",
            "guidance": guidance,
            "n_guidance": n_guidance,
        },
        order=20,
    )
