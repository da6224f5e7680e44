"""Readers of published lists of signatories of a declaration.

Two formats are read: the Global Parliament of Mayors' CSV (``city_name, country,
wikidata_id, mayor_name, mayor_title``) and a city-vote JSON (a list of votes, or an
object whose values hold ``votes``). Nothing here knows the city registry: the web layer
(``web/engagement/services/signatories.py``) matches the entries to registry cities and
writes them, all or nothing.

Every problem of a file is collected and raised at once as a
:class:`SignatoryListError`, each located as ``file:line:column`` (1-based line of the file,
1-based column: the cell for CSV, the character for JSON; ``file:1:1`` for a problem of the
whole file).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from citydiplomacy.core.text import forbidden_character
from citydiplomacy.errors import CityDiplomacyError, Problem

#: Columns a signatory CSV must have (others, such as ``wikidata_id``, are allowed).
CSV_COLUMNS = ("city_name", "country", "mayor_name", "mayor_title")


@dataclass(frozen=True)
class ListedSignatory:
    """One entry of a published list of signatories.

    ``row`` is the line of the record in a CSV file (the header being line 1) and the
    1-based item number in a JSON file: what an import report names the entry by."""

    row: int
    name: str
    title: str
    place: str
    country: str


#: Longest text each field may hold (the signature's columns): longer is a problem at its
#: cell, never cut.
FIELD_LIMITS = {"name": 200, "title": 300, "place": 200, "country": 100}
#: The CSV column and the JSON field each field comes from, for messages.
_CSV_COLUMN = {
    "name": "mayor_name",
    "title": "mayor_title",
    "place": "city_name",
    "country": "country",
}
_JSON_FIELD = {
    "name": "author.name",
    "title": "author.title",
    "place": "organisationNameFallback",
    "country": "country",
}


def _text_problems(entry: ListedSignatory) -> list[tuple[str, str]]:
    """``(field, message)`` for each field of ``entry`` that is too long or holds a character
    no stored text may hold (NUL, other control characters, lone surrogates)."""
    found = []
    for field, limit in FIELD_LIMITS.items():
        value = getattr(entry, field)
        bad = forbidden_character(value)
        if bad:
            found.append((field, f"expected text without {bad}"))
        elif len(value) > limit:
            found.append((field, f"expected at most {limit} characters, found {len(value)}"))
    return found


class SignatoryListError(CityDiplomacyError):
    """A signatory list that cannot be read, with every problem found (one a line)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def read_listed(file_name: str, content: str) -> list[ListedSignatory]:
    """Entries of a signatory list file, read by its extension (``.csv`` or ``.json``).

    A leading byte-order mark is ignored.

    Raises
    ------
    SignatoryListError
        With every problem of the file, each as ``file:line:column: expected ...``.
    """
    content = content.removeprefix("\ufeff")
    if file_name.endswith(".csv"):
        return _read_csv(file_name, content)
    if file_name.endswith(".json"):
        return _read_json(file_name, content)
    raise SignatoryListError([Problem(file_name, 1, 1, "expected a .csv or .json file")])


def _read_csv(file_name: str, content: str) -> list[ListedSignatory]:
    problems: list[Problem] = []
    out: list[ListedSignatory] = []
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [c.strip() for c in next(reader, [])]
    except csv.Error as exc:
        raise SignatoryListError([Problem(file_name, 1, 1, f"expected CSV ({exc})")]) from exc
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        message = f"expected the columns {', '.join(CSV_COLUMNS)} (missing {', '.join(missing)})"
        raise SignatoryListError([Problem(file_name, 1, 1, message)])
    col = {c: header.index(c) for c in CSV_COLUMNS}
    line = reader.line_num  # the record's first line is the line after the previous one
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(file_name, reader.line_num, 1, f"expected CSV ({exc})"))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            # The first column that is missing, or the first one too many (1-based).
            column = min(len(row), len(header)) + 1
            message = f"expected {len(header)} columns, found {len(row)}"
            problems.append(Problem(file_name, start, column, message))
            continue
        name = row[col["mayor_name"]].strip()
        if not name:
            column = col["mayor_name"] + 1
            problems.append(Problem(file_name, start, column, "expected the signatory's name"))
            continue
        entry = ListedSignatory(
            start,
            name,
            row[col["mayor_title"]].strip(),
            row[col["city_name"]].strip(),
            row[col["country"]].strip(),
        )
        bad = _text_problems(entry)
        for field, message in bad:
            column = col[_CSV_COLUMN[field]] + 1
            problems.append(Problem(file_name, start, column, f"{_CSV_COLUMN[field]}: {message}"))
        if not bad:
            out.append(entry)
    if problems:
        raise SignatoryListError(problems)
    return out


def _line_column(content: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character ``offset`` of ``content``."""
    line = content.count("\n", 0, offset) + 1
    return line, offset - (content.rfind("\n", 0, offset) + 1) + 1


_WS = " \t\n\r"


def _skip(content: str, i: int) -> int:
    while i < len(content) and content[i] in _WS:
        i += 1
    return i


def _located(content: str, i: int, decoder: json.JSONDecoder) -> tuple[Any, int, Any]:
    """The JSON value starting at ``i`` (after blanks): ``(value, end, offsets)``.

    ``offsets`` mirrors the containers of the value: for a list, a list of
    ``(offset of the item, offsets of the item)``; for an object, a dict of the same by
    key; ``None`` for a scalar. Only containers are walked here; scalars are decoded by
    the standard decoder. The text is valid JSON (checked by :func:`json.loads` first)."""
    i = _skip(content, i)
    if content[i] == "[":
        items: list[Any] = []
        marks: list[tuple[int, Any]] = []
        i = _skip(content, i + 1)
        if content[i] == "]":
            return items, i + 1, marks
        while True:
            start = _skip(content, i)
            value, i, inner = _located(content, start, decoder)
            items.append(value)
            marks.append((start, inner))
            i = _skip(content, i)
            if content[i] == "]":
                return items, i + 1, marks
            i += 1  # the comma
    if content[i] == "{":
        obj: dict[str, Any] = {}
        by_key: dict[str, tuple[int, Any]] = {}
        i = _skip(content, i + 1)
        if content[i] == "}":
            return obj, i + 1, by_key
        while True:
            key, i = decoder.raw_decode(content, _skip(content, i))
            i = _skip(content, i) + 1  # the colon
            start = _skip(content, i)
            value, i, inner = _located(content, start, decoder)
            obj[key] = value
            by_key[key] = (start, inner)
            i = _skip(content, i)
            if content[i] == "}":
                return obj, i + 1, by_key
            i += 1  # the comma
    value, end = decoder.raw_decode(content, i)
    return value, end, None


def _votes(file_name: str, content: str, data: Any) -> list[tuple[str, int, Any]]:
    """``(JSON path, offset, item)`` of every vote of the file, in file order."""
    _, _, marks = _located(content, 0, json.JSONDecoder())
    if isinstance(data, list):
        return [(f"[{j}]", marks[j][0], v) for j, v in enumerate(data)]
    if not isinstance(data, dict):
        raise SignatoryListError(
            [Problem(file_name, 1, 1, "expected a list of votes or statements")]
        )
    votes: list[tuple[str, int, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(value.get("votes"), list):
            # marks[key] = (offset of the statement, {field: (offset, marks)})
            vote_marks = marks[key][1]["votes"][1]
            label = json.dumps(key, ensure_ascii=False)
            votes.extend(
                (f"{label}.votes[{j}]", vote_marks[j][0], v) for j, v in enumerate(value["votes"])
            )
    return votes


def _read_json(file_name: str, content: str) -> list[ListedSignatory]:
    problems: list[Problem] = []
    out: list[ListedSignatory] = []
    try:
        data = json.loads(content)
        votes = _votes(file_name, content, data)
    except json.JSONDecodeError as exc:
        problem = Problem(file_name, exc.lineno, exc.colno, f"expected JSON ({exc.msg})")
        raise SignatoryListError([problem]) from exc
    except RecursionError as exc:  # a hostile file nested thousands deep
        problem = Problem(file_name, 1, 1, "expected JSON nested at most a few hundred deep")
        raise SignatoryListError([problem]) from exc
    for i, (where, offset, vote) in enumerate(votes, start=1):
        line, column = _line_column(content, offset)
        item = f"item {i} ({where})"
        if not isinstance(vote, dict):
            message = f"{item}: expected an object, found {type(vote).__name__}"
            problems.append(Problem(file_name, line, column, message))
            continue
        author = vote.get("author")
        if not isinstance(author, dict) or not str(author.get("name") or "").strip():
            message = f"{item}, field author.name: expected the signatory's name"
            problems.append(Problem(file_name, line, column, message))
            continue
        if vote.get("vote") != "Sign":
            found = json.dumps(vote.get("vote"))
            message = f"{item}, field vote: expected 'Sign', found {found}"
            problems.append(Problem(file_name, line, column, message))
            continue
        entry = ListedSignatory(
            i,
            str(author["name"]).strip(),
            str(author.get("title") or "").strip(),
            str(vote.get("organisationNameFallback") or "").strip(),
            "",
        )
        bad = _text_problems(entry)
        for field, message in bad:
            problems.append(
                Problem(file_name, line, column, f"{item}, field {_JSON_FIELD[field]}: {message}")
            )
        if not bad:
            out.append(entry)
    if problems:
        raise SignatoryListError(problems)
    return out
