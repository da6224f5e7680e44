"""Checks of an upload's cells that the engine does not make: sources and notes as the texts
the database stores (too long, or with characters no database keeps, is an error at its
cell), and the file's header, read only when a problem must be located."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from citydiplomacy.errors import Problem
from citydiplomacy.io.readers import read_frame
from citydiplomacy.web.indicators.changes import text_problem
from citydiplomacy.web.indicators.models import NOTE_MAX, SOURCE_MAX


class FileHeader:
    """The file's header, read once and only when a problem must be located."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._names: list[str] | None = None

    def column(self, names: Sequence[str]) -> int:
        """1-based file column of the first of ``names`` present in the header, else 0."""
        if self._names is None:
            try:
                self._names = [str(c).strip().lower() for c in read_frame(self.path).columns]
            except Exception:  # the engine already reported an unreadable file
                self._names = []
        for n in names:
            if n in self._names:
                return self._names.index(n) + 1
        return 0


def celltext_problems(
    long: pd.DataFrame, label: str, header: FileHeader
) -> tuple[list[Problem], dict[str, list[str | None]]]:
    """Sources and notes as stored texts (``None`` for an empty cell), and a problem at the
    cell of each that is too long or holds characters no database keeps. Checked once per
    distinct text, so a file that repeats one source costs one check."""
    problems: list[Problem] = []
    texts: dict[str, list[str | None]] = {}
    rows = long["row"].to_numpy()
    for name, limit in (("source", SOURCE_MAX), ("note", NOTE_MAX)):
        col = long[name]
        if not isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype("category")
        cats = ["" if c is None or c != c else str(c) for c in col.cat.categories]
        codes = col.cat.codes.to_numpy()
        for code, text in enumerate(cats):
            why = text_problem(text, limit, name)
            if why:
                hit = np.flatnonzero(codes == code)
                for i in hit[:20]:
                    problems.append(Problem(label, int(rows[i]), header.column([name]), why))
                if len(hit) > 20:
                    problems.append(
                        Problem(
                            label,
                            int(rows[hit[20]]),
                            header.column([name]),
                            f"... and {len(hit) - 20} more row(s) with the same {name}",
                        )
                    )
        lookup: list[str | None] = [t or None for t in cats] + [None]
        texts[name] = [lookup[c] for c in codes]
    return problems, texts
