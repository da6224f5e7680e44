"""The problems :mod:`citydiplomacy.io.readers` finds with a file itself (its type, header and
shape), each as :class:`~citydiplomacy.errors.Words` so that a page can write it in its
reader's language (``docs/translation.md``); the English text is what the command line
prints."""

from __future__ import annotations

from citydiplomacy.errors import Problem, gettext_noop, words


def unsupported_type(source: str, suffix: str) -> Problem:
    return Problem.worded(
        source,
        0,
        0,
        words(
            gettext_noop("unsupported file type %(suffix)s; use .csv, .xlsx or .parquet"),
            suffix=repr(suffix),
        ),
    )


def empty_file(source: str) -> Problem:
    return Problem.worded(
        source,
        0,
        0,
        words(
            gettext_noop(
                "the file is empty; expected a header row (city, country, year, kpi, value; or "
                "city, country, year and one column per KPI code)"
            )
        ),
    )


def unused_column(source: str, column: int, name: str) -> Problem:
    return Problem.worded(
        source,
        1,
        column,
        words(gettext_noop("column %(column)s is not used and was ignored"), column=repr(name)),
        "warning",
    )


def repeated_column(source: str, column: int, name: str, first: str) -> Problem:
    return Problem.worded(
        source,
        1,
        column,
        words(
            gettext_noop("column %(column)s repeats the %(first)s column"),
            column=repr(name),
            first=repr(first),
        ),
    )


def no_data_rows(source: str) -> Problem:
    return Problem.worded(
        source, 0, 0, words(gettext_noop("the file has a header but no data rows"))
    )


def not_a_column(source: str, column: int, name: str, close: str | None) -> Problem:
    """A wide table's header cell that is neither an identifier nor a KPI code (with the
    closest code when one is close)."""
    if close is None:
        message = words(
            gettext_noop(
                "column %(column)s is neither city/country/geonames_id/year nor a KPI code"
            ),
            column=repr(name),
        )
    else:
        message = words(
            gettext_noop(
                "column %(column)s is neither city/country/geonames_id/year nor a KPI code; "
                "did you mean %(close)s?"
            ),
            column=repr(name),
            close=repr(close),
        )
    return Problem.worded(source, 1, column, message)


def no_year_column(source: str) -> Problem:
    return Problem.worded(source, 1, 0, words(gettext_noop("a wide table needs a 'year' column")))


def no_values(source: str) -> Problem:
    return Problem.worded(
        source,
        0,
        0,
        words(
            gettext_noop(
                "the table holds no values; a wide table needs one column per KPI code beside "
                "city, country and year, a long table the columns kpi and value"
            )
        ),
    )
