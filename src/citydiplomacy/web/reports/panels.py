"""The dashboard panel of the reports app: download buttons and the top recommendations."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.urls import reverse

from citydiplomacy.reports.i18n import available_languages
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators.panels import DashboardPanel
from citydiplomacy.web.reports.views import report_for

log = logging.getLogger(__name__)

#: Recommendations shown on the dashboard (the report has more).
TOP = 3
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def report_panel(request: HttpRequest, city: City, year: int) -> DashboardPanel | None:
    """Download links for the year shown (every format and language) and the first
    recommendations; ``None`` when the viewer may not see a report of that year."""
    # The dashboard calls panels only for a year the viewer may see.
    report = report_for(request.user, city, year, "en", checked=True)
    if report is None:
        return None
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
        title="Smart City Profile report and recommendations",
        template_name="reports/_panel.html",
        context={
            "year": year,
            "downloads": downloads,
            "json_url": f"{base}.json?year={year}&lang=en",
            "guidance": report.guidance[:TOP],
            "n_guidance": len(report.guidance),
        },
        order=20,
    )
