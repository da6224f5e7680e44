"""A city representative's journey: log in, review the text, city, name and title on the
confirmation step, sign a declaration for their city, see the signature (full name and
title, not the user name) on the public page; a forged attempt to sign for another city is
refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    Declaration,
    DeclarationStatus,
    DeclarationVersion,
    Signature,
)
from tests.web import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setting() -> dict[str, Any]:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    lyon = factories.city("Lyon", "FR", geonames_id=2996944)
    admin = factories.user("admin", username="secretariat")
    mayor = factories.user(None, username="mayor")
    mayor.first_name, mayor.last_name = "Ada", "Genevois"
    mayor.save()
    services.grant_representative(
        admin, mayor, geneva, title="Mayor of Geneva", capacity="on behalf of the city"
    )
    decl = Declaration.objects.create(
        slug="clean-air",
        title="Mayors for clean air",
        status=DeclarationStatus.ADOPTED,
        adopted_on=dt.date(2026, 10, 6),
    )
    DeclarationVersion.objects.create(declaration=decl, number=1, text="We act on air quality.")
    return {"geneva": geneva, "lyon": lyon, "decl": decl}


def log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_representative_signs_and_the_public_page_shows_it(
    page: Any, setting: dict[str, Any], browser: Any, live_server: Any
) -> None:
    url = f"/declarations/{setting['decl'].slug}/"
    page.goto(url)
    assert "0 signatures" in page.content()
    assert page.get_by_role("button", name="Sign").count() == 0  # anonymous: no form

    log_in(page, "mayor")
    page.goto(url)
    select = page.get_by_label("Sign on behalf of")
    assert select.locator("option").all_inner_texts() == [
        "Geneva — Mayor of Geneva, on behalf of the city"
    ]
    page.get_by_role("button", name="Review and sign").click()
    page.wait_for_load_state()
    # The confirmation step: the text version, the city, the full name and title.
    assert page.locator("#sign-version").inner_text().startswith("Version 1")
    assert "We act on air quality." in page.content()
    assert page.locator("#sign-city").inner_text() == "Geneva (CH)"
    assert page.locator("#sign-name").inner_text() == "Ada Genevois"
    assert page.locator("#sign-title").inner_text() == "Mayor of Geneva"
    assert not Signature.objects.exists()  # reviewing signs nothing
    page.get_by_label("I have read version 1 and sign it on behalf of Geneva").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    page.wait_for_load_state()
    assert "Signed on behalf of Geneva by Ada Genevois, Mayor of Geneva (version 1)." in (
        page.content()
    )
    assert Signature.objects.get().version.number == 1

    # The public (a fresh, anonymous browser context) sees the signature and its status.
    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto(url)
    text = public.content()
    assert "1 signature" in text
    row = public.get_by_role("row").filter(has_text="Ada Genevois")
    assert "Mayor of Geneva" in row.inner_text()
    assert "mayor" not in row.inner_text().replace("Mayor", "")  # not the user name
    assert "Signed by an authorised representative on the platform" in row.inner_text()
    assert "Switzerland" in public.get_by_role("table", name="Signatures by country").inner_text()
    public.context.close()

    # Forging the form to sign for Lyon is refused, and nothing is recorded.
    page.goto(url)
    assert page.get_by_label("Sign on behalf of").count() == 0  # Geneva has signed
    with page.expect_navigation() as navigation:
        page.evaluate(
            """([action, city]) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                const token = document.querySelector('input[name=csrfmiddlewaretoken]');
                const fields = [['csrfmiddlewaretoken', token.value], ['city', city]];
                for (const [name, value] of fields) {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = name; input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [f"{url}sign/", str(setting["lyon"].pk)],
        )
    assert navigation.value.status == 403
    assert not Signature.objects.filter(city=setting["lyon"]).exists()
    assert Signature.objects.filter(declaration=setting["decl"]).count() == 1
