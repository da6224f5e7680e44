"""Entry, upload and API write only what changed (issue 14, item 1).

An unchanged value keeps its source, note, status, submitter and synthetic flag, and no
audit record is written without a real change; a value or text that cannot be stored is an
error at its cell, never cut.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citydiplomacy.errors import ValidationError
from citydiplomacy.synthetic import synthetic_long
from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.entry import shown_value
from citydiplomacy.web.indicators.models import (
    KpiValue,
    KpiValueChange,
    Status,
    Submission,
    SubmissionStatus,
)
from tests.web.indicators.forms import form_data

pytestmark = pytest.mark.django_db

FIELDS = [
    "id",
    "city_id",
    "year",
    "measure",
    "kpi",
    "data_point",
    "value",
    "unit",
    "source",
    "note",
    "status",
    "synthetic",
    "submitted_by_id",
    "submitted_at",
    "verified_by_id",
    "verified_at",
    "submission_id",
]
YEAR = 2023


def snapshot() -> dict[int, tuple[Any, ...]]:
    """Every stored value, every field."""
    return {row[0]: row for row in KpiValue.objects.values_list(*FIELDS)}


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def demo(users: dict[str, Any], geneva: Any) -> dict[str, Any]:
    """Geneva's year as the demo leaves it: synthetic values with their labelled source,
    written by the secretariat; then a third verified, a few with notes (one on two lines),
    and awkward numbers that a careless form would round."""
    table = pd.DataFrame(
        {"city": ["Geneva"], "country": ["CH"], "geonames_id": [geneva.pk], "population": [1]}
    )
    long = synthetic_long(services.framework(), cities=table, years=range(YEAR, YEAR + 1), seed=7)
    buffer = io.StringIO()
    long.to_csv(buffer, index=False)
    checked = services.check_file(users["admin"], "demo.csv", buffer.getvalue().encode())
    assert checked.ok, checked.problems[:3]
    services.write_values(users["admin"], checked.rows, via="demo", check_permissions=False)
    values = list(KpiValue.objects.filter(city=geneva, year=YEAR).order_by("measure"))
    assert len(values) > 60
    # Notes, and numbers that six significant digits would change.
    for i, kv in enumerate(values[:10]):
        kv.note = "checked against the 2023 yearbook" if i % 2 else "first line\nsecond line"
        kv.save(update_fields=["note"])
    types = services.framework().nodes["value_type"]
    plain = [kv for kv in values if types[kv.measure] in ("number", "quantity", "rate")]
    for kv, awkward in zip(plain, (1234567.891, 0.1 + 0.2, 1e-7, 98765432109.5), strict=False):
        kv.value = awkward
        kv.save(update_fields=["value"])
    services.set_status(users["admin"], values[::3], Status.VERIFIED, via="test")
    values = list(KpiValue.objects.filter(city=geneva, year=YEAR).order_by("measure"))
    assert KpiValue.objects.filter(synthetic=True).count() == len(values)
    return {"n": len(values), "values": values}


def entry_url(geneva: Any) -> str:
    return reverse("indicators:entry", args=[geneva.pk]) + f"?year={YEAR}"


def test_unchanged_entry_form_writes_nothing_and_one_change_writes_one(
    users: dict[str, Any], geneva: Any, demo: dict[str, Any]
) -> None:
    """The invariant. Before the fix the unchanged form answered "0 created, 98 updated":
    every value lost its source (and with it the synthetic flag), its verification and its
    submitter, and each wrote an audit record."""
    before, n_audit, version = snapshot(), KpiValueChange.objects.count(), services.data_version()
    editor = login(users["editor"])
    page = editor.get(entry_url(geneva)).content.decode()
    data = form_data(page, "m:")
    assert sum(1 for k in data if k.startswith("m:") and data[k]) == demo["n"]
    resp = editor.post(entry_url(geneva), data, follow=True)
    assert resp.status_code == 200
    assert "No value changed; nothing was saved." in resp.content.decode()
    assert snapshot() == before, "every field of every value is as it was"
    assert KpiValueChange.objects.count() == n_audit
    assert services.data_version() == version

    # The same values sent by a client that does not carry what the form showed (no hidden
    # fields, a number written differently): still compared with what is stored.
    bare = {k: v for k, v in data.items() if not k.startswith("was")}
    target = next(k for k in bare if k.startswith("m:") and bare[k] == "0.30000000000000004")
    bare[target] = "0.3000000000000000444"
    assert editor.post(entry_url(geneva), bare).status_code == 302
    assert snapshot() == before
    assert KpiValueChange.objects.count() == n_audit

    # One value changed: one update, one audit record; everything else identical.
    verified = next(kv for kv in demo["values"][10:] if kv.status == Status.VERIFIED)
    data[f"m:{verified.measure}"] = shown_value(verified.value + 1)
    resp = editor.post(entry_url(geneva), data, follow=True)
    assert "Saved: 0 values created, 1 updated" in resp.content.decode()
    after = snapshot()
    assert {k: v for k, v in after.items() if k != verified.pk} == {
        k: v for k, v in before.items() if k != verified.pk
    }
    assert KpiValueChange.objects.count() == n_audit + 1
    change = KpiValueChange.objects.order_by("-id").first()
    assert change is not None and change.kpi_value_id == verified.pk
    assert (change.action, change.old_value, change.new_value) == (
        "update",
        verified.value,
        verified.value + 1,
    )
    assert (change.old_status, change.new_status) == (Status.VERIFIED, Status.SELF_REPORTED)
    kv = KpiValue.objects.get(pk=verified.pk)
    assert kv.value == verified.value + 1
    assert kv.submitted_by == users["editor"] and kv.status == Status.SELF_REPORTED
    # Its source was left as the form showed it: kept, and so is the synthetic label.
    assert kv.source == verified.source and kv.synthetic
    assert kv.note == verified.note


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_the_form_shows_numbers_that_read_back_exactly(value: float) -> None:
    text = shown_value(value)
    assert float(text) == value
    assert math.copysign(1.0, float(text)) == math.copysign(1.0, value)


def test_form_sources_and_notes(users: dict[str, Any], geneva: Any, demo: dict[str, Any]) -> None:
    """A source emptied on purpose is cleared; the form-wide source goes to values added or
    changed; a blank form-wide source wipes nothing."""
    editor = login(users["editor"])
    data = form_data(editor.get(entry_url(geneva)).content.decode(), "m:")
    first, second, third = demo["values"][10:13]
    data[f"s:{first.measure}"] = ""  # cleared on purpose
    data[f"m:{second.measure}"] = shown_value(second.value + 2)  # changed, own source untouched
    data[f"n:{third.measure}"] = "a note"  # a note alone
    data["source"] = "Office cantonal de la statistique 2024"
    resp = editor.post(entry_url(geneva), data, follow=True)
    assert "0 values created, 3 updated" in resp.content.decode()
    kv1, kv2, kv3 = (KpiValue.objects.get(pk=kv.pk) for kv in (first, second, third))
    assert kv1.source == "" and not kv1.synthetic and kv1.value == first.value
    assert kv2.source == "Office cantonal de la statistique 2024" and not kv2.synthetic
    assert kv3.note == "a note"
    # A note alone keeps the value's source, status, submitter and label.
    assert (kv3.source, kv3.status, kv3.submitted_by_id, kv3.synthetic) == (
        third.source,
        third.status,
        third.submitted_by_id,
        True,
    )
    assert KpiValue.objects.exclude(source=first.source).count() == 2


def test_too_long_text_is_an_error_at_its_field_never_cut(
    users: dict[str, Any], geneva: Any, demo: dict[str, Any]
) -> None:
    before, n_audit = snapshot(), KpiValueChange.objects.count()
    editor = login(users["editor"])
    data = form_data(editor.get(entry_url(geneva)).content.decode(), "m:")
    kv = demo["values"][20]
    data[f"s:{kv.measure}"] = "x" * 5000
    resp = editor.post(entry_url(geneva), data)
    text = resp.content.decode()
    assert resp.status_code == 200 and "nothing was saved" in text
    assert "the source is 5,000 characters long; at most 300" in text
    assert 'aria-invalid="true"' in text
    assert "x" * 5000 in text, "the form gives the text back whole, to shorten"
    data[f"s:{kv.measure}"] = kv.source
    data["source"] = "y" * 301
    data[f"m:{kv.measure}"] = shown_value(kv.value + 1)
    assert (
        "the source is 301 characters long" in editor.post(entry_url(geneva), data).content.decode()
    )
    data["source"] = ""
    data[f"n:{kv.measure}"] = "n" * 2001
    assert (
        "the note is 2,001 characters long" in editor.post(entry_url(geneva), data).content.decode()
    )
    assert snapshot() == before and KpiValueChange.objects.count() == n_audit


def test_a_value_saved_meanwhile_is_neither_set_back_nor_overwritten_unseen(
    users: dict[str, Any], geneva: Any, demo: dict[str, Any]
) -> None:
    types = services.framework().nodes["value_type"]
    kv = [v for v in demo["values"] if types[v.measure] in ("number", "quantity")][-1]
    editor = login(users["editor"])
    data = form_data(editor.get(entry_url(geneva)).content.decode(), "m:")
    # Someone else saves the value after the form was shown.
    theirs = services.Row(
        geneva.pk, YEAR, kv.measure, kv.kpi, kv.data_point, kv.value + 5, kv.unit, None, None, False
    )
    services.write_values(users["admin"], [theirs], via="api")
    # Untouched in this form: their value stands.
    resp = editor.post(entry_url(geneva), data, follow=True)
    assert "No value changed" in resp.content.decode()
    assert KpiValue.objects.get(pk=kv.pk).value == kv.value + 5
    # Changed in this form too: refused once, showing what is stored now; saving again wins.
    data[f"m:{kv.measure}"] = shown_value(kv.value + 7)
    resp = editor.post(entry_url(geneva), data)
    assert "changed by someone else since this form was opened" in resp.content.decode()
    assert KpiValue.objects.get(pk=kv.pk).value == kv.value + 5
    again = form_data(resp.content.decode(), "m:")
    assert again[f"m:{kv.measure}"] == shown_value(kv.value + 7)
    assert editor.post(entry_url(geneva), again).status_code == 302
    assert KpiValue.objects.get(pk=kv.pk).value == kv.value + 7


def test_write_values_refuses_text_it_cannot_store(users: dict[str, Any], geneva: Any) -> None:
    """The last line of defence for any caller: nothing cut, nothing written."""
    for source, note in (("s" * 301, None), ("ok", "n" * 2001), ("nul\x00", None)):
        row = services.Row(
            geneva.pk, 2023, "EC-ICT-ICT-1C", "EC-ICT-ICT-1C", "", 80.0, "%", source, note, False
        )
        with pytest.raises(ValidationError):
            services.write_values(users["admin"], [row], via="test")
    assert not KpiValue.objects.exists() and not KpiValueChange.objects.exists()


def test_too_long_source_in_an_upload_is_an_error_at_its_cell(
    users: dict[str, Any], geneva: Any
) -> None:
    data = (
        "city,country,year,kpi,value,source,note\n"
        "Geneva,CH,2023,EC-ICT-ICT-1C,84.5,OFS,\n"
        f"Geneva,CH,2023,EC-ICT-ICT-2C,70,{'s' * 5000},\n"
        f"Geneva,CH,2023,EC-ICT-ICT-3C,70,OFS,{'n' * 2001}\n"
    )
    sub = services.upload(users["editor"], "long.csv", data.encode())
    assert sub.status == SubmissionStatus.INVALID
    found = {(p["row"], p["column"]) for p in sub.errors}
    assert found == {(3, 6), (4, 7)}
    assert any(str(p["text"]).startswith("long.csv:3:6: the source is 5,000") for p in sub.errors)
    with pytest.raises(ValidationError):
        services.commit(users["editor"], sub)
    assert KpiValue.objects.count() == 0


def test_too_long_source_through_the_api_is_a_422_at_its_field(
    users: dict[str, Any], geneva: Any
) -> None:
    from citydiplomacy.web.accounts.models import ApiToken

    raw = ApiToken.objects.create_token(users["editor"], "script")[1]
    item = {"city_id": geneva.pk, "year": 2023, "kpi": "EC-ICT-ICT-1C", "value": 80}
    resp = Client().post(
        "/api/kpi-values",
        {"values": [item, {**item, "kpi": "EC-ICT-ICT-2C", "source": "s" * 5000}]},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )
    assert resp.status_code == 422, resp.content[:300]
    [problem] = resp.json()["error"]["problems"]
    assert (problem["row"], problem["column"]) == (2, 7)
    assert KpiValue.objects.count() == 0


def test_resent_values_keep_flags_through_upload_and_api(
    users: dict[str, Any], geneva: Any, demo: dict[str, Any]
) -> None:
    """The export uploaded back, and an API item without source or note, change nothing."""
    before, n_audit = snapshot(), KpiValueChange.objects.count()
    editor = login(users["editor"])
    body = editor.get(reverse("indicators:export", args=[geneva.pk, "csv"])).content
    sub = services.upload(users["editor"], "export.csv", body)
    assert sub.status == SubmissionStatus.READY, sub.errors[:3]
    assert (sub.n_created, sub.n_updated, sub.n_unchanged) == (0, 0, demo["n"])
    services.commit(users["editor"], sub)
    # A file without source and note columns says nothing about them: they are kept.
    kv = demo["values"][11]
    bare = f"geonames_id,year,kpi,data_point,value\n{geneva.pk},{YEAR},{kv.kpi},{kv.data_point},{kv.value!r}\n"
    sub = services.upload(users["editor"], "bare.csv", bare.encode())
    assert (sub.n_created, sub.n_updated, sub.n_unchanged) == (0, 0, 1)
    services.commit(users["editor"], sub)

    from citydiplomacy.web.accounts.models import ApiToken

    raw = ApiToken.objects.create_token(users["editor"], "script")[1]
    item = {
        "city_id": geneva.pk,
        "year": YEAR,
        "kpi": kv.kpi,
        "data_point": kv.data_point,
        "value": kv.value,
    }
    resp = Client().post(
        "/api/kpi-values",
        {"values": [item]},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )
    assert resp.status_code == 200 and resp.json()["unchanged"] == 1, resp.content[:300]
    assert snapshot() == before
    assert KpiValueChange.objects.count() == n_audit
    listed = Client().get(
        "/api/kpi-values", {"city": geneva.pk}, headers={"authorization": f"Bearer {raw}"}
    )
    assert all(v["synthetic"] for v in listed.json()["results"])


# ------------------------------------------------------------------------- the preview
def test_preview_lists_each_changed_and_new_cell(users: dict[str, Any], geneva: Any) -> None:
    header = "city,country,year,kpi,data_point,value,unit,source\n"
    first = header + (
        "Geneva,CH,2023,EC-ICT-ICT-1C,,84.5,% of households,OFS 2023\n"
        "Geneva,CH,2023,EN-EN-AQ-1C,PM10,18.2,µg/m³,OFS 2023\n"
    )
    services.commit(users["editor"], services.upload(users["editor"], "a.csv", first.encode()))
    second = header + (
        "Geneva,CH,2023,EC-ICT-ICT-1C,,85.5,% of households,OFS 2023\n"
        "Geneva,CH,2023,EN-EN-AQ-1C,PM10,18.2,µg/m³,OFS 2024\n"
        "Geneva,CH,2024,EC-ICT-ICT-1C,,86,% of households,\n"
    )
    editor = login(users["editor"])
    editor.post(
        reverse("indicators:upload"),
        {"file": SimpleUploadedFile("b.csv", second.encode(), content_type="text/csv")},
    )
    sub = Submission.objects.get(file_name="b.csv")
    assert (sub.n_created, sub.n_updated, sub.n_unchanged) == (1, 2, 0)
    cells = {(c["row"], c["measure"]): c for c in sub.preview}
    value_change = cells[(2, "EC-ICT-ICT-1C")]
    assert (value_change["old_value"], value_change["new_value"]) == (84.5, 85.5)
    assert value_change["unit"] == "% of households" and value_change["fields"] == ["value"]
    source_change = cells[(3, "EN-EN-AQ-1C:PM10")]
    assert source_change["fields"] == ["source"]
    assert (source_change["old_source"], source_change["source"]) == ("OFS 2023", "OFS 2024")
    assert cells[(4, "EC-ICT-ICT-1C")]["action"] == "create"
    assert [c["action"] for c in sub.preview] == ["update", "update", "create"]
    page = editor.get(reverse("indicators:submission", args=[sub.pk])).content.decode()
    table = page[page.index('id="changes"') :]
    for text in ("84.5", "85.5", "% of households", "OFS 2023", "OFS 2024", "86", "new"):
        assert text in table


def test_a_big_preview_is_capped_and_paged_with_exact_counts(
    users: dict[str, Any], geneva: Any, monkeypatch: Any
) -> None:
    from citydiplomacy.web.indicators import views

    monkeypatch.setattr(services, "PREVIEW_LIMIT", 4)
    monkeypatch.setattr(views, "PREVIEW_PAGE", 3)
    kpis = ["EC-ICT-ICT-1C", "EC-ICT-ICT-2C", "EC-ICT-ICT-3C"]
    lines = [f"Geneva,CH,{y},{k},{50 + y - 2015}" for y in range(2015, 2024) for k in kpis]
    sub = services.upload(
        users["editor"], "big.csv", ("city,country,year,kpi,value\n" + "\n".join(lines)).encode()
    )
    assert sub.n_created == 27 and len(sub.preview) == 4
    client = login(users["editor"])
    page1 = client.get(reverse("indicators:submission", args=[sub.pk])).content.decode()
    assert "The first 4 of the 27 values" in page1 and "page 1 of 2" in page1
    page2 = client.get(reverse("indicators:submission", args=[sub.pk]) + "?page=2")
    assert page2.content.decode().count('<tr class="create">') == 1


# ------------------------------------------------------------------------- commits
def test_an_invalid_upload_is_never_read_again(
    users: dict[str, Any], geneva: Any, monkeypatch: Any
) -> None:
    """Before the fix each commit of an invalid upload parsed its file again (132 s for a
    hostile XLSX); the outcome is now stored, and a valid upload commits from its checked
    rows."""
    bad = services.upload(
        users["editor"], "bad.csv", b"city,country,year,kpi,value\nGeneva,CH,2023,XX-NOPE,1\n"
    )
    good = services.upload(
        users["editor"],
        "good.csv",
        b"city,country,year,kpi,value\nGeneva,CH,2023,EC-ICT-ICT-1C,84\n",
    )
    assert bad.status == SubmissionStatus.INVALID and good.status == SubmissionStatus.READY

    def no_reading(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the file was read again")

    monkeypatch.setattr(services, "read_kpi_data", no_reading)
    client = login(users["editor"])
    for _ in range(2):
        resp = client.post(
            reverse("indicators:submission", args=[bad.pk]), {"action": "commit"}, follow=True
        )
        assert "does not pass the checks" in resp.content.decode()
    bad.refresh_from_db()
    assert bad.status == SubmissionStatus.INVALID and KpiValue.objects.count() == 0
    client.post(reverse("indicators:submission", args=[good.pk]), {"action": "commit"})
    good.refresh_from_db()
    assert good.status == SubmissionStatus.COMMITTED and good.n_created == 1
    assert KpiValue.objects.get().value == 84.0


# ------------------------------------------------------------------------- verification
def test_verifying_needs_a_selection_and_a_confirmation(
    users: dict[str, Any], geneva: Any, demo: dict[str, Any]
) -> None:
    """Before the fix "Mark as verified" with nothing ticked verified every value at once."""
    admin = login(users["admin"])
    url = reverse("indicators:city_data", args=[geneva.pk])
    n_self = KpiValue.objects.filter(status=Status.SELF_REPORTED).count()
    before, n_audit = snapshot(), KpiValueChange.objects.count()
    resp = admin.post(url, {"year": YEAR, "action": "verify"}, follow=True)
    assert "Select the values to verify; nothing was changed." in resp.content.decode()
    assert snapshot() == before

    one, two = [kv for kv in demo["values"] if kv.status == Status.SELF_REPORTED][:2]
    resp = admin.post(url, {"year": YEAR, "action": "verify", "value": [one.pk, two.pk]})
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "<strong>2</strong> values will be marked as verified" in page
    assert snapshot() == before, "the confirmation page changes nothing"
    confirm = form_data(page, "confirmed")
    assert confirm["confirmed"] == "yes"
    admin.post(url, {**confirm, "action": "verify", "value": [one.pk, two.pk]})
    assert KpiValue.objects.filter(status=Status.VERIFIED, pk__in=[one.pk, two.pk]).count() == 2
    assert KpiValueChange.objects.count() == n_audit + 2

    resp = admin.post(url, {"year": YEAR, "action": "verify_all"})
    assert (
        f"<strong>{n_self - 2}</strong> values will be marked as verified" in resp.content.decode()
    )
    assert KpiValue.objects.filter(status=Status.SELF_REPORTED).count() == n_self - 2
    ids = [kv.pk for kv in KpiValue.objects.filter(status=Status.SELF_REPORTED)]
    admin.post(url, {"year": YEAR, "action": "verify", "confirmed": "yes", "value": ids})
    assert not KpiValue.objects.filter(status=Status.SELF_REPORTED).exists()

    resp = admin.post(url, {"year": YEAR, "action": "unverify"}, follow=True)
    assert "nothing was changed" in resp.content.decode()
    assert not KpiValue.objects.filter(status=Status.SELF_REPORTED).exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("public", 403),
        ("analyst", 403),
        ("lyon_editor", 403),
        ("editor", 403),
        ("admin", 200),
    ],
)
@pytest.mark.parametrize("action", ["verify", "verify_all", "unverify"])
def test_who_may_ask_to_verify(
    role: str, expected: int, action: str, users: dict[str, Any], geneva: Any
) -> None:
    row = services.Row(
        geneva.pk, 2023, "EC-ICT-ICT-1C", "EC-ICT-ICT-1C", "", 80.0, "%", "s", "", False
    )
    services.write_values(users["admin"], [row], via="test")
    kv = KpiValue.objects.get()
    if action == "unverify":
        services.set_status(users["admin"], [kv], Status.VERIFIED, via="test")
    client = Client() if role == "anonymous" else login(users[role])
    url = reverse("indicators:city_data", args=[geneva.pk])
    resp = client.post(url, {"year": 2023, "action": action, "value": [kv.pk]})
    assert resp.status_code == expected
    if expected == 200:
        assert "Nothing has changed yet." in resp.content.decode()
    resp = client.post(url, {"year": 2023, "action": action, "value": [kv.pk], "confirmed": "yes"})
    assert resp.status_code == (302 if role in ("anonymous", "admin") else 403)
    status = KpiValue.objects.get().status
    if role == "admin":
        assert status == (Status.SELF_REPORTED if action == "unverify" else Status.VERIFIED)
    else:
        assert status == (Status.VERIFIED if action == "unverify" else Status.SELF_REPORTED)


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\"'<>&"),
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.floats(min_value=0, max_value=1e12, allow_nan=False),
    source=TEXT,
    note=st.lists(TEXT, min_size=1, max_size=3).map("\n".join),
)
def test_any_stored_text_and_number_survive_an_untouched_form(
    users: dict[str, Any], geneva: Any, value: float, source: str, note: str
) -> None:
    """Whatever a value's number, source and note (quotes, markup, line breaks, any script),
    the form shows them so that sending it back untouched writes nothing."""
    kv, _ = KpiValue.objects.update_or_create(
        city=geneva,
        year=YEAR,
        measure="EN-EN-AQ-1C:PM10",
        defaults={"kpi": "EN-EN-AQ-1C", "data_point": "PM10", "unit": "µg/m³", "value": 1.0},
    )
    # Stored as the engine stores text: no surrounding blanks.
    kv.value, kv.source, kv.note = value, source.strip(), note.strip()
    kv.save()
    before, n_audit = snapshot(), KpiValueChange.objects.count()
    editor = login(users["editor"])
    data = form_data(editor.get(entry_url(geneva)).content.decode(), "m:")
    assert editor.post(entry_url(geneva), data).status_code == 302
    assert snapshot() == before and KpiValueChange.objects.count() == n_audit


def test_api_clears_a_source_only_when_asked(
    users: dict[str, Any], geneva: Any, demo: dict[str, Any]
) -> None:
    from citydiplomacy.web.accounts.models import ApiToken

    raw = ApiToken.objects.create_token(users["editor"], "script")[1]
    kv = demo["values"][30]
    item = {"city_id": geneva.pk, "year": YEAR, "kpi": kv.kpi, "data_point": kv.data_point}
    resp = Client().post(
        "/api/kpi-values",
        {"values": [{**item, "value": kv.value, "source": ""}]},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )
    assert resp.status_code == 200 and resp.json()["updated"] == 1, resp.content[:300]
    stored = KpiValue.objects.get(pk=kv.pk)
    assert (stored.value, stored.source, stored.synthetic) == (kv.value, "", False)
    assert stored.note == kv.note
    [change] = KpiValueChange.objects.filter(kpi_value=kv, via="api")
    assert (change.old_source, change.new_source) == (kv.source, "")


def test_a_city_gone_from_the_registry_stops_the_commit(users: dict[str, Any], lyon: Any) -> None:
    sub = services.upload(
        users["admin"], "l.csv", b"city,country,year,kpi,value\nLyon,FR,2023,EC-ICT-ICT-1C,80\n"
    )
    assert sub.status == SubmissionStatus.READY
    lyon.delete()
    with pytest.raises(ValidationError):
        services.commit(users["admin"], sub)
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.INVALID
    assert "no longer in the registry" in sub.errors[0]["message"]
    assert (sub.errors[0]["row"], sub.errors[0]["column"]) == (2, 1)
    assert not KpiValue.objects.exists()


def test_text_stored_with_spaces_around_it_reads_back_as_unchanged(
    users: dict[str, Any], geneva: Any, demo: dict[str, Any]
) -> None:
    """Older data may hold a source or note with spaces around it; every way in trims what
    it is given, so re-uploading the export rewrote it and withdrew its verification."""
    kv = demo["values"][3]
    KpiValue.objects.filter(pk=kv.pk).update(
        source="  padded source  ", note=" padded note ", status=Status.VERIFIED
    )
    before, n_audit = snapshot(), KpiValueChange.objects.count()
    editor = login(users["editor"])
    body = editor.get(reverse("indicators:export", args=[geneva.pk, "csv"])).content
    sub = services.upload(users["editor"], "export.csv", body)
    assert (sub.n_created, sub.n_updated, sub.n_unchanged) == (0, 0, demo["n"])
    services.commit(users["editor"], sub)
    assert snapshot() == before
    assert KpiValueChange.objects.count() == n_audit
    kept = KpiValue.objects.get(pk=kv.pk)
    assert (kept.source, kept.note, kept.status) == (
        "  padded source  ",
        " padded note ",
        Status.VERIFIED,
    )
