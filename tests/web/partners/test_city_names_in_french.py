"""A city's ties page names the city in the page's language (the map's label)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse


def test_the_map_names_the_city_in_french(geneva: Any) -> None:
    url = reverse("partners:city", args=[geneva.pk])
    english = Client().get(url, HTTP_ACCEPT_LANGUAGE="en")
    french = Client().get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert english.status_code == french.status_code == 200
    assert "Map of the partner cities of Geneva" in english.content.decode()
    assert "Carte des villes partenaires de Genève" in french.content.decode()
