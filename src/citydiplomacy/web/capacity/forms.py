"""Forms of the capacity pages.

Every text field of the page forms refuses a forbidden character (a control character, a
noncharacter, a lone surrogate) at the field, with a length bound (issue 14 item 3): their
views are marked with :func:`~citydiplomacy.web.forms.checks_form_text`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.capacity.labels import LEVEL_WORDS
from citydiplomacy.web.capacity.models import Competency, ModuleFormat, OfficeSurvey, Phase
from citydiplomacy.web.capacity.services.module_catalogue import LANGUAGE
from citydiplomacy.web.forms import TextCheckedForm, TextCheckedMixin, validate_text

#: Largest upload (framework or responses table).
MAX_UPLOAD = 5 * 1024 * 1024
YES_NO = [("", _("not answered")), ("true", _("yes")), ("false", _("no"))]
#: The survey's yes/no questions (selects whose unknown values Django reads as unanswered).
YES_NO_FIELDS = (
    "international_office",
    "international_strategy",
    "international_staff",
    "staff_trained",
    "dedicated_director",
    "tracks_sdgs",
)
#: Longest list of priorities (the column is unbounded text).
MAX_PRIORITIES = 5000


class AssessmentForm(forms.Form):
    """One choice of level 1-5 per competency, each level with its behaviour."""

    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices, initial=Phase.BEFORE)

    def __init__(self, *args: Any, competencies: list[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        for c in competencies:
            choices = [("", _("not rated"))] + [
                (str(i + 1), f"{i + 1}: {text}") for i, text in enumerate(c.levels)
            ]
            self.fields[f"c_{c.code}"] = forms.ChoiceField(
                label=f"{c.code} {c.name}",
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                help_text=c.description,
            )

    def levels(self) -> dict[str, int]:
        out = {}
        for c in self.competencies:
            value = self.cleaned_data.get(f"c_{c.code}")
            if value:
                out[c.code] = int(value)
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f"c_{c.code}") for c in self.competencies):
            raise forms.ValidationError("Rate at least one competency.")
        return data

    def by_domain(self) -> list[tuple[str, list[Any]]]:
        groups: dict[str, list[Any]] = {}
        for c in self.competencies:
            groups.setdefault(f"{c.domain.code} {c.domain.name}", []).append(self[f"c_{c.code}"])
        return list(groups.items())


class OfficeSurveyForm(TextCheckedMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A city's office survey of one year; the text checked at each field."""

    class Meta:
        model = OfficeSurvey
        fields = [
            "international_office",
            "international_strategy",
            "international_staff",
            "staff_trained",
            "dedicated_director",
            "tracks_sdgs",
            "staff_fte",
            "budget_eur",
            "networks",
            "priorities",
        ]
        labels = {
            "international_office": _("A dedicated international-relations office"),
            "international_strategy": _("An international strategy"),
            "international_staff": _("Staff handling international affairs"),
            "staff_trained": _("International staff trained in city diplomacy"),
            "dedicated_director": _("A dedicated director or manager of international affairs"),
            "tracks_sdgs": _("Tracks performance on the SDGs"),
            "staff_fte": _("International staff (full-time equivalents)"),
            "budget_eur": _("Yearly budget of international work (EUR)"),
            "networks": _("City networks the city belongs to"),
            "priorities": _("Priorities (one per line)"),
        }
        widgets = {name: forms.Select(choices=YES_NO) for name in YES_NO_FIELDS}

    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        priorities = self.fields["priorities"]
        assert isinstance(priorities, forms.CharField)
        priorities.max_length = MAX_PRIORITIES
        priorities.validators.append(MaxLengthValidator(MAX_PRIORITIES))
        priorities.widget.attrs["maxlength"] = str(MAX_PRIORITIES)

    def clean(self) -> dict[str, Any]:
        """The yes/no selects are read as unanswered when their value is unknown: refuse
        a forbidden character there at the field rather than dropping the answer."""
        data = super().clean() or {}
        for name in YES_NO_FIELDS:
            try:
                validate_text(self.data.get(name))
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return data

    def clean_staff_fte(self) -> Any:
        v = self.cleaned_data.get("staff_fte")
        if v is not None and v < 0:
            raise forms.ValidationError("Staff cannot be negative.")
        return v

    def clean_budget_eur(self) -> Any:
        v = self.cleaned_data.get("budget_eur")
        if v is not None and v < 0:
            raise forms.ValidationError("A budget cannot be negative.")
        return v


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("A CSV (UTF-8) or XLSX table."))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return f


class ProgrammeForm(TextCheckedForm):
    slug = forms.SlugField(label=_("Short name in the address (slug)"), max_length=80)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=5000
    )
    start_date = forms.DateField(label=_("Start date"))
    end_date = forms.DateField(label=_("End date"))


class SessionForm(TextCheckedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), help_text=_("YYYY-MM-DD HH:MM (UTC)"))
    ends_at = forms.DateTimeField(label=_("Ends at"), help_text=_("YYYY-MM-DD HH:MM (UTC)"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class StatementForm(TextCheckedForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea, max_length=50_000)


class ModuleForm(TextCheckedForm):
    """A training module of the catalogue; the competencies are the current framework's."""

    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$",
        max_length=40,
        help_text=_("1-40 letters, digits, '.', '_' or '-', e.g. UCLG-LM4"),
        error_messages={"invalid": "Use 1-40 letters, digits, '.', '_' or '-'."},
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    provider = forms.CharField(label=_("Provider"), max_length=200)
    format = forms.ChoiceField(label=_("Format"), choices=ModuleFormat.choices)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.5"), max_value=Decimal("9999"), decimal_places=1
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", _("not stated"))]
        + [
            (str(k), format_lazy("{} {}", k, name))
            for k, name in enumerate(LEVEL_WORDS.values(), start=1)
        ],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("the proficiency level the module brings a participant to"),
    )
    languages = forms.CharField(
        label=_("Languages"),
        max_length=100,
        required=False,
        help_text=_("language codes separated by spaces, e.g. 'en fr'"),
    )
    url = forms.URLField(
        label=_("Address (URL)"), max_length=500, required=False, assume_scheme="https"
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=5000
    )
    competency_codes = forms.MultipleChoiceField(
        label=_("Competencies addressed"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, competencies: list[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency_codes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(c.code, f"{c.code} {c.name}") for c in competencies]

    def clean_languages(self) -> list[str]:
        codes = str(self.cleaned_data.get("languages", "")).split()
        bad = [c for c in codes if not LANGUAGE.match(c)]
        if bad:
            raise forms.ValidationError(
                f"Not a language code: {', '.join(bad)}; give codes such as en, fr, es, pt-BR."
            )
        return list(dict.fromkeys(codes))
