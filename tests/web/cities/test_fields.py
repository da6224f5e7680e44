"""The city picker field: a typed name resolves, an ambiguous one lists the candidates to pick
(radio buttons, no JavaScript needed), a picked id wins, nobody is asked for a GeoNames id."""

from __future__ import annotations

from django import forms

from citydiplomacy.web.cities.fields import CityField, CityListField
from tests.web.cities.conftest import GENEVA, GENEVA_IL, LAUSANNE, SPRINGFIELD_IL, ZURICH


class PickForm(forms.Form):
    city = CityField(label="City")
    optional = CityField(label="Other city", required=False)
    others = CityListField(label="Further cities", required=False)


def test_a_typed_name_that_matches_one_city_resolves(registry: None) -> None:
    form = PickForm({"city": "Lausanne"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["city"] == LAUSANNE and form.cleaned_data["optional"] is None


def test_a_typed_name_with_its_country_resolves(registry: None) -> None:
    for text in ("Geneva CH", "Genève", "Geneva, Switzerland", "geneva (Suisse)"):
        form = PickForm({"city": text})
        assert form.is_valid(), (text, form.errors)
        assert form.cleaned_data["city"] == GENEVA


def test_a_picked_id_wins_over_the_text(registry: None) -> None:
    form = PickForm({"city": "Geneva", "city_id": str(GENEVA_IL)})
    assert form.is_valid() and form.cleaned_data["city"] == GENEVA_IL


def test_an_ambiguous_name_is_an_error_listing_radio_candidates(registry: None) -> None:
    form = PickForm({"city": "Geneva"})
    assert not form.is_valid()
    message = form.errors["city"][0]
    assert "several cities" in message and "Geneva, GE, Switzerland (CH)" in message
    assert "Geneva, IL, United States (US)" in message
    html = str(form["city"])
    assert f'type="radio" name="city_id" value="{GENEVA}"' in html
    assert f'type="radio" name="city_id" value="{GENEVA_IL}"' in html
    # Picking one of them (the radio's value) then submits.
    again = PickForm({"city": "Geneva", "city_id": str(GENEVA)})
    assert again.is_valid() and again.cleaned_data["city"] == GENEVA


def test_unknown_and_missing_names(registry: None) -> None:
    form = PickForm({"city": "Atlantis"})
    assert not form.is_valid() and "No city “Atlantis”" in form.errors["city"][0]
    form = PickForm({"city": "   "})
    assert not form.is_valid() and "Type the city's name" in form.errors["city"][0]
    assert "GeoNames id" not in str(PickForm()["city"].label)


def test_the_widget_is_a_labelled_combobox_with_static_scripts(registry: None) -> None:
    html = str(PickForm(initial={"city": GENEVA})["city"])
    assert 'name="city"' in html and 'name="city_id"' in html
    assert 'value="Geneva, GE, Switzerland (CH)"' in html and f'value="{GENEVA}"' in html
    assert 'data-autocomplete-url="/cities/autocomplete/"' in html
    assert "js/city-picker.js" in html and "<script>" not in html  # no inline script (CSP)
    label = PickForm()["city"].label_tag()
    assert 'for="id_city"' in label and 'id="id_city"' in str(PickForm()["city"])


def test_a_list_of_names(registry: None) -> None:
    form = PickForm({"city": "Zurich", "others": "Lausanne\nGeneva CH; Lausanne"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["others"] == [LAUSANNE, GENEVA]
    form = PickForm({"city": "Zurich", "others": "Atlantis\nSpringfield"})
    assert not form.is_valid()
    assert len(form.errors["others"]) == 2
    assert f"{ZURICH}, {SPRINGFIELD_IL}" not in str(form.errors)


def test_hostile_text_never_raises(registry: None) -> None:
    for text in ("\x00", "' OR 1=1 --", "𝕲𝖊𝖓", "9" * 40, "a" * 5000, "(CH)", ", , ,"):
        form = PickForm({"city": text, "city_id": text, "others": text})
        form.is_valid()  # no exception, whatever the verdict
