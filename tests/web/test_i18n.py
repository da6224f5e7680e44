"""The web pages' French catalogue and the language switcher (issue 19, item 7).

The ``.po`` (what translators edit) and the ``.mo`` (what Django reads) are both committed; the
``.mo`` must be exactly what Babel compiles from the ``.po`` (``citydiplomacy.web.translations``),
so an edited ``.po`` without its compiled ``.mo`` fails here.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.test import Client
from django.urls import reverse

from citydiplomacy.web import translations

FR_PO = translations.LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def test_every_committed_mo_is_compiled_from_its_po() -> None:
    assert FR_PO in translations.catalogues()
    assert translations.stale() == [], "run: python -m citydiplomacy.web.translations"
    assert translations.main(["--check"]) == 0


def test_a_stale_or_missing_mo_is_found_and_rewritten(tmp_path: Path) -> None:
    po = tmp_path / "fr" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(FR_PO.read_bytes())
    assert translations.stale(tmp_path) == [po.with_suffix(".mo")]  # missing
    assert translations.compile_all(tmp_path) == [po.with_suffix(".mo")]
    assert translations.stale(tmp_path) == []
    # A translator changes a message: the old .mo is stale until compiled again.
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Langue du site"', 'msgstr "Langue"'),
        encoding="utf-8",
    )
    assert translations.stale(tmp_path) == [po.with_suffix(".mo")]
    translations.compile_all(tmp_path)
    with po.with_suffix(".mo").open("rb") as fh:
        assert gettext.GNUTranslations(fh).gettext("Site language") == "Langue"


def test_a_malformed_po_is_one_message_and_nothing_is_written(tmp_path: Path) -> None:
    po = tmp_path / "fr" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Language"\nmsgstr "Langue"\nmsgid "Cities"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"django\.po"):
        translations.compile_all(tmp_path)
    assert not po.with_suffix(".mo").exists()


def test_the_catalogue_states_its_review_status_and_keeps_placeholders() -> None:
    text = FR_PO.read_text(encoding="utf-8")
    assert "Review status: drafted, not reviewed by a native speaker" in text
    with FR_PO.open("rb") as fh:
        catalog = read_po(fh)
    assert catalog.plural_forms == "nplurals=2; plural=(n > 1);"
    translated = 0
    for message in catalog:
        if not message.id or not message.string or "fuzzy" in message.flags:
            continue
        translated += 1
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            # A French plural may name its count in words ("sa ville partenaire").
            if len(ids) == 1:
                assert set(PLACEHOLDER.findall(string)) == expected, (message.id, string)
            assert set(PLACEHOLDER.findall(string)) <= expected | set(
                PLACEHOLDER.findall(ids[0])
            ), (message.id, string)
    assert translated > 400


def _switcher(html: str) -> str:
    match = re.search(r'<form class="language-switcher".*?</form>', html, re.S)
    assert match, "no language switcher"
    return match.group(0)


@pytest.mark.django_db
def test_the_switcher_is_a_labelled_form_that_sets_a_cookie_and_returns() -> None:
    client = Client()
    html = client.get(reverse("cities:search") + "?q=Gen").content.decode()
    form = _switcher(html)
    assert f'action="{reverse("set_language")}"' in form and 'method="post"' in form
    assert '<label for="language-select">Site language</label>' in form
    assert 'name="csrfmiddlewaretoken"' in form and 'value="/cities/?q=Gen"' in form
    assert re.search(r'<option value="en" lang="en" selected>English</option>', form)
    assert re.search(r'<option value="fr" lang="fr">Français</option>', form)
    assert '<html lang="en">' in html

    response = client.post(reverse("set_language"), {"language": "fr", "next": "/cities/?q=Gen"})
    assert response.status_code == 302 and response["Location"] == "/cities/?q=Gen"
    cookie = response.cookies["django_language"]
    assert cookie.value == "fr" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 364 * 24 * 3600  # remembered, not for the session only

    html = client.get("/cities/?q=Gen").content.decode()
    form = _switcher(html)
    assert '<html lang="fr">' in html
    assert '<label for="language-select">Langue du site</label>' in form
    assert '<option value="fr" lang="fr" selected>' in form
    assert ">Villes</a>" in html and ">Trouver des partenaires</a>" in html

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and ">Cities</a>" in html


@pytest.mark.django_db
def test_the_switcher_never_redirects_to_another_site() -> None:
    response = Client().post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_a_french_browser_gets_french_pages_and_errors(client: Any) -> None:
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9").content.decode()
    assert '<html lang="fr">' in html and "Trouver une ville" in html
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Erreur 404" in page and "Il n’y a rien à cette adresse." in page
    # The API keeps one English error shape whatever the browser's language.
    api = client.get("/api/no-such-endpoint", HTTP_ACCEPT_LANGUAGE="fr")
    assert api.status_code == 404
    assert api.json()["error"]["message"] == "There is nothing at this address."
