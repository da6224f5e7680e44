"""An organiser's journey through the module catalogue in the browser: log in, add a module,
find it with the filters, edit it, and download the filtered table."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from citydiplomacy.web.capacity import services
from citydiplomacy.web.capacity.models import CapacityGrant, Module
from tests.web import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def organiser() -> Any:
    user = factories.user(None, username="organiser")
    CapacityGrant.objects.create(user=user, kind="organiser")
    Module.objects.create(
        code="OLD-1",
        title="An older module",
        provider="Test",
        format="online",
        hours=2,
        level=2,
        languages=["en"],
        competency_codes=["MLT.1"],
    )
    return user


def test_organiser_adds_filters_edits_and_downloads(page: Any, organiser: Any) -> None:
    fw = services.framework_of(services.current_framework())
    neg = fw.competency("NEG.2")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("organiser")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    page.goto("/capacity/modules/")
    page.get_by_role("link", name="Add a module").click()
    page.get_by_label("Code:", exact=True).fill("DRAFT-FR")
    page.get_by_label("Title:", exact=True).fill("Rédiger une déclaration commune")
    page.get_by_label("Provider:", exact=True).fill("Test academy")
    page.get_by_label("Format:", exact=True).select_option("blended")
    page.get_by_label("Hours:", exact=True).fill("8")
    page.get_by_label("Level:", exact=True).select_option("3")
    page.get_by_label("Languages:", exact=True).fill("fr")
    page.get_by_label(f"{neg.code} {neg.name}").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/capacity/modules/#m-DRAFT-FR")

    # Filter: French modules of the negotiation domain at level 3.
    page.get_by_label("Domain", exact=True).select_option("NEG")
    page.get_by_label("Language", exact=True).select_option("fr")
    page.get_by_label("Level", exact=True).select_option("3")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "Rédiger une déclaration commune" in rows.first.inner_text()
    assert "1 module of 2." in page.get_by_role("status").inner_text()

    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    content = open(info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    table = list(csv.DictReader(io.StringIO(content)))
    assert [r["code"] for r in table] == ["DRAFT-FR"]
    assert table[0]["domains"] == "NEG" and table[0]["level"] == "3"

    page.get_by_role("link", name="Edit DRAFT-FR").click()
    page.get_by_label("Hours:", exact=True).fill("10")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert Module.objects.get(code="DRAFT-FR").hours == 10
