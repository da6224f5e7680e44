"""Hostile text on the pages: NUL, other control characters and lone surrogates are a 400 with
a readable page (the middleware), never a 500, on SQLite and PostgreSQL alike.

PostgreSQL refuses NUL in text, so before the middleware any view that filtered on a query
parameter answered 500 to ``?tag=%00`` (nine endpoints, anonymous ``/events/`` among them).
Uploaded files are checked where they are read: a NUL in a note is an error at its cell in
the preview, and such a submission can never be committed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from citydiplomacy.core.text import forbidden_character
from citydiplomacy.web.indicators.models import KpiValue, Submission, SubmissionStatus

pytestmark = pytest.mark.django_db

#: Public pages whose query parameters reach a database filter (each answered 500 on
#: PostgreSQL to a NUL before the middleware).
PAGES_WITH_FILTERS = [
    "/events/?tag={}",
    "/events/?kind={}",
    "/cities/autocomplete/?q={}",
    "/partners/?city={}",
    "/commitments/?status={}",
    "/declarations/?page={}",
]


def _exists(client: Client, url: str) -> bool:
    return client.get(url.format("x")).status_code < 500


@pytest.mark.parametrize("url", PAGES_WITH_FILTERS)
@pytest.mark.parametrize("character", ["%00", "%01", "%1B", "%7F"])
def test_a_control_character_in_a_query_is_a_readable_400(
    geneva: Any, url: str, character: str
) -> None:
    client = Client()
    assert _exists(client, url), f"{url} is not a page"
    response = client.get(url.format("a" + character + "b"))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "contains a control character (U+" in page
    assert "\x00" not in page


def test_the_issue_case_anonymous_events_tag_nul() -> None:
    response = Client().get("/events/?tag=%00")
    assert response.status_code == 400
    assert "The query parameter &#x27;tag&#x27; contains a control character (U+0000)" in (
        response.content.decode()
    )


@pytest.mark.parametrize("path", ["/events/%00/", "/declarations/a%00b/", "/cities/%0A/"])
def test_a_control_character_in_the_path_is_a_400(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 400
    assert "The address contains a control character" in response.content.decode()


def test_a_control_character_in_a_parameter_name_is_a_400() -> None:
    assert Client().get("/events/?ta%00g=x").status_code == 400


def test_line_breaks_and_tabs_in_a_query_are_ordinary_text(geneva: Any) -> None:
    assert Client().get("/cities/?q=Gen%0Aeva%09").status_code == 200


def test_invalid_utf8_is_replaced_not_refused(geneva: Any) -> None:
    # A lone surrogate cannot arrive through a URL: Django decodes invalid UTF-8 (here the
    # UTF-8-style encoding of U+D800) to U+FFFD, which is ordinary text.
    assert Client().get("/cities/?q=%ED%A0%80").status_code == 200


def test_a_nul_in_a_form_field_is_an_error_at_the_field_and_changes_nothing(
    users: dict[str, Any],
) -> None:
    """The log-in form checks its fields (issue 14, item 3): the NUL is an error at the
    user name, the form is shown again, nobody is signed in and no failure is counted."""
    from axes.models import AccessAttempt

    client = Client()
    response = client.post(reverse("login"), {"username": "admin\x00", "password": "x"})
    assert response.status_code == 200
    assert "a control character (U+0000) at position 6" in " ".join(
        response.context["form"].errors["username"]
    )
    assert 'name="username"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists()
    users["admin"].refresh_from_db()
    assert users["admin"].last_login is None


def test_a_nul_in_a_form_field_of_a_view_that_does_not_check_it_is_a_400() -> None:
    """Views not marked as checking their form text keep the middleware's refusal."""
    response = Client().post(reverse("logout"), {"next": "/\x00"})
    assert response.status_code == 400
    assert "The form field &#x27;next&#x27; contains a control character (U+0000)" in (
        response.content.decode()
    )


def test_under_api_the_answer_is_the_json_error_shape() -> None:
    response = Client().get("/api/events?tag=%00")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "bad_request",
            "message": "The query parameter 'tag' contains a control character (U+0000) at "
            "position 1. Remove it and send the request again.",
        }
    }


def test_the_rule_is_one_for_every_layer() -> None:
    assert forbidden_character("a\x00") == "a control character (U+0000) at position 2"
    assert forbidden_character("\ud800") == "a lone UTF-16 surrogate (U+D800) at position 1"
    assert forbidden_character("\x85") is not None  # C1 control (NEL)
    assert forbidden_character("tab\tand\r\nbreaks, ünïcödé, 日本, 🙂") is None


# ------------------------------------------------------------------------- uploads
def _upload(client: Client, text: str) -> Any:
    f = SimpleUploadedFile("nul.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("indicators:upload"), {"file": f}, follow=True)


def test_a_nul_in_an_uploaded_note_is_an_error_at_its_cell(
    users: dict[str, Any], geneva: Any
) -> None:
    client = Client()
    client.force_login(users["editor"])
    text = (
        "city,country,year,kpi,data_point,value,unit,source,note\n"
        "Geneva,CH,2023,EC-ICT-ICT-1C,,84.5,% of households,OFS 2023,fine\n"
        "Geneva,CH,2024,EC-ICT-ICT-1C,,86,% of households,OFS 2024,bad\x00note\n"
    )
    response = _upload(client, text)
    assert response.status_code < 500
    text_of_page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    # The problems table: row 3 (row 1 is the header), column 9 (note), then the message.
    assert "3 9 the note contains a control character (U+0000) at position 4" in text_of_page
    sub = Submission.objects.get()
    assert sub.status != SubmissionStatus.READY
    commit = client.post(reverse("indicators:submission", args=[sub.pk]), {"action": "commit"})
    assert commit.status_code < 500
    assert not KpiValue.objects.exists(), "nothing is written"


#: Ids made of characters that ``str.isdigit`` accepts and ``int`` refuses (superscript two,
#: Arabic-Indic and full-width digits): an ``isdigit()`` check then ``int()`` was a 500.
NOT_ASCII_DIGITS = ["%C2%B2", "%D9%A3", "%EF%BC%93"]


@pytest.mark.parametrize("digits", NOT_ASCII_DIGITS)
@pytest.mark.parametrize(
    "url",
    [
        "/compare/?add=x&add_id={}",
        "/compare/export.csv?add=x&add_id={}",
        "/compare/?add={}",
        "/partners/export.csv?city=x&city_id={}",
        "/partners/?city=x&city_id={}",
        "/partners/suggest/?city=x&city_id={}",
        "/history/export.csv?city={}",
    ],
)
def test_digits_int_cannot_read_are_not_a_server_error(
    users: dict[str, Any], url: str, digits: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    assert client.get(url.format(digits)).status_code < 500


def test_confirming_with_a_superscript_digit_is_not_a_server_error(
    users: dict[str, Any], geneva: Any, lyon: Any
) -> None:
    from citydiplomacy.web.partners import services as partners

    proposal = partners.propose(
        users["editor"], partners.Proposal(city_ids=[geneva.pk, lyon.pk], title="R")
    )
    client = Client(raise_request_exception=False)
    client.force_login(users["lyon_editor"])
    resp = client.post(f"/partners/{proposal.pk}/confirm/", {"city": "\u00b2"})
    assert resp.status_code < 500
