"""Forms of the partnership pages: proposing, editing, activities, documents, memberships,
the list's filter and the matchmaking request.

The views in :mod:`citydiplomacy.web.partners.views` stay thin: they bind these forms and hand
the cleaned data to :mod:`citydiplomacy.web.partners.services`.

The forms that write (proposing, editing, activities, documents, memberships) check every text
field they read (:class:`~citydiplomacy.web.forms.TextCheckedMixin`: control characters and
lone surrogates) and bound its length, so their views (marked with
:func:`~citydiplomacy.web.forms.checks_form_text`) show such a value as an error at its field,
the rest of the form as typed, instead of the generic 400 page (issue 14, item 3). The city
pickers check their text before they look it up in the registry.
"""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.fields import CityField, CityListField
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.forms import TextCheckedMixin, validate_text
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import (
    Activity,
    Document,
    Kind,
    Membership,
    Partnership,
    Status,
)

#: Longest description of a partnership (as the API takes it) and outcome of an activity.
DESCRIPTION_MAX_LENGTH = 5_000
#: Longest list of a membership's commitments, all lines together.
COMMITMENTS_MAX_LENGTH = 5_000


def _length(model: type[Any], name: str) -> int:
    """The ``max_length`` of a model's text column: the forms take it from there."""
    length = getattr(model._meta.get_field(name), "max_length", None)
    assert length is not None, f"{model.__name__}.{name} has no max_length"
    return int(length)


def _bound(form: forms.BaseForm, name: str, length: int) -> None:
    """Give the text field ``name`` of ``form`` (one a model form made from a ``TextField``)
    a maximum length: an error at the field beyond it, and the input's ``maxlength``."""
    field = form.fields[name]
    assert isinstance(field, forms.CharField)
    field.max_length = length
    field.validators.append(MaxLengthValidator(length))
    field.widget.attrs["maxlength"] = str(length)


def _check_text(value: Any) -> None:
    """:func:`validate_text` over a picker's value (its typed text and its picked id)."""
    for part in value if isinstance(value, list | tuple) else [value]:
        validate_text(part)


class CheckedCityField(CityField):
    """The city picker, refusing a forbidden character at the field before the lookup."""

    def to_python(self, value: Any) -> int | None:
        _check_text(value)
        return super().to_python(value)


class CheckedCityListField(CityListField):
    """The multiple city picker, refusing a forbidden character before the lookups."""

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        _check_text(value)
        return super().to_python(value)


class PartnershipForm(TextCheckedMixin, forms.Form):
    city = forms.TypedChoiceField(label=_("Your city"), coerce=int)
    partner = CheckedCityField(label=_("Partner city"))
    others = CheckedCityListField(
        label=_("Further party cities (one a line, by name; optional)"), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(
        label=_("Title (optional)"), required=False, max_length=_length(Partnership, "title")
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea,
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes (framework categories)"), required=False, widget=forms.SelectMultiple
    )
    sdgs = forms.MultipleChoiceField(
        label=_("Sustainable Development Goals"),
        required=False,
        choices=[(str(i), f"SDG {i}") for i in range(1, 18)],
        widget=forms.SelectMultiple,
    )
    start = forms.DateField(
        label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("End"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = permissions.editable_city_ids(user)
        cities = City.objects.filter(pk__in=own).order_by("name") if own else City.objects.none()
        city_field = self.fields["city"]
        assert isinstance(city_field, forms.TypedChoiceField)
        if permissions.is_admin(user):
            # The secretariat may record any partnership: the first city by id too.
            self.fields["city"] = CheckedCityField(label=_("First city"))
        else:
            city_field.choices = [(c.pk, f"{c.name} ({c.country_id})") for c in cities]
        themes = self.fields["themes"]
        assert isinstance(themes, forms.MultipleChoiceField)
        themes.choices = services.theme_choices()

    def proposal(self) -> services.Proposal:
        d = self.cleaned_data
        return services.Proposal(
            city_ids=[int(d["city"]), int(d["partner"]), *d["others"]],
            kind=d["kind"],
            title=d["title"],
            description=d["description"],
            themes=d["themes"],
            sdgs=[int(s) for s in d["sdgs"]],
            start=d["start"],
            end=d["end"],
        )


class EditForm(TextCheckedMixin, forms.ModelForm):  # type: ignore[type-arg]
    themes = forms.MultipleChoiceField(label=_("Themes"), required=False)
    ended = forms.BooleanField(
        label=_("This partnership has ended"),
        required=False,
        help_text=_("Give the end date above. Only confirmed or recorded partnerships end."),
    )
    sdgs = forms.MultipleChoiceField(
        label=_("Sustainable Development Goals"),
        required=False,
        choices=[(str(i), f"SDG {i}") for i in range(1, 18)],
    )

    class Meta:
        model = Partnership
        fields = ["kind", "title", "description", "themes", "sdgs", "start", "end"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        themes = self.fields["themes"]
        assert isinstance(themes, forms.MultipleChoiceField)
        themes.choices = services.theme_choices()
        _bound(self, "description", DESCRIPTION_MAX_LENGTH)
        self.initial["sdgs"] = [str(s) for s in self.instance.sdgs or []]
        self.initial["ended"] = self.instance.status == Status.ENDED

    def clean_sdgs(self) -> list[int]:
        return sorted({int(s) for s in self.cleaned_data.get("sdgs") or []})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date is before the start date."))
        if data.get("ended") and self.instance.status == Status.PROPOSED:
            self.add_error("ended", _("A proposal that was never confirmed cannot end."))
        if data.get("ended") and not data.get("end"):
            self.add_error("end", _("Give the date the partnership ended."))
        return data

    def save(self, commit: bool = True) -> Partnership:
        p: Partnership = super().save(commit=False)
        if self.cleaned_data.get("ended"):
            p.status = Status.ENDED
        elif p.status == Status.ENDED:
            # reopened: back to what it was before it ended
            p.status = Status.RECORDED if p.source else Status.CONFIRMED
        if commit:
            p.save()
        return p


class ActivityForm(TextCheckedMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Activity
        fields = ["kind", "title", "start", "end", "outcome"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bound(self, "outcome", DESCRIPTION_MAX_LENGTH)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date is before the start date."))
        return data


class DocumentForm(TextCheckedMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A document as a link or as a file (PDF, Word, OpenDocument text), not both."""

    # http(s) only: Django's default also takes ftp(s), which browsers no longer open, and a
    # document link must never be able to run anything in the viewer's browser.
    url = forms.URLField(
        label=_("Address (a link to the document)"),
        max_length=200,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    file = forms.FileField(
        label=_("Or the file (PDF, Word or OpenDocument text, at most 20 MB)"), required=False
    )

    class Meta:
        model = Document
        fields = ["title", "url", "file", "date", "restricted"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
        labels = {"restricted": _("Only the parties' editors and the secretariat see it")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if bool(data.get("url")) == bool(upload):
            raise forms.ValidationError(_("Give either the document's address or its file."))
        if upload:
            if upload.size > services.MAX_DOCUMENT_BYTES:
                self.add_error(
                    "file",
                    _("The file has %(mb).1f MB; at most 20 MB are accepted.")
                    % {"mb": upload.size / 2**20},
                )
                return data
            upload.seek(0)
            head = upload.read(8)
            upload.seek(0)

            def open_zip() -> zipfile.ZipFile:
                upload.seek(0)
                return zipfile.ZipFile(upload)

            kind = services.document_type(head, open_zip)
            upload.seek(0)
            if kind is None:
                self.add_error(
                    "file",
                    _("Expected a PDF, Word (.docx) or OpenDocument text (.odt) file."),
                )
            else:
                self.document_kind = kind
        return data

    def save(self, commit: bool = True) -> Document:
        doc: Document = super().save(commit=False)
        upload = self.cleaned_data.get("file")
        if upload:
            content_type, extension, _label = services.DOCUMENT_TYPES[self.document_kind]
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            doc.file_name = (upload.name or "document")[-200:]
            doc.content_type = content_type
            doc.size = upload.size
            doc.sha256 = digest.hexdigest()
            # A name of our own: the uploaded name is kept as data, never used as a path.
            doc.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
        if commit:
            doc.save()
        return doc


class MembershipForm(TextCheckedMixin, forms.Form):
    city = forms.TypedChoiceField(label=_("City"), coerce=int)
    role = forms.CharField(
        label=_("Role"), max_length=_length(Membership, "role"), initial="member"
    )
    since = forms.DateField(
        label=_("Member since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    commitments = forms.CharField(
        label=_("Commitments (one a line)"),
        required=False,
        max_length=COMMITMENTS_MAX_LENGTH,
        widget=forms.Textarea,
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if permissions.is_admin(user):
            self.fields["city"] = CheckedCityField(label=_("City"))
        else:
            own = permissions.editable_city_ids(user)
            field = self.fields["city"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [
                (c.pk, f"{c.name} ({c.country_id})")
                for c in City.objects.filter(pk__in=own).order_by("name")
            ]

    def clean_city(self) -> int:
        cid = int(self.cleaned_data["city"])
        if not City.objects.filter(pk=cid).exists():
            raise forms.ValidationError(_("No city with this GeoNames id in the registry."))
        return cid

    def clean_commitments(self) -> list[str]:
        text = str(self.cleaned_data.get("commitments") or "")
        return [line.strip() for line in text.splitlines() if line.strip()]


class FilterForm(forms.Form):
    city = CityField(label=_("City"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    source = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[
            ("", _("All")),
            ("entered", _("Entered on the platform")),
            ("imported", _("Imported")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        status = self.fields["status"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(status, forms.ChoiceField)
        kind.choices = [("", _("All kinds")), *Kind.choices]
        status.choices = [("", _("All statuses")), *Status.choices]


class SuggestForm(forms.Form):
    city = CityField(label=_("City"))
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    mode = forms.ChoiceField(
        label=_("Looking for"),
        choices=[
            ("peer", _("Peers to learn from")),
            ("reciprocal", _("Reciprocal partners (each strong where the other is weak)")),
        ],
        initial="peer",
        required=False,
    )
    k = forms.IntegerField(
        label=_("How many"), min_value=1, max_value=50, initial=10, required=False
    )
    include_partners = forms.BooleanField(label=_("Include existing partners"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        theme = self.fields["theme"]
        assert isinstance(theme, forms.ChoiceField)
        theme.choices = [("", _("Any theme (context and ties only)")), *services.theme_choices()]
