"""The catalogue of training modules: browsing with filters (everyone), creating and editing
(programme organisers and the secretariat), and the table as a download."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from citydiplomacy.core.capacity.framework import LEVELS, CompetencyFramework
from citydiplomacy.web.capacity import labels, permissions
from citydiplomacy.web.capacity.models import Module, ModuleFormat
from citydiplomacy.web.capacity.services.base import CapacityServiceError

#: A language code: BCP 47 as the catalogue uses it (language, optionally a region or script).
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
#: Columns of the catalogue download, in order (the packaged ``modules.csv`` columns first).
EXPORT_COLUMNS = (
    "code",
    "title",
    "provider",
    "format",
    "hours",
    "competencies",
    "level",
    "languages",
    "url",
    "description",
    "domains",
)


@dataclass(frozen=True)
class ModuleFilter:
    """What the catalogue page filters on; empty fields filter nothing."""

    domain: str = ""
    competency: str = ""
    level: int | None = None
    language: str = ""
    format: str = ""

    @classmethod
    def from_query(cls, query: Any, fw: CompetencyFramework) -> ModuleFilter:
        """The filter of a query string; values the catalogue does not know are ignored (a
        stale bookmark shows the whole catalogue rather than an error)."""
        domain = str(query.get("domain", "")).strip()
        competency = str(query.get("competency", "")).strip()
        raw_level = str(query.get("level", "")).strip()
        language = str(query.get("language", "")).strip()
        fmt = str(query.get("format", "")).strip()
        return cls(
            domain=domain if domain in {d.code for d in fw.domains} else "",
            competency=competency if competency in fw.codes else "",
            level=int(raw_level) if raw_level in {str(k) for k in range(1, LEVELS + 1)} else None,
            language=language if LANGUAGE.match(language) else "",
            format=fmt if fmt in ModuleFormat.values else "",
        )

    def keeps(self, module: Module, fw: CompetencyFramework) -> bool:
        codes = set(module.competency_codes)
        if self.domain and not codes & {c.code for c in fw.in_domain(self.domain)}:
            return False
        if self.competency and self.competency not in codes:
            return False
        if self.level is not None and module.level != self.level:
            return False
        if self.language and self.language not in module.languages:
            return False
        return not (self.format and module.format != self.format)


def browse(fw: CompetencyFramework, flt: ModuleFilter) -> list[Module]:
    """The modules that pass ``flt``, by code (a catalogue is tens to hundreds of modules:
    filtered in Python, alike on SQLite and PostgreSQL, JSON lists included)."""
    return [m for m in Module.objects.all() if flt.keeps(m, fw)]


def languages_in_use() -> list[str]:
    return sorted(
        {code for langs in Module.objects.values_list("languages", flat=True) for code in langs}
    )


def domains_of(module: Module, fw: CompetencyFramework) -> list[str]:
    """Codes of the framework's domains the module's competencies belong to, in table order."""
    codes = set(module.competency_codes)
    return [d.code for d in fw.domains if codes & {c.code for c in fw.in_domain(d.code)}]


@transaction.atomic
def save_module(by: Any, data: dict[str, Any], module: Module | None = None) -> Module:
    """Create a module (``module`` None) or change one; ``data`` is a checked form's.

    Raises
    ------
    PermissionDenied
        Not a programme organiser or the secretariat.
    CapacityServiceError
        A code another module has.
    """
    if not permissions.can_edit_modules(by):
        raise PermissionDenied("Only programme organisers and the secretariat edit the catalogue.")
    code = data["code"]
    clash = Module.objects.filter(code=code)
    if module is not None:
        clash = clash.exclude(pk=module.pk)
    if clash.exists():
        raise CapacityServiceError(gettext_noop("A module %(code)s exists already."), code=code)
    module = module or Module()
    for field in ("code", "title", "provider", "format", "url", "description"):
        setattr(module, field, data[field])
    module.hours = Decimal(data["hours"])
    module.level = data.get("level")
    module.languages = list(data.get("languages", []))
    module.competency_codes = list(data["competency_codes"])
    module.updated_at = timezone.now()
    module.updated_by = by
    module.save()
    return module


def catalogue_frame(modules: list[Module], fw: CompetencyFramework) -> pd.DataFrame:
    """The rows of the catalogue page as a table (the download), in the ``modules.csv`` format
    plus the domains; the writer guards text cells against spreadsheet formulas."""
    rows = [
        {
            "code": m.code,
            "title": m.title,
            "provider": m.provider,
            "format": m.format,
            "hours": float(m.hours),
            "competencies": " ".join(m.competency_codes),
            "level": m.level,
            "languages": " ".join(m.languages),
            "url": m.url,
            "description": m.description,
            "domains": " ".join(domains_of(m, fw)),
        }
        for m in modules
    ]
    frame = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    # Whole levels, blank where not stated (not 3.0 beside NaN).
    frame["level"] = frame["level"].astype("Int64")
    return frame


def level_label(level: int | None, names: Sequence[str] | None = None) -> str:
    """A module's level as the catalogue page shows it, in the page's language: its number
    and name ("3 autonome"; ``names``: the five level names, by default those of
    :func:`citydiplomacy.web.capacity.labels.level_names`), or "not stated"."""
    if level is None:
        return gettext("not stated")
    return f"{level} {(names or labels.level_names())[level - 1]}"
