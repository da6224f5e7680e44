"""Upload journeys: preview with every problem by row and column, all-or-nothing commit,
permissions per city, audit trail, export round trip."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import (
    KpiValue,
    KpiValueChange,
    Status,
    Submission,
    SubmissionStatus,
)

pytestmark = pytest.mark.django_db

HEADER = "city,country,year,kpi,data_point,value,unit,source\n"
GOOD = HEADER + (
    "Geneva,CH,2023,EC-ICT-ICT-1C,,84.5,% of households,OFS 2023\n"
    "Geneva,CH,2023,EN-EN-AQ-1C,PM10,18.2,µg/m³,OFS 2023\n"
    "Geneva,CH,2024,EC-ICT-ICT-1C,,86,% of households,OFS 2024\n"
)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, text: str, name: str = "data.csv") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(reverse("indicators:upload"), {"file": f}, follow=True)


def test_editor_uploads_previews_and_commits(users: dict[str, Any], geneva: Any) -> None:
    client = login(users["editor"])
    resp = upload(client, GOOD)
    sub = Submission.objects.get()
    assert sub.status == SubmissionStatus.READY
    assert sub.n_rows == 3 and sub.n_created == 3
    assert KpiValue.objects.count() == 0, "a preview writes nothing"
    assert "3 new" in resp.content.decode().replace("<strong>", "").replace("</strong>", "")
    resp = client.post(reverse("indicators:submission", args=[sub.pk]), {"action": "commit"})
    assert resp.status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.COMMITTED
    values = KpiValue.objects.filter(city=geneva)
    assert values.count() == 3
    assert set(values.values_list("status", flat=True)) == {Status.SELF_REPORTED}
    assert values.get(measure="EN-EN-AQ-1C:PM10").value == pytest.approx(18.2)
    changes = KpiValueChange.objects.filter(via="upload")
    assert changes.count() == 3
    assert {c.changed_by_id for c in changes} == {users["editor"].pk}
    assert all(c.action == "create" and c.old_value is None for c in changes)


def test_every_kind_of_error_is_listed_with_row_and_column(
    users: dict[str, Any], lyon: Any
) -> None:
    client = login(users["editor"])
    bad = (
        HEADER
        + (
            "Geneva,CH,2023,XX-NOPE,,1,,s\n"  # row 2: unknown KPI
            "Geneva,CH,2023,EC-ICT-ICT-1C,,150,% of households,s\n"  # row 3: percentage > 100
            "Geneva,CH,2023,EC-ICT-ICT-2C,,abc,% of households,s\n"  # row 4: not a number
            "Geneva,CH,20x3,EC-ICT-ICT-3C,,5,,s\n"  # row 5: bad year
            "Atlantis,CH,2023,EC-ICT-ICT-1C,,5,% of households,s\n"  # row 6: not in registry
            "Geneva,CH,2023,EN-EN-AQ-1C,PM99,5,µg/m³,s\n"  # row 7: unknown data point
            "Geneva,CH,2024,EC-ICT-ICT-1C,,50,% of households,s\n"  # row 8
            "Geneva,CH,2024,EC-ICT-ICT-1C,,51,% of households,s\n"  # row 9: duplicate
            "Geneva,CH,2024,EC-ICT-ICT-5A,,-3,number of public Wi-Fi hotspots,s\n"  # row 10: negative count
            "Geneva,CH,2024,EC-I-UP-2A,compact,perhaps,,s\n"  # row 11: yes/no KPI, other answer
            "Geneva,CH,2024,EC-ICT-ICT-3C,,12,%,s\n"  # row 12: unit mismatch
        )
    )
    resp = upload(client, bad)
    sub = Submission.objects.get()
    assert sub.status == SubmissionStatus.INVALID
    text = resp.content.decode()
    rows = {p["row"] for p in sub.errors}
    assert {2, 3, 4, 5, 7, 9, 10, 11, 12} <= rows
    messages = {p["row"]: p["message"] for p in sub.errors}
    assert "unit mismatch" in messages[12]
    assert "yes" in messages[11].lower()
    assert "negative" in messages[10].lower() or "-3" in messages[10]
    # Every problem is shown in the preview with its row and column.
    for p in sub.errors:
        assert html.escape(p["message"]) in text
    assert all(p["column"] > 0 for p in sub.errors if p["row"] in {2, 3, 4, 5, 7})
    assert 'value="commit"' not in text  # no commit button for an invalid file
    assert KpiValue.objects.count() == 0


def test_rows_of_a_city_the_editor_does_not_edit_are_refused(
    users: dict[str, Any], geneva: Any, lyon: Any
) -> None:
    client = login(users["editor"])
    data = GOOD + "Lyon,FR,2023,EC-ICT-ICT-1C,,80,% of households,s\n"
    upload(client, data)
    sub = Submission.objects.get()
    assert sub.status == SubmissionStatus.INVALID
    [err] = sub.errors
    assert err["row"] == 5 and err["column"] == 1
    assert "not an editor of Lyon" in err["message"]
    resp = client.post(reverse("indicators:submission", args=[sub.pk]), {"action": "commit"})
    assert KpiValue.objects.count() == 0, "all-or-nothing: Geneva's rows were not written either"
    assert resp.status_code == 302


def test_commit_rechecks_permissions(users: dict[str, Any], geneva: Any) -> None:
    client = login(users["editor"])
    upload(client, GOOD)
    sub = Submission.objects.get()
    users["editor"].membership.cityassignment_set.all().delete()
    client.post(reverse("indicators:submission", args=[sub.pk]), {"action": "commit"})
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.INVALID
    assert KpiValue.objects.count() == 0


def test_someone_else_cannot_see_or_commit_my_upload(users: dict[str, Any], geneva: Any) -> None:
    upload(login(users["editor"]), GOOD)
    sub = Submission.objects.get()
    other = login(users["lyon_editor"])
    assert other.get(reverse("indicators:submission", args=[sub.pk])).status_code == 404
    assert (
        other.post(
            reverse("indicators:submission", args=[sub.pk]), {"action": "commit"}
        ).status_code
        == 404
    )
    assert KpiValue.objects.count() == 0


def test_a_second_upload_updates_and_audits_old_and_new(users: dict[str, Any], geneva: Any) -> None:
    client = login(users["editor"])
    upload(client, GOOD)
    client.post(
        reverse("indicators:submission", args=[Submission.objects.get().pk]), {"action": "commit"}
    )
    upload(client, GOOD.replace("84.5", "85.5"))
    sub = Submission.objects.filter(status=SubmissionStatus.READY).get()
    assert (sub.n_created, sub.n_updated, sub.n_unchanged) == (0, 1, 2)
    client.post(reverse("indicators:submission", args=[sub.pk]), {"action": "commit"})
    change = KpiValueChange.objects.get(action="update")
    assert (change.old_value, change.new_value) == (84.5, 85.5)
    assert change.measure == "EC-ICT-ICT-1C" and change.year == 2023


def test_xlsx_upload(users: dict[str, Any], geneva: Any, tmp_path: Any) -> None:
    import pandas as pd
    from django.core.files.uploadedfile import SimpleUploadedFile

    frame = pd.read_csv(__import__("io").StringIO(GOOD))
    path = tmp_path / "data.xlsx"
    frame.to_excel(path, index=False)
    client = login(users["editor"])
    f = SimpleUploadedFile("data.xlsx", path.read_bytes())
    client.post(reverse("indicators:upload"), {"file": f})
    assert Submission.objects.get().status == SubmissionStatus.READY


def test_unreadable_and_wrong_type_files(users: dict[str, Any], geneva: Any) -> None:
    client = login(users["editor"])
    upload(client, "not,a\x00valid", name="data.pdf")
    sub = Submission.objects.get()
    assert sub.status == SubmissionStatus.INVALID
    assert "cannot read" in sub.errors[0]["message"]
    upload(client, "", name="empty.csv")
    assert Submission.objects.filter(status=SubmissionStatus.INVALID).count() == 2


def test_export_round_trip(users: dict[str, Any], geneva: Any) -> None:
    client = login(users["editor"])
    upload(client, GOOD)
    client.post(
        reverse("indicators:submission", args=[Submission.objects.get().pk]), {"action": "commit"}
    )
    csv_resp = client.get(reverse("indicators:export", args=[geneva.pk, "csv"]))
    assert csv_resp.status_code == 200
    body = csv_resp.content
    assert body.count(b"\n") == 4
    xlsx = client.get(reverse("indicators:export", args=[geneva.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    checked = services.check_file(users["editor"], "export.csv", body)
    assert checked.ok, checked.problems
    assert services.preview_counts(checked.rows).unchanged == 3


def test_admin_verifies_and_publishes(users: dict[str, Any], geneva: Any) -> None:
    upload(login(users["editor"]), GOOD)
    login(users["editor"]).post(
        reverse("indicators:submission", args=[Submission.objects.get().pk]), {"action": "commit"}
    )
    admin = login(users["admin"])
    url = reverse("indicators:city_data", args=[geneva.pk])
    ids = list(KpiValue.objects.filter(year=2023).values_list("pk", flat=True))
    admin.post(url, {"year": 2023, "action": "verify", "confirmed": "yes", "value": ids})
    assert set(KpiValue.objects.filter(year=2023).values_list("status", flat=True)) == {
        Status.VERIFIED
    }
    assert KpiValueChange.objects.filter(action="verify").count() == 2
    admin.post(url, {"year": 2023, "action": "publish"})
    assert services.is_published(geneva.pk, 2023)
    # The editor's later change of a verified value makes it self-reported again.
    editor = login(users["editor"])
    upload(editor, GOOD.replace("84.5", "90"))
    editor.post(
        reverse("indicators:submission", args=[Submission.objects.filter(status="ready").get().pk]),
        {"action": "commit"},
    )
    kv = KpiValue.objects.get(year=2023, measure="EC-ICT-ICT-1C")
    assert kv.status == Status.SELF_REPORTED
    change = KpiValueChange.objects.filter(kpi_value=kv).first()
    assert (change.old_status, change.new_status) == (Status.VERIFIED, Status.SELF_REPORTED)


def test_manual_entry_saves_and_reports_errors_beside_fields(
    users: dict[str, Any], geneva: Any
) -> None:
    client = login(users["editor"])
    url = reverse("indicators:entry", args=[geneva.pk]) + "?year=2024"
    page = client.get(url).content.decode()
    assert 'name="m:EC-ICT-ICT-1C"' in page
    assert "% of households" in page, "unit hint beside the field"
    assert "Share of households with Internet access" in page, "definition beside the field"
    resp = client.post(
        url, {"year": 2024, "source": "OFS", "m:EC-ICT-ICT-1C": "150", "m:EC-ICT-ICT-2C": "70"}
    )
    assert resp.status_code == 200
    assert "nothing was saved" in resp.content.decode()
    assert 'aria-invalid="true"' in resp.content.decode()
    assert KpiValue.objects.count() == 0
    resp = client.post(
        url, {"year": 2024, "source": "OFS", "m:EC-ICT-ICT-1C": "85", "m:EC-ICT-ICT-2C": "70"}
    )
    assert resp.status_code == 302
    assert KpiValue.objects.filter(city=geneva, year=2024).count() == 2
    assert KpiValueChange.objects.filter(via="form").count() == 2
