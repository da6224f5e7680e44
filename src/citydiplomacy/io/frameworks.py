"""Load indicator frameworks: the packaged ones by name, others from a CSV or XLSX table."""

from __future__ import annotations

import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import FrameworkError, ValidationError
from citydiplomacy.io.limits import DEFAULT_LIMITS, check_zip

#: Packaged frameworks: name -> (file, title).
PACKAGED: dict[str, tuple[str, str]] = {
    "u4ssc": ("u4ssc.csv", "U4SSC key performance indicators for smart sustainable cities"),
    "sdg11": ("sdg11.csv", "SDG 11 city indicators (UN global indicator framework)"),
}


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            try:
                check_zip(path, path.name, DEFAULT_LIMITS)  # no decompression bomb
            except ValidationError as exc:
                raise FrameworkError(
                    f"cannot read framework table {path.name}: {exc.problems[0].message}"
                ) from None
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, OSError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        # UnicodeDecodeError and pandas' ParserError are ValueErrors too.
        raise FrameworkError(
            f"cannot read framework table {path.name}: {exc}; give a UTF-8 CSV or an XLSX file "
            "with the columns code, name, level, parent, direction, weight"
        ) from None


@lru_cache(maxsize=8)
def packaged_framework(name: str) -> Framework:
    """A framework shipped with the package."""
    if name not in PACKAGED:
        raise FrameworkError(
            f"unknown framework {name!r}; packaged frameworks are {', '.join(PACKAGED)}, "
            "or give the path of a framework table (.csv/.xlsx)"
        )
    file, title = PACKAGED[name]
    ref = resources.files("citydiplomacy.data").joinpath("frameworks", file)
    with resources.as_file(ref) as path:
        return Framework.from_table(_read_table(Path(path)), name, title)


def load_framework(name_or_path: str | Path) -> Framework:
    """A packaged framework by name, or a framework table from a file.

    Parameters
    ----------
    name_or_path
        ``u4ssc``, ``sdg11``, or the path of a CSV/XLSX table with at least the columns
        ``code, name, level, parent, direction, weight``.
    """
    text = str(name_or_path)
    if text in PACKAGED:
        return packaged_framework(text)
    path = Path(text)
    if not path.exists():
        raise FrameworkError(
            f"{text!r} is neither a packaged framework ({', '.join(PACKAGED)}) nor a file"
        )
    return Framework.from_table(_read_table(path), path.stem)
