"""The first sheet of an XLSX workbook, read within limits (:mod:`citydiplomacy.io.limits`)."""

from __future__ import annotations

import math
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from citydiplomacy.errors import Problem, ValidationError, gettext_noop, words
from citydiplomacy.io.limits import Deadline, ReadLimits, check_table, check_time, check_zip, refuse


def read_xlsx(path: Path, source: str, limits: ReadLimits, deadline: Deadline) -> pd.DataFrame:
    """The first sheet of a workbook, as ``pandas.read_excel(dtype=object)`` reads it, within
    the limits: the archive is checked before any XML is parsed, then rows are streamed
    (openpyxl's read-only mode) and counted, with the cells and the time.

    Only empty cells are missing: "NA" is Namibia and "n/a" a value to report.
    """
    import openpyxl
    from openpyxl.cell.cell import TYPE_ERROR, TYPE_NUMERIC
    from openpyxl.utils.exceptions import InvalidFileException
    from pandas.io.parsers import TextParser  # type: ignore[attr-defined]

    # What a damaged archive or its XML raises (SyntaxError: XML that does not parse, lxml's
    # errors included; zlib.error and EOFError: a member whose compressed data is corrupt or
    # cut short).
    damaged = (
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        TypeError,
        SyntaxError,
        InvalidFileException,
    )
    check_zip(path, source, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except damaged as exc:
        raise ValidationError(
            [
                Problem(
                    source,
                    0,
                    0,
                    f"cannot read the file as XLSX ({type(exc).__name__}: {exc}); save it from "
                    "the spreadsheet program as .xlsx, or as CSV UTF-8",
                )
            ]
        ) from None
    data: list[list[Any]] = []
    try:
        if not book.worksheets:
            raise ValidationError([Problem(source, 0, 0, "the workbook has no sheet")])
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the declared size may be a lie: read what is there
        last = -1
        cells = 0
        for number, row in enumerate(sheet.rows):
            converted: list[Any] = []
            for cell in row:
                value = cell.value
                if value is None:
                    converted.append("")
                elif cell.data_type == TYPE_ERROR:
                    converted.append(np.nan)
                elif cell.data_type == TYPE_NUMERIC and not isinstance(value, bool):
                    whole = int(value) if math.isfinite(value) else None
                    converted.append(whole if whole == value else float(value))
                else:
                    converted.append(value)
            cells += len(converted)
            while converted and converted[-1] == "":
                converted.pop()
            if converted:
                last = number
            data.append(converted)
            if len(data) > limits.max_rows or cells > limits.max_cells:
                check_table(source, len(data), max(cells // len(data), 1), limits)
                raise refuse(
                    source,
                    words(
                        gettext_noop("the sheet has more than %(limit)s cells"),
                        limit=f"{limits.max_cells:,}",
                    ),
                )
            if number % 256 == 0:
                check_time(source, deadline)
    except damaged as exc:
        raise ValidationError(
            [
                Problem(
                    source,
                    len(data) + 1,
                    0,
                    f"the sheet is damaged from this row on ({type(exc).__name__}: {exc}); "
                    "open and save it again in the spreadsheet program, or save it as CSV UTF-8",
                )
            ]
        ) from None
    finally:
        book.close()
    check_time(source, deadline)
    data = data[: last + 1]
    if not data:
        return pd.DataFrame()
    width = max(len(r) for r in data)
    data = [r + [""] * (width - len(r)) for r in data]
    parser = TextParser(data, header=0, dtype=object, keep_default_na=False, na_values=[""])
    frame: pd.DataFrame = parser.read()
    return frame
