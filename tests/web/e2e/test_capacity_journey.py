"""A participant's journey in the browser: log in, assess themselves, see their gaps (largest
first, with the radar chart), and a learning plan that covers them."""

from __future__ import annotations

from typing import Any

import pytest

from citydiplomacy.web.capacity import services
from citydiplomacy.web.capacity.models import Module, Person
from tests.web import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def me() -> Person:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    user = factories.user(None, username="officer")
    fw = services.framework_of(services.current_framework())
    Module.objects.create(
        code="NEG-101",
        title="Negotiating for the city",
        provider="Test academy",
        format="online",
        hours=6,
        competency_codes=[fw.codes[4], fw.codes[5]],
    )
    return Person.objects.create(user=user, name="Ada Officer", city=geneva, role="director")


def test_self_assessment_to_gaps_to_plan(page: Any, me: Person, live_server: Any) -> None:
    fw = services.framework_of(services.current_framework())
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    page.goto("/capacity/")
    page.get_by_role("link", name="Assess myself").click()
    # Rate two negotiation competencies low (the director's target is 5) and one high.
    for code, level in ((fw.codes[4], 1), (fw.codes[5], 2), (fw.codes[0], 5)):
        group = page.get_by_role("group", name=f"{code} {fw.competency(code).name}")
        group.get_by_label(f"{level}: {fw.competency(code).level_text(level)}").check()
    page.get_by_role("button", name="Save ratings").click()
    page.wait_for_load_state()

    assert page.url.endswith(f"/capacity/people/{me.pk}/")
    assert (
        page.get_by_role("img", name=f"Competencies of {me.name}: rating against target").count()
        == 1
    )
    rows = page.locator("table tbody tr th[scope=row]").all_inner_texts()
    assert rows[0].startswith(fw.codes[4])  # gap 4: the largest first
    assert rows[1].startswith(fw.codes[5])  # gap 3
    plan = page.locator("#plan ~ ol li").first.inner_text()
    assert "Negotiating for the city" in plan and fw.codes[4] in plan and fw.codes[5] in plan
