"""KPI data services: the only code that changes KPI values, and it audits every change.

Pages, the API and the management commands call these functions; they check permissions
themselves (:mod:`citydiplomacy.web.accounts.permissions`), so no caller can forget.
"""

from __future__ import annotations

import functools
import math
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.validate import ValidatedData
from citydiplomacy.errors import DataError, Problem, ValidationError
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.io.readers import read_frame, read_kpi_data
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.services import CityMatcher
from citydiplomacy.web.indicators import visibility
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

#: Suffixes an upload may have; the engine's readers decide the format from it.
UPLOAD_SUFFIXES = (".csv", ".tsv", ".xlsx", ".parquet")
SYNTHETIC_MARK = "synthetic demo data"


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
    """Counts for the start page, within what ``user`` may see."""
    values = visible_values(user)
    return {
        "n_values": values.count(),
        "n_cities": values.values("city_id").distinct().count(),
        "n_registry": City.objects.count(),
        "synthetic": values.filter(synthetic=True).exists(),
    }


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


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


@dataclass
class Row:
    """One value to write: the engine's validated observation, placed in the registry."""

    city_id: int
    year: int
    measure: str
    kpi: str
    data_point: str
    value: float
    unit: str
    source: str
    note: str
    verified: bool
    synthetic: bool = False


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def write_values(
    user: Any,
    rows: Sequence[Row],
    *,
    via: str,
    submission: Submission | None = None,
    check_permissions: bool = True,
) -> WriteCounts:
    """Create or update values, all or nothing, with one audit record per change.

    Only an administrator's rows may arrive verified; an editor's new or changed value is
    self-reported, even if it replaces a verified one.

    Raises
    ------
    PermissionDenied
        If ``user`` may not change one of the cities (nothing is written).
    """
    if check_permissions:
        denied = sorted({r.city_id for r in rows if not permissions.can_edit_city(user, r.city_id)})
        if denied:
            raise PermissionDenied(f"you may not change the data of city id(s) {denied}")
    admin = permissions.is_admin(user)
    actor = user if getattr(user, "is_authenticated", False) else None
    counts = WriteCounts()
    now = timezone.now()
    with transaction.atomic():
        keys = {(r.city_id, r.year) for r in rows}
        existing: dict[tuple[int, int, str], KpiValue] = {}
        city_ids = sorted({k[0] for k in keys})
        # Writers of one city queue here (PostgreSQL row locks; SQLite takes the write lock
        # at the start of the transaction), so two cannot both create the same value.
        list(City.objects.select_for_update().filter(pk__in=city_ids).values_list("pk"))
        for chunk_start in range(0, len(city_ids), 500):
            chunk = city_ids[chunk_start : chunk_start + 500]
            for kv in KpiValue.objects.filter(city_id__in=chunk).select_for_update():
                if (kv.city_id, kv.year) in keys:
                    existing[(kv.city_id, kv.year, kv.measure)] = kv
        to_create: list[KpiValue] = []
        to_update: list[KpiValue] = []
        audits: list[KpiValueChange] = []
        for r in rows:
            status = Status.VERIFIED if (r.verified and admin) else Status.SELF_REPORTED
            found = existing.get((r.city_id, r.year, r.measure))
            if found is None:
                kv = KpiValue(
                    city_id=r.city_id,
                    year=r.year,
                    measure=r.measure,
                    kpi=r.kpi,
                    data_point=r.data_point,
                    value=r.value,
                    unit=r.unit,
                    source=r.source,
                    note=r.note,
                    status=status,
                    synthetic=r.synthetic,
                    submitted_by=actor,
                    submitted_at=now,
                    verified_by=actor if status == Status.VERIFIED else None,
                    verified_at=now if status == Status.VERIFIED else None,
                    submission=submission,
                )
                to_create.append(kv)
                counts.created += 1
                audits.append(_audit(kv, ChangeAction.CREATE, actor, now, via, submission))
                continue
            kv = found
            # A row that does not assert verification leaves an unchanged value's status alone
            # (re-sending a verified value does not withdraw its verification).
            asserts_verification = r.verified and admin and kv.status != Status.VERIFIED
            if (
                _same(kv.value, r.value)
                and kv.source == r.source
                and kv.note == r.note
                and not asserts_verification
            ):
                counts.unchanged += 1
                continue
            old = (kv.value, kv.status, kv.source)
            kv.value, kv.unit, kv.source, kv.note = r.value, r.unit, r.source, r.note
            kv.status = status
            kv.synthetic = r.synthetic
            kv.submitted_by, kv.submitted_at, kv.submission = actor, now, submission
            kv.verified_by = actor if status == Status.VERIFIED else None
            kv.verified_at = now if status == Status.VERIFIED else None
            to_update.append(kv)
            counts.updated += 1
            audits.append(_audit(kv, ChangeAction.UPDATE, actor, now, via, submission, old=old))
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


def _audit(
    kv: KpiValue,
    action: str,
    actor: Any,
    now: Any,
    via: str,
    submission: Submission | None,
    *,
    old: tuple[float | None, str, str] | None = None,
) -> KpiValueChange:
    """The audit record of ``kv`` as it is now; ``old`` = (value, status, source) before."""
    change = KpiValueChange(
        kpi_value=kv,
        city_id=kv.city_id,
        year=kv.year,
        measure=kv.measure,
        action=action,
        new_value=kv.value,
        new_status=kv.status,
        new_source=kv.source,
        changed_by=actor,
        changed_at=now,
        via=via,
        submission=submission,
    )
    if old is not None:
        change.old_value, change.old_status, change.old_source = old
    return change


def delete_value(user: Any, kv: KpiValue, *, via: str) -> None:
    """Delete one value (audited)."""
    if not permissions.can_edit_city(user, kv.city_id):
        raise PermissionDenied("you may not change this city's data")
    actor = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        KpiValueChange.objects.create(
            kpi_value=None,
            city_id=kv.city_id,
            year=kv.year,
            measure=kv.measure,
            action=ChangeAction.DELETE,
            old_value=kv.value,
            old_status=kv.status,
            old_source=kv.source,
            changed_by=actor,
            via=via,
        )
        kv.delete()
        bump_data_version()


def set_status(user: Any, values: Iterable[KpiValue], status: str, *, via: str) -> int:
    """Verify values (or withdraw their verification); the secretariat only. Audited."""
    if not permissions.can_verify(user):
        raise PermissionDenied("only the secretariat verifies values")
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        for kv in values:
            if kv.status == status:
                continue
            old = (kv.value, kv.status, kv.source)
            kv.status = status
            kv.verified_by = user if status == Status.VERIFIED else None
            kv.verified_at = now if status == Status.VERIFIED else None
            kv.save(update_fields=["status", "verified_by", "verified_at"])
            action = ChangeAction.VERIFY if status == Status.VERIFIED else ChangeAction.UNVERIFY
            _audit(kv, action, user, now, via, None, old=old).save()
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


def _column_of(path: Path, names: Sequence[str]) -> int:
    """1-based file column of the first of ``names`` present in the header, else 0."""
    try:
        header = [str(c).strip().lower() for c in read_frame(path).columns]
    except Exception:  # the engine already reported an unreadable file
        return 0
    for n in names:
        if n in header:
            return header.index(n) + 1
    return 0


def _problem_dict(p: Problem) -> dict[str, Any]:
    return {
        "source": p.source,
        "row": p.row,
        "column": p.column,
        "message": p.message,
        "severity": p.severity,
        "text": str(p),
    }


@dataclass
class Checked:
    """An upload checked against the engine, the registry and the user's permissions."""

    problems: list[Problem]
    rows: list[Row]
    city_ids: list[int]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def check_file(user: Any, file_name: str, content: bytes) -> Checked:
    """Validate an uploaded file: engine checks, registry matching, permissions per row."""
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
                path, fw, source=label, resolve_geonames=registry_lookup
            )
        except ValidationError as exc:
            return Checked(list(exc.problems), [], [])
        except DataError as exc:
            return Checked([Problem(label, 0, 0, str(exc))], [], [])
        city_col = _column_of(path, ["geonames_id", "city"])
        verified_col = _column_of(path, ["verified"])
    problems = list(validated.warnings)
    long = validated.long
    matcher = CityMatcher()
    unit_city: dict[str, int] = {}
    units = long.drop_duplicates("unit")
    for _, u in units.iterrows():
        gid = u.get("geonames_id")
        gid_int = None if gid is None or pd.isna(gid) else int(gid)
        city_id, why = matcher.match(str(u["city"]), str(u["country"]), gid_int)
        first_row = int(long.loc[long["unit"] == u["unit"], "row"].min())
        if city_id is None:
            problems.append(Problem(label, first_row, city_col, why))
            continue
        if not permissions.can_edit_city(user, city_id):
            rows_of_city = long.loc[long["unit"] == u["unit"], "row"]
            problems.append(
                Problem(
                    label,
                    first_row,
                    city_col,
                    f"you are not an editor of {u['city']} ({u['country']}); "
                    f"{len(rows_of_city)} row(s) of this city cannot be accepted",
                )
            )
            continue
        unit_city[str(u["unit"])] = city_id
    admin = permissions.is_admin(user)
    verified = long["verified"].fillna(False).astype(bool).to_numpy()
    if not admin and verified.any():
        first = int(long["row"].to_numpy()[np.flatnonzero(verified)[0]])
        problems.append(
            Problem(
                label,
                first,
                verified_col,
                "only the secretariat verifies values: these values are stored as self-reported",
                severity="warning",
            )
        )
    units_fw = fw.nodes["unit"]
    rows: list[Row] = []
    if all(p.severity != "error" for p in problems):
        src = long["source"].fillna("").astype(str).to_numpy()
        note = long["note"].fillna("").astype(str).to_numpy()
        for i, (unit, year, measure, kpi, dp, value) in enumerate(
            zip(
                long["unit"].astype(str),
                long["year"].to_numpy(),
                long["measure"].astype(str),
                long["kpi"].astype(str),
                long["data_point"].fillna("").astype(str),
                long["value"].to_numpy(dtype=np.float64),
                strict=True,
            )
        ):
            rows.append(
                Row(
                    city_id=unit_city[unit],
                    year=int(year),
                    measure=measure,
                    kpi=kpi,
                    data_point=dp,
                    value=float(value),
                    unit=str(units_fw.get(measure, "")),
                    source=src[i][:300],
                    note=note[i],
                    verified=bool(verified[i]),
                    synthetic=SYNTHETIC_MARK in src[i].lower(),
                )
            )
    problems.sort(key=lambda p: (p.row, p.column, p.severity))
    return Checked(problems, rows, sorted(set(unit_city.values())))


def upload(user: Any, file_name: str, content: bytes) -> Submission:
    """Store an upload with its preview: every problem, and what committing would change."""
    if not permissions.can_edit_any_city(user):
        raise PermissionDenied("only city editors and the secretariat submit data")
    checked = check_file(user, file_name, content)
    submission = Submission(
        uploaded_by=user,
        file_name=Path(file_name).name[:255],
        content=content,
        status=SubmissionStatus.READY if checked.ok else SubmissionStatus.INVALID,
        problems=[_problem_dict(p) for p in checked.problems],
        n_rows=len(checked.rows),
        city_ids=checked.city_ids,
    )
    if checked.ok:
        preview = preview_counts(checked.rows)
        submission.n_created = preview.created
        submission.n_updated = preview.updated
        submission.n_unchanged = preview.unchanged
    submission.save()
    return submission


def preview_counts(rows: Sequence[Row]) -> WriteCounts:
    """What writing ``rows`` would do, without writing."""
    counts = WriteCounts()
    keys = {(r.city_id, r.year) for r in rows}
    existing = {
        (c, y, m): v
        for c, y, m, v in KpiValue.objects.filter(city_id__in={k[0] for k in keys}).values_list(
            "city_id", "year", "measure", "value"
        )
        if (c, y) in keys
    }
    for r in rows:
        old = existing.get((r.city_id, r.year, r.measure))
        if old is None:
            counts.created += 1
        elif _same(old, r.value):
            counts.unchanged += 1
        else:
            counts.updated += 1
    return counts


def commit(user: Any, submission: Submission) -> Submission:
    """Write a checked upload, all or nothing; re-checks it first (permissions may have
    changed since the preview)."""
    if submission.uploaded_by_id != user.pk and not permissions.is_admin(user):
        raise PermissionDenied("only the person who uploaded a file commits it")
    # The rows are checked and written as the uploader's: a secretariat member committing an
    # editor's file neither verifies its values nor becomes their submitter.
    uploader = submission.uploaded_by
    checked = check_file(uploader, submission.file_name, bytes(submission.content))
    if not checked.ok:
        submission.status = SubmissionStatus.INVALID
        submission.problems = [_problem_dict(p) for p in checked.problems]
        submission.save(update_fields=["status", "problems"])
        raise ValidationError(checked.problems)
    with transaction.atomic():
        # Locked and re-read, so that two commits of one upload cannot both write.
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.status != SubmissionStatus.READY:
            raise DataError(f"this upload is {locked.get_status_display().lower()}")
        counts = write_values(uploader, checked.rows, via="upload", submission=submission)
        submission.status = SubmissionStatus.COMMITTED
        submission.committed_at = timezone.now()
        submission.n_created, submission.n_updated = counts.created, counts.updated
        submission.n_unchanged = counts.unchanged
        submission.save()
    return submission


def discard(user: Any, submission: Submission) -> None:
    if submission.uploaded_by_id != user.pk and not permissions.is_admin(user):
        raise PermissionDenied("only the person who uploaded a file discards it")
    if submission.status in (SubmissionStatus.READY, SubmissionStatus.INVALID):
        submission.status = SubmissionStatus.DISCARDED
        submission.content = b""
        submission.save(update_fields=["status", "content"])


# ------------------------------------------------------------------------- export
EXPORT_COLUMNS = [
    "city",
    "country",
    "geonames_id",
    "year",
    "kpi",
    "data_point",
    "value",
    "unit",
    "source",
    "note",
    "status",
    "verified",
    "submitted_by",
    "submitted_at",
]


def export_frame(values: QuerySet[KpiValue], *, with_submitters: bool = True) -> pd.DataFrame:
    """Values as a long table that the upload accepts back (round trip).

    ``with_submitters=False`` leaves out who submitted each value (a public export names no
    accounts)."""
    rows = values.select_related("city", "submitted_by").order_by("city_id", "year", "measure")
    records = [
        {
            "city": kv.city.name,
            "country": kv.city.country_id,
            "geonames_id": kv.city_id,
            "year": kv.year,
            "kpi": kv.kpi,
            "data_point": kv.data_point,
            "value": kv.value,
            "unit": kv.unit,
            "source": kv.source,
            "note": kv.note,
            "status": kv.status,
            "verified": kv.status == Status.VERIFIED,
            "submitted_by": (
                kv.submitted_by.get_username() if kv.submitted_by and with_submitters else ""
            ),
            "submitted_at": kv.submitted_at.isoformat(timespec="seconds"),
        }
        for kv in rows.iterator(chunk_size=5000)
    ]
    return pd.DataFrame(records, columns=EXPORT_COLUMNS)
