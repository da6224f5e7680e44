"""CSV and XLSX downloads of the KPI data pages' working tables (issue 19, item 2): an upload's
errors, warnings and preview of changes, the user's recent uploads, the secretariat's
confirmation table before verifying values, a city's values of the year shown. Each equals
its page's table (every page of it, the page's filters), is open to exactly whom the page is
open to, holds no row the viewer may not see, and neutralises formulas."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from citydiplomacy.io.safe_text import safe_cell
from citydiplomacy.web.indicators import views
from citydiplomacy.web.indicators.models import KpiValue, Status, Submission, SubmissionStatus
from tests.web.export_checks import (
    HOSTILE,
    assert_guarded,
    assert_no_formula,
    csv_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

HEADER = "city,country,year,kpi,data_point,value,unit,source\n"
GOOD = HEADER + (
    "Geneva,CH,2023,EC-ICT-ICT-1C,,84.5,% of households,OFS 2023\n"
    "Geneva,CH,2023,EN-EN-AQ-1C,PM10,18.2,µg/m³,OFS 2023\n"
    "Geneva,CH,2024,EC-ICT-ICT-1C,,86,% of households,OFS 2024\n"
)
READS = (("csv", csv_rows), ("xlsx", xlsx_rows))


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def client_for(users: dict[str, Any], who: str) -> Client:
    return Client() if who == "anonymous" else login(users[who])


def upload(client: Client, text: str, name: str = "data.csv") -> Submission:
    f = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    client.post(reverse("indicators:upload"), {"file": f})
    return Submission.objects.order_by("-pk").first()  # type: ignore[return-value]


def commit(client: Client, sub: Submission) -> None:
    client.post(reverse("indicators:submission", args=[sub.pk]), {"action": "commit"})


def cells(page: str, table_start: str) -> list[list[str]]:
    """The body rows of the table that starts with ``table_start``, as texts."""
    table = page[page.index(table_start) :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def download_links(page: str, before: str) -> list[str]:
    """The CSV and XLSX links of the downloads line just before ``before``."""
    head = page[: page.index(before)]
    line = head[head.rindex('<p class="downloads">') :]
    links = re.findall(r'<a href="([^"]+)" download>(CSV|XLSX)</a>', line)
    assert [label for _, label in links] == ["CSV", "XLSX"], line
    return [html.unescape(href) for href, _ in links]


# ------------------------------------------------------------------ an upload's tables
def test_the_changes_export_is_every_page_of_the_preview(
    users: dict[str, Any], geneva: Any, monkeypatch: Any
) -> None:
    editor = login(users["editor"])
    commit(editor, upload(editor, GOOD))
    changed = GOOD.replace("84.5", "90").replace("OFS 2024", "OFS 2024 rev")
    sub = upload(editor, changed + "Geneva,CH,2022,EC-ICT-ICT-1C,,80,% of households,OFS\n")
    assert sub.status == SubmissionStatus.READY and sub.n_created + sub.n_updated == 3
    monkeypatch.setattr(views, "PREVIEW_PAGE", 2)  # the page shows two rows per page
    url = reverse("indicators:submission", args=[sub.pk])
    shown = []
    for number in (1, 2):
        page = editor.get(f"{url}?page={number}").content.decode()
        shown += cells(page, '<table id="changes">')
        csv_url, xlsx_url = download_links(page, '<table id="changes">')
    assert len(shown) == 3
    assert csv_url == reverse("indicators:submission-export", args=[sub.pk, "changes", "csv"])
    for href, read in zip((csv_url, xlsx_url), (csv_rows, xlsx_rows), strict=True):
        rows = read(editor.get(href))
        written = [[str(r["row"]), r["city"], str(r["year"]), r["kpi"], r["change"]] for r in rows]
        assert written == [s[:5] for s in shown], href
        for row, s in zip(rows, shown, strict=True):
            old = "" if row["old_value"] in (None, "") else float(row["old_value"])
            assert (float(s[5]) if s[5] else "") == old
            assert float(s[6]) == float(row["new_value"])
        assert {r["change"] for r in rows} == {"changed", "new"}
        revised = next(r for r in rows if r["year"] in (2024, "2024"))
        assert (revised["old_source"], revised["source"]) == ("OFS 2024", "OFS 2024 rev")
        assert revised["changed_fields"] == "source"  # the page's "Also" column


def test_the_errors_and_warnings_exports_equal_the_pages_tables(
    users: dict[str, Any], geneva: Any
) -> None:
    editor = login(users["editor"])
    bad = (
        "city,country,year,kpi,data_point,value,unit,source,extra\n"
        "Geneva,CH,2023,XX-NOPE,,1,,s,\n"
        "Geneva,CH,2023,EC-ICT-ICT-1C,,150,% of households,s,\n"
        "Geneva,CH,20x3,EC-ICT-ICT-3C,,5,,s,\n"
    )
    sub = upload(editor, bad)
    assert sub.errors and sub.warnings
    page = editor.get(reverse("indicators:submission", args=[sub.pk])).content.decode()
    for table, start in (
        ("errors", '<table class="problems" id="errors">'),
        ("warnings", '<table class="problems" id="warnings">'),
    ):
        shown = cells(page, start)
        links = download_links(page, start)
        for href, read in zip(links, (csv_rows, xlsx_rows), strict=True):
            assert f"/{table}." in href
            rows = read(editor.get(href))
            assert [[str(r["row"]), str(r["column"]), r["message"]] for r in rows] == shown
            assert {r["severity"] for r in rows} == {table[:-1]}
            assert_no_formula(rows)
    assert 'id="changes"' not in page  # an invalid upload has no preview...
    assert csv_rows(editor.get(f"/submit/{sub.pk}/changes.csv")) == []  # ...nor its export


def test_the_preview_neutralises_texts_like_formulas(users: dict[str, Any], geneva: Any) -> None:
    editor = login(users["editor"])
    lines = [
        f'Geneva,CH,2023,EC-ICT-ICT-1C,,84.5,% of households,"{HOSTILE[0].replace(chr(34), 2 * chr(34))}"',
        f"Geneva,CH,2024,EC-ICT-ICT-1C,,86,% of households,{HOSTILE[1]}",
        f"Geneva,CH,2022,EC-ICT-ICT-1C,,86,% of households,{HOSTILE[3]}",
    ]
    sub = upload(editor, HEADER + "\n".join(lines) + "\n")
    assert sub.status == SubmissionStatus.READY, sub.problems
    stored = {c["year"]: c["source"] for c in sub.preview}
    for fmt, read in READS:
        rows = read(editor.get(f"/submit/{sub.pk}/changes.{fmt}"))
        assert len(rows) == 3
        for row in rows:
            assert_guarded(row["source"], stored[int(row["year"])])
        assert_no_formula(rows)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("public", 404),
        ("analyst", 404),
        ("lyon_editor", 404),
        ("editor", 200),
        ("admin", 200),
    ],
)
def test_an_uploads_exports_are_for_its_uploader_and_the_administrators(
    users: dict[str, Any], geneva: Any, who: str, status: int
) -> None:
    sub = upload(login(users["editor"]), GOOD)
    client = client_for(users, who)
    page = client.get(reverse("indicators:submission", args=[sub.pk]))
    assert page.status_code == status
    for table in ("errors", "warnings", "changes"):
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/submit/{sub.pk}/{table}.{fmt}")
            assert response.status_code == status, (table, fmt)
            if status == 200 and table == "changes":
                assert len((csv_rows if fmt == "csv" else xlsx_rows)(response)) == 3
            if status == 302:
                assert response["Location"].startswith(reverse("login"))
    if status == 200:
        assert client.get(f"/submit/{sub.pk}/content.csv").status_code == 404
        assert client.get(f"/submit/{sub.pk}/changes.json").status_code == 404
        assert client.get("/submit/999999/changes.csv").status_code == 404


# ------------------------------------------------------------------ recent uploads
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("public", 403), ("analyst", 403), ("editor", 200), ("admin", 200)],
)
def test_the_recent_uploads_export_is_the_users_own_table(
    users: dict[str, Any], geneva: Any, lyon: Any, who: str, status: int
) -> None:
    upload(login(users["editor"]), GOOD, name="geneva.csv")
    upload(login(users["lyon_editor"]), GOOD.replace("Geneva,CH", "Lyon,FR"), name="lyon.csv")
    upload(login(users["admin"]), GOOD, name="secretariat.csv")
    client = client_for(users, who)
    assert client.get(reverse("indicators:upload")).status_code == status
    for fmt, read in READS:
        response = client.get(f"/submit/recent.{fmt}")
        assert response.status_code == status
        if status != 200:
            continue
        page = client.get(reverse("indicators:upload")).content.decode()
        shown = cells(page, "<table>")
        rows = read(response)
        assert [[r["file"], r["status"], str(r["rows"])] for r in rows] == [
            [s[0], s[2], s[3]] for s in shown
        ]
        mine = {"editor": "geneva.csv", "admin": "secretariat.csv"}[who]
        assert [r["file"] for r in rows] == [mine]  # nobody else's uploads
        assert rows[0]["page_url"].endswith(f"/submit/{rows[0]['upload']}/")
        assert f'href="/submit/recent.{fmt}" download' in page


def test_a_file_name_like_a_formula_is_neutralised(users: dict[str, Any], geneva: Any) -> None:
    editor = login(users["editor"])
    sub = upload(editor, GOOD, name="=cmd.csv")
    for fmt, read in READS:
        (row,) = read(editor.get(f"/submit/recent.{fmt}"))
        assert_guarded(row["file"], sub.file_name)


# ------------------------------------------------------------------ the confirmation table
def _confirm(admin: Client, city: Any, data: dict[str, Any]) -> str:
    response = admin.post(reverse("indicators:city_data", args=[city.pk]), data)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def values(users: dict[str, Any], geneva: Any, lyon: Any) -> dict[str, Any]:
    editor = login(users["editor"])
    data = GOOD.replace("OFS 2023\n", f"{HOSTILE[2]}\n", 1)
    commit(editor, upload(editor, data))
    lyon_editor = login(users["lyon_editor"])
    commit(lyon_editor, upload(lyon_editor, GOOD.replace("Geneva,CH", "Lyon,FR")))
    return {
        "geneva": list(KpiValue.objects.filter(city=geneva, year=2023).order_by("measure")),
        "lyon": list(KpiValue.objects.filter(city=lyon, year=2023).order_by("measure")),
    }


@pytest.mark.parametrize("action", ["verify", "verify_all", "unverify"])
def test_the_confirmation_export_equals_the_confirmation_table(
    users: dict[str, Any], geneva: Any, values: dict[str, Any], action: str
) -> None:
    admin = login(users["admin"])
    chosen = [v.pk for v in values["geneva"]]
    if action == "unverify":  # one verified value to withdraw, one still self-reported
        KpiValue.objects.filter(pk=chosen[0]).update(status=Status.VERIFIED)
    data = {"year": 2023, "action": action, "value": chosen}
    page = _confirm(admin, geneva, data)
    shown = cells(page, "<table>")
    assert len(shown) == (1 if action == "unverify" else 2)
    for href, read in zip(download_links(page, "<table>"), (csv_rows, xlsx_rows), strict=True):
        assert href.startswith(f"/cities/{geneva.pk}/data/verify.")
        rows = read(admin.get(href))
        written = [[r["kpi"], r["name"], r["unit"], r["now"]] for r in rows]
        assert written == [[s[0], s[1], s[3], s[5]] for s in shown]
        assert [float(r["value"]) for r in rows] == [float(s[2]) for s in shown]
        after = "Self-reported" if action == "unverify" else "Verified by the secretariat"
        assert {r["after"] for r in rows} == {after}
        assert {(r["city"], int(r["geonames_id"]), int(r["year"])) for r in rows} == {
            ("Geneva", geneva.pk, 2023)
        }
        assert_no_formula(rows)
        if action != "unverify":
            source = next(r["source"] for r in rows if r["kpi"] == "EC-ICT-ICT-1C")
            assert_guarded(source, HOSTILE[2])
    # Showing and downloading changed nothing.
    assert KpiValue.objects.filter(pk__in=chosen, status=Status.VERIFIED).count() == (
        1 if action == "unverify" else 0
    )


def test_the_confirmation_export_holds_no_other_citys_values(
    users: dict[str, Any], geneva: Any, values: dict[str, Any]
) -> None:
    admin = login(users["admin"])
    ids = [values["geneva"][0].pk, values["lyon"][0].pk]
    query = "&".join(f"value={i}" for i in ids)
    rows = csv_rows(
        admin.get(f"/cities/{geneva.pk}/data/verify.csv?year=2023&action=verify&{query}")
    )
    assert [r["kpi"] for r in rows] == [values["geneva"][0].measure]
    assert {r["city"] for r in rows} == {"Geneva"}
    nothing = admin.get(f"/cities/{geneva.pk}/data/verify.csv?year=2023&action=verify")
    assert nothing.status_code == 400 and b"Select the values" in nothing.content
    assert (
        admin.get(f"/cities/{geneva.pk}/data/verify.csv?year=2023&action=drop").status_code == 400
    )
    assert (
        admin.get(f"/cities/{geneva.pk}/data/verify.pdf?year=2023&action=verify_all").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("public", 403),
        ("lyon_editor", 403),
        ("editor", 403),  # the city's own editor: not the secretariat
        ("analyst", 403),
        ("admin", 200),
    ],
)
def test_the_confirmation_export_is_for_the_secretariat(
    users: dict[str, Any], geneva: Any, values: dict[str, Any], who: str, status: int
) -> None:
    client = client_for(users, who)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/cities/{geneva.pk}/data/verify.{fmt}?year=2023&action=verify_all")
        assert response.status_code == status, fmt
    posted = client.post(
        reverse("indicators:city_data", args=[geneva.pk]), {"year": 2023, "action": "verify_all"}
    )
    assert posted.status_code == status  # the confirmation page itself


# ------------------------------------------------------------------ a city's values of a year
@pytest.mark.parametrize("who", ["editor", "analyst", "admin"])
def test_the_city_data_table_downloads_the_year_shown(
    users: dict[str, Any], geneva: Any, values: dict[str, Any], who: str
) -> None:
    client = login(users[who])
    page = client.get(reverse("indicators:city_data", args=[geneva.pk]) + "?year=2023")
    text = page.content.decode()
    shown = cells(text, "<table>")
    offset = 1 if who == "admin" else 0  # the secretariat's selection column
    for href, read in zip(download_links(text, "<table>"), (csv_rows, xlsx_rows), strict=True):
        assert href.endswith("?year=2023")
        rows = read(client.get(href))
        # The page shows the text; the download the same text, guarded against formulas.
        measures = [r["kpi"] + (f":{r['data_point']}" if r["data_point"] else "") for r in rows]
        assert sorted(zip(measures, (r["source"] for r in rows), strict=True)) == sorted(
            (s[offset], safe_cell(s[offset + 4])) for s in shown
        )
        assert {int(r["year"]) for r in rows} == {2023}
        source = next(r["source"] for r in rows if r["kpi"] == "EC-ICT-ICT-1C")
        assert_guarded(source, HOSTILE[2])
        assert_no_formula(rows)


def test_the_year_export_of_an_unpublished_year_holds_nothing_for_others(
    users: dict[str, Any], geneva: Any, values: dict[str, Any]
) -> None:
    for who in ("anonymous", "public", "lyon_editor"):
        client = client_for(users, who)
        assert client.get(reverse("indicators:city_data", args=[geneva.pk])).status_code in (
            302,
            403,
        )
        for fmt, read in READS:
            assert read(client.get(f"/cities/{geneva.pk}/data/export.{fmt}?year=2023")) == [], who
    assert (
        len(csv_rows(login(users["editor"]).get(f"/cities/{geneva.pk}/data/export.csv?year=2023")))
        == 2
    )
