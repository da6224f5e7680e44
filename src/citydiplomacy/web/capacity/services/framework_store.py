"""The competency framework in the database: versions, the current one, imports, exports
and the core framework of a stored version."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from citydiplomacy.core.capacity.case import case_package
from citydiplomacy.core.capacity.framework import (
    Competency as CoreCompetency,
)
from citydiplomacy.core.capacity.framework import (
    CompetencyFramework,
)
from citydiplomacy.core.capacity.framework import (
    Domain as CoreDomain,
)
from citydiplomacy.core.capacity.translation import Translated, translate
from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.io.capacity_translations import packaged_translation
from citydiplomacy.web.capacity import permissions
from citydiplomacy.web.capacity.models import (
    Competency,
    Domain,
    FrameworkVersion,
)
from citydiplomacy.web.capacity.services.base import _table_bytes


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@transaction.atomic
def install_framework(
    framework: CompetencyFramework, source: str, sha256: str, by: Any = None
) -> FrameworkVersion:
    """Store ``framework`` as the next version of its name and make it current."""
    last = FrameworkVersion.objects.filter(name=framework.name).order_by("-version").first()
    FrameworkVersion.objects.filter(is_current=True).update(is_current=False)
    fv = FrameworkVersion.objects.create(
        name=framework.name,
        version=(last.version + 1) if last else 1,
        source=source[:200],
        sha256=sha256,
        is_current=True,
        roles=list(framework.roles),
        loaded_by=by if by is not None and by.is_authenticated else None,
    )
    domains = {}
    for i, d in enumerate(framework.domains):
        domains[d.code] = Domain.objects.create(
            framework=fv, code=d.code, name=d.name, sources=d.sources, position=i
        )
    Competency.objects.bulk_create(
        Competency(
            framework=fv,
            domain=domains[c.domain],
            code=c.code,
            name=c.name,
            description=c.description,
            levels=list(c.levels),
            targets=dict(c.targets),
            position=i,
        )
        for i, c in enumerate(framework.competencies)
    )
    return fv


def current_framework() -> FrameworkVersion:
    """The current framework version, loading the packaged one on first use."""
    fv = FrameworkVersion.objects.filter(is_current=True).first()
    if fv is not None:
        return fv
    content = capacity_io._packaged(capacity_io.PACKAGED_FRAMEWORK)
    return install_framework(
        capacity_io.packaged_framework(), capacity_io.PACKAGED_FRAMEWORK, _sha(content)
    )


def import_framework(by: Any, content: bytes, filename: str) -> FrameworkVersion:
    """A user's own framework table (CSV/XLSX) as the new current version (all or nothing).

    Raises
    ------
    PermissionDenied
        Not the secretariat.
    ValidationError
        Every problem of the table, as ``file:row:column``; nothing is written.
    """
    if not permissions.can_manage_framework(by):
        raise PermissionDenied("Only the secretariat loads a competency framework.")
    table = capacity_io.read_table(content, filename)
    name = filename.rsplit(".", 1)[0][:100] or "framework"
    fw = CompetencyFramework.from_table(table, filename, name)
    return install_framework(fw, filename, _sha(content), by)


@lru_cache(maxsize=8)
def _core_framework(pk: int, sha256: str, name: str, version: int) -> CompetencyFramework:
    # Keyed by what identifies a stored version's content (a test database reuses ids).
    fv = FrameworkVersion.objects.get(pk=pk)
    domains = tuple(CoreDomain(d.code, d.name, d.sources) for d in fv.domains.all())
    comps = tuple(
        CoreCompetency(
            c.code,
            c.name,
            c.description,
            c.domain.code,
            tuple(c.levels),
            {k: int(v) for k, v in c.targets.items()},
        )
        for c in fv.competencies.select_related("domain")
    )
    # The stored order; jsonb gives an object's keys back shortest first, not as written.
    roles = tuple(fv.roles) or tuple(sorted(comps[0].targets) if comps else ())
    return CompetencyFramework(f"{fv.name} v{fv.version}", domains, comps, roles)


def framework_of(fv: FrameworkVersion) -> CompetencyFramework:
    """The core framework of a stored version (cached per version)."""
    return _core_framework(fv.pk, fv.sha256, fv.name, fv.version)


def framework_export(fv: FrameworkVersion, fmt: str) -> bytes:
    """The framework as a CSV or XLSX table (the format it is imported in)."""
    return _table_bytes(framework_of(fv).to_table(), fmt, "framework")


def framework_case(fv: FrameworkVersion, base_uri: str | None) -> dict[str, Any]:
    """The framework as a 1EdTech CASE 1.0 package; identifiers are stable across versions
    (UUID 5 of the framework's name and the codes), ``base_uri`` is the framework page."""
    return case_package(
        framework_of(fv),
        framework_id=fv.name,
        last_change=fv.loaded_at,
        version=str(fv.version),
        base_uri=base_uri,
    )


def framework_in(fv: FrameworkVersion, language: str) -> Translated | None:
    """The framework's texts in ``language`` where the package has a current translation
    (None: English, or no translation into ``language``)."""
    tr = packaged_translation(language.split("-")[0].lower())
    return None if tr is None else translate(framework_of(fv), tr)


def competencies(fv: FrameworkVersion) -> list[Competency]:
    return list(fv.competencies.select_related("domain"))
