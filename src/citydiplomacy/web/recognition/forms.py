"""The upload form: a text (file) for a version of a document, new or existing.

Its text fields refuse control characters and lone surrogates at the field
(:class:`~citydiplomacy.web.forms.TextCheckedMixin`) and are bounded by their columns, so the
upload page shows such a value as an error at its field, the rest as typed (issue 14, item 3).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator

from citydiplomacy.io.texts import MAX_BYTES
from citydiplomacy.web.engagement.models import Declaration, DeclarationStatus, Event
from citydiplomacy.web.forms import TextCheckedMixin
from citydiplomacy.web.recognition.models import Document, Language, Stage, Text, Version

LANG_CHOICES = [("", "Detect from the text"), *Language.choices]


def _length(model: type[Any], name: str) -> int:
    """The ``max_length`` of a model's text column: the form takes it from there."""
    length = getattr(model._meta.get_field(name), "max_length", None)
    assert length is not None, f"{model.__name__}.{name} has no max_length"
    return int(length)


class UploadForm(TextCheckedMixin, forms.Form):
    document = forms.ModelChoiceField(
        queryset=Document.objects.all(),
        required=False,
        empty_label="A new document (give symbol and title)",
        help_text="The document this text is a version of.",
    )
    symbol = forms.CharField(
        max_length=_length(Document, "symbol"), required=False, help_text="e.g. A/C.2/80/L.22"
    )
    title = forms.CharField(max_length=_length(Document, "title"), required=False)
    version = forms.CharField(
        max_length=_length(Version, "label"), help_text="e.g. zero draft, rev.1, adopted"
    )
    date = forms.DateField(required=False, help_text="YYYY-MM-DD")
    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.DRAFT)
    lang = forms.ChoiceField(choices=LANG_CHOICES, required=False, label="Language")
    source_url = forms.CharField(
        max_length=_length(Text, "source_url"),
        required=False,
        validators=[URLValidator(schemes=["http", "https"])],
        label="Source URL",
    )
    file = forms.FileField(help_text="PDF (with a text layer), DOCX, HTML or UTF-8 text.")
    event = forms.ModelChoiceField(
        queryset=Event.objects.order_by("-start_date"),
        required=False,
        help_text="The calendar event where the text was negotiated (optional).",
    )
    declaration = forms.ModelChoiceField(
        # drafts of the platform's declarations are not public: only adopted ones
        queryset=Declaration.objects.exclude(status=DeclarationStatus.DRAFT).order_by("title"),
        required=False,
        help_text="The platform's declaration this text is (optional).",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 2**20} MB.")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("document") and not (data.get("symbol") or "").strip():
            self.add_error("symbol", "Choose a document or give the symbol of a new one.")
        if (
            not data.get("document")
            and (data.get("symbol") or "").strip()
            and not Document.objects.filter(symbol=data["symbol"].strip()).exists()
            and not (data.get("title") or "").strip()
        ):
            self.add_error("title", "A new document needs its title.")
        return data


class CompareForm(forms.Form):
    old = forms.IntegerField(min_value=1, max_value=2_147_483_647)
    new = forms.IntegerField(min_value=1, max_value=2_147_483_647)
