"""The framework page in French: the French catalogue's names and level anchors, with their
review status; no English domain or competency label where a French one exists."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.io.capacity import packaged_framework
from citydiplomacy.io.capacity_translations import packaged_translation

pytestmark = pytest.mark.django_db


def _page(lang: str) -> str:
    client = Client()
    client.cookies["django_language"] = lang
    response = client.get(reverse("capacity:framework"), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _headings(page: str) -> list[str]:
    """The text of every h2 and h3 (the domain and competency labels)."""
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", page)]


def test_french_page_has_no_english_label_where_a_french_one_exists(db: Any) -> None:
    fw = packaged_framework()
    tr = packaged_translation("fr")
    assert tr is not None
    page = _page("fr")
    headings = _headings(page)
    for d in fw.domains:
        french = tr.text(("domain", d.code, "name"), d.name)
        assert french is not None
        assert f"{d.code} {french}" in headings
        assert f"{d.code} {d.name}" not in headings
        assert d.name not in page.replace(d.sources, ""), d.code
    for c in fw.competencies:
        french = tr.text(("competency", c.code, "name"), c.name)
        assert french is not None
        assert f"{c.code} {french}" in headings
        assert c.name not in page.replace(fw.domain(c.domain).sources, ""), c.code
        assert c.description not in page
        assert c.levels[0] not in page
        assert tr.text(("competency", c.code, "level_1"), c.levels[0]) in page
    assert "rédigée par machine, non relue" in page
    assert "1 sensibilisé" in page


def test_english_page_is_unchanged(db: Any) -> None:
    fw = packaged_framework()
    page = _page("en")
    headings = _headings(page)
    assert f"{fw.domains[0].code} {fw.domains[0].name}" in headings
    assert f"{fw.competencies[0].code} {fw.competencies[0].name}" in headings
    assert "non relue" not in page
