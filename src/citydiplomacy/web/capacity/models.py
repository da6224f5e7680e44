"""Diplomatic capacity: the competency framework (versioned), people and their assessments,
office surveys, the module catalogue, programmes with cohorts, sessions, attendance and
mentoring pairs.

Access is scoped, not platform-wide: a *city manager* (a :class:`CapacityGrant` of kind
``manager`` for a city) sees that city's people's ratings; a *programme organiser* (kind
``organiser``) may run programmes and sees the ratings of their programmes' participants; a
*participant* is a :class:`Person` linked to a user account. The rules are in
:mod:`.permissions`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FrameworkVersion(models.Model):
    """One loaded version of a competency framework; the current one is used for new ratings."""

    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=200, help_text="file the framework was read from")
    sha256 = models.CharField(max_length=64)
    roles = models.JSONField(
        default=list,
        help_text="role codes in the table's order (a JSON object's keys keep no order in "
        "PostgreSQL's jsonb)",
    )
    is_current = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="capacity_unique_version"),
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="capacity_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Domain(models.Model):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="domains"
    )
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    sources = models.TextField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="capacity_unique_domain")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Competency(models.Model):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="competencies"
    )
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="competencies")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField()
    levels = models.JSONField(help_text="the five level descriptions, 1 to 5")
    targets = models.JSONField(help_text="role -> target level 0-5")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["framework", "position"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="capacity_unique_competency")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class GrantKind(models.TextChoices):
    MANAGER = "manager", _("City manager")
    ORGANISER = "organiser", _("Programme organiser")


class CapacityGrant(models.Model):
    """A capacity role: manager of a city's international staff, or programme organiser."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capacity_grants"
    )
    kind = models.CharField(max_length=10, choices=GrantKind.choices)
    city = models.ForeignKey(
        "cities.City",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="the city a manager looks after (empty for an organiser)",
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "city"], name="capacity_unique_grant"),
            models.CheckConstraint(
                condition=Q(kind="organiser", city__isnull=True)
                | Q(kind="manager", city__isnull=False),
                name="capacity_grant_city_for_managers_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.city or ''}".strip()


class Role(models.TextChoices):
    MAYOR = "mayor", _("Mayor")
    DIRECTOR = "director", _("Director of international affairs")
    OFFICER = "officer", _("International officer")
    SECTOR_STAFF = "sector_staff", _("Sector staff")


class Person(models.Model):
    """Someone who assesses their skills: a city official, with a role and a city."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="capacity_person",
    )
    name = models.CharField(max_length=200)
    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=40, help_text="a role of the framework, e.g. officer")
    synthetic = models.BooleanField(default=False, help_text="synthetic demo person")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.name)

    def get_absolute_url(self) -> str:
        return reverse("capacity:person", args=[self.pk])


class Phase(models.TextChoices):
    BEFORE = "before", _("First assessment")
    AFTER = "after", _("After the programme")


class RaterKind(models.TextChoices):
    SELF = "self", _("Self-assessment")
    MANAGER = "manager", _("Manager")
    PEER = "peer", _("Peer")


class Assessment(models.Model):
    """One rating of a person on a framework in a phase, by themselves or a second rater."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=6, choices=Phase.choices, default=Phase.BEFORE)
    rater = models.CharField(max_length=7, choices=RaterKind.choices, default=RaterKind.SELF)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "framework", "phase", "rater"], name="capacity_one_assessment"
            )
        ]


class Rating(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "competency"], name="capacity_one_rating"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="capacity_level_1_to_5"
            ),
        ]


class OfficeSurvey(models.Model):
    """A city's international office in a year (the questions of the published surveys)."""

    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    international_office = models.BooleanField(null=True)
    international_strategy = models.BooleanField(null=True)
    international_staff = models.BooleanField(null=True)
    staff_trained = models.BooleanField(null=True)
    dedicated_director = models.BooleanField(null=True)
    tracks_sdgs = models.BooleanField(null=True)
    staff_fte = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    budget_eur = models.DecimalField(max_digits=14, decimal_places=0, null=True, blank=True)
    networks = models.PositiveIntegerField(null=True, blank=True)
    priorities = models.TextField(blank=True, help_text="one priority per line")
    synthetic = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["city", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="capacity_one_survey_a_year")
        ]


class ModuleFormat(models.TextChoices):
    ONLINE = "online", _("Online, scheduled")
    SELF_PACED = "self_paced", _("Online, self-paced")
    IN_PERSON = "in_person", _("In person")
    BLENDED = "blended", _("Blended")
    PEER = "peer", _("Peer exchange")


class Module(models.Model):
    """A training module of the catalogue and the competencies it addresses."""

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    format = models.CharField(max_length=12, choices=ModuleFormat.choices)
    hours = models.DecimalField(max_digits=6, decimal_places=1)
    url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    competency_codes = models.JSONField(default=list, help_text="codes of the competencies")
    level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="the proficiency level (1-5) the module brings a participant to; "
        "blank: not stated",
    )
    languages = models.JSONField(
        default=list, help_text="languages it is taught in, as BCP 47 codes (en, fr, es...)"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


def _feed_token() -> str:
    return secrets.token_urlsafe(18)


class Programme(models.Model):
    """A training programme with its cohort (e.g. a masterclass)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    organisers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    declaration = models.ForeignKey(
        "engagement.Declaration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feed_token = models.CharField(max_length=32, default=_feed_token, unique=True)
    synthetic = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return str(self.name)

    def get_absolute_url(self) -> str:
        return reverse("capacity:programme", args=[self.slug])


class Participant(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="participations")
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="capacity_one_place")
        ]


class Session(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="capacity_session_ends_after"
            )
        ]

    def __str__(self) -> str:
        return str(self.title)


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="capacity_one_attendance")
        ]


class MentoringPair(models.Model):
    """Two participants from different cities, each strong where the other is weak."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="pairs")
    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    benefit = models.FloatField()
    first_learns = models.JSONField(default=list)
    second_learns = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
