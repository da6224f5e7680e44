"""The office survey: a city's international office in a year, beside the published surveys.

Each city answers yes/no questions (an international office, a strategy, trained staff, a
dedicated director, SDG tracking...) and gives numbers (staff, budget, networks). The share of
cities answering yes is set beside the published figure of the same question in the surveys of
city diplomacy, each figure with its survey, year, sample and source
(``data/capacity/survey_figures.csv``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from citydiplomacy.errors import Problem, ValidationError

#: The yes/no questions of the office survey, as the published figures name them.
QUESTIONS: dict[str, str] = {
    "international_office": "has a dedicated international-relations office",
    "international_strategy": "has an international strategy",
    "staff_trained": "international staff have had city-diplomacy training",
    "international_staff": "has staff handling international affairs",
    "dedicated_director": "has a dedicated director or manager of international affairs",
    "tracks_sdgs": "tracks its performance on the SDGs",
}
QUALIFIERS = {"equal": "", "about": "about ", "under": "under ", "over": "over "}
FIGURE_COLUMNS = (
    "indicator", "year", "value_percent", "qualifier", "cities_surveyed", "scope", "survey",
    "source_url",
)  # fmt: skip
#: Fewer answering cities than this and the platform's share is marked as a small sample.
SMALL_SAMPLE = 5


@dataclass(frozen=True)
class PublishedFigure:
    """One published survey figure with its source."""

    indicator: str
    year: int
    value_percent: float
    qualifier: str
    cities_surveyed: int
    scope: str
    survey: str
    source_url: str

    @property
    def text(self) -> str:
        return f"{QUALIFIERS[self.qualifier]}{self.value_percent:g} %"


def read_figures(table: pd.DataFrame, source: str) -> list[PublishedFigure]:
    """Check and read the table of published figures (every problem as source:row:column)."""
    header = [str(c).strip() for c in table.columns]
    problems: list[Problem] = []
    for c in FIGURE_COLUMNS:
        if c not in header:
            problems.append(Problem(source, 1, 0, f"missing column {c!r}"))
    if problems:
        raise ValidationError(problems)
    col = {h: i + 1 for i, h in enumerate(header)}
    out = []
    for i, rec in enumerate(table.astype(str).to_dict("records")):
        row = i + 2
        v = {k: str(rec[k]).strip() for k in FIGURE_COLUMNS}
        bad = len(problems)
        if not re.fullmatch(r"[a-z_]{1,40}", v["indicator"]):
            problems.append(
                Problem(source, row, col["indicator"], "indicator must be a snake_case name")
            )
        if not re.fullmatch(r"(19|20)[0-9]{2}", v["year"]):
            problems.append(
                Problem(source, row, col["year"], f"year must be like 2024, got {v['year']!r}")
            )
        try:
            pct = float(v["value_percent"])
            if not 0 <= pct <= 100:
                raise ValueError
        except ValueError:
            pct = 0.0
            problems.append(
                Problem(source, row, col["value_percent"], "value_percent must be 0-100")
            )
        if v["qualifier"] not in QUALIFIERS:
            problems.append(
                Problem(
                    source,
                    row,
                    col["qualifier"],
                    f"qualifier must be one of {', '.join(QUALIFIERS)}",
                )
            )
        if not (v["cities_surveyed"].isascii() and v["cities_surveyed"].isdigit()):
            problems.append(
                Problem(
                    source, row, col["cities_surveyed"], "cities_surveyed must be a whole number"
                )
            )
        for k in ("survey", "source_url"):
            if not v[k]:
                problems.append(
                    Problem(source, row, col[k], f"{k} is empty: every figure names its source")
                )
        if len(problems) == bad:
            out.append(
                PublishedFigure(
                    v["indicator"],
                    int(v["year"]),
                    pct,
                    v["qualifier"],
                    int(v["cities_surveyed"]),
                    v["scope"],
                    v["survey"],
                    v["source_url"],
                )
            )
    if problems:
        raise ValidationError(problems)
    return out


@dataclass(frozen=True)
class Comparison:
    """The platform's share of cities answering yes beside the published figures."""

    indicator: str
    question: str
    answered: int
    yes: int
    share_percent: float | None
    small_sample: bool
    published: tuple[PublishedFigure, ...]


def compare(
    answers: Mapping[str, Sequence[bool | None]], figures: Sequence[PublishedFigure]
) -> list[Comparison]:
    """Per question: how many cities answered, the share saying yes, and the published figures
    of that question (oldest first). ``None`` answers are not counted."""
    out = []
    for indicator, question in QUESTIONS.items():
        given = [a for a in answers.get(indicator, ()) if a is not None]
        yes = sum(1 for a in given if a)
        share = 100.0 * yes / len(given) if given else None
        published = tuple(
            sorted((f for f in figures if f.indicator == indicator), key=lambda f: f.year)
        )
        out.append(
            Comparison(
                indicator,
                question,
                len(given),
                yes,
                share,
                0 < len(given) < SMALL_SAMPLE,
                published,
            )
        )
    return out
