"""Readers of the open partnership and network files and of forum participant lists.

Each reader checks the whole file first and raises one :class:`~citydiplomacy.errors.
ValidationError` with every malformed cell as ``file:row:column: expected ...`` (rows as a
spreadsheet shows them, the header being row 1). Nothing here knows the city registry: the web
layer (``web/partners/importers.py``, ``web/partners/forum.py``) matches what these readers
return to GeoNames cities and writes it, all or nothing.

* :func:`read_sister_pairs`: Wikidata P190 pairs of the cities of 25 EU countries (TSV);
* :func:`read_crawl_pairs`: the 2016 worldwide Wikidata crawl, already matched to GeoNames ids;
* :func:`read_gcom_signatories`: Global Covenant of Mayors signatories (CSV);
* :func:`read_eurocities_members`: Eurocities members (JSON);
* :func:`read_participant_rows`: a forum's participants file (CSV).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from citydiplomacy.errors import Problem, ValidationError

SISTER_FILE = "wikidata_p190_eu25_2017.tsv"
CRAWL_FILE = "wikidata_p190_crawl_2016.tsv"
GCOM_FILE = "gcom_signatories_2024.csv"
EUROCITIES_FILE = "eurocities_members_2025.json"

SISTER_COLUMNS = (
    "origincityLabel",
    "origincountry",
    "originlat",
    "originlong",
    "originpopulation",
    "sistercityLabel",
    "destinationlat",
    "destinationlong",
    "destinationpopulation",
    "destination_countryLabel",
    "dist",
    "eu",
)
#: The columns of the sister-city file a pair cannot do without.
SISTER_REQUIRED = (
    "origincityLabel",
    "originlat",
    "originlong",
    "sistercityLabel",
    "destinationlat",
    "destinationlong",
)
CRAWL_COLUMNS = (
    "qid_a",
    "label_a",
    "geonames_a",
    "method_a",
    "qid_b",
    "label_b",
    "geonames_b",
    "method_b",
)
GCOM_COMMITMENTS = {
    "commitment_CoM2020_flag": "CoM 2020 (-20% CO2 by 2020)",
    "commitment_CoM2030_flag": "CoM 2030 (-40% CO2 by 2030, adaptation)",
    "commitment_CoM2050_flag": "CoM 2050 (climate neutrality by 2050)",
    "commitment_mayoradapt_flag": "Mayors Adapt (adaptation)",
}
GCOM_COLUMNS = (
    "organisation_id",
    "organisation_name",
    "country_code",
    "organisation_latitude",
    "organisation_longitude",
    "signatory_status",
    "date_of_adhesion",
    "adhesion_type",
    *GCOM_COMMITMENTS,
)

#: A place of a file: its label and coordinates (``None`` when the file gives none).
Place = tuple[str, float | None, float | None]


def data_file(name: str) -> Any:
    """A packaged file of ``citydiplomacy/data/partners``."""
    return resources.files("citydiplomacy.data") / "partners" / name


def read_text(content: bytes | str | None, name: str, source: str | None = None) -> str:
    """The text of ``content`` (bytes are UTF-8, a byte-order mark ignored), or of the packaged
    file ``name`` when ``content`` is ``None``."""
    if content is None:
        return str(data_file(name).read_text(encoding="utf-8"))
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError([Problem(source or name, 0, 0, "expected UTF-8 text")]) from None


# ------------------------------------------------------------------ cells
def _float(
    text: str, problems: list[Problem], src: str, row: int, col: int, what: str
) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        x = float(text)
    except ValueError:
        problems.append(Problem(src, row, col, f"expected {what} (a number), got {text!r}"))
        return None
    if not math.isfinite(x):
        problems.append(Problem(src, row, col, f"expected {what} (a finite number), got {text!r}"))
        return None
    return x


def _coords(
    lat: float | None,
    lon: float | None,
    problems: list[Problem],
    src: str,
    row: int,
    cols: tuple[int, int],
) -> tuple[float | None, float | None]:
    """Both coordinates in range, or neither (a place with one coordinate is matched by name)."""
    if lat is not None and not -90 <= lat <= 90:
        problems.append(Problem(src, row, cols[0], f"expected a latitude in [-90, 90], got {lat}"))
        return None, None
    if lon is not None and not -180 <= lon <= 180:
        problems.append(
            Problem(src, row, cols[1], f"expected a longitude in [-180, 180], got {lon}")
        )
        return None, None
    if lat is None or lon is None:
        return None, None
    return lat, lon


def _place(
    cells: list[str],
    col: dict[str, int],
    names: tuple[str, str, str],
    problems: list[Problem],
    src: str,
    rowno: int,
) -> Place:
    """The label and checked coordinates of one end of a pair (columns ``names``)."""
    label_col, lat_col, lon_col = (col[n] for n in names)
    label = cells[label_col].strip()
    if not label:
        problems.append(Problem(src, rowno, label_col + 1, "expected a city name"))
    lat = _float(cells[lat_col], problems, src, rowno, lat_col + 1, "a latitude")
    lon = _float(cells[lon_col], problems, src, rowno, lon_col + 1, "a longitude")
    lat, lon = _coords(lat, lon, problems, src, rowno, (lat_col + 1, lon_col + 1))
    return label, lat, lon


def _tsv_header(text: str, src: str, needed: tuple[str, ...]) -> tuple[Any, list[str]]:
    # Tab-separated without quoting: a quote character is part of a name.
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None:
        raise ValidationError([Problem(src, 0, 0, "expected a header row, the file is empty")])
    missing = [c for c in needed if c not in header]
    if missing:
        raise ValidationError([Problem(src, 1, 0, f"expected the columns {missing}")])
    return reader, header


# ------------------------------------------------------------------ sister cities
def read_sister_pairs(text: str, src: str) -> list[dict[str, Any]]:
    """The pairs of the Wikidata P190 file, validated.

    Returns
    -------
    list of dict
        ``{"row": n, "a": (label, lat, lon), "b": (label, lat, lon)}`` per pair (coordinates
        ``None`` when the file gives none).

    Raises
    ------
    ValidationError
        With every problem of the file.
    """
    reader, header = _tsv_header(text, src, SISTER_REQUIRED)
    col = {name: i for i, name in enumerate(header)}
    problems: list[Problem] = []
    out = []
    for rowno, row in enumerate(reader, start=2):
        if not any(row):
            continue
        cells = row + [""] * (len(header) - len(row))
        a = _place(cells, col, ("origincityLabel", "originlat", "originlong"), problems, src, rowno)
        b = _place(
            cells,
            col,
            ("sistercityLabel", "destinationlat", "destinationlong"),
            problems,
            src,
            rowno,
        )
        out.append({"row": rowno, "a": a, "b": b})
    if problems:
        raise ValidationError(problems)
    return out


def read_crawl_pairs(text: str, src: str) -> list[dict[str, Any]]:
    """The matched pairs of the 2016 Wikidata crawl (written by
    ``scripts/build_wikidata_crawl_ties.py``), validated.

    Returns
    -------
    list of dict
        ``{"row": n, "a": (qid, geonames id), "b": (qid, geonames id)}`` per pair.

    Raises
    ------
    ValidationError
        With every problem of the file.
    """
    reader, header = _tsv_header(text, src, CRAWL_COLUMNS)
    col = {name: i for i, name in enumerate(header)}
    problems: list[Problem] = []
    out = []
    for rowno, row in enumerate(reader, start=2):
        if not any(row):
            continue
        row = row + [""] * (len(header) - len(row))
        ends = []
        for side in ("a", "b"):
            qid = row[col[f"qid_{side}"]].strip()
            if not re.fullmatch(r"Q[1-9][0-9]*", qid):
                problems.append(
                    Problem(
                        src, rowno, col[f"qid_{side}"] + 1, f"expected a Wikidata id, got {qid!r}"
                    )
                )
            text_id = row[col[f"geonames_{side}"]].strip()
            if not (text_id.isascii() and text_id.isdigit()):
                problems.append(
                    Problem(
                        src,
                        rowno,
                        col[f"geonames_{side}"] + 1,
                        f"expected a GeoNames id (digits), got {text_id!r}",
                    )
                )
                ends.append((qid, 0))
            else:
                ends.append((qid, int(text_id)))
        out.append({"row": rowno, "a": ends[0], "b": ends[1]})
    if problems:
        raise ValidationError(problems)
    return out


# ------------------------------------------------------------------ GCoM
@dataclass(frozen=True)
class GcomSignatory:
    """One row of the GCoM signatories file.

    ``names`` are the municipalities it stands for: the signatory itself, or each town of a
    group signing jointly ("Alkmaar, Bergen and Heiloo").
    """

    row: int
    id: str
    name: str
    names: tuple[str, ...]
    country: str
    lat: float | None
    lon: float | None
    since: date | None
    commitments: tuple[str, ...]
    status: str
    group: bool


def read_gcom_signatories(text: str, src: str) -> list[GcomSignatory]:
    """The signatories of the JRC GCoM-MyCovenant file, validated (``ValidationError`` with
    every problem). A cell ``-`` is empty."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    col = {n: i for i, n in enumerate(header)}
    missing = [c for c in GCOM_COLUMNS if c not in col]
    if missing:
        raise ValidationError([Problem(src, 1, 0, f"expected the columns {missing}")])
    problems: list[Problem] = []
    rows: list[GcomSignatory] = []
    for rowno, row in enumerate(reader, start=2):
        if not any(row):
            continue
        cells = row + [""] * (len(header) - len(row))

        def cell(name: str, r: list[str] = cells) -> str:
            value = r[col[name]].strip()
            return "" if value == "-" else value

        def at(name: str) -> int:
            return col[name] + 1

        lat = _float(
            cell("organisation_latitude"),
            problems,
            src,
            rowno,
            at("organisation_latitude"),
            "a latitude",
        )
        lon = _float(
            cell("organisation_longitude"),
            problems,
            src,
            rowno,
            at("organisation_longitude"),
            "a longitude",
        )
        cols = (at("organisation_latitude"), at("organisation_longitude"))
        lat, lon = _coords(lat, lon, problems, src, rowno, cols)
        since = None
        if cell("date_of_adhesion"):
            try:
                since = date.fromisoformat(cell("date_of_adhesion")[:10])
            except ValueError:
                problems.append(
                    Problem(
                        src,
                        rowno,
                        at("date_of_adhesion"),
                        f"expected a date YYYY-MM-DD, got {cell('date_of_adhesion')!r}",
                    )
                )
        flags = []
        for name, label in GCOM_COMMITMENTS.items():
            v = cell(name)
            if v not in ("True", "False", ""):
                problems.append(Problem(src, rowno, at(name), f"expected True or False, got {v!r}"))
            elif v == "True":
                flags.append(label)
        name = cell("organisation_name")
        if not name:
            problems.append(
                Problem(src, rowno, at("organisation_name"), "expected a signatory name")
            )
        group = cell("adhesion_type").startswith("As a group")
        names = [n.strip() for n in re.split(r",| and ", name)] if group else [name]
        rows.append(
            GcomSignatory(
                row=rowno,
                id=cell("organisation_id"),
                name=name,
                names=tuple(n for n in names if n),
                country=cell("country_code").upper(),
                lat=lat,
                lon=lon,
                since=since,
                commitments=tuple(flags),
                status=cell("signatory_status"),
                group=group,
            )
        )
    if problems:
        raise ValidationError(problems)
    return rows


# ------------------------------------------------------------------ Eurocities
@dataclass(frozen=True)
class EurocitiesMember:
    """One member of the Eurocities file (``index``: its 1-based place in ``members``)."""

    index: int
    labels: tuple[str, ...]
    lat: float | None
    lon: float | None
    wikidata_id: str


def read_eurocities_members(text: str, src: str) -> list[EurocitiesMember]:
    """The members of the Eurocities JSON file (``{"members": [...]}``), validated.

    A JSON syntax error is located by its line and column; a malformed member by its place
    in the list (row ``N`` is the N-th member, column 0).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [Problem(src, exc.lineno, exc.colno, f"expected JSON: {exc.msg}")]
        ) from None
    members = data.get("members") if isinstance(data, dict) else None
    if not isinstance(members, list):
        raise ValidationError([Problem(src, 0, 0, 'expected {"members": [...]}')])
    problems: list[Problem] = []
    rows = []
    for i, m in enumerate(members, start=1):
        if not isinstance(m, dict) or not str(m.get("name_on_website") or "").strip():
            problems.append(Problem(src, i, 0, "expected a member with a name_on_website"))
            continue
        lat, lon = m.get("latitude"), m.get("longitude")
        for key, value, lo, hi in (("latitude", lat, -90, 90), ("longitude", lon, -180, 180)):
            if value is not None and (not isinstance(value, int | float) or not lo <= value <= hi):
                problems.append(
                    Problem(src, i, 0, f"expected {key} in [{lo}, {hi}] or null, got {value!r}")
                )
        labels = [str(m["name_on_website"]), str(m.get("wikidata_name") or "")]
        rows.append(
            EurocitiesMember(
                index=i,
                labels=tuple(filter(None, labels)),
                lat=None if lat is None else float(lat),
                lon=None if lon is None else float(lon),
                wikidata_id=str(m.get("wikidata_id") or ""),
            )
        )
    if problems:
        raise ValidationError(problems)
    return rows


# ------------------------------------------------------------------ forum participants
@dataclass(frozen=True)
class ParticipantRow:
    """One row of a forum's participants file, before it is matched to the registry.

    ``city_column`` is the 1-based column a matching problem is reported at (the ``city``
    column, else ``geonames_id``); ``theme_problem`` is what is wrong with its themes, if
    anything (reported after what matching the city finds, one problem a row).
    """

    row: int
    name: str
    country: str
    geonames_id: int | None
    themes: tuple[str, ...]
    languages: tuple[str, ...]
    city_column: int
    theme_problem: Problem | None = None


def read_participant_rows(
    content: bytes, source: str, themes_known: set[str]
) -> tuple[list[ParticipantRow], list[Problem]]:
    """The rows of a participants file (CSV, UTF-8) and the problems of its cells.

    The columns are ``city``, ``country`` (or ``geonames_id``), ``themes`` (framework
    category codes, ``;``-separated, each one of ``themes_known``) and optionally
    ``languages`` (ISO 639-1, ``;``-separated). A row whose GeoNames id is malformed is left
    out and its problem returned; a row whose themes are wrong carries its ``theme_problem``.
    Nothing is raised for a cell, so that the caller reports every problem together with
    what matching the cities finds.

    Raises
    ------
    ValidationError
        When the file is not UTF-8 or lacks a needed column.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError([Problem(source, 0, 0, "expected UTF-8 text")]) from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    col = {h: i for i, h in enumerate(header)}
    if "themes" not in col or not ({"city", "country"} <= col.keys() or "geonames_id" in col):
        raise ValidationError(
            [Problem(source, 1, 0, "expected the columns city, country and themes")]
        )
    problems: list[Problem] = []
    out: list[ParticipantRow] = []
    for rowno, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(header) - len(row))

        def cell(name: str, r: list[str] = row) -> str:
            return r[col[name]].strip() if name in col else ""

        gid_text = cell("geonames_id")
        gid = None
        if gid_text:
            if not (gid_text.isascii() and gid_text.isdigit()) or len(gid_text) > 10:
                problems.append(
                    Problem(source, rowno, col["geonames_id"] + 1, "expected a GeoNames id")
                )
                continue
            gid = int(gid_text)
        themes = tuple(t.strip() for t in cell("themes").split(";") if t.strip())
        bad = [t for t in themes if t not in themes_known]
        theme_problem = None
        if bad or not themes:
            message = (
                f"expected framework category codes separated by ';', got unknown {bad}"
                if bad
                else "expected at least one theme (a framework category code)"
            )
            theme_problem = Problem(source, rowno, col["themes"] + 1, message)
        langs = tuple(code.strip().lower() for code in cell("languages").split(";") if code.strip())
        out.append(
            ParticipantRow(
                row=rowno,
                name=cell("city"),
                country=cell("country").upper(),
                geonames_id=gid,
                themes=themes,
                languages=langs,
                city_column=col.get("city", col.get("geonames_id", 0)) + 1,
                theme_problem=theme_problem,
            )
        )
    return out, problems
