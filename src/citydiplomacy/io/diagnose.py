"""Why a text file cannot be read, said at its row and column.

Arrow's CSV reader stops at the first problem with a message such as ``invalid UTF8 data`` or
``Expected 5 columns, got 6``, without a file position. When it does, these functions look
for the cause themselves, once (an error path: a file that reads is never scanned), and name
the row and column a spreadsheet would show, with what was expected.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from citydiplomacy.errors import Problem, gettext_noop, words

#: Byte order marks of encodings that are not UTF-8, and what to call them.
BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
BLOCK = 1 << 20


def encoding_problem(path: Path, source: str, delimiter: str = ",") -> Problem | None:
    """The first reason the file is not UTF-8 text, located; ``None`` when it is UTF-8."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    for bom, name in BOMS:
        if head.startswith(bom):
            return Problem.worded(
                source,
                1,
                1,
                words(
                    gettext_noop(
                        "the file is %(encoding)s text, not UTF-8; save it as 'CSV UTF-8' "
                        "(Excel: File > Save As > CSV UTF-8 (Comma delimited))"
                    ),
                    encoding=name,
                ),
            )
    if b"\x00" in head:
        # Text in UTF-16 without a mark has a NUL byte beside every ASCII letter.
        even = head[0::2].count(0)
        odd = head[1::2].count(0)
        if max(even, odd) > len(head) // 4:
            return Problem.worded(
                source,
                1,
                1,
                words(
                    gettext_noop(
                        "the file looks like UTF-16 text, not UTF-8; save it as 'CSV UTF-8' "
                        "(Excel: File > Save As > CSV UTF-8 (Comma delimited))"
                    )
                ),
            )
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    line = 1
    line_start = b""  # bytes of the current line read so far
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                # ``exc.start`` counts from the start of the bytes the decoder held, which
                # may include the end of the previous block; the decoder keeps at most 3.
                held = len(exc.object) - len(block)
                bad = exc.start - held  # position of the bad byte in this block (may be < 0)
                before = block[: max(bad, 0)]
                line += before.count(b"\n")
                tail = before.rsplit(b"\n", 1)[-1] if b"\n" in before else line_start + before
                byte = exc.object[exc.start]
                column = _field_of(tail, delimiter)
                return Problem.worded(
                    source,
                    line,
                    column,
                    words(
                        gettext_noop(
                            "byte %(byte)s is not UTF-8 text (the file may be Latin-1 or "
                            "Windows-1252); save it as 'CSV UTF-8' (Excel: File > Save As > "
                            "CSV UTF-8 (Comma delimited))"
                        ),
                        byte=f"0x{byte:02X}",
                    ),
                )
            line += block.count(b"\n")
            line_start = (block.rsplit(b"\n", 1)[-1] if b"\n" in block else line_start + block)[
                -65536:
            ]
            offset += len(block)
    return None


def _field_of(prefix: bytes, delimiter: str) -> int:
    """1-based field of the byte after ``prefix`` (the start of its line)."""
    text = prefix.decode("utf-8", errors="replace")
    try:
        fields = next(csv.reader([text], delimiter=delimiter), [""])
    except csv.Error:  # e.g. a lone carriage return: count the separators instead
        return text.count(delimiter) + 1
    return max(len(fields), 1)


def ragged_problem(path: Path, source: str, delimiter: str = ",") -> Problem | None:
    """The first row whose number of fields differs from the header's, located."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                return None
            width = len(header)
            while True:
                start = reader.line_num + 1  # the record's first line
                try:
                    fields = next(reader)
                except StopIteration:
                    return None
                if not fields:  # an empty line: skipped by the reader
                    continue
                if len(fields) != width:
                    column = width + 1 if len(fields) > width else len(fields)
                    template = (
                        gettext_noop(
                            "this row has %(fields)s fields, more than the header's %(width)s; "
                            "expected one value per header column (is a separator missing or "
                            "extra, or a text with a comma not in quotes?)"
                        )
                        if len(fields) > width
                        else gettext_noop(
                            "this row has %(fields)s fields, fewer than the header's %(width)s; "
                            "expected one value per header column (is a separator missing or "
                            "extra, or a text with a comma not in quotes?)"
                        )
                    )
                    return Problem.worded(
                        source, start, column, words(template, fields=len(fields), width=width)
                    )
    except (csv.Error, UnicodeDecodeError):
        return None


def oversized_problem(path: Path, source: str, delimiter: str = ",") -> Problem | None:
    """A header row longer than the CSV reader's block, or a cell longer than any field may
    hold (Python's CSV limit, 131,072 characters), located; ``None`` for neither.

    The CSV reader reads a file in blocks of :data:`BLOCK` bytes, and a header or a cell that
    does not fit one comes out as its internal message ("straddles two block boundaries",
    "cannot infer number of columns"), which tells the user nothing.
    """
    with path.open("rb") as fh:
        header = fh.readline(BLOCK + 1)
    if len(header) > BLOCK:
        return Problem(
            source,
            1,
            0,
            f"the header row is longer than {BLOCK:,} bytes; expected one short name per column "
            "(is this a table of a few hundred columns at most?)",
        )
    limit = csv.field_size_limit()
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            while True:
                start = reader.line_num + 1  # the record's first line
                try:
                    next(reader)
                except StopIteration:
                    return None
                except csv.Error as exc:
                    if "field larger than field limit" not in str(exc):
                        return None
                    return Problem(
                        source,
                        start,
                        _longest_field(path, start, delimiter),
                        f"a cell of this row holds more than {limit:,} characters; expected "
                        "a value or a short text (is a closing quote missing?)",
                    )
    except UnicodeDecodeError:
        return None


def _longest_field(path: Path, line_number: int, delimiter: str) -> int:
    """The 1-based column of the longest field on line ``line_number`` (split naively)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            if number == line_number:
                lengths = [len(part) for part in line.split(delimiter)]
                return lengths.index(max(lengths)) + 1
    return 0
