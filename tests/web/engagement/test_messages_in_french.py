"""Every kind of engagement action tells its outcome in the reader's language (issue 19,
item 7): the flash message after it, the refusal its service gives (shown as a message, at
the top of the form or at its field), and the 403 page of a refusal, in French for a French
reader and in English for an English one. The JSON API keeps its error messages in English
whatever the request's language, the same refusals included.

Before, these messages were plain English strings: a French reader saw English after every
action.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    Commitment,
    Event,
    ForumSession,
    Recommendation,
    Representative,
    Signature,
)
from tests.web import factories
from tests.web.engagement.conftest import sign_data
from tests.web.engagement.test_calendar_maintenance import event_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    users: dict[str, Any],
    reps: dict[str, Any],
    draft: Any,
    adopted: Any,
    events: dict[str, Any],
    geneva: Any,
    lyon: Any,
) -> dict[str, Any]:
    session = ForumSession.objects.create(
        event=events["fom"],
        title="Session",
        date=dt.date(2026, 10, 6),
        place="Geneva",
        source_url="https://unece.org/s",
    )
    rec = Recommendation.objects.create(session=session, text="Act.", addressed_to="UNECE")
    return {
        **users,
        **{f"rep_{k}": v.user for k, v in reps.items()},
        "reps": reps,
        "draft": draft,
        "adopted": adopted,
        "events": events,
        "geneva": geneva,
        "lyon": lyon,
        "rec": rec,
    }


def speaking(who: Any, language: str) -> Client:
    """A client logged in as ``who`` whose language cookie says ``language``."""
    client = Client()
    if who is not None:
        client.force_login(who)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


Action = Callable[[dict[str, Any], str], Any]


def _admin(w: dict[str, Any], lang: str) -> Client:
    return speaking(w["admin"], lang)


def record_event(w: dict[str, Any], lang: str) -> Any:
    return _admin(w, lang).post(
        reverse("engagement:event-new"), event_post(name="Summit"), follow=True
    )


def record_event_from_staging(w: dict[str, Any], lang: str) -> Any:
    bad = "https://drupal-main-staging.unece.org/x"
    return _admin(w, lang).post(reverse("engagement:event-new"), event_post(source_url=bad))


def edit_event(w: dict[str, Any], lang: str) -> Any:
    data = event_post(name="Renamed", start_date="2030-11-10", end_date="2030-11-21")
    return _admin(w, lang).post(
        reverse("engagement:event-edit", args=["cop-test"]), data, follow=True
    )


def cancel_event(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:event-cancel", args=["cop-test"])
    return _admin(w, lang).post(url, {"reason": "Postponed."}, follow=True)


def cancel_event_twice(w: dict[str, Any], lang: str) -> Any:
    services.cancel_event(w["admin"], Event.objects.get(slug="cop-test"), "Postponed.")
    return cancel_event(w, lang)


def create_draft(w: dict[str, Any], lang: str) -> Any:
    data = {"title": "A new text", "kind": "declaration", "summary": "", "text": "We agree."}
    return _admin(w, lang).post(reverse("engagement:declaration-new"), data, follow=True)


def add_version(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:version-new", args=[w["draft"].slug])
    return _admin(w, lang).post(url, {"text": "A new wording.", "note": "n"}, follow=True)


def add_same_version(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:version-new", args=[w["draft"].slug])
    text = w["draft"].current_version().text
    return _admin(w, lang).post(url, {"text": text, "note": ""})


def comment(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:comment", args=[w["draft"].slug])
    data = {"city": w["geneva"].pk, "kind": "comment", "text": "Good."}
    return speaking(w["editor"], lang).post(url, data, follow=True)


def comment_without_city(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:comment", args=[w["draft"].slug])
    return speaking(w["editor"], lang).post(url, {"kind": "comment", "text": "x"}, follow=True)


def comment_on_adopted(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:comment", args=[w["adopted"].slug])
    data = {"city": w["geneva"].pk, "kind": "comment", "text": "Late."}
    return speaking(w["editor"], lang).post(url, data, follow=True)


def adopt_twice(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:adopt", args=[w["adopted"].slug])
    return _admin(w, lang).post(url, follow=True)


def adopt(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:adopt", args=[w["draft"].slug])
    return _admin(w, lang).post(url, follow=True)


def sign(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:sign", args=[w["adopted"].slug])
    client = speaking(w["rep_geneva"], lang)
    return client.post(url, sign_data(w["adopted"], w["geneva"]), follow=True)


def sign_twice(w: dict[str, Any], lang: str) -> Any:
    services.sign(w["rep_geneva"], w["adopted"], w["geneva"])
    url = reverse("engagement:sign", args=[w["adopted"].slug])
    return speaking(w["rep_geneva"], lang).post(url, sign_data(w["adopted"], w["geneva"]))


def _signature(w: dict[str, Any]) -> Signature:
    return services.sign(w["rep_geneva"], w["adopted"], w["geneva"])


def withdraw(w: dict[str, Any], lang: str) -> Any:
    s = _signature(w)
    url = reverse("engagement:withdraw", args=[w["adopted"].slug, s.pk])
    return _admin(w, lang).post(url, {"reason": "Asked by the city."}, follow=True)


def withdraw_without_reason(w: dict[str, Any], lang: str) -> Any:
    s = _signature(w)
    url = reverse("engagement:withdraw", args=[w["adopted"].slug, s.pk])
    return _admin(w, lang).post(url, {"reason": ""}, follow=True)


def _pledge(city: Any, **extra: str) -> dict[str, Any]:
    return {
        "city": city.pk,
        "title": "More green area",
        "origin": "own",
        "measure": "EN-EN-PSN-1C",
        "baseline_year": "2020",
        "baseline_value": "100",
        "target_year": "2030",
        "target_value": "200",
        **extra,
    }


def record_commitment(w: dict[str, Any], lang: str) -> Any:
    client = speaking(w["editor"], lang)
    return client.post(reverse("engagement:commitment-new"), _pledge(w["geneva"]), follow=True)


def record_commitment_wrong_year(w: dict[str, Any], lang: str) -> Any:
    data = _pledge(w["geneva"], baseline_year="soon", target_year="2010")
    return speaking(w["editor"], lang).post(reverse("engagement:commitment-new"), data)


def record_commitment_for_another_city(w: dict[str, Any], lang: str) -> Any:
    data = _pledge(w["lyon"])  # the Geneva editor does not edit Lyon: the service's 403
    return speaking(w["editor"], lang).post(reverse("engagement:commitment-new"), data)


def _grant_data(w: dict[str, Any], username: str) -> dict[str, Any]:
    return {
        "username": username,
        "city": w["lyon"].pk,
        "title": "Deputy mayor",
        "capacity": "on behalf of the city",
        "until": "",
    }


def grant(w: dict[str, Any], lang: str) -> Any:
    factories.user(None, username="newcomer")
    data = _grant_data(w, "newcomer")
    return _admin(w, lang).post(reverse("engagement:representatives"), data, follow=True)


def grant_twice(w: dict[str, Any], lang: str) -> Any:
    data = _grant_data(w, "lyon-mayor")
    return _admin(w, lang).post(reverse("engagement:representatives"), data)


def grant_to_nobody(w: dict[str, Any], lang: str) -> Any:
    data = _grant_data(w, "nobody-here")
    return _admin(w, lang).post(reverse("engagement:representatives"), data)


def revoke(w: dict[str, Any], lang: str) -> Any:
    rep: Representative = w["reps"]["lyon"]
    url = reverse("engagement:representative-revoke", args=[rep.pk])
    return _admin(w, lang).post(url, follow=True)


def set_status(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:recommendation-status", args=[w["rec"].pk])
    return _admin(w, lang).post(url, {"status": "submitted", "note": ""}, follow=True)


def set_same_status(w: dict[str, Any], lang: str) -> Any:
    url = reverse("engagement:recommendation-status", args=[w["rec"].pk])
    return _admin(w, lang).post(url, {"status": w["rec"].status, "note": ""}, follow=True)


#: action -> what it shows in English, in French.
CASES: dict[str, tuple[Action, str, str]] = {
    "event recorded": (record_event, "Event recorded: Summit.", "Événement enregistré : Summit."),
    "event link refused": (
        record_event_from_staging,
        "is a staging (pre-production) address; give the organiser's public page",
        "est une adresse de préproduction (staging) ; donnez la page publique de l’organisateur",
    ),
    "event edited": (edit_event, "Event updated.", "Événement mis à jour."),
    "event cancelled": (
        cancel_event,
        "The event is marked as cancelled; it stays in the calendar.",
        "L’événement est marqué comme annulé ; il reste dans le calendrier.",
    ),
    "event cancelled twice": (
        cancel_event_twice,
        "The event is already cancelled.",
        "L’événement est déjà annulé.",
    ),
    "draft created": (create_draft, "Draft created (version 1).", "Projet créé (version 1)."),
    "version saved": (add_version, "Version 2 saved.", "Version 2 enregistrée."),
    "same version refused": (
        add_same_version,
        "The text is the same as the current version.",
        "Le texte est identique à la version actuelle.",
    ),
    "comment recorded": (
        comment,
        "Thank you: your contribution is recorded.",
        "Merci : votre contribution est enregistrée.",
    ),
    "comment without city": (
        comment_without_city,
        "Choose the city on whose behalf you comment.",
        "Choisissez la ville au nom de laquelle vous commentez.",
    ),
    "comment on adopted text": (
        comment_on_adopted,
        "Comments are taken on drafts only.",
        "Les commentaires ne portent que sur les projets.",
    ),
    "adopted": (
        adopt,
        "Adopted: the declaration is public and open for signature.",
        "Adoptée : la déclaration est publique et ouverte à la signature.",
    ),
    "adopted twice": (
        adopt_twice,
        "The declaration is already adopted.",
        "La déclaration est déjà adoptée.",
    ),
    "signed": (
        sign,
        "Signed on behalf of Geneva by Ada Genevois, Mayor of Geneva (version 1).",
        "Signée au nom de Geneva par Ada Genevois, Mayor of Geneva (version 1).",
    ),
    "signed twice": (
        sign_twice,
        "Geneva has already signed this declaration.",
        "Geneva a déjà signé cette déclaration.",
    ),
    "withdrawn": (
        withdraw,
        "The signature is withdrawn; the withdrawal is recorded.",
        "La signature est retirée ; le retrait est enregistré.",
    ),
    "withdrawal without reason": (
        withdraw_without_reason,
        "Reason: Give the reason for the withdrawal.",
        "Motif: Indiquez le motif du retrait.",
    ),
    "commitment recorded": (record_commitment, "Commitment recorded.", "Engagement enregistré."),
    "commitment years refused": (
        record_commitment_wrong_year,
        "baseline_year: expected a year such as 2030, found 'soon'",
        "baseline_year: attendu une année telle que 2030, trouvé 'soon'",
    ),
    "commitment for another city": (
        record_commitment_for_another_city,
        "You do not edit the data of Lyon.",
        "Vous ne modifiez pas les données de Lyon.",
    ),
    "representative granted": (
        grant,
        "newcomer may now sign on behalf of Lyon as Deputy mayor.",
        "newcomer peut désormais signer au nom de Lyon en tant que Deputy mayor.",
    ),
    "representative granted twice": (
        grant_twice,
        "lyon-mayor is already a representative of Lyon.",
        "lyon-mayor représente déjà Lyon.",
    ),
    "representative unknown": (
        grant_to_nobody,
        "User: no active account named 'nobody-here'.",
        "Utilisateur: aucun compte actif nommé 'nobody-here'.",
    ),
    "representative revoked": (
        revoke,
        "no longer signs for Lyon; signatures already given remain.",
        "ne signe plus pour Lyon ; les signatures déjà données restent.",
    ),
    "status recorded": (set_status, "Status recorded: Submitted.", "Statut enregistré : "),
    "same status refused": (
        set_same_status,
        "The recommendation is already Drafted.",
        "La recommandation a déjà le statut « ",
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("case", list(CASES))
def test_each_action_tells_its_outcome_in_the_reader_s_language(
    world: dict[str, Any], case: str, language: str
) -> None:
    action, english, french = CASES[case]
    shown = page(action(world, language))
    expected, other = (english, french) if language == "en" else (french, english)
    assert expected in shown, (case, language)
    assert other not in shown, (case, language)
    assert f'<html lang="{language}">' in shown


def test_a_refused_commitment_s_problems_stay_at_their_fields_in_french(
    world: dict[str, Any],
) -> None:
    """The field key before a service's message is not translated: the page still places
    each problem at its field."""
    shown = page(record_commitment_wrong_year(world, "fr"))
    assert shown.count("attendu une année telle que 2030") == 2  # at the field and at the top
    assert 'id="m-baseline-year-error"' in shown
    assert "l’année cible 2010 doit suivre l’année de référence" not in shown  # baseline unread
    shown = page(
        speaking(world["editor"], "fr").post(
            reverse("engagement:commitment-new"),
            _pledge(world["geneva"], baseline_year="2030", target_year="2010"),
        )
    )
    assert "target_year: l’année cible 2010 doit suivre l’année de référence 2030" in shown
    assert 'id="m-target-year-error"' in shown
    assert not Commitment.objects.exists()


def test_a_service_error_is_translated_when_shown_not_when_raised(world: dict[str, Any]) -> None:
    """One raised error reads in the language active where it is shown."""
    with pytest.raises(services.EngagementError) as err:
        services.record_commitment(world["editor"], world["geneva"], {"origin": "own"})
    with translation.override("fr"):
        french = err.value.messages
    with translation.override("en"):
        english = err.value.messages
        assert str(err.value) == "; ".join(english)
    assert "title: attendu une brève description de l’engagement" in french
    assert "title: expected a short description of the pledge" in english
    assert all(
        m.split(":", 1)[0] == e.split(":", 1)[0] for m, e in zip(french, english, strict=True)
    )


@pytest.mark.parametrize(
    ("refuse", "expected"),
    [
        (
            lambda w: services.cancel_event(
                w["admin"],
                services.cancel_event(w["admin"], Event.objects.get(slug="cop-test"), "Off."),
                "Again.",
            ),
            (400, "The event is already cancelled."),
        ),
        (
            lambda w: services.record_commitment(w["editor"], w["lyon"], {}),
            (403, "You do not edit the data of Lyon."),
        ),
        (
            lambda w: services.record_commitment(w["editor"], w["geneva"], {"origin": "own"}),
            (400, "title: expected a short description of the pledge"),
        ),
    ],
)
def test_the_api_answers_the_same_refusals_in_english_to_a_french_request(
    world: dict[str, Any], refuse: Callable[[dict[str, Any]], Any], expected: tuple[int, str]
) -> None:
    """The API's error handlers (every one of them) render a refusal's message in English,
    whatever language the request activated."""
    from citydiplomacy.web.api.api import api

    request = RequestFactory().get("/api/commitments", HTTP_ACCEPT_LANGUAGE="fr")
    try:
        refuse(world)
    except Exception as exc:  # the refusal under test
        with translation.override("fr"):
            assert str(exc) != expected[1]  # a page would show it in French
            response = api.on_exception(request, exc)
    else:  # pragma: no cover
        pytest.fail("not refused")
    body = json.loads(response.content)["error"]
    assert response.status_code == expected[0]
    assert expected[1] in body["message"].split("; ")


def test_the_api_s_errors_stay_english_over_http_with_a_french_browser(
    world: dict[str, Any],
) -> None:
    """A draft asked for through the API (refused as not found), with French asked."""
    client = Client()
    response = client.get(f"/api/declarations/{world['draft'].slug}", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"no declaration '{world['draft'].slug}'"
