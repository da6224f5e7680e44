"""Field types shared by the API's schemas, each stating in OpenAPI exactly what it accepts.

* :data:`Text`: a string without control characters (tab, line feed and carriage return
  allowed) and without lone UTF-16 surrogates. PostgreSQL cannot store NUL, and no database
  can store a lone surrogate (it is not encodable in UTF-8), so both would otherwise end as a
  server error when written. The OpenAPI schema carries the same rule as a ``pattern``.
* :func:`length_of`: the bounds of a model field's ``max_length``, so that the API refuses
  what the database column cannot hold, on SQLite (which does not enforce lengths) as on
  PostgreSQL (which does).
* :data:`IsoDate`: a calendar date written ``YYYY-MM-DD`` only (pydantic's own date type also
  takes numbers as Unix times, which the schema's ``format: date`` does not allow).
* :class:`OneOf`: a string restricted to a vocabulary computed when the schema is built
  (the framework's category codes), stated as an OpenAPI ``enum``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from django.db import models
from pydantic import (
    AfterValidator,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from citydiplomacy.core.text import FORBIDDEN_IN_TEXT, forbidden_character

#: The same rule as a regular expression for the OpenAPI schema, readable by ECMAScript and
#: Python alike. Surrogates are left out: in ECMAScript without the ``u`` flag a character
#: class sees UTF-16 code units, so excluding surrogates there would refuse every emoji; a JSON
#: text in UTF-8 cannot carry a lone surrogate except as an escape, which the validator refuses.
TEXT_PATTERN = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]*$"


def _refuse_forbidden(text: str) -> str:
    problem = forbidden_character(text)
    if problem is not None:
        raise ValueError(f"must not contain {problem}")
    return text


class _Pattern:
    """Adds a ``pattern`` to a string's JSON schema without making pydantic check it (the
    validator does, with a message that names the character)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["pattern"] = self.pattern
        return out


#: A text field without control characters (tab and line breaks allowed), lone surrogates or
#: the noncharacters U+FFFE and U+FFFF.
Text = Annotated[str, AfterValidator(_refuse_forbidden), _Pattern(TEXT_PATTERN)]


def max_length_of(model: type[models.Model], field: str) -> int:
    """``max_length`` of a model's text field (a ``CharField`` and its kin)."""
    length = model._meta.get_field(field).max_length  # type: ignore[union-attr]
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return length


def length_of(model: type[models.Model], field: str, *, min_length: int = 0) -> StringConstraints:
    """The length bounds of ``model.field`` for ``Annotated[Text, length_of(Model, "field")]``:
    the API then refuses what the database column cannot hold, on SQLite (which does not
    enforce lengths) as on PostgreSQL (which does)."""
    return StringConstraints(min_length=min_length, max_length=max_length_of(model, field))


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("expected a date written YYYY-MM-DD")
    return value


#: A calendar date written YYYY-MM-DD (2026-02-30 and numbers refused); ``format: date``.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


class OneOf:
    """A string restricted to a vocabulary looked up when needed (not at import), stated in
    OpenAPI as an ``enum``: ``Annotated[str, OneOf(codes, "a framework category code")]``.

    Parameters
    ----------
    values
        Returns the allowed strings (called at validation and schema generation).
    what
        Names the vocabulary in the error message.
    """

    def __init__(self, values: Callable[[], Iterable[str]], what: str) -> None:
        self.values = values
        self.what = what

    def _check(self, text: str) -> str:
        allowed = list(self.values())
        if text not in allowed:
            shown = ", ".join(allowed[:30]) + (" ..." if len(allowed) > 30 else "")
            raise ValueError(f"{text!r} is not {self.what}; expected one of {shown}")
        return text

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["enum"] = list(self.values())
        return out


__all__ = [
    "FORBIDDEN_IN_TEXT",
    "TEXT_PATTERN",
    "IsoDate",
    "OneOf",
    "Text",
    "forbidden_character",
    "length_of",
    "max_length_of",
]
