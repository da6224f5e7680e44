"""KPI values, their audit trail, uploads, publication, and stored score snapshots.

KPI values change only through :mod:`citydiplomacy.web.indicators.services`, which writes a
:class:`KpiValueChange` for every creation, update, verification and deletion.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Longest source and note a value may carry; longer text is refused at its cell, never cut.
SOURCE_MAX = 300
NOTE_MAX = 2000


class Status(models.TextChoices):
    SELF_REPORTED = "self_reported", _("Self-reported")
    VERIFIED = "verified", _("Verified by the secretariat")


class KpiValue(models.Model):
    """One observation: a city's value of one measure (a KPI or one of its data points)."""

    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="kpi_values")
    year = models.PositiveSmallIntegerField()
    measure = models.CharField(max_length=64, help_text="framework measure code")
    kpi = models.CharField(max_length=32, help_text="level-1 KPI code")
    data_point = models.CharField(max_length=100, blank=True)
    value = models.FloatField()
    unit = models.CharField(max_length=60, blank=True)
    source = models.CharField(max_length=SOURCE_MAX, blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SELF_REPORTED)
    synthetic = models.BooleanField(
        default=False, help_text="synthetic demo data, not a real observation"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    submission = models.ForeignKey(
        "Submission", null=True, blank=True, on_delete=models.SET_NULL, related_name="values"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "year", "measure"], name="unique_kpi_value")
        ]
        indexes = [models.Index(fields=["city", "year"]), models.Index(fields=["year"])]
        ordering = ["city", "year", "measure"]

    def __str__(self) -> str:
        return f"{self.city_id} {self.year} {self.measure} = {self.value}"


class ChangeAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    VERIFY = "verify", "Verified"
    UNVERIFY = "unverify", "Verification withdrawn"
    DELETE = "delete", "Deleted"


class KpiValueChange(models.Model):
    """The audit trail: who changed which value, when, from what to what. Never edited.

    Records are written inside the transaction that changes the value, after the city's
    lock is taken, so their ids (and times) follow the order in which changes were
    committed; the history is ordered by id, newest first.
    """

    kpi_value = models.ForeignKey(
        KpiValue, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    measure = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=ChangeAction.choices)
    old_value = models.FloatField(null=True, blank=True)
    new_value = models.FloatField(null=True, blank=True)
    old_status = models.CharField(max_length=16, blank=True)
    new_status = models.CharField(max_length=16, blank=True)
    old_source = models.CharField(max_length=SOURCE_MAX, blank=True)
    new_source = models.CharField(max_length=SOURCE_MAX, blank=True)
    old_unit = models.CharField(max_length=60, blank=True)
    new_unit = models.CharField(max_length=60, blank=True)
    old_note = models.TextField(blank=True)
    new_note = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    via = models.CharField(max_length=16, help_text="upload, form, api, admin or demo")
    submission = models.ForeignKey(
        "Submission", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )

    class Meta:
        indexes = [models.Index(fields=["city", "year", "measure"])]
        # Commit order (see the class docstring); times from several hosts may disagree.
        ordering = ["-id"]


class SubmissionStatus(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    INVALID = "invalid", _("Has errors")
    READY = "ready", _("Valid, waiting to be committed")
    COMMITTED = "committed", _("Committed")
    DISCARDED = "discarded", _("Discarded")


class Submission(models.Model):
    """An uploaded KPI data file: checked by a task after upload (``checking`` until then),
    committed all-or-nothing."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    status = models.CharField(max_length=16, choices=SubmissionStatus.choices)
    problems = models.JSONField(default=list, help_text="errors and warnings, as dicts")
    n_rows = models.PositiveIntegerField(default=0)
    n_created = models.PositiveIntegerField(default=0)
    n_updated = models.PositiveIntegerField(default=0)
    n_unchanged = models.PositiveIntegerField(default=0)
    city_ids = models.JSONField(default=list, help_text="cities the file reports on")
    committed_at = models.DateTimeField(null=True, blank=True)
    checked_rows = models.BinaryField(
        default=b"",
        editable=False,
        help_text="the validated rows (Parquet): a commit reads no file again",
    )
    preview = models.JSONField(
        default=list,
        help_text="the cells committing would create or change (the first PREVIEW_LIMIT)",
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def errors(self) -> list[dict[str, object]]:
        return [p for p in self.problems if p.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict[str, object]]:
        return [p for p in self.problems if p.get("severity") == "warning"]


class PublicationQuerySet(models.QuerySet["Publication"]):
    """Questions about publications; who may see which years is
    :mod:`citydiplomacy.web.indicators.visibility`."""

    def years_of(self, city_id: int) -> set[int]:
        """The published years of one city."""
        return set(self.filter(city_id=city_id).values_list("year", flat=True))

    def city_years(self, city_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
        """Published ``(city_id, year)`` pairs (of ``city_ids`` only, when given)."""
        qs = self if city_ids is None else self.filter(city_id__in=list(city_ids))
        return {(int(c), int(y)) for c, y in qs.values_list("city_id", "year")}

    def of_row(self, city_field: str = "city_id", year_field: str = "year") -> models.Exists:
        """``EXISTS`` a publication of the outer row's city and year (a query filter)."""
        return models.Exists(self.filter(city_id=OuterRef(city_field), year=OuterRef(year_field)))


class Publication(models.Model):
    """A city's profile for a year is public once the secretariat publishes it."""

    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="publications")
    year = models.PositiveSmallIntegerField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "year"], name="unique_publication")]


class DataVersion(models.Model):
    """A counter bumped by every change of KPI data; score snapshots record the one they saw."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)


class ScoreSnapshot(models.Model):
    """The whole cohort scored at one data version, with the spec that made it."""

    data_version = models.PositiveBigIntegerField(unique=True)
    computed_at = models.DateTimeField(default=timezone.now)
    framework = models.CharField(max_length=40)
    spec = models.JSONField()
    provenance = models.JSONField()
    years = models.JSONField(default=list)
    n_cities = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    sensitivity = models.JSONField(default=dict, help_text="settings of the rank-interval run")
    targets = models.JSONField(
        default=dict, help_text="measure code -> [target, source] used by this snapshot"
    )

    class Meta:
        ordering = ["-data_version"]


class CityScore(models.Model):
    """One city's scored profile (every year, every node) within a snapshot.

    ``nodes`` holds, per year, one record per framework node (index, dimensions,
    sub-dimensions, categories, KPIs, data points): a materialised view that a dashboard
    reads in one row instead of thousands.
    """

    snapshot = models.ForeignKey(ScoreSnapshot, on_delete=models.CASCADE, related_name="cities")
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    nodes = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "city"], name="unique_city_score")
        ]


#: The headline figures that exist twice: for the whole cohort and for the public ranking.
HEADLINE_FIELDS = ("score", "rank", "rank_low", "rank_median", "rank_high")


def headline_field(name: str, public: bool) -> str:
    """The column of headline figure ``name`` for a public (``public_<name>``) or full view."""
    return f"public_{name}" if public else name


class CityYearScore(models.Model):
    """The headline of one city and year in a snapshot: index score, band, rank and its
    interval from the uncertainty analysis, and data coverage."""

    snapshot = models.ForeignKey(ScoreSnapshot, on_delete=models.CASCADE, related_name="city_years")
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    score = models.FloatField(null=True)
    band = models.CharField(max_length=40, blank=True)
    rank = models.FloatField(null=True)
    rank_low = models.FloatField(null=True, help_text="5th percentile of simulated ranks")
    rank_median = models.FloatField(null=True)
    rank_high = models.FloatField(null=True, help_text="95th percentile of simulated ranks")
    # The same, computed as if only published city-years existed: what a viewer who may not
    # see unpublished data is shown (null for an unpublished city-year).
    public_score = models.FloatField(null=True)
    public_rank = models.FloatField(null=True)
    public_rank_low = models.FloatField(null=True)
    public_rank_median = models.FloatField(null=True)
    public_rank_high = models.FloatField(null=True)
    n_reported = models.PositiveIntegerField(default=0)
    n_measures = models.PositiveIntegerField(default=0)

    def seen(self, public: bool) -> dict[str, float | None]:
        """Score, rank and rank interval as a viewer sees them: the public ranking (published
        city-years alone) when ``public``, else the whole cohort's."""
        return {f: getattr(self, headline_field(f, public)) for f in HEADLINE_FIELDS}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "city", "year"], name="unique_city_year_score"
            )
        ]
        indexes = [models.Index(fields=["snapshot", "year", "rank"])]
