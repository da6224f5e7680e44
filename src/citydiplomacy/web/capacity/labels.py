"""The capacity pages' words that come from Python, in the page's language (issue 19, item 7).

``core.capacity`` names roles and levels in English and never imports Django; the web layer
translates them here, keyed by their code, with gettext (the French catalogue of the site).
A role or level this module does not know keeps the English name ``core`` gives it.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from citydiplomacy.core.capacity.framework import LEVEL_NAMES, role_label
from citydiplomacy.core.capacity.survey import QUESTIONS

#: The packaged framework's roles (``core.capacity.framework.ROLE_LABELS``), translatable.
ROLE_NAMES: dict[str, Promise] = {
    "mayor": _("Mayor"),
    "director": _("Director of international affairs"),
    "officer": _("International officer"),
    "sector_staff": _("Sector staff"),
}
#: The proficiency levels 1-5 (``core.capacity.framework.LEVEL_NAMES``), translatable.
LEVEL_WORDS: dict[str, Promise] = {
    "aware": _("aware"),
    "assisted": _("assisted"),
    "independent": _("independent"),
    "advanced": _("advanced"),
    "expert": _("expert"),
}
#: The questions of the office survey (``core.capacity.survey``), by code.
SURVEY_QUESTIONS: dict[str, Promise] = {
    "international_office": _("has a dedicated international-relations office"),
    "international_strategy": _("has an international strategy"),
    "staff_trained": _("international staff have had city-diplomacy training"),
    "international_staff": _("has staff handling international affairs"),
    "dedicated_director": _("has a dedicated director or manager of international affairs"),
    "tracks_sdgs": _("tracks its performance on the SDGs"),
    # A published figure's question only (not asked by the platform's survey).
    "network_influence": _("finds that its city networks have substantial policy influence"),
}


def question(code: str) -> str:
    """A survey question's words in the active language ('dedicated_director' -> 'has a
    dedicated director...'); ``core``'s English, or the code, for another question."""
    label = SURVEY_QUESTIONS.get(code)
    return str(label) if label is not None else QUESTIONS.get(code, code)


def role_name(role: str) -> str:
    """A role's name in the active language (``core``'s English for a role of a user's table)."""
    name = ROLE_NAMES.get(role)
    return str(name) if name is not None else role_label(role)


def level_names() -> tuple[str, ...]:
    """The five level names in the active language."""
    return tuple(str(LEVEL_WORDS.get(n, n)) for n in LEVEL_NAMES)
