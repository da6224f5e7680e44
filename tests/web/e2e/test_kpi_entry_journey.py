"""In Chromium: an editor saves the entry form untouched (nothing written) and then one
change (one value written); the secretariat verifies through the confirmation step."""

from __future__ import annotations

from typing import Any

import pytest

from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue, KpiValueChange, Status
from tests.web import factories

pytestmark = pytest.mark.django_db(transaction=True)

DATA = (
    "city,country,year,kpi,value,source,note\n"
    "Geneva,CH,2023,EC-ICT-ICT-1C,84.5,synthetic demo data (citydiplomacy; seed 1),\n"
    'Geneva,CH,2023,EC-ICT-ICT-2C,70.25,OFS 2023,"two\nlines"\n'
    "Geneva,CH,2023,EC-ICT-ICT-3C,1234567.891,OFS 2023,\n"
)


@pytest.fixture
def stored() -> dict[str, Any]:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    admin = factories.user("admin", username="secretariat")
    factories.user("editor", cities=(geneva,), username="geneva")
    sub = services.upload(admin, "d.xlsx", _xlsx(DATA))
    assert sub.status == "ready", sub.errors
    services.commit(admin, sub)
    services.set_status(
        admin, KpiValue.objects.filter(kpi="EC-ICT-ICT-2C"), Status.VERIFIED, via="t"
    )
    return {"geneva": geneva}


def _xlsx(csv_text: str) -> bytes:
    """An XLSX of the rows (a note on two lines survives in a spreadsheet cell)."""
    import io

    import pandas as pd

    buffer = io.BytesIO()
    pd.read_csv(io.StringIO(csv_text)).to_excel(buffer, index=False)
    return buffer.getvalue()


def log_in(pg: Any, username: str) -> None:
    pg.goto("/accounts/login/")
    pg.get_by_label("Username").fill(username)
    pg.get_by_label("Password").fill(factories.PASSWORD)
    pg.get_by_role("button", name="Log in").click()


def state() -> list[tuple[Any, ...]]:
    return list(
        KpiValue.objects.order_by("pk").values_list(
            "value", "source", "note", "status", "synthetic", "submitted_by", "submitted_at"
        )
    )


def test_editor_saves_the_form_untouched_then_one_change(
    page: Any,
    stored: dict[str, Any],
) -> None:
    geneva = stored["geneva"]
    before, n_audit = state(), KpiValueChange.objects.count()
    assert KpiValue.objects.get(kpi="EC-ICT-ICT-2C").note == "two\nlines"
    log_in(page, "geneva")
    page.goto(f"/cities/{geneva.pk}/data/entry/?year=2023")
    page.get_by_role("button", name="Save values").click()
    page.get_by_text("No value changed; nothing was saved.").wait_for()
    assert state() == before and KpiValueChange.objects.count() == n_audit

    page.goto(f"/cities/{geneva.pk}/data/entry/?year=2023")
    page.locator("#f-EC-ICT-ICT-1C").fill("85")
    page.get_by_role("button", name="Save values").click()
    page.get_by_text("Saved: 0 values created, 1 updated").wait_for()
    assert KpiValueChange.objects.count() == n_audit + 1
    after = state()
    assert after[1:] == before[1:]
    assert after[0][0] == 85.0 and after[0][1] == before[0][1] and after[0][4]


def test_secretariat_verifies_through_a_confirmation(
    page: Any,
    stored: dict[str, Any],
) -> None:
    geneva = stored["geneva"]
    log_in(page, "secretariat")
    page.goto(f"/cities/{geneva.pk}/data/?year=2023")
    page.get_by_role("button", name="Verify the selected values…").click()
    page.get_by_text("Select the values to verify; nothing was changed.").wait_for()
    assert KpiValue.objects.filter(status=Status.VERIFIED).count() == 1

    page.get_by_label("Select EC-ICT-ICT-1C").check()
    page.get_by_role("button", name="Verify the selected values…").click()
    assert "1 value will be marked as verified" in page.locator("#confirm-count").inner_text()
    assert KpiValue.objects.filter(status=Status.VERIFIED).count() == 1
    page.get_by_role("button", name="Verify these 1 value").click()
    page.get_by_text("1 value changed status.").wait_for()
    assert KpiValue.objects.get(kpi="EC-ICT-ICT-1C").status == Status.VERIFIED

    page.get_by_role("button", name="Verify all values of 2023…").click()
    assert "1 value will be marked as verified" in page.locator("#confirm-count").inner_text()
    page.get_by_role("link", name="Cancel").click()
    assert KpiValue.objects.filter(status=Status.VERIFIED).count() == 2
