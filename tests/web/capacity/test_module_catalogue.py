"""The catalogue of training modules: filters, creating and editing (organisers and the
secretariat only), and the download of what the page shows, guarded against formulas."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from citydiplomacy.web.capacity.models import Module
from tests.web.capacity.conftest import client_for

pytestmark = pytest.mark.django_db


def _module(code: str, codes: list[str], **kw: Any) -> Module:
    fields = {"title": code, "provider": "Test", "format": "online", "hours": 3}
    fields.update(kw)
    return Module.objects.create(code=code, competency_codes=codes, **fields)


@pytest.fixture
def catalogue(cohort: dict[str, Any]) -> dict[str, Any]:
    fw = cohort["fw"]
    neg = [c.code for c in fw.in_domain("NEG")]
    pro = [c.code for c in fw.in_domain("PRO")]
    _module("FR-NEG", neg[:1], level=3, languages=["fr"], format="in_person")
    _module("EN-PRO", pro[:2], level=2, languages=["en"], format="self_paced")
    _module("BOTH", [neg[1], pro[0]], level=3, languages=["en", "fr"], format="online")
    return {"neg": neg, "pro": pro, **cohort}


def _codes(response: Any) -> set[str]:
    text = response.content.decode()
    return {c for c in ("FR-NEG", "EN-PRO", "BOTH", "M1", "M2") if f'id="m-{c}"' in text}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"FR-NEG", "EN-PRO", "BOTH", "M1", "M2"}),
        ({"domain": "NEG"}, {"FR-NEG", "BOTH"}),
        ({"domain": "PRO", "language": "en"}, {"EN-PRO", "BOTH"}),
        ({"level": "3"}, {"FR-NEG", "BOTH"}),
        ({"language": "fr", "format": "in_person"}, {"FR-NEG"}),
        ({"level": "5"}, set()),
        # Unknown values filter nothing (a stale link shows the catalogue, not an error).
        ({"domain": "NOPE", "level": "9", "format": "x"}, {"FR-NEG", "EN-PRO", "BOTH", "M1", "M2"}),
    ],
)
def test_filters(catalogue: dict[str, Any], query: dict[str, str], expected: set[str]) -> None:
    page = client_for(catalogue["who"]["participant"]).get(reverse("capacity:modules"), query)
    assert page.status_code == 200
    assert _codes(page) == expected


def test_competency_filter(catalogue: dict[str, Any]) -> None:
    code = catalogue["neg"][1]
    page = client_for(None).get(reverse("capacity:modules"), {"competency": code})
    assert _codes(page) == {"BOTH"} | (
        {"M1"} if code in Module.objects.get(code="M1").competency_codes else set()
    )


def test_only_organisers_and_secretariat_see_the_edit_links(catalogue: dict[str, Any]) -> None:
    for who, sees in (("participant", False), ("analyst", False), ("organiser", True)):
        page = client_for(catalogue["who"][who]).get(reverse("capacity:modules"))
        assert (reverse("capacity:module-new") in page.content.decode()) is sees, who


def _form(codes: list[str], **kw: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "NEW-1",
        "title": "Negotiating at COP",
        "provider": "A provider",
        "format": "blended",
        "hours": "12.5",
        "level": "4",
        "languages": "en fr en",
        "url": "https://example.org/course",
        "description": "A course.",
        "competency_codes": codes,
    }
    data.update(kw)
    return data


def test_organiser_creates_and_edits_a_module(catalogue: dict[str, Any]) -> None:
    c = client_for(catalogue["who"]["organiser"])
    r = c.post(reverse("capacity:module-new"), _form(catalogue["neg"][:2]))
    assert r.status_code == 302 and r["Location"].endswith("#m-NEW-1")
    m = Module.objects.get(code="NEW-1")
    assert (m.level, m.languages, m.competency_codes) == (4, ["en", "fr"], catalogue["neg"][:2])
    assert m.updated_by == catalogue["who"]["organiser"]
    form = c.get(reverse("capacity:module-edit", args=["NEW-1"])).content.decode()
    assert 'value="en fr"' in form
    r = c.post(
        reverse("capacity:module-edit", args=["NEW-1"]),
        _form(catalogue["pro"][:1], title="Renamed"),
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.title == "Renamed" and m.competency_codes == catalogue["pro"][:1]
    assert Module.objects.filter(code="NEW-1").count() == 1


def test_bad_module_is_refused_with_reasons_and_nothing_saved(catalogue: dict[str, Any]) -> None:
    c = client_for(catalogue["who"]["admin"])
    before = Module.objects.count()
    r = c.post(
        reverse("capacity:module-new"), _form(["NOT.A.CODE"], languages="english", hours="0")
    )
    assert r.status_code == 422
    text = r.content.decode()
    assert "Not a language code: english" in text and "NOT.A.CODE" in text
    r = c.post(reverse("capacity:module-new"), _form(catalogue["neg"][:1], code="M1"))
    assert r.status_code == 422 and "A module M1 exists already." in r.content.decode()
    assert Module.objects.count() == before
    # Renaming a module onto another's code is refused too.
    r = c.post(reverse("capacity:module-edit", args=["M2"]), _form(catalogue["neg"][:1], code="M1"))
    assert r.status_code == 422 and Module.objects.get(code="M2").title == "Protocol"


def test_wrong_role_cannot_post_a_module(catalogue: dict[str, Any]) -> None:
    for who in ("public", "participant", "manager", "analyst"):
        r = client_for(catalogue["who"][who]).post(
            reverse("capacity:module-new"), _form(catalogue["neg"][:1])
        )
        assert r.status_code == 403, who
    r = client_for(None).post(reverse("capacity:module-new"), _form(catalogue["neg"][:1]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert not Module.objects.filter(code="NEW-1").exists()


def test_download_is_the_filtered_table_guarded_against_formulas(catalogue: dict[str, Any]) -> None:
    _module(
        "EVIL",
        catalogue["neg"][:1],
        title='=HYPERLINK("http://x","y")',
        level=3,
        languages=["fr"],
        description="@SUM(A1)",
    )
    c = client_for(None)
    r = c.get(reverse("capacity:modules-export", args=["csv"]), {"domain": "NEG", "level": "3"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row["code"] for row in rows} == {"FR-NEG", "BOTH", "EVIL"}
    evil = next(row for row in rows if row["code"] == "EVIL")
    assert evil["title"] == '\'=HYPERLINK("http://x","y")' and evil["description"] == "'@SUM(A1)"
    assert evil["domains"] == "NEG" and evil["languages"] == "fr"
    x = c.get(reverse("capacity:modules-export", args=["xlsx"]), {"language": "fr"})
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    header = [cell.value for cell in sheet[1]]
    values = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert set(values) == {"FR-NEG", "BOTH", "EVIL"}
    assert values["EVIL"]["title"].startswith("'=")
    every = list(
        csv.DictReader(
            io.StringIO(
                c.get(reverse("capacity:modules-export", args=["csv"])).content.decode("utf-8-sig")
            )
        )
    )
    levels = {row["code"]: row["level"] for row in every}
    assert levels["M1"] == "" and levels["FR-NEG"] == "3"
    # The page links its downloads with its filters.
    page = c.get(reverse("capacity:modules"), {"domain": "NEG"}).content.decode()
    assert reverse("capacity:modules-export", args=["csv"]) + "?domain=NEG" in page
