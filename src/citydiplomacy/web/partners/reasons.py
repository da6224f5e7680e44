"""Suggestion reasons and score labels in the page's language.

The engine explains each suggestion in English sentences that carry their message key and
values (:class:`citydiplomacy.core.reasons.Reason`); here each key has its message in the web
catalogue, filled with the values in the active language's number format ("1 741 041
habitants" on a French page). A sentence without a known key is shown as the engine wrote it.
KPI names inside a sentence are the framework's, as in the evidence table beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citydiplomacy.core.reasons import Reason

#: The score's signals (``core.peers.SIGNAL_LABELS``), in the page's language.
SIGNAL_LABELS: dict[str, Any] = {
    "context": gettext_lazy("similar context"),
    "performance": gettext_lazy("strength on the theme"),
    "partners_of_partners": gettext_lazy("partners in common"),
    "shared_networks": gettext_lazy("networks in common"),
    "country_ties": gettext_lazy("ties between the two countries"),
    "partner_activity": gettext_lazy("an active partner city"),
    "twinning": gettext_lazy("likely to twin (learned from past ties)"),
}
#: The context factors (``core.context.FACTOR_LABELS``), in the page's language.
FACTOR_LABELS: dict[str, Any] = {
    "population": gettext_lazy("population size"),
    "region": gettext_lazy("world region"),
    "income_group": gettext_lazy("country income group"),
    "climate": gettext_lazy("latitude (climate)"),
    "language": gettext_lazy("language"),
}
#: The order of an administrative division (``core.ranking.ORDINALS``).
_DIVISION_SEATS: dict[int, Any] = {
    2: gettext_lazy("seat of a second-order administrative division"),
    3: gettext_lazy("seat of a third-order administrative division"),
    4: gettext_lazy("seat of a fourth-order administrative division"),
    5: gettext_lazy("seat of a fifth-order administrative division"),
}


def _whole(value: Any) -> str:
    return number_format(round(float(value)), use_l10n=True, force_grouping=True)


def _score(value: Any) -> str:
    return number_format(float(value), decimal_pos=0, use_l10n=True)


def _share(value: Any) -> str:
    return _("%(n)s%%") % {"n": number_format(round(100 * float(value)), use_l10n=True)}


def _names(values: Sequence[str]) -> str:
    return ", ".join(values) or "—"


def _like_you(text: str, p: Mapping[str, Any]) -> str:
    return _("%(reason)s, like you") % {"reason": text} if p.get("like_you") else text


#: Per message key, its sentence in the active language, made from the reason's values.
_MESSAGES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "distance_same_country": lambda p: (
        _("%(km)s km away, in the same country") % {"km": _whole(p["km"])}
    ),
    "distance_border": lambda p: _("%(km)s km away, across the border") % {"km": _whole(p["km"])},
    "distance_abroad": lambda p: (
        _("%(km)s km away, in %(country)s") % {"km": _whole(p["km"]), "country": p["country"]}
    ),
    "same_language": lambda p: _("same language"),
    "language_in_common": lambda p: _("a language in common"),
    "same_region": lambda p: _("same world region"),
    "similar_size": lambda p: (
        _("similar size (%(own)s and %(theirs)s inhabitants)")
        % {"own": _whole(p["own"]), "theirs": _whole(p["theirs"])}
    ),
    "size": lambda p: (
        _("%(theirs)s inhabitants (you: %(own)s)")
        % {"own": _whole(p["own"]), "theirs": _whole(p["theirs"])}
    ),
    "common_partners": lambda p: (
        ngettext(
            "%(n)s of your partners is its partner",
            "%(n)s of your partners are its partners",
            int(p["n"]),
        )
        % {"n": _whole(p["n"])}
    ),
    "country_ties": lambda p: (
        _("%(share)s of the twinnings of %(own_country)s cities are with %(country)s cities")
        % {
            "share": _share(p["share"]),
            "own_country": p["own_country"],
            "country": p["country"],
        }
    ),
    "compatriots": lambda p: (
        ngettext(
            "already twinned with %(n)s other city of your country",
            "already twinned with %(n)s other cities of your country",
            int(p["n"]),
        )
        % {"n": _whole(p["n"])}
    ),
    "shared_network": lambda p: _("in a network with you"),
    "active_twinner": lambda p: (
        ngettext(
            "an active twinner (%(n)s partnership)",
            "an active twinner (%(n)s partnerships)",
            int(p["n"]),
        )
        % {"n": _whole(p["n"])}
    ),
    "capital": lambda p: _like_you(_("a national capital"), p),
    "regional_capital": lambda p: _like_you(
        _("a regional capital (seat of a first-order division)"), p
    ),
    "division_seat": lambda p: _like_you(str(_DIVISION_SEATS[int(p["order"])]), p),
    "model_candidate": lambda p: _("a candidate of the model"),
    "similar_context": lambda p: (
        _("similar context: %(share)s (%(factors)s)")
        % {
            "share": _share(p["share"]),
            "factors": ", ".join(str(FACTOR_LABELS[f]) for f in p["factors"]),
        }
        if p["factors"]
        else _("similar context: %(share)s") % {"share": _share(p["share"])}
    ),
    "reciprocal": lambda p: (
        _("each can teach the other: they are stronger on %(theirs)s; you are stronger on %(own)s")
        % {"theirs": _names(p["theirs"]), "own": _names(p["own"])}
    ),
    "stronger_on": lambda p: (
        _("stronger on %(name)s: %(theirs)s against %(own)s")
        % {"name": p["name"], "theirs": _score(p["theirs"]), "own": _score(p["own"])}
    ),
    "improving_on": lambda p: (
        _("improving on %(name)s: +%(change)s points")
        % {
            "name": p["name"],
            "change": number_format(float(p["change"]), decimal_pos=1, use_l10n=True),
        }
    ),
    "scored_on": lambda p: (
        _("scored %(theirs)s on %(name)s") % {"name": p["name"], "theirs": _score(p["theirs"])}
    ),
    "signal": lambda p: (
        _("%(label)s: %(share)s")
        % {"label": SIGNAL_LABELS.get(p["signal"], p["signal"]), "share": _share(p["share"])}
    ),
}


#: Every key the engine's reasons may carry (a test checks the engine gives no other).
KEYS = tuple(_MESSAGES)


def localised(reason: str) -> str:
    """``reason`` in the active language (as written when it carries no known key)."""
    if isinstance(reason, Reason) and reason.key in _MESSAGES:
        try:
            return _MESSAGES[reason.key](reason.params)
        except (KeyError, TypeError, ValueError):
            # values this version does not expect (a reason made by another version): the
            # English sentence still says it, where a page error would say nothing
            pass
    return str(reason)
