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
