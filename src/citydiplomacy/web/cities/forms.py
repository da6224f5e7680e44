"""The registry's forms: the city search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.cities.models import MAX_NORMALISED, City, Country
from citydiplomacy.web.forms import TextCheckedMixin


def country_choices() -> list[tuple[str, str]]:
    """(ISO alpha-2, "Name (XX)") of every country that has a city, by name."""
    has_city = Exists(City.objects.filter(country=OuterRef("pk")))
    rows = Country.objects.filter(has_city).order_by("name").values_list("iso2", "name")
    return [(iso2, f"{name} ({iso2})") for iso2, name in rows]


#: Most cities one download of a search holds (every country's cities fit; a one-letter name
#: over the whole registry does not): each is worded and written on request, for anyone.
SEARCH_EXPORT_MAX = 5000


class CitySearchForm(TextCheckedMixin, forms.Form):
    """The city search page's query: a name (any script, any alternate name) and a country;
    a character no text may hold is an error at its field."""

    q = forms.CharField(label=_("City or country"), required=False, max_length=MAX_NORMALISED)
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All countries")), *country_choices()]
