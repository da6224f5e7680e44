"""Multilateral engagement: events and their deadlines, Forum of Mayors sessions with their
recommendations, declarations (versions, comments, signatures) and city commitments.

Rules that concern several rows (who may sign, one signature per city, withdrawal instead of
deletion) live in :mod:`citydiplomacy.web.engagement.services`; the database enforces the
one that must hold under concurrency: at most one non-withdrawn signature per declaration
and city (:class:`Signature`'s conditional unique constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


# ------------------------------------------------------------------------- calendar
class Tag(models.Model):
    """A relevance tag of events ("climate", "housing", "sdg-localisation"...)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.name)


class EventKind(models.TextChoices):
    COP = "cop", _("UN Climate Change Conference (COP)")
    WUF = "wuf", _("World Urban Forum")
    HLPF = "hlpf", _("High-level Political Forum")
    UN_SUMMIT = "un_summit", _("UN summit")
    U20 = "u20", _("Urban 20 / Urban 7")
    FORUM_OF_MAYORS = "forum_of_mayors", _("UN Forum of Mayors (UNECE)")
    NETWORK_SUMMIT = "network_summit", _("City network summit")
    OTHER = "other", _("Other")


class Event(models.Model):
    """A multilateral event, recorded as a fact with the source that states its dates."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    start_date = models.DateField(db_index=True)
    end_date = models.DateField(help_text=_("last day (inclusive)"))
    place = models.CharField(max_length=200, help_text=_("venue and city, as the source gives"))
    host_city = models.ForeignKey(
        "cities.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    country = models.ForeignKey(
        "cities.Country", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organiser = models.CharField(max_length=200)
    official_url = models.URLField(max_length=500, blank=True)
    source_url = models.URLField(max_length=500, help_text=_("where the dates are stated"))
    description = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="events")
    cities = models.ManyToManyField(
        "cities.City",
        blank=True,
        related_name="engagement_events",
        help_text=_("cities taking part (their calendars include the event)"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Cancelling keeps the row (and its UID in the calendar feeds): subscribers' calendars
    # show the event as cancelled instead of silently losing it.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancellation_reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="event_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return str(self.name)

    def get_absolute_url(self) -> str:
        return reverse("engagement:event", args=[self.slug])

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class DeadlineKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    SUBMISSION = "submission", _("Submission")
    OTHER = "other", _("Other")


class Deadline(models.Model):
    """A dated deadline of an event (registration, submissions), with its source."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=20, choices=DeadlineKind.choices)
    title = models.CharField(max_length=200)
    due_date = models.DateField(db_index=True)
    source_url = models.URLField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "title"]

    def __str__(self) -> str:
        return f"{self.event}: {self.title} ({self.due_date})"


# ------------------------------------------------------------------------- forum sessions
class ForumSession(models.Model):
    """A session of the UN Forum of Mayors (or a similar forum of city leaders)."""

    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    title = models.CharField(max_length=200)
    date = models.DateField()
    place = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    source_url = models.URLField(max_length=500)
    cities = models.ManyToManyField(
        "cities.City",
        blank=True,
        related_name="forum_sessions",
        help_text=_("participating cities"),
    )

    class Meta:
        ordering = ["-date", "title"]

    def __str__(self) -> str:
        return str(self.title)

    def get_absolute_url(self) -> str:
        return reverse("engagement:session", args=[self.pk])


class AgendaItem(models.Model):
    session = models.ForeignKey(ForumSession, on_delete=models.CASCADE, related_name="agenda")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="unique_agenda_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Speaker(models.Model):
    """A speaker (mayor, official) of a session, optionally on one agenda item."""

    session = models.ForeignKey(ForumSession, on_delete=models.CASCADE, related_name="speakers")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="speakers"
    )
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, help_text=_("e.g. Mayor of Geneva"))
    city = models.ForeignKey(
        "cities.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["session", "agenda_item__number", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}"


class RecommendationStatus(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACTED_UPON = "acted_upon", _("Acted upon")


#: The order in which a recommendation's status normally moves.
STATUS_ORDER = [s.value for s in RecommendationStatus]


class Recommendation(models.Model):
    """An outcome of a session addressed to an intergovernmental body or meeting."""

    session = models.ForeignKey(
        ForumSession, on_delete=models.CASCADE, related_name="recommendations"
    )
    text = models.TextField()
    addressed_to = models.CharField(max_length=200, help_text=_("body or meeting addressed"))
    status = models.CharField(
        max_length=20, choices=RecommendationStatus.choices, default=RecommendationStatus.DRAFTED
    )
    source_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class RecommendationStatusChange(models.Model):
    """The history of a recommendation's status: never edited, never deleted."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="history"
    )
    status = models.CharField(max_length=20, choices=RecommendationStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]


# ------------------------------------------------------------------------- declarations
class Representative(models.Model):
    """A user authorised to sign on behalf of a city, granted by the secretariat.

    Current while ``revoked_at`` is empty and ``until`` (if set) is not past. Revoking keeps
    the row: a signature given while the role was current stays valid and traceable.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="representations"
    )
    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, help_text=_("e.g. Mayor of Geneva"))
    capacity = models.CharField(
        max_length=200, help_text=_("in what capacity they sign, e.g. 'on behalf of the city'")
    )
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    since = models.DateTimeField(default=timezone.now)
    until = models.DateField(null=True, blank=True, help_text=_("end of the mandate, if known"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["city", "-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "city"],
                condition=Q(revoked_at__isnull=True),
                name="one_current_representation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.city}"

    @property
    def is_current(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.until is None or self.until >= timezone.localdate()


class DeclarationKind(models.TextChoices):
    DECLARATION = "declaration", _("Declaration")
    JOINT_STATEMENT = "joint_statement", _("Joint statement")


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted, open for signature")
    CLOSED = "closed", _("Adopted, closed for signature")


class Declaration(models.Model):
    """A declaration or shared statement: drafted in versions, adopted, then signed."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(
        max_length=20, choices=DeclarationKind.choices, default=DeclarationKind.DECLARATION
    )
    status = models.CharField(
        max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.DRAFT
    )
    summary = models.TextField(blank=True)
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="declarations"
    )
    organiser = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(
        max_length=500, blank=True, help_text=_("the published text or list, for imported ones")
    )
    participants = models.ManyToManyField(
        "cities.City",
        blank=True,
        related_name="engagement_declarations",
        help_text=_(
            "cities taking part in the drafting (their editors and representatives "
            "comment and propose amendments)"
        ),
    )
    adopted_on = models.DateField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-adopted_on", "title"]

    def __str__(self) -> str:
        return str(self.title)

    def get_absolute_url(self) -> str:
        return reverse("engagement:declaration", args=[self.slug])

    @property
    def is_draft(self) -> bool:
        return self.status == DeclarationStatus.DRAFT

    def current_version(self) -> DeclarationVersion | None:
        return self.versions.order_by("-number").first()


class DeclarationVersion(models.Model):
    """One version of a declaration's text (versions are never edited: a change is a new
    version)."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    note = models.CharField(max_length=300, blank=True, help_text=_("what changed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["declaration", "number"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "number"], name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.declaration} v{self.number}"


class DeclarationCommitment(models.Model):
    """A numbered commitment stated in a declaration ("Take ambitious climate action")."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="commitments"
    )
    number = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    source_url = models.URLField(max_length=500)

    class Meta:
        ordering = ["declaration", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "number"], name="unique_declaration_commitment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    AMENDMENT = "amendment", _("Proposed amendment")


class CommentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not taken up")


class DeclarationComment(models.Model):
    """A participating city's comment on, or proposed amendment to, a version."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(
        DeclarationVersion, on_delete=models.CASCADE, related_name="comments"
    )
    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=CommentKind.choices)
    text = models.TextField(help_text=_("the comment, or the reason for the amendment"))
    original = models.TextField(blank=True, help_text=_("amendment: the passage to replace"))
    proposed = models.TextField(blank=True, help_text=_("amendment: the proposed wording"))
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class SignatureSource(models.TextChoices):
    PLATFORM = "platform", _("Signed on the platform")
    IMPORTED = "imported", _("Imported from a published list")


class Signature(models.Model):
    """A city's signature of a declaration.

    Given on the platform by a current :class:`Representative` of the city, or imported
    from a published list of signatories (then ``city`` is empty when the list's entry did
    not match the registry, with ``match_note`` saying why). Withdrawal sets
    ``withdrawn_at``/``withdrawn_by``/``withdrawal_reason``; a signature is never deleted.
    """

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="signatures"
    )
    city = models.ForeignKey(
        "cities.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    country = models.ForeignKey(
        "cities.Country", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the platform user who signed (empty for imported signatures)"),
    )
    representative = models.ForeignKey(
        Representative, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    version = models.ForeignKey(
        "DeclarationVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
        help_text=_("the text version the signer confirmed (empty for imported signatures)"),
    )
    signer_name = models.CharField(max_length=200)
    signer_title = models.CharField(max_length=300)
    capacity = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(
        null=True,
        blank=True,
        default=timezone.now,
        help_text=_("empty for an imported signature whose list gives no date"),
    )
    source = models.CharField(max_length=10, choices=SignatureSource.choices)
    source_name = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    listed_place = models.CharField(
        max_length=200, blank=True, help_text=_("imported: the place as the published list gives")
    )
    listed_country = models.CharField(max_length=100, blank=True)
    match_note = models.CharField(max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["declaration", "signed_at", "pk"]
        constraints = [
            # The rule that must survive concurrent signers: one live signature per city.
            models.UniqueConstraint(
                fields=["declaration", "city"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_live_signature_per_city",
            ),
            models.CheckConstraint(
                condition=Q(source="imported") | (Q(city__isnull=False) & Q(signer__isnull=False)),
                name="platform_signature_has_city_and_signer",
            ),
        ]
        indexes = [
            models.Index(fields=["declaration", "withdrawn_at", "signed_at"]),
            # The public page: live signatures by name, page by page, and counts by country.
            models.Index(
                fields=["declaration", "signer_name", "id"],
                condition=Q(withdrawn_at__isnull=True),
                name="live_signatures_by_name",
            ),
            models.Index(
                fields=["declaration", "country", "listed_country"],
                condition=Q(withdrawn_at__isnull=True),
                name="live_signatures_by_country",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.declaration})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def verification(self) -> str:
        """The signature's verification status, in words."""
        if self.source == SignatureSource.PLATFORM:
            return "Signed by an authorised representative on the platform"
        name = self.source_name or "a published list"
        return f"Imported from {name}, verified against the published list"


class SignatoryImport(models.Model):
    """One run of :func:`~citydiplomacy.web.engagement.services.import_signatories`."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="imports")
    source_name = models.CharField(max_length=200)
    source_url = models.URLField(max_length=500)
    file_name = models.CharField(max_length=200)
    imported_at = models.DateTimeField(default=timezone.now)
    n_rows = models.PositiveIntegerField()
    n_matched = models.PositiveIntegerField()
    unmatched = models.JSONField(default=list, help_text=_("rows not matched, with the reason"))

    class Meta:
        ordering = ["-imported_at"]


# ------------------------------------------------------------------------- commitments
class CommitmentOrigin(models.TextChoices):
    DECLARATION = "declaration", _("From a declaration")
    NETWORK = "network", _("From a city network")
    OWN = "own", _("The city's own pledge")


class Commitment(models.Model):
    """A city's pledge on one KPI: from baseline (year, value) to target (year, value)."""

    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="commitments")
    title = models.CharField(max_length=300)
    origin = models.CharField(max_length=12, choices=CommitmentOrigin.choices)
    declaration = models.ForeignKey(
        Declaration, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declaration_commitment = models.ForeignKey(
        DeclarationCommitment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="city_commitments",
    )
    network = models.CharField(
        max_length=200, blank=True, help_text=_("e.g. Global Covenant of Mayors (2030 targets)")
    )
    measure = models.CharField(max_length=64, help_text=_("framework measure code of the KPI"))
    baseline_year = models.PositiveSmallIntegerField()
    baseline_value = models.FloatField()
    target_year = models.PositiveSmallIntegerField()
    target_value = models.FloatField()
    source_url = models.URLField(max_length=500, blank=True)
    synthetic = models.BooleanField(
        default=False, help_text=_("a demo commitment on synthetic data, not a real pledge")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["city", "target_year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_year__gt=models.F("baseline_year")),
                name="commitment_target_after_baseline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.city}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("engagement:commitment", args=[self.pk])
