"""The capacity pages work: framework, person with radar and plan, city, cohort, exports,
feed, imports (all or nothing), demo."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from icalendar import Calendar

from citydiplomacy.web.capacity import services
from citydiplomacy.web.capacity.models import (
    Assessment,
    FrameworkVersion,
    Person,
    Programme,
    Rating,
    Session,
)
from tests.web.capacity.conftest import client_for

pytestmark = pytest.mark.django_db


def test_framework_page_and_round_trip_export(db: Any) -> None:
    c = client_for(None)
    page = c.get(reverse("capacity:framework"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Multilateral processes" in text and "Sources" in text
    exported = c.get(reverse("capacity:framework-export", args=["csv"]))
    assert exported.status_code == 200
    fw = services.framework_of(services.current_framework())
    # The table's role order survives the database (jsonb reorders an object's keys).
    assert fw.roles == ("mayor", "director", "officer", "sector_staff")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [r["code"] for r in rows] == list(fw.codes)
    xlsx = c.get(reverse("capacity:framework-export", args=["xlsx"]))
    assert xlsx.content[:2] == b"PK"


def test_framework_import_all_or_nothing(users: dict[str, Any]) -> None:
    c = client_for(users["admin"])
    fv = services.current_framework()
    table = services.framework_export(fv, "csv").decode()
    broken = table.replace(",4,5,3,2\n", ",9,5,3,2\n", 1)
    assert broken != table
    bad = io.BytesIO(broken.encode())
    bad.name = "mine.csv"
    r = c.post(reverse("capacity:framework-import"), {"file": bad})
    assert r.status_code == 422
    assert "mine.csv:" in r.content.decode()
    assert FrameworkVersion.objects.count() == 1  # nothing written
    good = io.BytesIO(table.replace("Negotiation and drafting", "Negotiating").encode())
    good.name = "mine.csv"
    r = c.post(reverse("capacity:framework-import"), {"file": good})
    assert r.status_code == 302
    current = services.current_framework()
    assert current.pk != fv.pk and current.name == "mine"
    assert services.framework_of(current).domain("NEG").name == "Negotiating"


def test_person_page_radar_gaps_and_plan(cohort: dict[str, Any]) -> None:
    me = cohort["people"]["geneva"][0]
    page = client_for(cohort["who"]["participant"]).get(reverse("capacity:person", args=[me.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and 'role="img"' in text and "<desc" in text
    assert "Gaps, largest first" in text and "Learning plan" in text
    report = services.person_report(cohort["who"]["participant"], me)
    gaps = [g.gap for g in report.gaps if g.gap is not None]
    assert gaps == sorted(gaps, reverse=True)


def test_self_assessment_saves_and_rejects_bad_levels(cohort: dict[str, Any]) -> None:
    me = cohort["people"]["geneva"][0]
    code = cohort["fw"].codes[0]
    c = client_for(cohort["who"]["participant"])
    assert c.get(reverse("capacity:assess", args=[me.pk])).status_code == 200
    r = c.post(reverse("capacity:assess", args=[me.pk]), {"phase": "before", f"c_{code}": "5"})
    assert r.status_code == 302
    a = Assessment.objects.get(person=me, phase="before", rater="self")
    assert list(a.ratings.values_list("level", flat=True)) == [5]
    before = Rating.objects.count()
    r = c.post(reverse("capacity:assess", args=[me.pk]), {"phase": "before", f"c_{code}": "9"})
    assert r.status_code == 422 and Rating.objects.count() == before
    r = c.post(reverse("capacity:assess", args=[me.pk]), {"phase": "before"})
    assert r.status_code == 422


def test_second_rating_by_manager_is_kept_apart(cohort: dict[str, Any]) -> None:
    me = cohort["people"]["geneva"][0]
    code = cohort["fw"].codes[0]
    c = client_for(cohort["who"]["manager"])
    r = c.post(reverse("capacity:rate", args=[me.pk]), {"phase": "before", f"c_{code}": "1"})
    assert r.status_code == 302
    a = Assessment.objects.get(person=me, phase="before", rater="manager")
    assert a.rated_by == cohort["who"]["manager"]
    assert Assessment.objects.filter(person=me, rater="self", phase="before").exists()


def test_cohort_page_heat_map_and_change(cohort: dict[str, Any], programme: Any) -> None:
    page = client_for(cohort["who"]["organiser"]).get(programme.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="heat-city"' in text and 'id="heat-person"' in text
    assert "Wilcoxon" in text and "p = " in text
    # The analyst sees the aggregates, never the per-person map.
    text = client_for(cohort["who"]["analyst"]).get(programme.get_absolute_url()).content.decode()
    assert 'id="heat-city"' in text and 'id="heat-person"' not in text
    assert "geneva-1" not in text


def test_small_groups_hidden_on_city_page(cohort: dict[str, Any]) -> None:
    geneva = cohort["geneva"]
    url = reverse("capacity:city", args=[geneva.pk])
    shown = client_for(cohort["who"]["analyst"]).get(url).content.decode()
    assert "hidden: fewer than" not in shown  # five raters: shown
    Person.objects.filter(city=geneva).first().assessments.all().delete()  # type: ignore[union-attr]
    hidden = client_for(cohort["who"]["analyst"]).get(url).content.decode()
    assert "hidden: fewer than 5 raters" in hidden


def test_office_survey_form_and_comparison(cohort: dict[str, Any]) -> None:
    geneva = cohort["geneva"]
    c = client_for(cohort["who"]["manager"])
    url = reverse("capacity:city-survey", args=[geneva.pk])
    r = c.post(
        url,
        {
            "year": "2024",
            "international_office": "true",
            "staff_trained": "false",
            "networks": "4",
            "priorities": "climate",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    text = c.get(reverse("capacity:city", args=[geneva.pk])).content.decode()
    assert "84 %" in text and "57 %" in text and "19 %" in text
    bad = c.post(url, {"year": "2024", "networks": "-3", "budget_eur": "-1"})
    assert bad.status_code == 422


def test_import_responses_all_or_nothing(cohort: dict[str, Any], programme: Any) -> None:
    fw = cohort["fw"]
    c = client_for(cohort["who"]["organiser"])
    url = reverse("capacity:programme-import", args=[programme.slug])
    body = (
        "person,city,role,competency,level\n"
        f'New One,"Geneva, CH",officer,{fw.codes[0]},3\n'
        f'New Two,"Atlantis, ZZ",officer,{fw.codes[0]},3\n'
        f'New One,"Geneva, CH",officer,{fw.codes[1]},7\n'
    )
    f = io.BytesIO(body.encode())
    f.name = "cohort.csv"
    people = Person.objects.count()
    r = c.post(url, {"file": f})
    assert r.status_code == 422
    text = r.content.decode()
    assert "cohort.csv:4:5:" in text
    assert Person.objects.count() == people
    good = io.BytesIO(body.replace("Atlantis, ZZ", "Lyon, FR").replace(",7\n", ",4\n").encode())
    good.name = "cohort.csv"
    r = c.post(url, {"file": good})
    assert r.status_code == 302
    assert Person.objects.filter(name__startswith="New ").count() == 2


def test_responses_export_only_readable_people(cohort: dict[str, Any], programme: Any) -> None:
    url = reverse("capacity:responses-export", args=[programme.slug, "csv"])

    def names(who: str) -> set[str]:
        r = client_for(cohort["who"][who]).get(url)
        assert r.status_code == 200
        return {row["person"] for row in csv.DictReader(io.StringIO(r.content.decode()))}

    assert names("organiser") == {f"{c}-{i}" for c in ("geneva", "lyon") for i in range(5)}
    assert names("manager") == {f"geneva-{i}" for i in range(5)}
    assert names("participant") == {"geneva-0"}
    assert names("analyst") == set()


def test_cohort_export_has_no_individuals(cohort: dict[str, Any], programme: Any) -> None:
    url = reverse("capacity:cohort-export", args=[programme.slug, "csv"])
    text = client_for(cohort["who"]["analyst"]).get(url).content.decode()
    assert "geneva-" not in text and "Geneva (CH)" in text and "whole cohort" in text


def test_sessions_feed_and_attendance(cohort: dict[str, Any], programme: Any) -> None:
    c = client_for(cohort["who"]["organiser"])
    r = c.post(
        reverse("capacity:session-new", args=[programme.slug]),
        {
            "title": "Kick-off",
            "starts_at": "2026-01-10 13:00",
            "ends_at": "2026-01-10 15:00",
            "place": "online",
        },
    )
    assert r.status_code == 302
    s = Session.objects.get(programme=programme)
    feed = client_for(None).get(
        reverse("capacity:feed", args=[programme.slug, programme.feed_token])
    )
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(feed.content)
    events = [e for e in cal.walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["Masterclass: Kick-off"]
    assert (
        client_for(None).get(reverse("capacity:feed", args=[programme.slug, "wrong"])).status_code
        == 404
    )
    ids = [p.pk for p in cohort["people"]["geneva"][:3]]
    r = c.post(
        reverse("capacity:attendance", args=[programme.slug, s.pk]),
        {"present": [str(i) for i in ids]},
    )
    assert r.status_code == 302
    assert s.attendance.filter(present=True).count() == 3 and s.attendance.count() == 10


def test_mentoring_pairs_cross_cities(cohort: dict[str, Any], programme: Any) -> None:
    r = client_for(cohort["who"]["organiser"]).post(
        reverse("capacity:mentoring", args=[programme.slug])
    )
    assert r.status_code == 302
    pairs = list(programme.pairs.select_related("first", "second"))
    assert pairs and all(p.first.city_id != p.second.city_id for p in pairs)


def test_joint_statement_uses_declarations(
    cohort: dict[str, Any], programme: Any, users: dict[str, Any]
) -> None:
    programme.organisers.add(users["admin"])
    r = client_for(users["admin"]).post(
        reverse("capacity:statement", args=[programme.slug]),
        {"title": "Masterclass shared statement", "text": "We will cooperate."},
    )
    assert r.status_code == 302
    programme.refresh_from_db()
    d = programme.declaration
    assert d is not None and d.kind == "joint_statement" and d.is_draft
    assert set(d.participants.values_list("pk", flat=True)) == {
        cohort["geneva"].pk,
        cohort["lyon"].pk,
    }


def test_certificate_html_and_completion(cohort: dict[str, Any], programme: Any) -> None:
    me = cohort["people"]["geneva"][0]
    c = client_for(cohort["who"]["participant"])
    url = reverse("capacity:certificate", args=[programme.slug, me.pk])
    assert c.get(url + "?format=html").status_code == 404  # not completed yet
    client_for(cohort["who"]["organiser"]).post(
        reverse("capacity:complete", args=[programme.slug, me.pk])
    )
    html = c.get(url + "?format=html").content.decode()
    assert "Certificate of completion" in html and me.name in html


def test_programme_creation_by_organisers_only(cohort: dict[str, Any]) -> None:
    data = {"slug": "new-one", "name": "New", "start_date": "2026-05-01", "end_date": "2026-06-01"}
    assert (
        client_for(cohort["who"]["participant"])
        .post(reverse("capacity:programme-new"), data)
        .status_code
        == 403
    )
    r = client_for(cohort["who"]["organiser"]).post(reverse("capacity:programme-new"), data)
    assert r.status_code == 302
    bad = dict(data, slug="later", end_date="2026-01-01")
    assert (
        client_for(cohort["who"]["organiser"])
        .post(reverse("capacity:programme-new"), bad)
        .status_code
        == 422
    )


def test_demo_is_labelled_and_idempotent(geneva: Any, lyon: Any) -> None:
    from citydiplomacy.web.capacity import demo

    lines: list[str] = []
    demo.load_demo(lines.append)
    people = Person.objects.all()
    assert (
        people.count() == 11
    )  # Geneva 6 + Lyon 5 (the other demo cities are not in this registry)
    assert all(p.synthetic and "(synthetic)" in p.name for p in people)
    demo.load_demo(lines.append)
    assert Person.objects.count() == 11
    assert any("SYNTHETIC" in line for line in lines)
    programme = Programme.objects.get(slug=demo.PROGRAMME_SLUG)
    assert programme.synthetic and programme.sessions.count() == 3
    assert all(s.starts_at.date() >= programme.start_date for s in programme.sessions.all())


def test_certificate_pdf_is_printed(cohort: dict[str, Any], programme: Any) -> None:
    """The project's Chromium printer makes the PDF (text checked with pypdf)."""
    from pypdf import PdfReader

    from citydiplomacy.web.reports import printing

    me = cohort["people"]["geneva"][0]
    client_for(cohort["who"]["organiser"]).post(
        reverse("capacity:complete", args=[programme.slug, me.pk])
    )
    try:
        r = client_for(cohort["who"]["participant"]).get(
            reverse("capacity:certificate", args=[programme.slug, me.pk])
        )
    finally:
        printing.close()
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "Certificate of completion" in text and me.name in text


def test_hostile_numbers_are_refused_not_crashing(cohort: dict[str, Any], programme: Any) -> None:
    """Unicode digits ('²', Arabic-Indic) pass str.isdigit() but not int(): no 500."""
    c = client_for(cohort["who"]["organiser"])
    s = services.add_session(
        cohort["who"]["organiser"],
        programme,
        title="S",
        starts_at=dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 1, 10, 11, tzinfo=dt.UTC),
    )
    r = c.post(reverse("capacity:attendance", args=[programme.slug, s.pk]), {"present": ["²", "٣"]})
    assert r.status_code == 302 and s.attendance.filter(present=True).count() == 0
    survey = reverse("capacity:city-survey", args=[cohort["geneva"].pk])
    assert client_for(cohort["who"]["manager"]).get(survey + "?year=²٠٢٤").status_code == 200
    body = f"person,city,role,competency,level\nX,²,officer,{cohort['fw'].codes[0]},3\n"
    f = io.BytesIO(body.encode())
    f.name = "hostile.csv"
    r = c.post(reverse("capacity:programme-import", args=[programme.slug]), {"file": f})
    assert r.status_code == 422 and "hostile.csv:2:2:" in r.content.decode()
