"""Forms of the engagement app's pages. They check the input's shape: each text field's
length (the model column's ``max_length``, or a bound stated here for text columns without
one) and characters (:func:`citydiplomacy.web.forms.validate_text`), so that a value too long
or holding a control character is an error at its field on every database, and nothing is
written. The rules (who may, which links) are applied again by :mod:`.services`, which every
caller goes through."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    CommentKind,
    Declaration,
    DeclarationKind,
    DeclarationVersion,
    Event,
    RecommendationStatus,
    RecommendationStatusChange,
    Representative,
    Signature,
    Tag,
)
from citydiplomacy.web.forms import TextCheckedForm, TextCheckedMixin, validate_text

#: Bounds of the text columns that have none in the database (``TextField``): a form refuses
#: more, at the field, on SQLite and PostgreSQL alike. A declaration's text: the Pact for the
#: Future, one of the longest texts negotiated, holds about 230,000 characters.
DECLARATION_TEXT_MAX_LENGTH = 300_000
#: A declaration's summary (shown on the list of declarations).
SUMMARY_MAX_LENGTH = 2_000
#: A comment, the passage an amendment replaces and its proposed wording.
COMMENT_MAX_LENGTH = 20_000
#: An event's description.
EVENT_DESCRIPTION_MAX_LENGTH = 5_000


class EventForm(TextCheckedMixin, forms.ModelForm):  # type: ignore[type-arg]
    """Create or edit an event. Links must be ``http(s)`` web addresses, not staging
    copies; the source of the dates is required; the last day is not before the first."""

    # Text fields, not URLField: a URLField would silently prefix "http://" to a bare
    # host name; the service's check says what is wrong instead.
    official_url = forms.CharField(
        required=False,
        max_length=500,
        label=_("Official page of the event"),
        widget=forms.TextInput(attrs={"inputmode": "url"}),
    )
    source_url = forms.CharField(
        max_length=500,
        label=_("Official source of the dates"),
        help_text=_("The organiser's page (http:// or https://) that states the dates."),
        widget=forms.TextInput(attrs={"inputmode": "url"}),
    )
    description = forms.CharField(
        required=False,
        max_length=EVENT_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Event
        fields = [*services.EVENT_FIELDS, "tags"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def _clean_link(self, field_name: str) -> str:
        value = str(self.cleaned_data.get(field_name) or "").strip()
        problem = services.event_url_problem(value, field_name)
        if problem is not None:
            raise forms.ValidationError(problem.message())
        return value

    def clean_official_url(self) -> str:
        return self._clean_link("official_url")

    def clean_source_url(self) -> str:
        return self._clean_link("source_url")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last day comes before the first day."))
        return data

    def event_data(self) -> dict[str, Any]:
        """The cleaned facts, as :func:`.services.create_event` takes them."""
        return {k: self.cleaned_data[k] for k in services.EVENT_FIELDS}


class CancelEventForm(TextCheckedForm):
    reason = forms.CharField(
        max_length=500,
        label=_("Reason for the cancellation"),
        help_text=_("As the organiser announced it, with where (a link)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignForm(TextCheckedForm):
    """The confirmation of a signature: the version read, an explicit confirmation, and
    the signer's full name when none is on record."""

    city = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        required=True,
        label=_("I have read this version and sign it on behalf of the city"),
        error_messages={"required": _("Tick the confirmation to sign.")},
    )
    first_name = forms.CharField(max_length=150, required=False, label=_("First name"))
    last_name = forms.CharField(max_length=150, required=False, label=_("Last name"))

    def __init__(self, *args: Any, needs_name: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_name = needs_name
        if not needs_name:
            del self.fields["first_name"]
            del self.fields["last_name"]
        else:
            self.fields["first_name"].required = True
            self.fields["last_name"].required = True

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if self.needs_name:
            name = f"{data.get('first_name', '').strip()} {data.get('last_name', '').strip()}"
            limit = 200  # Signature.signer_name
            if len(name.strip()) > limit:
                raise forms.ValidationError(
                    _(
                        "Your full name is %(length)s characters long; a signature holds "
                        "at most %(limit)s."
                    ),
                    params={"length": len(name.strip()), "limit": limit},
                )
        return data


# ------------------------------------------------------------------ page forms, bounded
def _length(model: type[models.Model], name: str) -> int:
    """The ``max_length`` of a model's text column: forms take it from there, never a copy."""
    length = getattr(model._meta.get_field(name), "max_length", None)
    assert length is not None, f"{model.__name__}.{name} has no max_length"
    return int(length)


def picker_text_errors(data: Any, name: str) -> list[str]:
    """Errors of the text a city picker called ``name`` received (its typed name and its
    hidden id travel as ``name`` and ``name_...`` fields): the picker looks the text up in
    the registry, so a forbidden character is refused before it does."""
    errors: list[str] = []
    for key in data:
        if key == name or key.startswith(f"{name}_"):
            for value in data.getlist(key):
                try:
                    validate_text(value)
                except forms.ValidationError as exc:
                    errors.extend(exc.messages)
    return errors


class DeclarationForm(TextCheckedForm):
    """A new draft declaration (the participating cities come from the city picker)."""

    title = forms.CharField(
        max_length=_length(Declaration, "title"),
        error_messages={"required": _("Give the declaration a title.")},
    )
    kind = forms.ChoiceField(
        choices=DeclarationKind.choices, error_messages={"invalid_choice": _("Choose a kind.")}
    )
    summary = forms.CharField(required=False, max_length=SUMMARY_MAX_LENGTH)
    text = forms.CharField(
        max_length=DECLARATION_TEXT_MAX_LENGTH,
        error_messages={"required": _("Write the text of version 1.")},
    )

    def clean_title(self) -> str:
        title = str(self.cleaned_data["title"])
        if Declaration.objects.filter(title__iexact=title).exists():
            raise forms.ValidationError(_("A declaration with this title exists already."))
        return title


class VersionForm(TextCheckedForm):
    """A new version of a draft: the whole text and what changed."""

    text = forms.CharField(
        max_length=DECLARATION_TEXT_MAX_LENGTH,
        strip=False,  # the text is stored as written
        error_messages={"required": _("A version needs a text.")},
    )
    note = forms.CharField(required=False, max_length=_length(DeclarationVersion, "note"))


class CommentForm(TextCheckedForm):
    """A participating city's comment or proposed amendment."""

    kind = forms.ChoiceField(choices=CommentKind.choices, label=_("Kind"))
    text = forms.CharField(
        max_length=COMMENT_MAX_LENGTH,
        label=_("Text"),
        error_messages={"required": _("Write the comment (or the reason for the amendment).")},
    )
    original = forms.CharField(
        required=False, max_length=COMMENT_MAX_LENGTH, label=_("Passage to replace")
    )
    proposed = forms.CharField(
        required=False, max_length=COMMENT_MAX_LENGTH, label=_("Proposed wording")
    )


class WithdrawForm(TextCheckedForm):
    """The reason for withdrawing a signature (kept on the signature)."""

    reason = forms.CharField(
        max_length=_length(Signature, "withdrawal_reason"),
        label=_("Reason"),
        error_messages={"required": _("Give the reason for the withdrawal.")},
    )


class RecommendationStatusForm(TextCheckedForm):
    """A recommendation's new status and the note that explains it."""

    status = forms.ChoiceField(choices=RecommendationStatus.choices, label=_("Status"))
    note = forms.CharField(
        required=False, max_length=_length(RecommendationStatusChange, "note"), label=_("Note")
    )


class RepresentativeForm(TextCheckedForm):
    """The secretariat grants a representative role (the city comes from the city picker)."""

    username = forms.CharField(max_length=150)
    title = forms.CharField(max_length=_length(Representative, "title"))
    capacity = forms.CharField(max_length=_length(Representative, "capacity"))
    until = forms.DateField(
        required=False, error_messages={"invalid": _("expected a date as YYYY-MM-DD.")}
    )


class CommitmentForm(TextCheckedForm):
    """A city's commitment, as typed: characters here (and a bound on the numbers, which
    the service's messages quote); the lengths of the text columns (title 300, network 200,
    measure 64, link 500, their ``max_length``) and every rule (a framework measure, years,
    numbers, the path's direction, the link) in :func:`.services.record_commitment`, whose
    problems name their field."""

    # an editor's city id, or the secretariat's typed city name (the picker's text)
    city = forms.CharField(required=False, max_length=400)
    title = forms.CharField(required=False)
    origin = forms.CharField(required=False)
    measure = forms.CharField(required=False)
    baseline_year = forms.CharField(required=False, max_length=100)
    baseline_value = forms.CharField(required=False, max_length=100)
    target_year = forms.CharField(required=False, max_length=100)
    target_value = forms.CharField(required=False, max_length=100)
    network = forms.CharField(required=False)
    declaration_commitment = forms.CharField(required=False, max_length=20)
    source_url = forms.CharField(required=False)
