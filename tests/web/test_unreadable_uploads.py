"""Unreadable uploads are reported under the user's file name, at the row and column of the
cause (they were ``upload.csv:0:0``), and a decompression bomb is refused at once."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import openpyxl
import pytest

from citydiplomacy.io.limits import ReadLimits
from citydiplomacy.web.indicators import services

pytestmark = pytest.mark.django_db

GOOD = "city,country,year,kpi,value\nGeneva,CH,2023,EC-ICT-ICT-1C,84\n"
#: A note of 3 million characters, not quoted: longer than the CSV reader's block.
HUGE_CELL = (
    "city,country,year,kpi,value,note\nGeneva,CH,2023,EC-ICT-ICT-1C,84," + "x" * 3_000_000 + "\n"
)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "Relevés 2023.csv",
            (GOOD + "Zürich,CH,2023,EC-ICT-ICT-1C,70\n").encode("latin-1"),
            "Relevés 2023.csv:3:1: byte 0xFC is not UTF-8 text",
        ),
        ("Relevés 2023.csv", GOOD.encode("utf-16"), "Relevés 2023.csv:1:1: the file is UTF-16"),
        ("Relevés 2023.csv", b"", "Relevés 2023.csv:0:0: the file is empty; expected a header"),
        (
            "Relevés 2023.csv",
            (GOOD + "Geneva,CH,2023,EC-ICT-ICT-2C,80,oops\n").encode(),
            "Relevés 2023.csv:3:6: this row has 6 fields, more than the header's 5",
        ),
        (  # a cell larger than the reader's block: its message said nothing useful
            "Relevés 2023.csv",
            HUGE_CELL.encode(),
            "Relevés 2023.csv:2:6: a cell of this row holds more than 131,072 characters",
        ),
        (  # 200,000 columns: a header longer than the reader's block
            "Relevés 2023.csv",
            (",".join(f"c{i}" for i in range(200_000)) + "\n1\n").encode(),
            "Relevés 2023.csv:1:0: the header row is longer than 1,048,576 bytes",
        ),
        (
            "Relevés 2023.xlsx",
            GOOD.encode(),
            "Relevés 2023.xlsx:0:0: cannot read the file as XLSX: it is not an Office document",
        ),
    ],
)
def test_unreadable_uploads_name_the_user_s_file(
    users: dict[str, Any], geneva: Any, name: str, content: bytes, expected: str
) -> None:
    checked = services.check_file(users["editor"], name, content)
    assert not checked.ok
    messages = [str(p) for p in checked.problems if p.severity == "error"]
    assert len(messages) == 1 and messages[0].startswith(expected), messages
    assert "upload" not in messages[0]


def test_an_xlsx_bomb_upload_is_refused_at_once(users: dict[str, Any], geneva: Any) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["city", "country", "year", "kpi", "value"])
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    parts = {n: source.read(n) for n in source.namelist()}
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", row * (40 * (1 << 20) // len(row)) + b"</sheetData>"
    )
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    assert len(bomb.getvalue()) < 1 << 20  # 40 MB of XML in well under a megabyte
    started = time.perf_counter()
    checked = services.check_file(users["editor"], "budget.xlsx", bomb.getvalue())
    assert time.perf_counter() - started < 5
    (problem,) = [p for p in checked.problems if p.severity == "error"]
    assert str(problem).startswith("budget.xlsx:0:0: the XLSX file's part")
    assert "decompression bomb" in problem.message


def test_uploads_are_read_under_the_upload_limits(
    users: dict[str, Any], geneva: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web reads uploads under ``UPLOAD_LIMITS``, not the command line's far larger ones."""
    monkeypatch.setattr(services, "UPLOAD_LIMITS", ReadLimits(max_rows=1))
    content = (GOOD + "Geneva,CH,2023,EC-ICT-ICT-2C,80\n").encode()
    checked = services.check_file(users["editor"], "rows.csv", content)
    messages = [str(p) for p in checked.problems if p.severity == "error"]
    assert len(messages) == 1 and messages[0].startswith("rows.csv:"), messages
    assert "row" in messages[0]
