"""Read translations of the competency framework (``data/capacity/framework_<lang>.csv``, or a
user's own file); the checks are in :mod:`citydiplomacy.core.capacity.translation`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from citydiplomacy.core.capacity.translation import Translation
from citydiplomacy.errors import Problem, ValidationError
from citydiplomacy.io.capacity import _packaged, read_table

#: Languages the package ships a framework translation for.
PACKAGED_LANGUAGES = ("fr",)


@lru_cache(maxsize=4)
def packaged_translation(language: str) -> Translation | None:
    """The packaged translation into ``language`` (None: the package has none)."""
    if language not in PACKAGED_LANGUAGES:
        return None
    name = f"framework_{language}.csv"
    return Translation.from_table(read_table(_packaged(name), name), name, language)


def load_translation(path: str | Path, language: str) -> Translation:
    """A translation table of one's own (CSV/XLSX)."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError([Problem(str(path), 0, 0, "no such file")])
    return Translation.from_table(read_table(p, p.name), p.name, language)
