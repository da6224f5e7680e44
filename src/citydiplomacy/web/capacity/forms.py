"""Forms of the capacity pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from citydiplomacy.core.capacity.framework import LEVEL_NAMES
from citydiplomacy.web.capacity.models import Competency, ModuleFormat, OfficeSurvey, Phase
from citydiplomacy.web.capacity.services.module_catalogue import LANGUAGE

#: Largest upload (framework or responses table).
MAX_UPLOAD = 5 * 1024 * 1024
YES_NO = [("", "not answered"), ("true", "yes"), ("false", "no")]


class AssessmentForm(forms.Form):
    """One choice of level 1-5 per competency, each level with its behaviour."""

    phase = forms.ChoiceField(choices=Phase.choices, initial=Phase.BEFORE)

    def __init__(self, *args: Any, competencies: list[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        for c in competencies:
            choices = [("", "not rated")] + [
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


class OfficeSurveyForm(forms.ModelForm):  # type: ignore[type-arg]
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
            "international_office": "A dedicated international-relations office",
            "international_strategy": "An international strategy",
            "international_staff": "Staff handling international affairs",
            "staff_trained": "International staff trained in city diplomacy",
            "dedicated_director": "A dedicated director or manager of international affairs",
            "tracks_sdgs": "Tracks performance on the SDGs",
            "staff_fte": "International staff (full-time equivalents)",
            "budget_eur": "Yearly budget of international work (EUR)",
            "networks": "City networks the city belongs to",
            "priorities": "Priorities (one per line)",
        }
        widgets = {
            name: forms.Select(choices=YES_NO)
            for name in (
                "international_office",
                "international_strategy",
                "international_staff",
                "staff_trained",
                "dedicated_director",
                "tracks_sdgs",
            )
        }

    year = forms.IntegerField(min_value=1990, max_value=2100)

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
    file = forms.FileField(help_text="A CSV (UTF-8) or XLSX table.")

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return f


class ProgrammeForm(forms.Form):
    slug = forms.SlugField(max_length=80)
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea, required=False, max_length=5000)
    start_date = forms.DateField()
    end_date = forms.DateField()


class SessionForm(forms.Form):
    title = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(help_text="YYYY-MM-DD HH:MM (UTC)")
    ends_at = forms.DateTimeField(help_text="YYYY-MM-DD HH:MM (UTC)")
    place = forms.CharField(max_length=200, required=False)


class StatementForm(forms.Form):
    title = forms.CharField(max_length=300)
    text = forms.CharField(widget=forms.Textarea, max_length=50_000)


class ModuleForm(forms.Form):
    """A training module of the catalogue; the competencies are the current framework's."""

    code = forms.RegexField(
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$",
        max_length=40,
        help_text="1-40 letters, digits, '.', '_' or '-', e.g. UCLG-LM4",
        error_messages={"invalid": "Use 1-40 letters, digits, '.', '_' or '-'."},
    )
    title = forms.CharField(max_length=200)
    provider = forms.CharField(max_length=200)
    format = forms.ChoiceField(choices=ModuleFormat.choices)
    hours = forms.DecimalField(
        min_value=Decimal("0.5"), max_value=Decimal("9999"), decimal_places=1
    )
    level = forms.TypedChoiceField(
        choices=[("", "not stated")]
        + [(str(k), f"{k} {name}") for k, name in enumerate(LEVEL_NAMES, start=1)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="the proficiency level the module brings a participant to",
    )
    languages = forms.CharField(
        max_length=100,
        required=False,
        help_text="language codes separated by spaces, e.g. 'en fr'",
    )
    url = forms.URLField(
        label="Address (URL)", max_length=500, required=False, assume_scheme="https"
    )
    description = forms.CharField(widget=forms.Textarea, required=False, max_length=5000)
    competency_codes = forms.MultipleChoiceField(
        label="Competencies addressed", widget=forms.CheckboxSelectMultiple
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
