"""Hostile and unreadable files: refused before they cost much, with a clear message at the
user's file name, row and column."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import ValidationError
from citydiplomacy.io import readers
from citydiplomacy.io.limits import UPLOAD_LIMITS, ReadLimits
from citydiplomacy.io.readers import read_frame, read_kpi_data

GOOD = (
    "city,country,year,kpi,value\nGeneva,CH,2022,EC-ICT-ICT-1C,95\nLyon,FR,2022,EC-ICT-ICT-1C,90\n"
)


def _problems(path: Path, fw: Framework, **kwargs: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        read_kpi_data(path, fw, **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.errors]


def _workbook(rows: int = 3) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["city", "country", "year", "kpi", "value"])
    for i in range(rows):
        sheet.append(["Geneva", "CH", 2000 + i, "EC-ICT-ICT-1C", 50])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bomb(path: Path, megabytes: int = 24) -> Path:
    """A valid workbook whose sheet XML is padded with megabytes of one repeated row: a few
    tens of kilobytes packed (the issue's bomb: 1.37 MB packed, 352 MB of XML)."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    body = row * (megabytes * (1 << 20) // len(row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", body + b"</sheetData>")
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_an_xlsx_bomb_is_refused_before_any_xml_is_parsed(
    tmp_path: Path, u4ssc: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 1 << 20

    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl was given the bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)
    started = time.perf_counter()
    (problem,) = _problems(path, u4ssc, source="budget 2023.xlsx")
    assert time.perf_counter() - started < 2
    assert problem.startswith("budget 2023.xlsx:0:0: the XLSX file's part 'xl/worksheets/sheet1")
    assert "decompression bomb" in problem and "times" in problem


def test_a_workbook_over_the_unpacked_size_is_refused(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "big.xlsx"
    path.write_bytes(_workbook())
    limits = ReadLimits(max_unpacked_bytes=2_000)
    (problem,) = _problems(path, u4ssc, limits=limits)
    assert "big.xlsx:0:0: the XLSX file unpacks to" in problem and "over the limit" in problem


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_rows_over_the_limit_are_refused(tmp_path: Path, u4ssc: Framework, suffix: str) -> None:
    frame = pd.read_excel(io.BytesIO(_workbook(rows=40)))
    path = tmp_path / f"many{suffix}"
    if suffix == ".xlsx":
        path.write_bytes(_workbook(rows=40))
    elif suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    (problem,) = _problems(path, u4ssc, limits=ReadLimits(max_rows=10))
    assert problem.startswith(f"many{suffix}:0:0: the file has ")
    assert "over the limit of 10" in problem
    cells = _problems(path, u4ssc, limits=ReadLimits(max_cells=50))
    assert "cells" in cells[0]


def test_a_parquet_file_is_checked_from_its_footer_before_it_is_read(
    tmp_path: Path, u4ssc: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.parquet"
    pd.read_csv(io.StringIO(GOOD)).to_parquet(path, index=False)

    def read(*args: object) -> None:
        raise AssertionError("the data were read")

    monkeypatch.setattr(readers, "_read_parquet", read)
    (problem,) = _problems(path, u4ssc, limits=ReadLimits(max_unpacked_bytes=10))
    assert problem.startswith("data.parquet:0:0: the file's data unpack to")


def test_a_read_over_its_time_is_stopped(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "slow.xlsx"
    path.write_bytes(_workbook(rows=300))
    (problem,) = _problems(path, u4ssc, limits=ReadLimits(max_seconds=0.0))
    assert problem.startswith("slow.xlsx:0:0: reading the file took longer than 0 s")


def test_a_file_over_its_size_is_refused_unread(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "big.csv"
    path.write_text(GOOD, encoding="utf-8")
    (problem,) = _problems(path, u4ssc, limits=ReadLimits(max_file_bytes=10))
    assert problem.startswith("big.csv:0:0: the file is ") and "over the limit" in problem


def test_upload_limits_are_tighter_than_the_command_line_s() -> None:
    default = ReadLimits()
    assert UPLOAD_LIMITS.max_unpacked_bytes < default.max_unpacked_bytes
    assert UPLOAD_LIMITS.max_rows < default.max_rows
    assert UPLOAD_LIMITS.max_seconds < default.max_seconds


# ---------------------------------------------------------------- unreadable files, located
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "latin1.csv",
            "city,country,year,kpi,value\nGeneva,CH,2022,EC-ICT-ICT-1C,95\n"
            "Zürich,CH,2022,EC-ICT-ICT-1C,90\n".encode("latin-1"),
            "Mes données.csv:3:1: byte 0xFC is not UTF-8 text",
        ),
        (
            "latin1-note.csv",
            "city,country,year,kpi,value,note\nGeneva,CH,2022,EC-ICT-ICT-1C,95,relevé\n".encode(
                "cp1252"
            ),
            "Mes données.csv:2:6: byte 0xE9 is not UTF-8 text",
        ),
        (
            "utf16.csv",
            GOOD.encode("utf-16"),
            "Mes données.csv:1:1: the file is UTF-16 text, not UTF-8",
        ),
        (
            "utf16be.csv",
            GOOD.encode("utf-16-be"),
            "Mes données.csv:1:1: the file looks like UTF-16 text, not UTF-8",
        ),
        ("empty.csv", b"", "Mes données.csv:0:0: the file is empty; expected a header row"),
        (
            "ragged.csv",
            b"city,country,year,kpi,value\nGeneva,CH,2022,EC-ICT-ICT-1C,95\n"
            b"Lyon,FR,2022,EC-ICT-ICT-1C,90,extra\n",
            "Mes données.csv:3:6: this row has 6 fields, more than the header's 5",
        ),
        (
            "short.csv",
            b"city,country,year,kpi,value\n\nGeneva,CH,2022\n",
            "Mes données.csv:3:3: this row has 3 fields, fewer than the header's 5",
        ),
        (
            "not-a-zip.xlsx",
            b"city,country\nGeneva,CH\n",
            "Mes données.csv:0:0: cannot read the file as XLSX: it is not an Office document",
        ),
    ],
)
def test_unreadable_files_are_located_under_the_user_s_name(
    tmp_path: Path, u4ssc: Framework, name: str, content: bytes, expected: str
) -> None:
    """The web platform stores an upload as ``upload.csv``; messages carry the user's name."""
    path = tmp_path / name
    path.write_bytes(content)
    problems = _problems(path, u4ssc, source="Mes données.csv")
    assert len(problems) == 1
    assert problems[0].startswith(expected), problems[0]
    assert "upload" not in problems[0] and name not in problems[0]


def test_read_frame_names_the_user_s_file(tmp_path: Path) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes("a,b\né,1\n".encode("latin-1"))
    with pytest.raises(ValidationError) as caught:
        read_frame(path, source="Données.csv")
    assert str(caught.value.errors[0]).startswith("Données.csv:2:1: byte 0xE9")


def test_a_good_file_still_reads(tmp_path: Path, u4ssc: Framework) -> None:
    for suffix in (".csv", ".xlsx"):
        path = tmp_path / f"good{suffix}"
        if suffix == ".csv":
            path.write_text(GOOD, encoding="utf-8")
        else:
            pd.read_csv(io.StringIO(GOOD)).to_excel(path, index=False)
        data = read_kpi_data(path, u4ssc, limits=UPLOAD_LIMITS)
        assert len(data.long) == 2


def test_other_office_readers_refuse_a_bomb(tmp_path: Path) -> None:
    """The framework, capacity and recognition readers check the archive first too."""
    from citydiplomacy.errors import CityDiplomacyError, FrameworkError
    from citydiplomacy.io.capacity import read_table
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.texts import read_text

    path = _bomb(tmp_path / "bomb.xlsx")
    with pytest.raises(FrameworkError, match="decompression bomb"):
        load_framework(str(path))
    with pytest.raises(ValidationError, match="decompression bomb"):
        read_table(path.read_bytes(), "bomb.xlsx")
    with pytest.raises(CityDiplomacyError, match="decompression bomb"):
        read_text(path.read_bytes(), "bomb.docx")


def _rebuilt(path: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of a small workbook with some parts replaced (``None``: left out, ``b"HALF"``:
    cut in the middle)."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    parts = {n: source.read(n) for n in source.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            new = change.get(name, data)
            if new == b"HALF":
                new = data[: len(data) // 2]
            if new is not None:
                out.writestr(name, new)
    return path


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"[Content_Types].xml": None}, "w.xlsx:0:0: cannot read the file as XLSX (KeyError"),
        ({"xl/workbook.xml": b"\x00garbage"}, "w.xlsx:0:0: cannot read the file as XLSX"),
        (
            {"xl/worksheets/sheet1.xml": b"HALF"},
            "w.xlsx:2:0: the sheet is damaged from this row on",  # after the header
        ),
    ],
)
def test_a_damaged_workbook_is_a_message(
    tmp_path: Path, u4ssc: Framework, parts: dict[str, bytes | None], expected: str
) -> None:
    (problem,) = _problems(_rebuilt(tmp_path / "w.xlsx", parts), u4ssc)
    assert problem.startswith(expected), problem


WORKBOOK = _workbook()


@settings(max_examples=150, deadline=None)
@given(
    suffix=st.sampled_from([".csv", ".tsv", ".xlsx", ".parquet"]),
    content=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=300).map(lambda t: t.encode("utf-8")),
        # A real workbook with a few bytes changed, or cut short.
        st.tuples(
            st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)), max_size=6),
            st.integers(100, len(WORKBOOK)),
        ).map(lambda c: _mutated(WORKBOOK, *c)),
    ),
)
def test_any_bytes_read_or_give_a_located_message(
    tmp_path_factory: pytest.TempPathFactory, suffix: str, content: bytes
) -> None:
    """Whatever a file holds, reading it gives a frame or the project's own error, named
    after the user's file: never a traceback."""
    path = tmp_path_factory.mktemp("fuzz") / f"upload{suffix}"
    path.write_bytes(content)
    try:
        read_frame(path, source="mine" + suffix, limits=UPLOAD_LIMITS)
    except ValidationError as exc:
        assert exc.errors and all(p.source == "mine" + suffix for p in exc.errors)


def _mutated(data: bytes, changes: list[tuple[int, int]], length: int) -> bytes:
    out = bytearray(data)
    for at, byte in changes:
        out[at] = byte
    return bytes(out[:length])


def test_a_workbook_with_a_corrupt_compressed_part_is_refused_at_the_file(tmp_path: Path) -> None:
    """A member whose deflated bytes are damaged makes zipfile raise zlib.error (or EOFError
    when cut short) while openpyxl reads it: a located refusal, not a traceback (found by the
    fuzz test above)."""
    data = bytearray(WORKBOOK)
    with zipfile.ZipFile(io.BytesIO(WORKBOOK)) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")  # always read
    # The member's data starts after its 30-byte local header, name and extra field.
    name_len = int.from_bytes(data[member.header_offset + 26 : member.header_offset + 28], "little")
    extra_len = int.from_bytes(
        data[member.header_offset + 28 : member.header_offset + 30], "little"
    )
    start = member.header_offset + 30 + name_len + extra_len
    for i in range(start, start + min(member.compress_size, 24)):
        data[i] ^= 0xA5
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ValidationError) as caught:
        read_frame(path, source="damaged.xlsx", limits=UPLOAD_LIMITS)
    (problem,) = caught.value.errors
    assert problem.source == "damaged.xlsx" and "cannot read the file as XLSX" in problem.message
