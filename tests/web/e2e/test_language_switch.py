"""A reader switches the site to French with the header's switcher, keeps French from page to
page (the cookie), logs in in French, and switches back to English (issue 19, item 7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _html_lang(page: Any) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def test_switch_to_french_and_back(page: Any, live_server: Any) -> None:
    factories.user(None, username="reader")
    page.goto("/cities/?q=Gen")
    assert _html_lang(page) == "en"
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Cities", exact=True).is_visible()

    # The switcher is a labelled control: found by its label, as a screen reader announces it.
    page.get_by_label("Site language").select_option("fr")
    with page.expect_navigation():
        page.get_by_role("button", name="Change language").click()
    assert page.url.endswith("/cities/?q=Gen")  # back on the same page
    assert _html_lang(page) == "fr"
    nav = page.get_by_role("navigation", name="Principale")
    assert nav.get_by_role("link", name="Villes", exact=True).is_visible()
    assert page.get_by_label("Langue du site").input_value() == "fr"

    # Remembered: another page, and the log-in form, are French too.
    page.goto("/")
    assert _html_lang(page) == "fr"
    assert page.get_by_role("heading", name="Registre").is_visible()
    page.goto("/accounts/login/")
    assert page.get_by_role("heading", name="Se connecter").is_visible()
    page.get_by_label("Nom d’utilisateur").fill("reader")
    page.get_by_label("Mot de passe").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()

    # And back to English, with the keyboard only.
    page.get_by_label("Langue du site").focus()
    page.keyboard.press("Home")  # English is the first option
    page.get_by_role("button", name="Changer de langue").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _html_lang(page) == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Cities").count()
