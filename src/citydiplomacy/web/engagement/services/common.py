"""What every engagement service shares: its errors, their translatable messages and the
checks of web links."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from citydiplomacy.errors import CityDiplomacyError


class Message:
    """A message for a person, translated when it is shown (``str``), not when it is made.

    ``text`` is marked for the catalogue (``gettext_lazy``) and may hold named
    ``%(placeholders)s``, filled from ``params`` after translation; a ``field`` (a form
    field's key, never translated) is put before it as ``field: text``, the form the pages
    split to show a problem at its field. Shown in the language active then: a page's
    reader's, or English where the JSON API renders it (:mod:`citydiplomacy.web.apikit.errors`).

    Parameters
    ----------
    text
        The English text, marked for translation.
    field
        The key of the field the problem concerns, or ``""``.
    **params
        Values of the placeholders (a lazy text or another :class:`Message` among them is
        translated with it).
    """

    __slots__ = ("field", "params", "text")

    def __init__(self, text: str | Promise, field: str = "", **params: Any) -> None:
        self.text = text
        self.field = field
        self.params = params

    def message(self) -> str:
        """The text without its field, in the active language."""
        text = str(self.text)
        if not self.params:
            return text
        return text % {
            k: str(v) if isinstance(v, (Message, Promise)) else v for k, v in self.params.items()
        }

    def __str__(self) -> str:
        return f"{self.field}: {self.message()}" if self.field else self.message()

    def __repr__(self) -> str:
        return f"Message({str(self)!r})"


class EngagementError(CityDiplomacyError):
    """A request that the rules refuse, with a message for the person who made it.

    It holds one problem or several (each a :class:`Message`, a lazy text or a plain
    string); ``str()`` joins them with ``"; "`` in the active language, and
    :attr:`messages` lists them, so that a page shows each at its field."""

    def __init__(self, *problems: Message | Promise | str) -> None:
        super().__init__(*problems)
        self.problems = problems

    @property
    def messages(self) -> list[str]:
        """Each problem in the active language (``field: text`` when it names a field)."""
        return [str(p) for p in self.problems]

    def __str__(self) -> str:
        return "; ".join(self.messages)


class AlreadySignedError(EngagementError):
    """The city already has a live signature on this declaration."""


#: Links the app stores and shows: web pages only (a ``javascript:`` or ``data:`` link would
#: run in the reader's browser when clicked).
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
#: The longest URL a ``source_url`` / ``official_url`` column holds.
URL_MAX_LENGTH = 500
#: Years a commitment may name (the columns are small integers; pledges are recent).
YEAR_MIN, YEAR_MAX = 1900, 2100


def url_problem(value: str, field_name: str = "source_url") -> Message | None:
    """Why ``value`` is not a storable web link (``field: expected ...``), or ``None``.

    The empty string is accepted (the link is optional); anything else must be an absolute
    ``http``/``https`` URL of at most :data:`URL_MAX_LENGTH` characters."""
    if value == "":
        return None
    if len(value) > URL_MAX_LENGTH:
        return too_long(field_name, URL_MAX_LENGTH, len(value))
    try:
        _URL_VALIDATOR(value)
    except ValidationError:
        return Message(_("expected a web address starting with http:// or https://"), field_name)
    return None


def too_long(field_name: str, limit: int, found: int) -> Message:
    """``field: expected at most N characters, found M``."""
    return Message(
        _("expected at most %(limit)s characters, found %(found)s"),
        field_name,
        limit=limit,
        found=found,
    )


#: The longest reason or note a withdrawal, a cancellation or a recommendation's status
#: change records (their columns' ``max_length``).
REASON_MAX_LENGTH = 500
#: The longest note of a declaration version (its column's ``max_length``).
NOTE_MAX_LENGTH = 300


def check_length(value: str, field_name: str, limit: int) -> str:
    """``value`` if it holds at most ``limit`` characters.

    Raises
    ------
    EngagementError
        ``field: expected at most N characters, found M``: a text too long is refused,
        never cut (a cut reason or note would say something its author did not).
    """
    if len(value) > limit:
        raise EngagementError(too_long(field_name, limit, len(value)))
    return value


def check_url(value: str, field_name: str = "source_url") -> str:
    """``value`` if it is a storable web link (see :func:`url_problem`).

    Raises
    ------
    EngagementError
        With the problem, naming ``field_name``.
    """
    problem = url_problem(value, field_name)
    if problem is not None:
        raise EngagementError(problem)
    return value


#: Longest slug of a declaration (the column holds 80; room for a ``-<n>`` suffix).
SLUG_LENGTH = 70
