"""One small exception hierarchy.

Every message says what is wrong and how to fix it; the command line prints it without a
traceback, and the web layer turns it into a 4xx answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple


def gettext_noop(template: str) -> str:
    """Mark ``template`` as a message the web layer translates (gettext's extraction finds
    it by this name); returns it unchanged: nothing here knows the reader's language."""
    return template


class Words(NamedTuple):
    """A message as a template and its values, so that it can be written in English here
    and in the reader's language by the web layer (which translates ``template`` and fills
    it with ``params``, each already a string)."""

    template: str
    params: Mapping[str, str]

    @property
    def text(self) -> str:
        """The message in English."""
        return self.template % dict(self.params) if self.params else self.template


def words(template: str, **params: object) -> Words:
    """A :class:`Words` of ``template`` (marked with :func:`gettext_noop` where it is written)
    and its values, each turned into text here (numbers as the message shows them)."""
    return Words(template, {k: str(v) for k, v in params.items()})


class CityDiplomacyError(Exception):
    """Base class of every error the project raises on purpose."""


class FrameworkError(CityDiplomacyError):
    """An indicator framework table is malformed (missing column, broken tree, bad value)."""


class SpecError(CityDiplomacyError):
    """A scoring spec names an unknown method or gives a parameter of the wrong kind."""


class DataError(CityDiplomacyError):
    """Data cannot be used as asked (no data for a city or year, too few cities...)."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating input, located as ``source:row:column``.

    Parameters
    ----------
    source
        The name of what was read: a file name, or a label such as ``<upload>``.
    row
        1-based row as a spreadsheet shows it (the header is row 1); 0 when the problem
        concerns the whole file.
    column
        1-based column; 0 when the problem concerns a whole row or file.
    message
        What is wrong and what was expected.
    severity
        ``"error"`` (the input is refused) or ``"warning"`` (accepted, but worth a look).
    template, params
        The message as a translatable template and its values (``message`` is the template
        filled in, in English).
    """

    source: str
    row: int
    column: int
    message: str
    severity: str = "error"
    #: The message's template and values (:class:`Words`) when it can be translated; empty
    #: for a message written directly (then shown as ``message`` in every language).
    template: str = ""
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def worded(
        cls, source: str, row: int, column: int, message: str | Words, severity: str = "error"
    ) -> Problem:
        """A problem whose message is plain text or :class:`Words` (kept translatable)."""
        if isinstance(message, Words):
            params = tuple(sorted(message.params.items()))
            return cls(source, row, column, message.text, severity, message.template, params)
        return cls(source, row, column, message, severity)

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.source}:{self.row}:{self.column}: {prefix}{self.message}"


class ValidationError(CityDiplomacyError):
    """Input failed validation; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = "\n".join(str(p) for p in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} problem(s) found:\n{head}{more}")

    @property
    def errors(self) -> list[Problem]:
        """The problems that make the input unusable."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that were accepted but deserve a look."""
        return [p for p in self.problems if p.severity == "warning"]
