"""The notification preferences form: one choice of frequency per kind."""

from __future__ import annotations

from typing import Any

from django import forms

from citydiplomacy.web.notifications.models import Frequency, Kind


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                choices=Frequency.choices,
                initial=current.get(kind),
                label=label,
                widget=forms.RadioSelect,
            )

    def choices(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in Kind.values}
