"""The city picker: a form field that takes a city by name, for every form that takes a city.

:class:`CityField` renders a text input that the static scripts ``js/autocomplete.js`` and
``js/city-picker.js`` turn into an accessible combobox (WAI-ARIA 1.2) over
``/cities/autocomplete/``; the chosen city's GeoNames id travels in a hidden input beside it.
Without JavaScript the typed text is resolved on submit (:func:`services.resolve_city`): one
city matches, it is taken; several, the form says so and lists them as radio buttons to pick
from. Nobody is asked for a GeoNames id (one typed as digits is still accepted). The cleaned
value is the GeoNames id (``int``), as the id fields it replaces gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel import UnknownLocaleError
from babel.numbers import format_decimal
from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citydiplomacy.core.text import FORBIDDEN_IN_TEXT
from citydiplomacy.web.cities import services
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.dates import page_language
from citydiplomacy.web.forms import validate_text

#: Longest text a picker takes (a label is "name, region, country (XX)").
MAX_TEXT = 400
#: Most cities one multiple picker takes.
MAX_CITIES = 20


def _is_number(text: str) -> bool:
    """Whether ``text`` is an id ``int()`` reads: ASCII digits only (``"²".isdigit()`` is true,
    and ``int("²")`` fails)."""
    return text.isascii() and text.isdigit()


def _city(pk: Any) -> City | None:
    text = str(pk or "").strip()
    if not _is_number(text) or len(text) > 10:
        return None
    return City.objects.select_related("country").filter(pk=int(text)).first()


class CityPickerWidget(forms.MultiWidget):
    """A text input for the name and a hidden input for the picked id (``<name>_id``)."""

    template_name = "cities/widgets/city_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None, country_field: str = "") -> None:
        text_attrs = {
            "autocomplete": "off",
            "data-city-picker": "",
            "data-autocomplete-url": reverse_lazy("cities:autocomplete"),
            "maxlength": str(MAX_TEXT),
            "dir": "auto",
        }
        if country_field:
            text_attrs["data-autocomplete-params"] = country_field
        super().__init__({"": forms.TextInput(text_attrs), "id": forms.HiddenInput()}, attrs)

    def decompress(self, value: Any) -> list[Any]:
        city = value if isinstance(value, City) else _city(value)
        if city is not None:
            return [services.city_label(city), city.pk]
        return [value or "", ""]

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        text = data.get(name, "")
        picked = data.get(f"{name}_id", "")
        return [str(text or "")[:MAX_TEXT], str(picked or "")[:12]]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        if isinstance(value, list) and value and isinstance(value[0], str):
            # Shown again after an error at the field: as typed, without the character the
            # error names (the page must not carry it, nor may it be looked up below).
            value = [FORBIDDEN_IN_TEXT.sub("", value[0]), *value[1:]]
        context = super().get_context(name, value, attrs)
        text_widget, id_widget = context["widget"]["subwidgets"]
        # The text input keeps the field's own id (its <label for> points there); the hidden
        # input gets one the combobox script writes the choice into. Only the text is required.
        base = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        text_widget["attrs"]["id"] = base
        id_widget["attrs"]["id"] = f"{base}-picked"
        id_widget["attrs"].pop("required", None)
        text_widget["attrs"]["data-autocomplete-target"] = id_widget["attrs"]["id"]
        candidates: list[dict[str, Any]] = []
        if isinstance(value, list) and value and value[0] and _city(value[1]) is None:
            city, found = services.resolve_city(str(value[0]))
            if city is not None:
                # Shown again (another field's error, a filter page): keep what it resolved to.
                id_widget["value"] = city.pk
            else:
                candidates = [
                    {
                        "id": c.pk,
                        "label": services.city_label(c),
                        "choice": choice_label(c),
                        "profile": _has_profile(c),
                    }
                    for c in found
                ]
        context["widget"]["candidates"] = candidates
        context["widget"]["id_name"] = f"{name}_id"
        return context

    def id_for_label(self, id_: str) -> str:
        return id_


def choice_label(city: City) -> str:
    """A city as listed among the candidates of a name that means several: its picker label
    and its population in the page's language, which tells namesakes of one country apart
    where GeoNames gives no letter code for the region ("Suzhou, China (CN)" is two cities)."""
    if not city.population:
        return gettext("%(label)s, population unknown") % {"label": services.city_label(city)}
    return gettext("%(label)s, %(population)s inhabitants") % {
        "label": services.city_label(city),
        "population": _whole_number(city.population),
    }


def _whole_number(value: int) -> str:
    """``value`` with the page language's digit grouping ("1,300,000", "1 300 000")."""
    try:
        return str(format_decimal(value, locale=page_language()))
    except (UnknownLocaleError, ValueError):
        return str(format_decimal(value, locale="en"))


def _has_profile(city: City) -> bool:
    return bool(getattr(city, "has_profile", False))


class CityField(forms.Field):
    """A city, typed by name or picked from suggestions; cleans to its GeoNames id (``int``).

    Parameters
    ----------
    country_field
        The name of another field of the form holding an ISO alpha-2 country that narrows the
        suggestions (optional).
    """

    widget = CityPickerWidget
    default_error_messages = {
        "required": _("Type the city's name (and choose it from the suggestions)."),
        "unknown": _(
            "No city “%(text)s” in the registry (cities of 15,000 inhabitants or more). "
            "Check the spelling, or add the country: “Geneva CH”."
        ),
        "ambiguous": _("“%(text)s” matches several cities: %(cities)s. Choose one."),
    }

    def __init__(self, *, country_field: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", CityPickerWidget(country_field=country_field))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, City):
            return int(value.pk)
        if isinstance(value, list | tuple):
            text, picked = [*value, "", ""][:2]
        else:
            text, picked = value, ""
        # before the text is looked up (PostgreSQL refuses a NUL), and before it is stripped
        validate_text(text)
        validate_text(picked)
        city = _city(picked)
        if city is not None:
            return int(city.pk)
        text = str(text or "").strip()
        if not text:
            return None
        return resolve_or_raise(text, self.error_messages)

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != self.to_python(initial)
        except forms.ValidationError:
            return True


def resolve_or_raise(text: str, messages: Mapping[str, Any]) -> int:
    """The GeoNames id of the one city ``text`` means, or a ``ValidationError`` that says why."""
    city, candidates = services.resolve_city(text)
    if city is not None:
        return int(city.pk)
    shown = text[:80]
    if not candidates:
        raise forms.ValidationError(messages["unknown"], code="unknown", params={"text": shown})
    listed = "; ".join(choice_label(c) for c in candidates)
    raise forms.ValidationError(
        messages["ambiguous"], code="ambiguous", params={"text": shown, "cities": listed}
    )


class CityListField(forms.CharField):
    """Several cities, one per line or separated by semicolons, each typed by name ("Lyon FR",
    "Genève"); cleans to their GeoNames ids in order, each once. Every name that does not
    resolve is reported."""

    widget = forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    default_error_messages = CityField.default_error_messages | {
        "too_many": _("At most %(n)s cities."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_CITIES * 80)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = str(super().to_python(value) or "")
        parts = [p.strip() for p in text.replace("\n", ";").split(";") if p.strip()]
        if (
            len(parts) == 1
            and "," in parts[0]
            and all(_is_number(p.strip()) for p in parts[0].split(",") if p.strip())
        ):
            parts = [p.strip() for p in parts[0].split(",") if p.strip()]  # "1, 2, 3": ids
        if len(parts) > MAX_CITIES:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"n": MAX_CITIES}
            )
        ids: list[int] = []
        errors: list[forms.ValidationError] = []
        for part in parts:
            try:
                pk = resolve_or_raise(part, self.error_messages)
            except forms.ValidationError as error:
                errors.append(error)
                continue
            if pk not in ids:
                ids.append(pk)
        if errors:
            raise forms.ValidationError(errors)
        return ids

    def validate(self, value: Any) -> None:
        if not value and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list) and all(isinstance(v, int) for v in value):
            cities = City.objects.select_related("country").in_bulk(value)
            return "\n".join(services.city_label(cities[v]) for v in value if v in cities)
        return value


def city_form(
    data: Mapping[str, Any] | None = None,
    *,
    name: str = "city",
    label: Any = None,
    required: bool = True,
    many: bool = False,
) -> forms.Form:
    """A one-field form with a :class:`CityField` (or :class:`CityListField` when ``many``)
    called ``name``: for views that read their other fields by hand; render
    ``form[name].label_tag`` and ``form[name]``, read ``form.cleaned_data[name]``."""
    label = _("City") if label is None else label
    field: forms.Field = (
        CityListField(label=label, required=required)
        if many
        else CityField(label=label, required=required)
    )
    form_class: type[forms.Form] = type("CityPickForm", (forms.Form,), {name: field})
    return form_class(data)
