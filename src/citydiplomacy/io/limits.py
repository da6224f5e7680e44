"""Limits on what reading a file may cost: bytes unpacked, rows, cells and time.

A hostile file can be small and cost a great deal to read: an XLSX workbook is a zip archive
of XML, and 1.37 MB of it unpacked to 352 MB held a web worker for 150 s at 1.78 GB. Every
reader checks what it can before it parses (a zip's member sizes and compression ratios, a
Parquet file's row count and unpacked size from its footer, a text file's size) and counts
rows, cells and time while it reads; a file over a limit is refused with a
:class:`~citydiplomacy.errors.ValidationError` that says which limit and how to get under it.

:data:`DEFAULT_LIMITS` are for the command line (large cohorts are normal there);
:data:`UPLOAD_LIMITS` for files uploaded to the web platform, read in a worker.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from citydiplomacy.errors import Problem, ValidationError, Words, gettext_noop, words

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class ReadLimits:
    """What reading one file may cost.

    Attributes
    ----------
    max_file_bytes
        Size of the file as stored (for CSV, also the text to parse).
    max_unpacked_bytes
        Bytes a compressed file may unpack to: the XML of an XLSX workbook, the column data
        of a Parquet file.
    max_ratio
        Largest compression ratio of one member of an XLSX archive (unpacked / packed),
        checked for members that unpack to more than :attr:`ratio_floor` bytes. Spreadsheet
        XML packs 5 to 30 times; a decompression bomb hundreds or thousands of times.
    ratio_floor
        Members smaller than this unpacked are not held to :attr:`max_ratio`.
    max_rows
        Rows of data (a sheet's rows, a table's records).
    max_cells
        Cells (rows x columns) of a table, or cells read from a sheet.
    max_seconds
        Time to read the file; checked as rows are read (XLSX) and after a whole-file read.
    """

    max_file_bytes: int = 64 * GiB
    max_unpacked_bytes: int = 8 * GiB
    max_ratio: float = 100.0
    ratio_floor: int = 1 * MiB
    max_rows: int = 200_000_000
    max_cells: int = 4_000_000_000
    max_seconds: float = 1800.0

    def deadline(self) -> Deadline:
        """A clock for one read under these limits."""
        return Deadline(self.max_seconds)


#: The command line: a cohort of 10,000 cities x 112 measures x 10 years is 11 million rows.
DEFAULT_LIMITS = ReadLimits()

#: Uploads to the web platform: a city's or a network's data, never a whole database.
UPLOAD_LIMITS = ReadLimits(
    max_file_bytes=64 * MiB,
    max_unpacked_bytes=256 * MiB,
    max_ratio=100.0,
    max_rows=1_000_000,
    max_cells=20_000_000,
    max_seconds=60.0,
)


class Deadline:
    """Time left for one read (monotonic clock)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.monotonic()

    def expired(self) -> bool:
        return time.monotonic() - self.start > self.seconds


def _size(n: float) -> str:
    """Bytes for a message: ``352 MB``."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def refuse(source: str, message: str | Words) -> ValidationError:
    """The error for a file over a limit (the whole file: row and column 0)."""
    return ValidationError([Problem.worded(source, 0, 0, message)])


def check_file_size(path: Path, source: str, limits: ReadLimits) -> int:
    """The file's size; refused over :attr:`ReadLimits.max_file_bytes`."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise refuse(
            source,
            words(
                gettext_noop(
                    "the file is %(size)s, over the limit of %(limit)s; split it (for example "
                    "one file per year) or use Parquet"
                ),
                size=_size(size),
                limit=_size(limits.max_file_bytes),
            ),
        )
    return size


def check_zip(path: Path | bytes, source: str, limits: ReadLimits, kind: str = "XLSX") -> None:
    """Check an XLSX (or DOCX) archive's members before any XML is parsed.

    Refuses an archive whose members unpack to more than
    :attr:`ReadLimits.max_unpacked_bytes` in all, or a member that unpacks more than
    :attr:`ReadLimits.max_ratio` times its packed size (a decompression bomb). The sizes are
    the ones the archive declares, which Python's zip reader also holds the data to.

    Raises
    ------
    ValidationError
        Over a limit, or when the file is not a zip archive at all.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(path) if isinstance(path, bytes) else path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise refuse(
            source,
            words(
                gettext_noop(
                    "cannot read the file as %(kind)s: it is not an Office document (an "
                    ".%(suffix)s file is a zip archive); save it from its program as .%(suffix)s"
                )
                if kind != "XLSX"
                else gettext_noop(
                    "cannot read the file as %(kind)s: it is not an Office document (an "
                    ".%(suffix)s file is a zip archive); save it from its program as "
                    ".%(suffix)s, or as CSV UTF-8"
                ),
                kind=kind,
                suffix=kind.lower(),
            ),
        ) from None
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > limits.ratio_floor and member.file_size / packed > limits.max_ratio:
            raise refuse(
                source,
                words(
                    gettext_noop(
                        "the %(kind)s file's part %(part)s unpacks from %(packed)s to "
                        "%(unpacked)s (%(ratio)s times; at most %(limit)s times is accepted): "
                        "it is not read, as it could be a decompression bomb; save the data as "
                        "CSV UTF-8"
                    ),
                    kind=kind,
                    part=repr(member.filename),
                    packed=_size(packed),
                    unpacked=_size(member.file_size),
                    ratio=f"{member.file_size / packed:.0f}",
                    limit=f"{limits.max_ratio:g}",
                ),
            )
    if total > limits.max_unpacked_bytes:
        raise refuse(
            source,
            words(
                gettext_noop(
                    "the %(kind)s file unpacks to %(size)s, over the limit of %(limit)s; split "
                    "it or save it as CSV or Parquet"
                ),
                kind=kind,
                size=_size(total),
                limit=_size(limits.max_unpacked_bytes),
            ),
        )


def check_table(source: str, rows: int, columns: int, limits: ReadLimits) -> None:
    """Refuse a table of more rows or cells than the limits allow."""
    if rows > limits.max_rows:
        raise refuse(
            source,
            words(
                gettext_noop("the file has %(rows)s rows, over the limit of %(limit)s; split it"),
                rows=f"{rows:,}",
                limit=f"{limits.max_rows:,}",
            ),
        )
    if rows * columns > limits.max_cells:
        raise refuse(
            source,
            words(
                gettext_noop(
                    "the file has %(cells)s cells (%(rows)s rows x %(columns)s columns), over the "
                    "limit of %(limit)s; split it"
                ),
                cells=f"{rows * columns:,}",
                rows=f"{rows:,}",
                columns=f"{columns:,}",
                limit=f"{limits.max_cells:,}",
            ),
        )


def check_unpacked(source: str, unpacked: int, limits: ReadLimits) -> None:
    """Refuse a compressed table (Parquet) whose data unpack to more than the limit."""
    if unpacked > limits.max_unpacked_bytes:
        raise refuse(
            source,
            words(
                gettext_noop(
                    "the file's data unpack to %(size)s, over the limit of %(limit)s; split it"
                ),
                size=_size(unpacked),
                limit=_size(limits.max_unpacked_bytes),
            ),
        )


def check_time(source: str, deadline: Deadline) -> None:
    """Refuse a read that has taken longer than its limit."""
    if deadline.expired():
        raise refuse(
            source,
            words(
                gettext_noop(
                    "reading the file took longer than %(seconds)s s and was stopped; split it, "
                    "or save it as CSV or Parquet (faster to read than XLSX)"
                ),
                seconds=f"{deadline.seconds:g}",
            ),
        )
