"""What every engagement service shares: its errors and the checks of web links."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from citydiplomacy.errors import CityDiplomacyError


class EngagementError(CityDiplomacyError):
    """A request that the rules refuse, with a message for the person who made it."""


class AlreadySignedError(EngagementError):
    """The city already has a live signature on this declaration."""


#: Links the app stores and shows: web pages only (a ``javascript:`` or ``data:`` link would
#: run in the reader's browser when clicked).
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
#: The longest URL a ``source_url`` / ``official_url`` column holds.
URL_MAX_LENGTH = 500
#: Years a commitment may name (the columns are small integers; pledges are recent).
YEAR_MIN, YEAR_MAX = 1900, 2100


def url_problem(value: str, field_name: str = "source_url") -> str | None:
    """Why ``value`` is not a storable web link (``field: expected ...``), or ``None``.

    The empty string is accepted (the link is optional); anything else must be an absolute
    ``http``/``https`` URL of at most :data:`URL_MAX_LENGTH` characters."""
    if value == "":
        return None
    if len(value) > URL_MAX_LENGTH:
        return f"{field_name}: expected at most {URL_MAX_LENGTH} characters, found {len(value)}"
    try:
        _URL_VALIDATOR(value)
    except ValidationError:
        return f"{field_name}: expected a web address starting with http:// or https://"
    return None


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
        raise EngagementError(
            f"{field_name}: expected at most {limit} characters, found {len(value)}"
        )
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
