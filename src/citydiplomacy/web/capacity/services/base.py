"""What the capacity services share: the default combine rule, their error, and the
guarded table writers of every download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from django.utils.translation import gettext

from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.io.safe_text import safe_cell, safe_frame

#: How self and second ratings combine for gaps (see core.capacity.gaps.COMBINE_RULES).
DEFAULT_RULE = "mean"


class CapacityServiceError(CityDiplomacyError):
    """A request the capacity module cannot carry out; the message says why.

    ``str()`` is the English message (the API's, whatever the language asked for);
    :meth:`translated` is the same message in the page's language when ``message`` is in the
    catalogue (marked with ``gettext_noop``), its ``params`` put in after translation.
    """

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params

    def translated(self) -> str:
        """The message in the active language (English when the catalogue lacks it)."""
        text = gettext(self.message)
        return text % self.params if self.params else text


def _table_bytes(table: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    """``table`` as CSV or XLSX bytes, text cells guarded against spreadsheet formulas."""
    if fmt == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            safe_frame(table).to_excel(xl, index=False, sheet_name=sheet[:31])
        return buf.getvalue()
    return safe_frame(table).to_csv(index=False, lineterminator="\n").encode("utf-8")


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text, each cell guarded against spreadsheet formulas."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([safe_cell(v) for v in row] for row in rows)
    return buf.getvalue()
