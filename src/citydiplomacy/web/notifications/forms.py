"""The notifications app's forms: preferences (one frequency per kind), the secretariat's
reporting deadlines and editor invitations, and the invitee's new account.

The forms with text (deadlines, invitations, the new account) refuse control characters and
lone surrogates at the field (:class:`~citydiplomacy.web.forms.TextCheckedMixin`), each field
bounded, so their views (marked with :func:`~citydiplomacy.web.forms.checks_form_text`) show
such a value as an error at its field, the rest as typed (issue 14, item 3).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.forms import TextCheckedMixin
from citydiplomacy.web.notifications.models import Frequency, Kind, ReportingDeadline

#: Reporting years the secretariat may set a deadline for.
MIN_YEAR, MAX_YEAR = 2000, 2100


class LanguageSelect(forms.Select):
    """A choice of language: each option is the language's own name ("English", "Français")
    and says so with its ``lang`` attribute, as the site's language switcher does (WCAG 3.1.2:
    a screen reader then reads each name in its language)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = str(value)
        return option


class PreferencesForm(forms.Form):
    """One frequency per kind, and the language of the user's e-mails (``language``: their
    earlier choice, else ``default_language``, the page's; a form sent without it saves the
    page's language)."""

    def __init__(
        self,
        *args: Any,
        current: dict[str, str],
        language: str | None = None,
        default_language: str = settings.LANGUAGE_CODE,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_language = default_language
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                choices=Frequency.choices,
                initial=current.get(kind),
                label=label,
                widget=forms.RadioSelect,
            )
        self.fields["language"] = forms.ChoiceField(
            choices=settings.LANGUAGES,
            initial=language or default_language,
            required=False,
            label=_("Language of your notification e-mails"),
            widget=LanguageSelect,
        )

    def kind_fields(self) -> list[forms.BoundField]:
        """The per-kind fields (the page shows the language apart)."""
        return [self[k] for k in Kind.values]

    def choices(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in Kind.values}

    def language(self) -> str:
        """The language chosen for e-mails (the page's where the form sent none)."""
        return str(self.cleaned_data.get("language") or self.default_language)


class ReportingDeadlineForm(TextCheckedMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A reporting year's KPI data deadline, as the secretariat sets it."""

    class Meta:
        model = ReportingDeadline
        fields = ["year", "due_date", "notice_days", "note"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}
        labels = {
            "year": _("Reporting year (the year the values are for)"),
            "due_date": _("Due date"),
            "notice_days": _("Tell editors this many days before"),
            "note": _("Note to editors (optional)"),
        }

    def clean_year(self) -> int:
        year = int(self.cleaned_data["year"])
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise forms.ValidationError(f"Give a year from {MIN_YEAR} to {MAX_YEAR}.")
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, due = data.get("year"), data.get("due_date")
        # Values for a year can only be complete once it has begun: a deadline before it
        # is a typing slip (2025 for 2026, or the reverse).
        if year and due and due.year < year:
            self.add_error("due_date", f"The data of {year} cannot be due before {year}.")
        return data


class InvitationForm(TextCheckedMixin, forms.Form):
    """Whom the secretariat invites to become a city's editor."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)


class AcceptInvitationForm(TextCheckedMixin, UserCreationForm):  # type: ignore[type-arg]
    """The invitee's new account: a username and a password (the e-mail is the invitation's)."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)
