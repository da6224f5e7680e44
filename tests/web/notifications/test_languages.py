"""Notifications in the reader's language (issue 19, item 3): a notification stores what it is
about (``params``), and is worded when it is read: a French inbox, the API and the inbox's
exports show every kind in French (dates and city names in French too); each e-mail is
written in its recipient's language, chosen on the preferences page; a row written before
``params`` existed still shows the English text it stored."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from citydiplomacy.web.engagement import services as engagement
from citydiplomacy.web.engagement.models import (
    Deadline,
    Declaration,
    DeclarationVersion,
    Event,
    ForumSession,
    Recommendation,
)
from citydiplomacy.web.indicators import services as indicators
from citydiplomacy.web.indicators.models import KpiValue, Status
from citydiplomacy.web.notifications import reporting, services, wording
from citydiplomacy.web.notifications.models import (
    Frequency,
    Kind,
    Notification,
    NotificationSettings,
    ReportingDeadline,
)
from citydiplomacy.web.notifications.wording import render
from citydiplomacy.web.partners import services as partners
from tests.web import factories
from tests.web.export_checks import csv_rows

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 1, 20)


@pytest.fixture(autouse=True)
def _read_on_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notifications are read on TODAY (a reporting notice counts its days on the day read)."""
    monkeypatch.setattr(wording, "_today", lambda: TODAY)


def client_in(user: Any, lang: str) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = lang
    return c


# ------------------------------------------------------------------ every kind, written for real
def _partnership(users: dict[str, Any], geneva: Any, lyon: Any) -> Any:
    # Lyon proposes: Geneva's editor is told, Geneva named in French ("Genève")
    partners.propose(
        users["lyon_editor"], partners.Proposal(city_ids=[lyon.pk, geneva.pk], title="Clean air")
    )
    return users["editor"]


def _no_editor(users: dict[str, Any], geneva: Any, lyon: Any) -> Any:
    bonn = factories.city("Bonn", "DE")
    partners.propose(
        users["editor"], partners.Proposal(city_ids=[geneva.pk, bonn.pk], title="Rhine")
    )
    return users["admin"]


def _declaration(users: dict[str, Any], geneva: Any, lyon: Any) -> Any:
    mayor = factories.user(None, username="geneva-mayor")
    engagement.grant_representative(
        users["admin"], mayor, geneva, title="Mayor", capacity="on behalf of the city"
    )
    d = Declaration.objects.create(slug="air", title="Clean air")
    DeclarationVersion.objects.create(declaration=d, number=1, text="We act.")
    engagement.adopt(users["admin"], d)
    return mayor


def _event_deadline(users: dict[str, Any], geneva: Any, lyon: Any) -> Any:
    event = Event.objects.create(
        slug="e",
        name="Forum",
        kind="other",
        start_date=TODAY + dt.timedelta(days=30),
        end_date=TODAY + dt.timedelta(days=30),
        place="Geneva",
        organiser="UNECE",
        source_url="https://x.org/",
    )
    event.cities.add(geneva)
    Deadline.objects.create(
        event=event,
        kind="registration",
        title="Registration closes",
        due_date=dt.date(2027, 2, 1),
        source_url="https://x.org/",
    )
    services.deadlines_coming(TODAY)
    return users["editor"]


def _reporting(users: dict[str, Any], geneva: Any, lyon: Any) -> Any:
    ReportingDeadline.objects.create(year=2026, due_date=dt.date(2027, 1, 31), notice_days=14)
    reporting.notify_coming(TODAY)
    return users["editor"]


def _recommendation(users: dict[str, Any], geneva: Any, lyon: Any) -> Any:
    session = ForumSession.objects.create(
        title="Forum", date=dt.date(2025, 10, 6), place="Geneva", source_url="https://x.org/"
    )
    session.cities.add(geneva)
    rec = Recommendation.objects.create(session=session, text="Fund cities", addressed_to="UN")
    engagement.set_recommendation_status(users["admin"], rec, "submitted", "sent")
    return users["editor"]


def _values(users: dict[str, Any], geneva: Any) -> None:
    rows = [
        indicators.Row(geneva.pk, 2023, m, m, "", 50.0 + i, "%", "s", "", False)
        for i, m in enumerate(["EC-ICT-ICT-1C", "EC-ICT-ICT-2C"])
    ]
    indicators.write_values(users["editor"], rows, via="test")


def _verified(users: dict[str, Any], geneva: Any, lyon: Any) -> Any:
    _values(users, geneva)
    indicators.set_status(users["admin"], KpiValue.objects.all(), Status.VERIFIED, via="test")
    return users["editor"]


def _queried(users: dict[str, Any], geneva: Any, lyon: Any) -> Any:
    _verified(users, geneva, lyon)
    indicators.set_status(
        users["admin"], KpiValue.objects.all()[:1], Status.SELF_REPORTED, via="test"
    )
    return users["editor"]


Producer = Callable[[dict[str, Any], Any, Any], Any]

#: Each kind: how it is written, its French subject and a French part of its body; its
#: English subject.
CASES: dict[str, tuple[Producer, str, str, str]] = {
    Kind.PARTNERSHIP_TO_CONFIRM: (
        _partnership,
        "Genève : confirmez le partenariat « Clean air »",
        "Il est confirmé lorsque toutes les villes parties l’ont confirmé.",
        "Geneva: confirm the partnership “Clean air”",
    ),
    Kind.PARTNER_WITHOUT_EDITOR: (
        _no_editor,
        "Bonn n’a pas d’éditeur pour confirmer « Rhine »",
        "qui n’a pas d’éditeur sur la plateforme",
        "Bonn has no editor to confirm “Rhine”",
    ),
    Kind.DECLARATION_OPEN: (
        _declaration,
        "Ouverte à la signature : Clean air",
        "est adoptée et ouverte à la signature",
        "Open for signature: Clean air",
    ),
    Kind.DEADLINE_COMING: (
        _event_deadline,
        "Échéance du 1er févr. 2027 : Registration closes",
        "Échéance (Inscription) de Forum",
        "Deadline 1 Feb 2027: Registration closes",
    ),
    Kind.REPORTING_DEADLINE: (
        _reporting,
        "Données d’indicateurs de 2026 attendues le 31 janv. 2027 (dans 11 jours)",
        "Vos villes : Genève.",
        "KPI data for 2026 due 31 Jan 2027 (in 11 days)",
    ),
    Kind.RECOMMENDATION_STATUS: (
        _recommendation,
        "Recommandation désormais « Transmise » : Fund cities",
        "a désormais le statut « Transmise ». Note : sent",
        "Recommendation now Submitted: Fund cities",
    ),
    Kind.DATA_VERIFIED: (
        _verified,
        "Genève 2023 : 2 valeurs vérifiées",
        "Le secrétariat a vérifié 2 valeurs d’indicateurs de Genève pour 2023.",
        "Geneva 2023: 2 values verified",
    ),
    Kind.DATA_QUERIED: (
        _queried,
        "Genève 2023 : 1 valeur mise en question (vérification retirée)",
        "Vérifiez les valeurs et leurs sources, et répondez au secrétariat.",
        "Geneva 2023: 1 value queried (verification withdrawn)",
    ),
}


def test_every_kind_has_a_case() -> None:
    assert set(CASES) == set(Kind.values)


@pytest.mark.parametrize("kind", list(CASES))
def test_a_french_reader_sees_every_kind_in_french(
    kind: str,
    users: dict[str, Any],
    geneva: Any,
    lyon: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    produce, subject, body_part, english = CASES[kind]
    with django_capture_on_commit_callbacks(execute=True):
        reader = produce(users, geneva, lyon)
    (n,) = Notification.objects.filter(user=reader, kind=kind)
    # what it is about is stored, not its words
    assert n.params and n.legacy_subject == n.legacy_body == ""
    assert n.subject == english  # the tests' active language is English
    fr = client_in(reader, "fr")
    page = html.unescape(fr.get("/notifications/").content.decode())
    assert subject in page and body_part in page
    assert english not in page
    (api,) = [r for r in fr.get("/api/notifications").json()["results"] if r["id"] == n.pk]
    assert api["subject"] == subject and body_part in api["body"]
    assert api["kind"] == kind and api["params"] == n.params
    (row,) = [r for r in csv_rows(fr.get("/notifications/export.csv")) if r["subject"] == subject]
    assert body_part in row["body"]
    # the same row, read by an English page
    en = html.unescape(client_in(reader, "en").get("/notifications/").content.decode())
    assert english in en and subject not in en


# ------------------------------------------------------------------ old rows
def test_a_row_without_params_shows_its_stored_english_text(users: dict[str, Any]) -> None:
    old = Notification.objects.create(
        user=users["editor"],
        kind=Kind.DATA_VERIFIED,
        legacy_subject="Geneva 2023: 3 value(s) verified",
        legacy_body="The secretariat verified 3 KPI value(s) of Geneva for 2023.",
        link="/cities/2660646/",
        key="values:verify:1",
    )
    assert old.params is None
    fr = client_in(users["editor"], "fr")
    page = html.unescape(fr.get("/notifications/").content.decode())
    assert "Geneva 2023: 3 value(s) verified" in page and "3 KPI value(s) of Geneva" in page
    (api,) = fr.get("/api/notifications").json()["results"]
    assert api["subject"] == old.legacy_subject and api["params"] is None
    (row,) = csv_rows(fr.get("/notifications/export.csv"))
    assert row["subject"] == old.legacy_subject and row["body"] == old.legacy_body


def test_unreadable_params_fall_back_to_the_stored_text() -> None:
    assert render("data_verified", {"city": 1}, "old subject", "old body").subject == "old subject"
    assert render("no_such_kind", {}, "s", "b").body == "b"


# ------------------------------------------------------------------ e-mails
def _daily(user: Any, key: str) -> None:
    services.set_preferences(user, {Kind.DATA_VERIFIED: Frequency.DAILY})
    services.notify(
        [user],
        Kind.DATA_VERIFIED,
        {"city": 2660646, "city_name": "Geneva", "year": 2023, "count": 3},
        link="/cities/2660646/",
        key=key,
    )


@pytest.mark.parametrize("active", ["en", "fr"])
def test_one_digest_run_writes_each_recipients_language(
    active: str, users: dict[str, Any], settings: Any
) -> None:
    english, french = users["editor"], users["lyon_editor"]
    services.set_preferences(french, {}, "fr")
    for user in (english, french):
        _daily(user, f"k-{user.pk}")
    with translation.override(active):  # whatever the run's own language
        report = services.send_digests(timezone.now())
    assert report.users == 2
    sent = {m.to[0]: m for m in mail.outbox}
    en, fr = sent[english.email], sent[french.email]
    assert en.subject == "[citydiplomacy] Your daily digest: 1 notification"
    assert "Geneva 2023: 3 values verified" in en.body
    assert "The secretariat verified 3 KPI values of Geneva for 2023." in en.body
    assert "Choose which notifications you receive, and how often: /notifications/preferences/" in (
        en.body
    )
    assert fr.subject == "[citydiplomacy] Votre résumé quotidien : 1 notification"
    assert "Vos notifications depuis le dernier résumé (1) :" in fr.body
    assert "Genève 2023 : 3 valeurs vérifiées" in fr.body
    assert "Le secrétariat a vérifié 3 valeurs d’indicateurs de Genève pour 2023." in fr.body
    assert "Choisissez les notifications que vous recevez" in fr.body
    assert "verified" not in fr.body and "Genève" not in en.body
    # idempotent as before: a second run sends nothing
    assert services.send_digests(timezone.now()).notifications == 0
    assert len(mail.outbox) == 2


def test_an_immediate_e_mail_is_in_the_recipients_language(
    users: dict[str, Any], geneva: Any, lyon: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.set_preferences(users["editor"], {}, "fr")
    with django_capture_on_commit_callbacks(execute=True):
        _partnership(users, geneva, lyon)
    (m,) = mail.outbox
    assert m.to == [users["editor"].email]
    assert m.subject == "[citydiplomacy] Genève : confirmez le partenariat « Clean air »"
    assert "Un partenariat dont Genève est partie a été proposé" in m.body


def test_without_a_choice_e_mails_are_in_the_sites_language(
    users: dict[str, Any], settings: Any
) -> None:
    assert services.email_languages([users["editor"].pk]) == {users["editor"].pk: "en"}
    settings.LANGUAGE_CODE = "fr"
    assert services.email_languages([users["editor"].pk]) == {users["editor"].pk: "fr"}


# ------------------------------------------------------------------ the preferences page
def _form(lang: str | None = None) -> dict[str, str]:
    data = dict.fromkeys(Kind.values, Frequency.IMMEDIATELY.value)
    if lang is not None:
        data["language"] = lang
    return data


def _chosen_language(page: str) -> str:
    """The selected option of the e-mail language field; each option names its ``lang``."""
    field = re.search(r'<select name="language" id="id_language">(.*?)</select>', page, re.S)
    assert field is not None
    options = re.findall(r"<option ([^>]*)>", field.group(1))
    assert all(re.search(r'\blang="(en|fr)"', o) for o in options), options
    (chosen,) = [re.search(r'value="(\w+)"', o).group(1) for o in options if "selected" in o]
    return chosen


def test_the_language_defaults_to_the_pages_and_is_saved(users: dict[str, Any]) -> None:
    editor = users["editor"]
    fr = client_in(editor, "fr")
    page = fr.get("/notifications/preferences/").content.decode()
    assert '<label for="id_language">Langue de vos courriels de notification</label>' in page
    assert _chosen_language(page) == "fr"  # the page's language, nothing saved yet
    assert not NotificationSettings.objects.exists()
    # a form sent without the field saves the page's language
    assert fr.post("/notifications/preferences/", _form()).status_code == 302
    assert services.email_language(editor) == "fr"
    assert (
        "Vos préférences de notification sont enregistrées."
        in fr.get("/notifications/preferences/").content.decode()
    )
    # an English page shows the saved choice, and a chosen language is kept
    en = client_in(editor, "en")
    assert _chosen_language(en.get("/notifications/preferences/").content.decode()) == "fr"
    assert en.post("/notifications/preferences/", _form("en")).status_code == 302
    assert NotificationSettings.objects.get(user=editor).language == "en"


def test_an_unknown_language_is_refused_at_the_field(users: dict[str, Any]) -> None:
    c = client_in(users["editor"], "en")
    response = c.post("/notifications/preferences/", _form("de"))
    assert response.status_code == 400 and "language" in response.context["form"].errors
    assert not NotificationSettings.objects.exists()
    with pytest.raises(ValueError):
        services.set_preferences(users["editor"], {}, "de")
