"""KPI data services: the only code that changes KPI values, and it audits every change.

Pages, the API and the management commands call these functions; they check permissions
themselves (:mod:`citydiplomacy.web.accounts.permissions`), so no caller can forget.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.validate import ValidatedData
from citydiplomacy.errors import DataError, Problem, ValidationError, words
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.io.limits import UPLOAD_LIMITS
from citydiplomacy.io.readers import read_kpi_data
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.services import CityMatcher
from citydiplomacy.web.indicators import visibility
from citydiplomacy.web.indicators.cell_checks import FileHeader, celltext_problems

# Rows, counts, the synthetic mark and the text rule are part of this module's interface.
from citydiplomacy.web.indicators.changes import SYNTHETIC_MARK as SYNTHETIC_MARK
from citydiplomacy.web.indicators.changes import Row as Row
from citydiplomacy.web.indicators.changes import (
    Stored,
    audit_record,
    plan,
    rows_from_bytes,
    rows_to_bytes,
    state_of,
    text_problems,
)
from citydiplomacy.web.indicators.changes import WriteCounts as WriteCounts
from citydiplomacy.web.indicators.changes import text_problem as text_problem
from citydiplomacy.web.indicators.models import (
    ChangeAction,
    DataVersion,
    KpiValue,
    KpiValueChange,
    Publication,
    Status,
    Submission,
    SubmissionStatus,
)

log = logging.getLogger(__name__)

#: Suffixes an upload may have; the engine's readers decide the format from it.
UPLOAD_SUFFIXES = (".csv", ".tsv", ".xlsx", ".parquet")


@functools.cache
def framework() -> Framework:
    """The framework the platform profiles cities on (``CITYDIPLOMACY_FRAMEWORK``)."""
    from django.conf import settings

    return load_framework(settings.CITYDIPLOMACY_FRAMEWORK)


# ------------------------------------------------------------------------- reading
def visible_values(user: Any) -> QuerySet[KpiValue]:
    """The KPI values ``user`` may read: all for analysts and administrators; for others,
    the published city-years, plus the unpublished data of an editor's own cities."""
    qs = KpiValue.objects.all()
    rows = visibility.visible_rows(user)
    return qs if rows is None else qs.filter(rows)


def is_published(city_id: int, year: int) -> bool:
    return visibility.is_published(city_id, year)


def editable_cities(user: Any) -> QuerySet[City]:
    """Cities whose data ``user`` may change (every city for an administrator)."""
    if permissions.is_admin(user):
        return City.objects.filter(kpi_values__isnull=False).distinct().select_related("country")
    return City.objects.filter(pk__in=permissions.editable_city_ids(user)).select_related("country")


def overview(user: Any) -> dict[str, Any]:
    """Counts for the start page, within what ``user`` may see: counted once per data
    version and view (the home page's three counts over every value cost about 10 ms)."""
    scope = (
        "all"
        if visibility.sees_unpublished(user)
        else ",".join(map(str, sorted(permissions.editable_city_ids(user))))
    )
    key = f"citydiplomacy:overview:{data_version()}:{scope}"
    found = cache.get(key)
    if found is None:
        values = visible_values(user)
        found = {
            "n_values": values.count(),
            "n_cities": values.values("city_id").distinct().count(),
            "n_registry": City.objects.count(),
            "synthetic": values.filter(synthetic=True).exists(),
        }
        cache.set(key, found, OVERVIEW_SECONDS)
    return dict(found)


#: The registry changes without a new data version (when it is reloaded): counts age out.
OVERVIEW_SECONDS = 300


# ------------------------------------------------------------------------- changes
def bump_data_version() -> None:
    """Record that KPI data changed, so the next profile request re-scores the cohort."""
    updated = DataVersion.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    if not updated:
        DataVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def data_version() -> int:
    row = DataVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(row or 0)


def _lock_cities(city_ids: Iterable[int]) -> datetime:
    """Queue behind every other writer of ``city_ids`` and return the time of this change.

    PostgreSQL: row locks on the cities, taken in id order so two writers cannot deadlock;
    SQLite takes its write lock when the (immediate) transaction starts. The time is read
    after the locks are held, so a later commit never records an earlier time: the audit
    trail's order is the commit order.
    """
    ids = sorted(set(city_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        list(City.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
    return timezone.now()


def write_values(
    user: Any,
    rows: Sequence[Row],
    *,
    via: str,
    submission: Submission | None = None,
    check_permissions: bool = True,
) -> WriteCounts:
    """Create or update values, all or nothing, with one audit record per real change.

    Only what differs is written (see :func:`plan`): a row equal to the stored value leaves
    it untouched (source, status, submitter, synthetic flag) and writes no audit record.
    Only an administrator's rows may arrive verified; an editor's new or changed value is
    self-reported, even if it replaces a verified one.

    Raises
    ------
    PermissionDenied
        If ``user`` may not change one of the cities (nothing is written).
    ValidationError
        If a source or note is too long or cannot be stored (nothing is written).
    """
    if check_permissions:
        denied = sorted({r.city_id for r in rows if not permissions.can_edit_city(user, r.city_id)})
        if denied:
            raise PermissionDenied(f"you may not change the data of city id(s) {denied}")
    refused = text_problems(rows, via)
    if refused:
        raise ValidationError(refused)
    admin = permissions.is_admin(user)
    actor = user if getattr(user, "is_authenticated", False) else None
    counts = WriteCounts()
    with transaction.atomic():
        keys = {(r.city_id, r.year) for r in rows}
        city_ids = sorted({k[0] for k in keys})
        now = _lock_cities(city_ids)
        existing: dict[tuple[int, int, str], KpiValue] = {}
        for chunk_start in range(0, len(city_ids), 500):
            chunk = city_ids[chunk_start : chunk_start + 500]
            for kv in KpiValue.objects.filter(city_id__in=chunk).select_for_update():
                if (kv.city_id, kv.year) in keys:
                    existing[(kv.city_id, kv.year, kv.measure)] = kv
        to_create: list[KpiValue] = []
        to_update: list[KpiValue] = []
        audits: list[KpiValueChange] = []
        for r in rows:
            found = existing.get((r.city_id, r.year, r.measure))
            planned = plan(r, found, admin)
            if planned is None:
                counts.unchanged += 1
                continue
            verified = planned.status == Status.VERIFIED
            if found is None:
                kv = KpiValue(
                    city_id=r.city_id,
                    year=r.year,
                    measure=r.measure,
                    kpi=r.kpi,
                    data_point=r.data_point,
                    value=r.value,
                    unit=r.unit,
                    source=planned.source,
                    note=planned.note,
                    status=planned.status,
                    synthetic=planned.synthetic,
                    submitted_by=actor,
                    submitted_at=now,
                    verified_by=actor if verified else None,
                    verified_at=now if verified else None,
                    submission=submission,
                )
                to_create.append(kv)
                counts.created += 1
                audits.append(audit_record(kv, ChangeAction.CREATE, actor, now, via, submission))
                continue
            kv = found
            old = state_of(kv)
            if planned.resubmitted:
                kv.value, kv.unit = r.value, r.unit
                kv.submitted_by, kv.submitted_at, kv.submission = actor, now, submission
            kv.source, kv.note, kv.synthetic = planned.source, planned.note, planned.synthetic
            if planned.status != kv.status:
                kv.status = planned.status
                kv.verified_by = actor if verified else None
                kv.verified_at = now if verified else None
            to_update.append(kv)
            counts.updated += 1
            audits.append(audit_record(kv, planned.action, actor, now, via, submission, old=old))
        KpiValue.objects.bulk_create(to_create, batch_size=2000)
        KpiValue.objects.bulk_update(
            to_update,
            [
                "value",
                "unit",
                "source",
                "note",
                "status",
                "synthetic",
                "submitted_by",
                "submitted_at",
                "verified_by",
                "verified_at",
                "submission",
            ],
            batch_size=2000,
        )
        if to_create and to_create[0].pk is None:
            # Backends without RETURNING on bulk insert: link the audit rows by key.
            ids = {
                (c, y, m): pk
                for c, y, m, pk in KpiValue.objects.filter(city_id__in=city_ids).values_list(
                    "city_id", "year", "measure", "pk"
                )
            }
            for a in audits:
                if a.kpi_value_id is None:
                    a.kpi_value = None
                    a.kpi_value_id = ids.get((a.city_id, a.year, a.measure))
        for a in audits:
            if a.kpi_value is not None and a.kpi_value_id is None:
                a.kpi_value_id = a.kpi_value.pk
        KpiValueChange.objects.bulk_create(audits, batch_size=2000)
        if counts.created or counts.updated:
            bump_data_version()
    return counts


def delete_value(user: Any, kv: KpiValue, *, via: str) -> None:
    """Delete one value (audited)."""
    if not permissions.can_edit_city(user, kv.city_id):
        raise PermissionDenied("you may not change this city's data")
    actor = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        now = _lock_cities([kv.city_id])
        current = KpiValue.objects.select_for_update().filter(pk=kv.pk).first()
        if current is None:  # deleted meanwhile
            return
        KpiValueChange.objects.create(
            kpi_value=None,
            city_id=current.city_id,
            year=current.year,
            measure=current.measure,
            action=ChangeAction.DELETE,
            old_value=current.value,
            old_status=current.status,
            old_source=current.source,
            old_unit=current.unit,
            old_note=current.note,
            changed_by=actor,
            changed_at=now,
            via=via,
        )
        current.delete()
        bump_data_version()


def set_status(user: Any, values: Iterable[KpiValue], status: str, *, via: str) -> int:
    """Verify values (or withdraw their verification); the secretariat only. Audited.

    The values are read again under their cities' locks: a value changed since the caller
    read it is judged (and audited) as it is now."""
    if not permissions.can_verify(user):
        raise PermissionDenied("only the secretariat verifies values")
    ids = sorted({kv.pk for kv in values})
    changed = 0
    with transaction.atomic():
        city_ids: set[int] = set()
        for start in range(0, len(ids), 500):
            city_ids.update(
                KpiValue.objects.filter(pk__in=ids[start : start + 500]).values_list(
                    "city_id", flat=True
                )
            )
        now = _lock_cities(city_ids)
        for start in range(0, len(ids), 500):
            chunk = KpiValue.objects.filter(pk__in=ids[start : start + 500]).order_by("pk")
            for kv in chunk.select_for_update():
                if kv.status == status:
                    continue
                old = state_of(kv)
                kv.status = status
                kv.verified_by = user if status == Status.VERIFIED else None
                kv.verified_at = now if status == Status.VERIFIED else None
                kv.save(update_fields=["status", "verified_by", "verified_at"])
                action = ChangeAction.VERIFY if status == Status.VERIFIED else ChangeAction.UNVERIFY
                audit_record(kv, action, user, now, via, None, old=old).save()
                changed += 1
        if changed:
            bump_data_version()
    return changed


def publish(user: Any, city: City, year: int, *, published: bool = True) -> None:
    """Publish (or withdraw) a city's profile for a year; the secretariat only."""
    if not permissions.can_verify(user):
        raise PermissionDenied("only the secretariat publishes profiles")
    # Peer targets come from published profiles: a publication re-scores the cohort.
    with transaction.atomic():
        if published:
            _, changed = Publication.objects.get_or_create(
                city=city, year=year, defaults={"published_by": user}
            )
        else:
            changed = Publication.objects.filter(city=city, year=year).delete()[0] > 0
        if changed:
            bump_data_version()


# ------------------------------------------------------------------------- uploads
def registry_lookup(geonames_id: int) -> tuple[str, str] | None:
    """Name and country of a registry city, for the engine's GeoNames checks."""
    row = City.objects.filter(pk=geonames_id).values_list("name", "country_id").first()
    return None if row is None else (str(row[0]), str(row[1]))


def _problem_dict(p: Problem) -> dict[str, Any]:
    return {
        "source": p.source,
        "row": p.row,
        "column": p.column,
        "message": p.message,
        "severity": p.severity,
        "text": str(p),
        # kept so that a page writes the message in its reader's language (problem_text)
        "template": p.template,
        "params": dict(p.params),
    }


def _problem_from_dict(d: dict[str, Any]) -> Problem:
    return Problem(
        str(d.get("source", "")),
        int(d.get("row", 0) or 0),
        int(d.get("column", 0) or 0),
        str(d.get("message", "")),
        str(d.get("severity", "error")),
        str(d.get("template", "")),
        tuple(sorted((str(k), str(v)) for k, v in (d.get("params") or {}).items())),
    )


def problem_text(problem: Problem | Mapping[str, Any]) -> str:
    """A problem's message in the active language: its template translated and filled in
    when it has one (the engine's cell checks), else the message as written."""
    if isinstance(problem, Problem):
        template, params, message = problem.template, dict(problem.params), problem.message
    else:
        template = str(problem.get("template") or "")
        params = dict(problem.get("params") or {})
        message = str(problem.get("message", ""))
    if not template:
        return message
    translated = gettext(template)
    return translated % params if params else translated


def shown_problems(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored problems with each message in the active language (for a page or a download)."""
    return [{**p, "message": problem_text(p)} for p in problems]


@dataclass
class Checked:
    """An upload checked against the engine, the registry and the user's permissions."""

    problems: list[Problem]
    rows: list[Row]
    city_ids: list[int]
    city_column: int = 0

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def check_file(user: Any, file_name: str, content: bytes) -> Checked:
    """Validate an uploaded file: engine checks, registry matching, permissions per row.

    A source or note that is too long is an error at its cell (nothing is cut); an empty
    source or note cell says nothing, so a stored value keeps its own (:class:`Row`).
    """
    suffix = Path(file_name).suffix.lower()
    label = Path(file_name).name or "upload"
    if suffix not in UPLOAD_SUFFIXES:
        return Checked(
            [
                Problem(
                    label,
                    0,
                    0,
                    f"cannot read a '{suffix or 'suffix-less'}' file; upload "
                    + ", ".join(UPLOAD_SUFFIXES),
                )
            ],
            [],
            [],
        )
    fw = framework()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            validated: ValidatedData = read_kpi_data(
                path, fw, source=label, resolve_geonames=registry_lookup, limits=UPLOAD_LIMITS
            )
        except ValidationError as exc:
            return Checked(list(exc.problems), [], [])
        except DataError as exc:
            return Checked([Problem(label, 0, 0, str(exc))], [], [])
        header = FileHeader(path)
        long = validated.long
        problems, texts = celltext_problems(long, label, header)
        problems.extend(validated.warnings)
        matcher = CityMatcher()
        unit_city: dict[str, int] = {}
        units = long.drop_duplicates("unit")
        for _, u in units.iterrows():
            gid = u.get("geonames_id")
            gid_int = None if gid is None or pd.isna(gid) else int(gid)
            city_id, why = matcher.match_worded(str(u["city"]), str(u["country"]), gid_int)
            first_row = int(long.loc[long["unit"] == u["unit"], "row"].min())
            if city_id is None:
                problems.append(
                    Problem.worded(label, first_row, header.column(["geonames_id", "city"]), why)
                )
                continue
            if not permissions.can_edit_city(user, city_id):
                rows_of_city = long.loc[long["unit"] == u["unit"], "row"]
                problems.append(
                    Problem.worded(
                        label,
                        first_row,
                        header.column(["geonames_id", "city"]),
                        words(
                            gettext_noop(
                                "you are not an editor of %(city)s (%(country)s); %(count)s "
                                "row(s) of this city cannot be accepted"
                            ),
                            city=u["city"],
                            country=u["country"],
                            count=len(rows_of_city),
                        ),
                    )
                )
                continue
            unit_city[str(u["unit"])] = city_id
        admin = permissions.is_admin(user)
        verified = long["verified"].fillna(False).astype(bool).to_numpy()
        if not admin and verified.any():
            first = int(long["row"].to_numpy()[np.flatnonzero(verified)[0]])
            problems.append(
                Problem.worded(
                    label,
                    first,
                    header.column(["verified"]),
                    words(
                        gettext_noop(
                            "only the secretariat verifies values: these values are stored "
                            "as self-reported"
                        )
                    ),
                    severity="warning",
                )
            )
        city_column = header.column(["geonames_id", "city"]) if unit_city else 0
    units_fw = {str(k): str(v) for k, v in fw.nodes["unit"].items()}
    rows: list[Row] = []
    if all(p.severity != "error" for p in problems):
        src, note = texts["source"], texts["note"]
        for i, (unit, year, measure, kpi, dp, value, row) in enumerate(
            zip(
                long["unit"].astype(str),
                long["year"].to_numpy(),
                long["measure"].astype(str),
                long["kpi"].astype(str),
                long["data_point"].fillna("").astype(str),
                long["value"].to_numpy(dtype=np.float64),
                long["row"].to_numpy(),
                strict=True,
            )
        ):
            source = src[i]
            rows.append(
                Row(
                    city_id=unit_city[unit],
                    year=int(year),
                    measure=measure,
                    kpi=kpi,
                    data_point=dp,
                    value=float(value),
                    unit=units_fw.get(measure, ""),
                    source=source,
                    note=note[i],
                    verified=bool(verified[i]),
                    synthetic=source is not None and SYNTHETIC_MARK in source.lower(),
                    row=int(row),
                )
            )
    problems.sort(key=lambda p: (p.row, p.column, p.severity))
    return Checked(problems, rows, sorted(set(unit_city.values())), city_column)


#: Cells of a preview kept with an upload (the counts are always exact).
PREVIEW_LIMIT = 2000


def preview(user: Any, rows: Sequence[Row]) -> tuple[WriteCounts, list[dict[str, Any]]]:
    """What writing ``rows`` as ``user`` would do, without writing: exact counts, and the
    cells that change (changed values first, then new ones, each in file order; at most
    :data:`PREVIEW_LIMIT`), each with its old and new value, unit, source and note."""
    admin = permissions.is_admin(user)
    counts = WriteCounts()
    keys = {(r.city_id, r.year) for r in rows}
    existing: dict[tuple[int, int, str], Stored] = {}
    for c, y, m, value, unit, source, note, status, synthetic in KpiValue.objects.filter(
        city_id__in={k[0] for k in keys}
    ).values_list(
        "city_id", "year", "measure", "value", "unit", "source", "note", "status", "synthetic"
    ):
        if (c, y) in keys:
            existing[(c, y, m)] = Stored(value, unit, source, note, status, synthetic)
    names = dict(City.objects.filter(pk__in={k[0] for k in keys}).values_list("pk", "name"))
    changed: list[dict[str, Any]] = []
    created: list[dict[str, Any]] = []
    for r in rows:
        old = existing.get((r.city_id, r.year, r.measure))
        planned = plan(r, old, admin)
        if planned is None:
            counts.unchanged += 1
            continue
        if old is None:
            counts.created += 1
        else:
            counts.updated += 1
        into = created if old is None else changed
        if len(into) >= PREVIEW_LIMIT:
            continue
        into.append(
            {
                "row": r.row,
                "city_id": r.city_id,
                "city": names.get(r.city_id, str(r.city_id)),
                "year": r.year,
                "measure": r.measure,
                "action": planned.action,
                "fields": list(planned.fields),
                "old_value": None if old is None else old.value,
                "new_value": r.value,
                "old_unit": "" if old is None else old.unit,
                "unit": r.unit,
                "old_source": "" if old is None else old.source,
                "source": planned.source,
                "old_note": "" if old is None else old.note,
                "note": planned.note,
                "old_status": "" if old is None else old.status,
                "status": planned.status,
            }
        )
    return counts, (changed + created)[:PREVIEW_LIMIT]


def preview_counts(rows: Sequence[Row], user: Any = None) -> WriteCounts:
    """What writing ``rows`` would do, without writing (counts only)."""
    return preview(user, rows)[0]


def upload(user: Any, file_name: str, content: bytes) -> Submission:
    """Store an upload and have it checked by a task (:func:`check_upload`): on a worker
    when a broker is configured (the submission says ``checking`` until it is done), here
    and now in the embedded default, so that the returned submission is already checked."""
    if not permissions.can_edit_any_city(user):
        raise PermissionDenied("only city editors and the secretariat submit data")
    submission = Submission.objects.create(
        uploaded_by=user,
        file_name=Path(file_name).name[:255],
        content=content,
        status=SubmissionStatus.CHECKING,
    )
    from citydiplomacy.web import tasks  # tasks import this module

    tasks.schedule_upload_check(submission.pk)
    submission.refresh_from_db(fields=[*CHECK_FIELDS, "status"])
    return submission


#: What checking an upload fills in.
CHECK_FIELDS = (
    "problems",
    "n_rows",
    "city_ids",
    "n_created",
    "n_updated",
    "n_unchanged",
    "preview",
    "checked_rows",
)


def check_upload(submission_id: int) -> str | None:
    """Check a stored upload once (the task's work, under the upload limits of
    :mod:`citydiplomacy.io.limits`): its problems, the preview of what committing would
    change, and the checked rows, so that the commit does not read the file again.

    Returns the new status, or ``None`` when the upload is not waiting for a check (checked
    already, or discarded): a repeated task changes nothing.
    """
    sub = (
        Submission.objects.filter(pk=submission_id, status=SubmissionStatus.CHECKING)
        .select_related("uploaded_by")
        .first()
    )
    if sub is None:
        return None
    user = sub.uploaded_by
    try:
        checked = check_file(user, sub.file_name, bytes(sub.content))
        fields: dict[str, Any] = {
            "status": SubmissionStatus.READY if checked.ok else SubmissionStatus.INVALID,
            "problems": [_problem_dict(p) for p in checked.problems],
            "n_rows": len(checked.rows),
            "city_ids": checked.city_ids,
        }
        if checked.ok:
            counts, cells = preview(user, checked.rows)
            fields.update(
                n_created=counts.created,
                n_updated=counts.updated,
                n_unchanged=counts.unchanged,
                preview=cells,
                checked_rows=rows_to_bytes(checked.rows, checked.city_column),
            )
    except Exception as exc:  # the worker's time limit, or a fault: said, never retried
        log.exception("checking upload %s failed", submission_id)
        why = (
            "checking the file took too long"
            if type(exc).__name__ == "SoftTimeLimitExceeded"
            else "the file could not be checked (an error on our side)"
        )
        fields = {
            "status": SubmissionStatus.INVALID,
            "problems": [_problem_dict(Problem(sub.file_name, 0, 0, why))],
        }
    # Only an upload still waiting: a discard meanwhile wins.
    Submission.objects.filter(pk=sub.pk, status=SubmissionStatus.CHECKING).update(**fields)
    return str(fields["status"])


def _recheck(
    uploader: Any, sub: Submission, rows: Sequence[Row], city_column: int
) -> list[Problem]:
    """What changed since the preview and stops a commit: a city gone from the registry, or
    the uploader no longer an editor of it."""
    first_row: dict[int, int] = {}
    for r in rows:
        first_row.setdefault(r.city_id, r.row)
    known = dict(City.objects.filter(pk__in=list(first_row)).values_list("pk", "name"))
    problems = []
    for city_id, row in first_row.items():
        if city_id not in known:
            why = f"the city with GeoNames id {city_id} is no longer in the registry"
        elif not permissions.can_edit_city(uploader, city_id):
            why = (
                f"{sub.uploaded_by.get_username()} is no longer an editor of {known[city_id]}; "
                "the rows of this city cannot be accepted"
            )
        else:
            continue
        problems.append(Problem(sub.file_name, row, city_column, why))
    return problems


def commit(user: Any, submission: Submission) -> Submission:
    """Write a checked upload, all or nothing.

    The checks' outcome is stored with the upload: an invalid upload is refused at once
    (its file is never read again), and a valid one is written from its checked rows after
    re-checking what may have changed since the preview (the cities, the uploader's
    permissions)."""
    if submission.uploaded_by_id != user.pk and not permissions.is_admin(user):
        raise PermissionDenied("only the person who uploaded a file commits it")
    if submission.status == SubmissionStatus.INVALID:
        stored = [_problem_from_dict(p) for p in submission.errors]
        raise ValidationError(stored or [Problem(submission.file_name, 0, 0, "has errors")])
    # The rows are checked and written as the uploader's: a secretariat member committing an
    # editor's file neither verifies its values nor becomes their submitter.
    uploader = submission.uploaded_by
    refused: list[Problem] = []
    with transaction.atomic():
        # Locked and re-read, so that two commits of one upload cannot both write.
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.status != SubmissionStatus.READY:
            raise DataError(f"this upload is {locked.get_status_display().lower()}")
        if locked.checked_rows:
            rows, city_column = rows_from_bytes(bytes(locked.checked_rows))
            refused = _recheck(uploader, locked, rows, city_column)
        else:  # stored before checked rows were kept: check the file once more
            checked = check_file(uploader, locked.file_name, bytes(locked.content))
            rows = checked.rows
            refused = [p for p in checked.problems if p.severity == "error"]
        if refused:
            locked.status = SubmissionStatus.INVALID
            locked.problems = [_problem_dict(p) for p in refused] + [
                p for p in locked.problems if p.get("severity") == "warning"
            ]
            locked.checked_rows = b""
            locked.save(update_fields=["status", "problems", "checked_rows"])
        else:
            counts = write_values(uploader, rows, via="upload", submission=locked)
            locked.status = SubmissionStatus.COMMITTED
            locked.committed_at = timezone.now()
            locked.n_created, locked.n_updated = counts.created, counts.updated
            locked.n_unchanged = counts.unchanged
            locked.checked_rows = b""
            locked.save()
    for name in ("status", "problems", "committed_at", "n_created", "n_updated", "n_unchanged"):
        setattr(submission, name, getattr(locked, name))
    submission.checked_rows = locked.checked_rows
    if refused:
        raise ValidationError(refused)
    return submission


def discard(user: Any, submission: Submission) -> None:
    if submission.uploaded_by_id != user.pk and not permissions.is_admin(user):
        raise PermissionDenied("only the person who uploaded a file discards it")
    if submission.status in (
        SubmissionStatus.CHECKING,
        SubmissionStatus.READY,
        SubmissionStatus.INVALID,
    ):
        submission.status = SubmissionStatus.DISCARDED
        submission.content = submission.checked_rows = b""
        submission.preview = []
        submission.save(update_fields=["status", "content", "checked_rows", "preview"])
