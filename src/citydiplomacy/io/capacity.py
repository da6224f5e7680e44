"""Read the capacity module's tables (framework, responses, catalogue, survey figures) from
CSV or XLSX files, and the packaged ones; the checks themselves are in
:mod:`citydiplomacy.core.capacity`."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from citydiplomacy.core.capacity.framework import CompetencyFramework
from citydiplomacy.core.capacity.responses import Responses, read_responses
from citydiplomacy.core.capacity.survey import PublishedFigure, read_figures
from citydiplomacy.errors import Problem, ValidationError
from citydiplomacy.io.limits import UPLOAD_LIMITS, check_zip

PACKAGED_FRAMEWORK = "framework.csv"
PACKAGED_FIGURES = "survey_figures.csv"
#: The packaged framework's name.
FRAMEWORK_NAME = "city-diplomacy-competencies"


def read_table(content: bytes | Path, name: str) -> pd.DataFrame:
    """A CSV (UTF-8, with or without BOM) or XLSX table, every cell as text.

    Blank lines are kept as empty rows, so that row ``i`` of the frame is line ``i + 2`` of
    the file (the header is line 1) and problems point at the right line.

    Raises
    ------
    ValidationError
        The file cannot be read as a table (one problem at row 0).
    """
    data = content.read_bytes() if isinstance(content, Path) else content
    try:
        if data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
            check_zip(data, name, UPLOAD_LIMITS)  # no decompression bomb reaches openpyxl
            frame = pd.read_excel(
                io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl"
            )
            return frame.fillna("")
        text = data.decode("utf-8-sig")
        return pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except (ValueError, OSError, KeyError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise ValidationError(
            [
                Problem(
                    name,
                    0,
                    0,
                    f"cannot read the table ({exc}); give a UTF-8 CSV or an XLSX file",
                )
            ]
        ) from None


def _packaged(file: str) -> bytes:
    return resources.files("citydiplomacy.data").joinpath("capacity", file).read_bytes()


@lru_cache(maxsize=1)
def packaged_framework() -> CompetencyFramework:
    """The competency framework shipped with the package."""
    table = read_table(_packaged(PACKAGED_FRAMEWORK), PACKAGED_FRAMEWORK)
    return CompetencyFramework.from_table(table, PACKAGED_FRAMEWORK, FRAMEWORK_NAME)


def load_framework(path: str | Path | None = None) -> CompetencyFramework:
    """The packaged framework (``None``), or a user's own table from a CSV/XLSX file."""
    if path is None or str(path) in ("", FRAMEWORK_NAME):
        return packaged_framework()
    p = Path(path)
    if not p.is_file():
        raise ValidationError([Problem(str(path), 0, 0, "no such file")])
    return CompetencyFramework.from_table(read_table(p, p.name), p.name, p.stem)


@lru_cache(maxsize=1)
def published_figures() -> tuple[PublishedFigure, ...]:
    """The published survey figures shipped with the package, each with its source."""
    table = read_table(_packaged(PACKAGED_FIGURES), PACKAGED_FIGURES)
    return tuple(read_figures(table, PACKAGED_FIGURES))


def load_responses(path: str | Path, framework: CompetencyFramework) -> Responses:
    """Responses from a CSV/XLSX file, checked against ``framework``."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError([Problem(str(path), 0, 0, "no such file")])
    return read_responses(read_table(p, p.name), p.name, framework)
