"""Partnerships between cities, city networks and their memberships.

A :class:`Partnership` links two or more registry cities (:class:`PartnershipCity`). One entered
on the platform starts *proposed* and becomes *confirmed* once an editor of every party city
has confirmed it (the proposer's confirmation counts for their city). One imported from a
public source (Wikidata's "twinned administrative body") is *recorded*: a sourced fact, shown
with its source, that no editor confirmed on the platform.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    TWINNING = "twinning", _("Twinning / sister city")
    FRIENDSHIP = "friendship", _("Friendship")
    MOU = "mou", _("Memorandum of understanding")
    TECHNICAL = "technical", _("Technical cooperation project")
    NETWORK_EXCHANGE = "network_exchange", _("Network exchange")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (awaiting confirmation)")
    CONFIRMED = "confirmed", _("Confirmed by every party")
    RECORDED = "recorded", _("Recorded from a public source")
    ENDED = "ended", _("Ended")


#: Statuses the public sees: confirmed partnerships and sourced facts (and their end).
PUBLIC_STATUSES = (Status.CONFIRMED, Status.RECORDED, Status.ENDED)


class Partnership(models.Model):
    """A tie between two or more cities."""

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TWINNING)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    themes = models.JSONField(
        default=list, blank=True, help_text="framework category codes (e.g. EN-E-E)"
    )
    sdgs = models.JSONField(default=list, blank=True, help_text="SDG numbers, 1 to 17")
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    source = models.CharField(
        max_length=40, blank=True, help_text="data set it was imported from; blank if entered"
    )
    source_ref = models.CharField(max_length=120, blank=True)
    source_url = models.URLField(blank=True)
    is_demo = models.BooleanField(default=False, help_text="demo data, labelled as such")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    cities: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "cities.City", through="PartnershipCity", related_name="partnerships"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~Q(source=""),
                name="unique_partnership_source_ref",
            )
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.title:
            return str(self.title)
        names = [pc.city.name for pc in self.parties.all()]
        return " – ".join(names) or f"Partnership {self.pk}"

    @property
    def is_imported(self) -> bool:
        return bool(self.source)


class PartnershipCity(models.Model):
    """A party city of a partnership and who confirmed it for that city."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="parties")
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["city__name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "city"], name="unique_partnership_city")
        ]

    def __str__(self) -> str:
        return f"{self.city} in {self.partnership_id}"


class Document(models.Model):
    """A document of a partnership (agreement, memorandum, report): a link, or a file kept
    by the platform (PDF, Word or OpenDocument text) and served only to those who may see it.

    A *restricted* document is shown to the parties' editors, analysts and the secretariat
    only; otherwise to everyone who sees the partnership.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    url = models.URLField("address", blank=True)
    file = models.FileField(upload_to="partners/documents/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="as uploaded")
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True, help_text="bytes")
    sha256 = models.CharField(max_length=64, blank=True, help_text="of the stored file")
    restricted = models.BooleanField(
        default=False, help_text="only the parties' editors, analysts and the secretariat see it"
    )
    date = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(file="")) | (~Q(url="") & Q(file="")),
                name="document_is_a_link_or_a_file",
            )
        ]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def is_file(self) -> bool:
        return bool(self.file)


class ActivityKind(models.TextChoices):
    DELEGATION = "delegation", _("Delegation visit")
    EXCHANGE = "exchange", _("Exchange (staff, students, experts)")
    JOINT_PROJECT = "joint_project", _("Joint project")
    EVENT = "event", _("Event or meeting")
    OTHER = "other", _("Other")


class Activity(models.Model):
    """Something a partnership did: a delegation, an exchange, a joint project."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    title = models.CharField(max_length=200)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start", "title"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return str(self.title)


class Network(models.Model):
    """A city network (C40, ICLEI, the Global Covenant of Mayors, Eurocities, ...)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    members_source = models.CharField(
        max_length=300, blank=True, help_text="where the member list comes from, with its licence"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.short_name or self.name)


class Membership(models.Model):
    """A city's membership of a network."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=60, default="member")
    since = models.DateField(null=True, blank=True)
    commitments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=40, blank=True, help_text="as the source states it")
    source = models.CharField(max_length=40, blank=True)
    source_ref = models.CharField(max_length=120, blank=True)
    is_demo = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["network__name", "city__name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "city"], name="unique_network_membership")
        ]

    def __str__(self) -> str:
        return f"{self.city} in {self.network}"
