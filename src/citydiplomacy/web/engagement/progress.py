"""A commitment's progress in the page's language (issue 19, item 7).

:mod:`citydiplomacy.core.commitments` has no Django, so its status names and reasons are
English (the CLI, the API and logs read them so). The pages read them from here: the status
names as translatable labels, and the reason written again from the assessment's numbers, with
numbers and percentages in the page's language (Babel).
"""

from __future__ import annotations

from babel.numbers import format_percent
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from citydiplomacy.core.commitments import Progress, Status
from citydiplomacy.web.indicators.charts import _locale, fmt_value, page_language

#: The status names the pages show (never colour alone).
STATUS_LABELS: dict[str, Promise] = {
    Status.ON_TRACK: gettext_lazy("On track"),
    Status.OFF_TRACK: gettext_lazy("Off track"),
    Status.INSUFFICIENT_DATA: gettext_lazy("Insufficient data"),
}


def status_label(status: str) -> str:
    """The name of a progress status in the active language."""
    return str(STATUS_LABELS[Status(status)])


def status_choices() -> list[tuple[str, str]]:
    """``(value, label)`` of every status, for a filter."""
    return [(s.value, status_label(s)) for s in Status]


def _pct(x: float) -> str:
    """A share as a whole percentage, the language's way ("60%", "60 %")."""
    return format_percent(x, locale=_locale(page_language()))


def progress_reason(progress: Progress) -> str:
    """The sentence that explains ``progress``, in the active language; the core's English
    sentence when the assessment does not carry its path."""
    path = progress.path
    if path is None:
        return progress.reason
    if progress.status == Status.INSUFFICIENT_DATA or progress.value is None:
        return gettext("no value reported for a year after the baseline year %(year)s") % {
            "year": path.baseline_year
        }
    values = {
        "year": progress.year,
        "value": fmt_value(progress.value),
        "target": fmt_value(path.target_value),
    }
    on_track = progress.status == Status.ON_TRACK
    if progress.covered_fraction is None:  # a hold commitment
        if path.direction == 1:
            text = (
                gettext("the %(year)s value %(value)s is at least the held value %(target)s")
                if on_track
                else gettext("the %(year)s value %(value)s is below the held value %(target)s")
            )
        elif path.direction == -1:
            text = (
                gettext("the %(year)s value %(value)s is at most the held value %(target)s")
                if on_track
                else gettext("the %(year)s value %(value)s is above the held value %(target)s")
            )
        else:
            text = (
                gettext("the %(year)s value %(value)s equals the held value %(target)s")
                if on_track
                else gettext("the %(year)s value %(value)s differs from the held value %(target)s")
            )
        return text % values
    return gettext(
        "the %(year)s value %(value)s covers %(covered)s of the way from baseline to target; "
        "%(expected)s was expected by %(year)s (expected value %(expected_value)s)"
    ) % {
        **values,
        "covered": _pct(progress.covered_fraction),
        "expected": _pct(progress.expected_fraction or 0.0),
        "expected_value": fmt_value(progress.expected),
    }
