"""Forms of the engagement app: the secretariat's calendar forms and the signing
confirmation. They check the input's shape; the rules (who may, which links) are applied
again by :mod:`.services`, which every caller goes through."""

from __future__ import annotations

from typing import Any

from django import forms

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Event, Tag


class EventForm(forms.ModelForm):  # type: ignore[type-arg]
    """Create or edit an event. Links must be ``http(s)`` web addresses, not staging
    copies; the source of the dates is required; the last day is not before the first."""

    # Text fields, not URLField: a URLField would silently prefix "http://" to a bare
    # host name; the service's check says what is wrong instead.
    official_url = forms.CharField(
        required=False,
        max_length=500,
        label="Official page of the event",
        widget=forms.TextInput(attrs={"inputmode": "url"}),
    )
    source_url = forms.CharField(
        max_length=500,
        label="Official source of the dates",
        help_text="The organiser's page (http:// or https://) that states the dates.",
        widget=forms.TextInput(attrs={"inputmode": "url"}),
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Event
        fields = [
            "name",
            "kind",
            "start_date",
            "end_date",
            "place",
            "organiser",
            "official_url",
            "source_url",
            "description",
            "tags",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def _clean_link(self, field_name: str) -> str:
        value = str(self.cleaned_data.get(field_name) or "").strip()
        problem = services.event_url_problem(value, field_name)
        if problem is not None:
            raise forms.ValidationError(problem.split(": ", 1)[1])
        return value

    def clean_official_url(self) -> str:
        return self._clean_link("official_url")

    def clean_source_url(self) -> str:
        return self._clean_link("source_url")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last day comes before the first day.")
        return data

    def event_data(self) -> dict[str, Any]:
        """The cleaned facts, as :func:`.services.create_event` takes them."""
        return {k: self.cleaned_data[k] for k in services.EVENT_FIELDS}


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Reason for the cancellation",
        help_text="As the organiser announced it, with where (a link).",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignForm(forms.Form):
    """The confirmation of a signature: the version read, an explicit confirmation, and
    the signer's full name when none is on record."""

    city = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        required=True,
        label="I have read this version and sign it on behalf of the city",
        error_messages={"required": "Tick the confirmation to sign."},
    )
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(max_length=150, required=False, label="Last name")

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
                    f"Your full name is {len(name.strip())} characters long; a signature "
                    f"holds at most {limit}."
                )
        return data
