"""The city editor's journey: log in, upload a file with errors, read them, fix the file,
commit, and see the dashboard change."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from citydiplomacy.synthetic import synthetic_long
from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import Publication
from tests.web import factories

pytestmark = pytest.mark.django_db(transaction=True)

OTHERS = [("Lausanne", "CH"), ("Lyon", "FR"), ("Bonn", "DE"), ("Osaka", "JP"), ("Boston", "US")]


@pytest.fixture
def cohort() -> dict[str, Any]:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    cities = [geneva] + [factories.city(n, cc) for n, cc in OTHERS]
    admin = factories.user("admin", username="secretariat")
    editor = factories.user("editor", cities=(geneva,), username="geneva")
    table = pd.DataFrame(
        {
            "city": [c.name for c in cities],
            "country": [c.country_id for c in cities],
            "geonames_id": [c.pk for c in cities],
            "population": [c.population for c in cities],
        }
    )
    long = synthetic_long(services.framework(), cities=table, years=range(2022, 2025), seed=3)
    long = long[~((long["city"] == "Geneva") & (long["kpi"] == "EC-ICT-ICT-1C"))]
    buffer = io.StringIO()
    long.to_csv(buffer, index=False)
    checked = services.check_file(admin, "cohort.csv", buffer.getvalue().encode())
    assert checked.ok, checked.problems[:3]
    services.write_values(admin, checked.rows, via="test", check_permissions=False)
    for c in cities:
        for y in (2022, 2023, 2024):
            Publication.objects.create(city=c, year=y, published_by=admin)
    return {"geneva": geneva, "editor": editor}


def test_editor_fixes_an_upload_and_sees_the_dashboard_change(
    page: Any, cohort: dict[str, Any], tmp_path: Path
) -> None:
    geneva = cohort["geneva"]
    page.goto(f"/cities/{geneva.pk}/profile/?year=2024")
    before = page.content()
    assert "Household Internet Access" not in before or "97.25" not in before

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("geneva")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Submit data").click()

    bad = tmp_path / "geneva.csv"
    bad.write_text(
        "city,country,year,kpi,value,source\n"
        "Geneva,CH,2024,EC-ICT-ICT-1C,197.25,Office cantonal de la statistique\n"
        "Geneva,CH,2024,EC-ICT-NOPE,5,Office cantonal de la statistique\n"
    )
    page.get_by_label("Data file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    errors = page.locator("#errors")
    errors.wait_for()
    text = errors.inner_text()
    assert "2 errors" in page.content() or page.locator("#errors tbody tr").count() == 2
    assert "between 0 and 100" in text or "0-100" in text or "100" in text
    assert "EC-ICT-NOPE" in text
    rows = [r.strip() for r in page.locator("#errors tbody tr td:first-child").all_inner_texts()]
    assert rows == ["2", "3"]
    assert page.get_by_role("button", name="Commit").count() == 0

    good = tmp_path / "geneva-fixed.csv"
    good.write_text(
        "city,country,year,kpi,value,source\n"
        "Geneva,CH,2024,EC-ICT-ICT-1C,97.25,Office cantonal de la statistique\n"
    )
    page.get_by_role("link", name="Upload another file").click()
    page.get_by_label("Data file").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Commit the 1 value").click()

    # One city in the file: the commit leads to its dashboard, which now holds the value.
    page.wait_for_url(f"**/cities/{geneva.pk}/profile/**")
    page.goto(f"/cities/{geneva.pk}/profile/?year=2024")
    after = page.content()
    assert "97.25" in after
    assert "Household Internet Access" in after
