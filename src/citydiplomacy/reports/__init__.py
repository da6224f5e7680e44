"""Smart City Profile reports (HTML, PDF, JSON) with evidence-based policy guidance.

Not Django-dependent: :mod:`.engine` builds a :class:`~.model.Cohort` from a DATA file's
observations, the web platform builds one from its stored snapshot, and
:func:`~.assemble.build_report` (a typed :class:`~.content.Report`) plus :mod:`.render` do the
rest.
"""

from citydiplomacy.reports.assemble import build_report
from citydiplomacy.reports.content import Report
from citydiplomacy.reports.model import Cohort, RankInterval, cohort_from_result
from citydiplomacy.reports.render import FORMATS, render, render_html, render_json, render_pdf

__all__ = [
    "FORMATS",
    "Cohort",
    "RankInterval",
    "Report",
    "build_report",
    "cohort_from_result",
    "render",
    "render_html",
    "render_json",
    "render_pdf",
]
