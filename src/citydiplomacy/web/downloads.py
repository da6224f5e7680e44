"""The one way a page's table becomes a CSV or XLSX download (issue 19, item 2).

Every app's export goes through :func:`table_response`: text cells guarded against spreadsheet
formulas (:func:`citydiplomacy.io.safe_text.safe_frame`, through the shared writer
:func:`citydiplomacy.io.writers.write_table`), an attachment named after the table. It lives
here, below the apps, so that the city registry (which may not import the KPI data of
``indicators``) exports through it too; :mod:`citydiplomacy.web.indicators.exports` gives the
same names.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from django.http import Http404, HttpResponse

from citydiplomacy.io.writers import write_table

#: Formats and their media types.
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_response(frame: pd.DataFrame, fmt: str, filename: str) -> HttpResponse:
    """``frame`` as a CSV or XLSX download, text cells guarded against formulas."""
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{fmt}"
        if fmt == "csv" and frame.empty:
            # The streaming CSV writer writes no file for no rows: the header alone then.
            path.write_text(",".join(map(str, frame.columns)) + "\n", encoding="utf-8")
        else:
            write_table(frame, path, fmt)
        body = path.read_bytes()
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
