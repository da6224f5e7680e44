"""Multilateral texts and how they recognise cities: documents, versions, language texts,
their paragraphs and the references found in them (issue 17).

A :class:`Document` (``A/RES/79/1``) has :class:`Version` records (zero draft, rev.1, ...,
adopted), each with at most one :class:`Text` per language; a text keeps its source URL, the
SHA-256 of the file it was read from, its paragraphs and its coded references, so pages,
comparisons and exports read what was found at import time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Stage(models.TextChoices):
    DRAFT = "draft", "Draft"
    ADOPTED = "adopted", "Adopted"


class Language(models.TextChoices):
    AR = "ar", "Arabic"
    EN = "en", "English"
    ES = "es", "Spanish"
    FR = "fr", "French"
    RU = "ru", "Russian"
    ZH = "zh", "Chinese"


class Code(models.TextChoices):
    ACTOR = "actor", "actor"
    PLACE = "place", "place"
    ISSUE = "issue", "issue"


class Position(models.TextChoices):
    PREAMBLE = "preamble", "preamble"
    OPERATIVE = "operative", "operative"
    FOLLOW_UP = "follow-up", "follow-up and review"


class Document(models.Model):
    """A multilateral text under negotiation or adopted, by its symbol."""

    symbol = models.CharField(max_length=80, unique=True, help_text="e.g. A/RES/79/1")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    # The event where the text was negotiated, and the declaration it is, if the platform
    # has them (the link between the calendar and the texts).
    event = models.ForeignKey(
        "engagement.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recognition_documents",
    )
    declaration = models.ForeignKey(
        "engagement.Declaration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recognition_documents",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("recognition:document", args=[self.pk])


class Version(models.Model):
    """One version of a document: a draft (zero draft, rev.1, L.22) or the adopted text."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    label = models.CharField(max_length=120, help_text="e.g. zero draft, rev.1, A/C.2/80/L.22")
    date = models.DateField(null=True, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.DRAFT)
    order = models.PositiveIntegerField(default=0, help_text="Position in the timeline.")

    class Meta:
        ordering = ["document", "order", "date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "label"], name="recognition_version_label")
        ]

    def __str__(self) -> str:
        return f"{self.document.symbol} {self.label}"


class Text(models.Model):
    """One language version of one version, as imported, with what the tracker found."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="texts")
    lang = models.CharField(max_length=2, choices=Language.choices)
    source_url = models.URLField(max_length=500, blank=True)
    source_note = models.CharField(max_length=300, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=8)
    sha256 = models.CharField(max_length=64)
    body = models.TextField(help_text="The cleaned text that was analysed.")
    words = models.PositiveIntegerField(default=0)
    references_count = models.PositiveIntegerField(default=0)
    profile = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["version", "lang"]
        constraints = [
            models.UniqueConstraint(fields=["version", "lang"], name="recognition_text_language")
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.lang})"

    def get_absolute_url(self) -> str:
        return reverse("recognition:text", args=[self.pk])


class Paragraph(models.Model):
    text = models.ForeignKey(Text, on_delete=models.CASCADE, related_name="paragraphs")
    index = models.PositiveIntegerField()
    key = models.CharField(max_length=120)
    number = models.CharField(max_length=40, blank=True)
    section = models.CharField(max_length=500, blank=True)
    position = models.CharField(max_length=10, choices=Position.choices)
    body = models.TextField()
    parts = models.JSONField(default=list)  # [[label, start, end], ...]

    class Meta:
        ordering = ["text", "index"]
        constraints = [
            models.UniqueConstraint(fields=["text", "key"], name="recognition_paragraph_key")
        ]

    def __str__(self) -> str:
        return f"{self.text} ¶{self.key}"


class Reference(models.Model):
    text = models.ForeignKey(Text, on_delete=models.CASCADE, related_name="references")
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="references")
    term = models.CharField(max_length=200)
    category = models.CharField(max_length=40)
    code = models.CharField(max_length=8, choices=Code.choices)
    cue = models.CharField(max_length=300)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    part = models.CharField(max_length=12, blank=True)
    bracketed = models.BooleanField(default=False)
    lexicon_entry = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["text", "paragraph__index", "start"]

    def __str__(self) -> str:
        return f"{self.term} ({self.code})"
