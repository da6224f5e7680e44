"""The words of a notification, in the reader's language (issue 19, item 3).

A notification stores what it is about (its kind and ``params``: ids, names as they were
when it was written, dates as ISO strings, counts, status codes), never its wording. Its
subject and body are written here, on display, with gettext in the active language: the
inbox page, the API and the exports read the page's (the request's) language; an e-mail is
composed under :func:`django.utils.translation.override` with the recipient's.

Dates are the page's short dates (:func:`citydiplomacy.web.dates.short_date`: "31 Jan 2027",
"31 janv. 2027"); city names are the city's name in the language where the packaged list has
one (:func:`citydiplomacy.web.cities.models.localised_city_name`: "Genève" in French), the
name stored with the notification otherwise; status and deadline kinds are stored as codes
and shown by their translated labels.

A row written before ``params`` existed (``params`` null) is shown with the English text it
stored (``legacy_subject``/``legacy_body``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from citydiplomacy.web.cities.models import localised_city_name
from citydiplomacy.web.dates import short_date

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wording:
    """A notification's subject (one line) and body, in one language."""

    subject: str
    body: str


def _city(params: Mapping[str, Any], id_key: str = "city", name_key: str = "city_name") -> str:
    return localised_city_name(int(params[id_key]), str(params[name_key]))


def _day(iso: str) -> str:
    return short_date(dt.date.fromisoformat(iso))


def _partnership_to_confirm(p: Mapping[str, Any]) -> Wording:
    values = {"city": _city(p), "title": p["title"]}
    return Wording(
        _("%(city)s: confirm the partnership “%(title)s”") % values,
        _(
            "A partnership naming %(city)s as a party was proposed: “%(title)s”. "
            "It becomes confirmed when every party city has confirmed it."
        )
        % values,
    )


def _partner_without_editor(p: Mapping[str, Any]) -> Wording:
    values = {
        "city": _city(p),
        "title": p["title"],
        "link": reverse("partners:detail", args=[int(p["partnership"])]),
    }
    return Wording(
        _("%(city)s has no editor to confirm “%(title)s”") % values,
        _(
            "The partnership “%(title)s” waits for %(city)s, which has no editor on the "
            "platform. Invite one (an e-mail with a link to create an editor account for "
            "the city), or confirm for the city on its written agreement. "
            "Partnership: %(link)s"
        )
        % values,
    )


def _declaration_open(p: Mapping[str, Any]) -> Wording:
    values = {"title": p["title"]}
    return Wording(
        _("Open for signature: %(title)s") % values,
        _(
            "“%(title)s” is adopted and open for signature. As a representative of your "
            "city you may read it and sign on its behalf."
        )
        % values,
    )


def _recommendation_status(p: Mapping[str, Any]) -> Wording:
    from citydiplomacy.web.engagement.models import RecommendationStatus

    code = str(p["status"])
    status = str(RecommendationStatus(code).label) if code in RecommendationStatus.values else code
    values = {
        "status": status,
        "text": p["text"],
        "session": p["session_title"],
        "addressed_to": p["addressed_to"],
        "note": p.get("note") or "",
    }
    body = (
        _("A recommendation of “%(session)s”, addressed to %(addressed_to)s, is now %(status)s.")
        % values
    )
    if values["note"]:
        body += " " + _("Note: %(note)s") % values
    return Wording(_("Recommendation now %(status)s: %(text)s") % values, body)


def _verification(p: Mapping[str, Any], verified: bool) -> Wording:
    count = int(p["count"])
    values = {"city": _city(p), "year": p["year"], "count": count}
    if verified:
        subject = ngettext(
            "%(city)s %(year)s: %(count)d value verified",
            "%(city)s %(year)s: %(count)d values verified",
            count,
        )
        body = ngettext(
            "The secretariat verified %(count)d KPI value of %(city)s for %(year)s.",
            "The secretariat verified %(count)d KPI values of %(city)s for %(year)s.",
            count,
        )
        return Wording(subject % values, body % values)
    subject = ngettext(
        "%(city)s %(year)s: %(count)d value queried (verification withdrawn)",
        "%(city)s %(year)s: %(count)d values queried (verification withdrawn)",
        count,
    )
    body = ngettext(
        "The secretariat queried (withdrew the verification of) %(count)d KPI value of "
        "%(city)s for %(year)s.",
        "The secretariat queried (withdrew the verification of) %(count)d KPI values of "
        "%(city)s for %(year)s.",
        count,
    )
    answer = _("Check the values and their sources, and answer the secretariat.")
    return Wording(subject % values, body % values + " " + answer)


def _deadline_coming(p: Mapping[str, Any]) -> Wording:
    from citydiplomacy.web.engagement.models import DeadlineKind

    code = str(p["deadline_kind"])
    kind = str(DeadlineKind(code).label) if code in DeadlineKind.values else code
    values = {
        "date": _day(p["due_date"]),
        "title": p["title"],
        "kind": kind,
        "event": p["event_name"],
        "source": p["source_url"],
    }
    return Wording(
        _("Deadline %(date)s: %(title)s") % values,
        _("%(kind)s deadline of %(event)s: %(title)s, due %(date)s. Source: %(source)s") % values,
    )


def _cities_text(cities: list[list[Any]], more: int) -> str:
    names = ", ".join(localised_city_name(int(pk), str(name)) for pk, name in cities)
    if not more:
        return names
    return ngettext("%(names)s and %(count)d other", "%(names)s and %(count)d others", more) % {
        "names": names,
        "count": more,
    }


def _today() -> dt.date:
    """The day a notification is read on (a function, so that tests can set the day)."""
    return timezone.localdate()


def _reporting_deadline(p: Mapping[str, Any]) -> Wording:
    # Counted on the day it is read, not the day it was written: an inbox read a week later
    # (or a digest) must not say "in 11 days" of a deadline 4 days away.
    days = (dt.date.fromisoformat(str(p["due_date"])) - _today()).days
    if days < 0:
        when = pgettext("a deadline", "passed")
    elif days == 0:
        when = _("today")
    else:
        when = ngettext("in %(days)d day", "in %(days)d days", days) % {"days": days}
    values = {
        "year": p["year"],
        "date": _day(p["due_date"]),
        "when": when,
        "cities": _cities_text(p["cities"], int(p.get("more", 0))),
    }
    body = (
        _(
            "The secretariat asks each city to submit its KPI values for %(year)s by %(date)s. "
            "Your cities: %(cities)s."
        )
        % values
    )
    if p.get("note"):
        body += f" {p['note']}"  # the secretariat's own words, as it wrote them
    return Wording(_("KPI data for %(year)s due %(date)s (%(when)s)") % values, body)


#: How each kind is worded from its ``params``.
WRITERS: dict[str, Callable[[Mapping[str, Any]], Wording]] = {
    "partnership_to_confirm": _partnership_to_confirm,
    "partner_without_editor": _partner_without_editor,
    "declaration_open": _declaration_open,
    "recommendation_status": _recommendation_status,
    "data_verified": lambda p: _verification(p, True),
    "data_queried": lambda p: _verification(p, False),
    "deadline_coming": _deadline_coming,
    "reporting_deadline": _reporting_deadline,
}


def render(
    kind: str, params: Mapping[str, Any] | None, subject: str = "", body: str = ""
) -> Wording:
    """The notification's words in the active language.

    Parameters
    ----------
    kind
        The notification's kind (a :class:`~citydiplomacy.web.notifications.models.Kind`).
    params
        What it is about; ``None`` for a row written before ``params`` existed.
    subject, body
        The English text such an old row stored: shown as it is when ``params`` is ``None``
        (or cannot be read: a kind or a parameter this version does not know).

    Returns
    -------
    Wording
        Its subject and body.
    """
    if params is None or kind not in WRITERS:
        return Wording(subject, body)
    try:
        return WRITERS[kind](params)
    except (KeyError, TypeError, ValueError):
        log.warning("notification parameters of kind %s not understood: %r", kind, params)
        return Wording(subject, body)
