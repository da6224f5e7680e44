"""The recognition tracker on the web: pages, upload permissions, API, CSV, demo, links."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from citydiplomacy.errors import DataError
from citydiplomacy.web.recognition import services
from citydiplomacy.web.recognition.models import Document, Paragraph, Reference, Text, Version
from tests.web import factories

ZERO = b"""The General Assembly,

Recalling the New Urban Agenda,

1. Promotes sustainable cities and human settlements;

2. Encourages Member States to act;

3. Decides to remain seized of the matter.
"""
REV1 = b"""The General Assembly,

Recalling the New Urban Agenda,

1. Promotes sustainable cities and human settlements, and invites local and regional governments to engage in the implementation;

2. Encourages Member States to act;

3. Notes the role of mayors in urban areas;

4. Decides to remain seized of the matter.
"""
FR = """L'Assemblée générale,

Rappelant le Nouveau Programme pour les villes,

1. Promeut des villes durables;

2. Encourage les États Membres à agir;

3. Prend note du rôle des maires dans les zones urbaines;

4. Décide de rester saisie de la question.
""".encode()
GERMAN = (
    "Die Generalversammlung erkennt die Rolle der Städte an und fordert die Staaten auf, "
    "mit den Gemeinden zusammenzuarbeiten, die auch für die Umsetzung zuständig sind."
).encode()


@pytest.fixture
def doc(db: Any) -> dict[str, Any]:
    document = services.document_for("A/TEST/1", "Synthetic test resolution (test data)")
    zero = services.version_for(document, "zero draft", dt.date(2025, 1, 1))
    rev1 = services.version_for(document, "rev.1", dt.date(2025, 2, 1))
    t0 = services.import_text(zero, ZERO, "zero.txt", lang="en", source_url="https://example.org/0")
    t1 = services.import_text(rev1, REV1, "rev1.txt", source_url="https://example.org/1")
    tf = services.import_text(rev1, FR, "rev1.fr.txt")
    return {"document": document, "zero": zero, "rev1": rev1, "t0": t0, "t1": t1, "tf": tf}


def login(client: Client, user: Any) -> Client:
    if user is not None:
        client.force_login(user)
    return client


# -- import --------------------------------------------------------------------------------


def test_import_stores_paragraphs_references_and_provenance(doc: dict[str, Any]) -> None:
    t1: Text = doc["t1"]
    assert t1.lang == "en" and t1.file_format == "txt" and len(t1.sha256) == 64
    assert [p.key for p in t1.paragraphs.all()] == ["PP1", "PP2", "1", "2", "3", "4"]
    refs = list(t1.references.values_list("term", "code"))
    assert ("local and regional governments", "actor") in refs
    assert ("mayors", "actor") in refs
    assert t1.references_count == len(refs) == t1.profile["references"]
    assert doc["tf"].lang == "fr"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (GERMAN, "de.txt", "German"),
        (b"%PDF-1.4\nbroken", "x.pdf", "cannot read the PDF"),
        ("Les collectivités territoriales ".encode("latin-1") * 10, "l1.txt", "UTF-8"),
    ],
)
def test_refused_file_stores_nothing(
    doc: dict[str, Any], data: bytes, name: str, message: str
) -> None:
    before = (Text.objects.count(), Paragraph.objects.count(), Reference.objects.count())
    with pytest.raises(DataError, match=message):
        services.import_text(doc["zero"], data, name)
    assert (Text.objects.count(), Paragraph.objects.count(), Reference.objects.count()) == before


def test_control_characters_are_dropped_before_storing(doc: dict[str, Any]) -> None:
    # PostgreSQL cannot store NUL in text: a file carrying one must not give a 500
    data = REV1.replace(b"Encourages", b"Encou\x00rages\x0c")
    rev2 = services.version_for(doc["document"], "rev.2")
    text = services.import_text(rev2, data, "nul.txt", lang="en")
    assert "\x00" not in text.body and "Encourages" in text.body


def test_a_second_text_in_the_same_language_is_refused(doc: dict[str, Any]) -> None:
    with pytest.raises(DataError, match="already has a en text"):
        services.import_text(doc["zero"], ZERO, "again.txt", lang="en")


# -- permission matrix for uploads -------------------------------------------------------------

WHO = ["anonymous", "public", "editor", "analyst", "admin"]


def _user(who: str, users: dict[str, Any]) -> Any:
    return None if who == "anonymous" else users[who]


@pytest.mark.parametrize("who", WHO)
def test_upload_page_permissions(who: str, users: dict[str, Any], client: Client) -> None:
    response = login(client, _user(who, users)).get(reverse("recognition:upload"))
    expected = {"anonymous": 302, "public": 403, "editor": 403, "analyst": 200, "admin": 200}
    assert response.status_code == expected[who]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", WHO)
def test_upload_post_permissions(who: str, users: dict[str, Any], client: Client) -> None:
    data = {
        "symbol": "A/TEST/2",
        "title": "Another synthetic resolution (test data)",
        "version": "zero draft",
        "stage": "draft",
        "lang": "",
        "source_url": "https://example.org/t",
        "file": SimpleUploadedFile("t.txt", REV1, content_type="text/plain"),
    }
    response = login(client, _user(who, users)).post(reverse("recognition:upload"), data)
    allowed = who in ("analyst", "admin")
    assert Document.objects.filter(symbol="A/TEST/2").exists() == allowed
    if allowed:
        text = Text.objects.get(version__document__symbol="A/TEST/2")
        assert response.status_code == 302 and response["Location"] == text.get_absolute_url()
        assert text.created_by == users[who]
    else:
        assert response.status_code in (302, 403)


@pytest.mark.parametrize(
    ("data", "name"),
    [(GERMAN, "de.txt"), (b"%PDF-1.4\n%%EOF", "scan.pdf")],
)
def test_upload_of_a_bad_file_shows_the_error_and_stores_nothing(
    users: dict[str, Any], client: Client, data: bytes, name: str
) -> None:
    response = login(client, users["analyst"]).post(
        reverse("recognition:upload"),
        {
            "symbol": "A/TEST/3",
            "title": "New (test data)",
            "version": "zero draft",
            "stage": "draft",
            "file": SimpleUploadedFile(name, data),
        },
    )
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not Document.objects.filter(symbol="A/TEST/3").exists()
    assert not Version.objects.filter(document__symbol="A/TEST/3").exists()


def test_upload_form_errors_for_missing_fields(users: dict[str, Any], client: Client) -> None:
    response = login(client, users["admin"]).post(
        reverse("recognition:upload"),
        {"version": "x", "stage": "draft", "source_url": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"symbol", "file", "source_url"} <= set(form.errors)


# -- pages ----------------------------------------------------------------------------------------


def test_pages_render_for_the_public(doc: dict[str, Any], client: Client) -> None:
    t0, t1 = doc["t0"], doc["t1"]
    assert client.get(reverse("recognition:documents")).status_code == 200
    page = client.get(doc["document"].get_absolute_url())
    assert page.status_code == 200 and b"zero draft" in page.content
    profile = client.get(t1.get_absolute_url()).content.decode()
    # the highlighted reference says its code and category in text, not colour alone
    assert "[actor · local_government]" in profile
    assert "Strongest formulation" in profile
    compare = client.get(reverse("recognition:compare"), {"old": t0.pk, "new": t1.pk})
    body = compare.content.decode()
    assert compare.status_code == 200
    assert "strengthened" in body and "added" in body and "{+" in body
    languages = client.get(reverse("recognition:languages", args=[doc["rev1"].pk]))
    assert languages.status_code == 200


def test_compare_bad_input_is_a_400_or_404_not_a_500(doc: dict[str, Any], client: Client) -> None:
    url = reverse("recognition:compare")
    assert client.get(url, {"old": "x", "new": "1"}).status_code == 400
    assert client.get(url, {"old": 99999999999, "new": 1}).status_code == 400
    assert client.get(url, {"old": 2147483647, "new": doc["t1"].pk}).status_code == 404
    mixed = client.get(url, {"old": doc["t1"].pk, "new": doc["tf"].pk})
    assert mixed.status_code == 400 and b"one language" in mixed.content


def test_references_csv(doc: dict[str, Any], client: Client) -> None:
    response = client.get(reverse("recognition:text-csv", args=[doc["t1"].pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {"paragraph", "term", "category", "code", "cue"} <= set(rows[0])
    assert len(rows) == doc["t1"].references_count
    everything = client.get(reverse("recognition:references-csv"))
    all_rows = list(csv.DictReader(io.StringIO(b"".join(everything.streaming_content).decode())))
    assert len(all_rows) == Reference.objects.count()


# -- API ---------------------------------------------------------------------------------------------


def test_api_documents_text_and_compare(doc: dict[str, Any], client: Client) -> None:
    listing = client.get("/api/recognition/documents").json()
    assert listing["count"] == 1
    assert [v["label"] for v in listing["results"][0]["versions"]] == ["zero draft", "rev.1"]
    text = client.get(f"/api/recognition/texts/{doc['t1'].pk}").json()
    assert text["profile"]["references"] == len(text["references"])
    assert {"paragraph", "term", "category", "code", "cue"} <= set(text["references"][0])
    result = client.get(
        "/api/recognition/compare", {"old": doc["t0"].pk, "new": doc["t1"].pk}
    ).json()
    assert result["recognition"]["strengthened"] == 1


def test_api_errors_use_the_one_shape(doc: dict[str, Any], client: Client) -> None:
    missing = client.get("/api/recognition/texts/2147483647")
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404
    mixed = client.get("/api/recognition/compare", {"old": doc["t1"].pk, "new": doc["tf"].pk})
    assert mixed.status_code == 400 and "one language" in mixed.json()["error"]["message"]
    bad = client.get("/api/recognition/compare", {"old": 0, "new": 1})
    assert bad.status_code == 422 and bad.json()["error"]["code"]


def test_openapi_lists_the_recognition_paths(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/recognition/documents",
        "/api/recognition/documents/{document_id}",
        "/api/recognition/texts/{text_id}",
        "/api/recognition/compare",
    } <= set(paths)


# -- link from the calendar ---------------------------------------------------------------------------


def test_city_page_lists_texts_negotiated_at_events_it_hosted(
    doc: dict[str, Any], geneva: Any, client: Client
) -> None:
    from citydiplomacy.web.engagement.models import Event

    event = Event.objects.create(
        slug="test-summit",
        name="Test summit (test data)",
        kind="other",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2025, 1, 2),
        place="Geneva",
        host_city=geneva,
        organiser="Test",
        source_url="https://example.org/e",
    )
    document = doc["document"]
    document.event = event
    document.save()
    page = client.get(reverse("cities:detail", args=[geneva.pk]))
    assert page.status_code == 200
    assert "Texts negotiated here" in page.content.decode()
    assert document.get_absolute_url() in page.content.decode()
    detail = client.get(document.get_absolute_url()).content.decode()
    assert event.name in detail


# -- CLI import -----------------------------------------------------------------------------------------


def test_cli_import_is_all_or_nothing(db: Any, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from citydiplomacy.cli import main

    good = tmp_path / "rev1.txt"
    good.write_bytes(REV1)
    result = CliRunner().invoke(
        main,
        ["recognition", "import", str(good), "--symbol", "A/TEST/9", "--title", "T (test data)",
         "--version", "rev.1", "--date", "2025-02-01", "--source-url", "https://example.org/9"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Text.objects.filter(version__document__symbol="A/TEST/9", lang="en").exists()
    bad = tmp_path / "de.txt"
    bad.write_bytes(GERMAN)
    result = CliRunner().invoke(
        main,
        ["recognition", "import", str(bad), "--symbol", "A/TEST/10", "--title", "T",
         "--version", "zero"],
    )  # fmt: skip
    assert result.exit_code == 2 and "German" in result.stderr
    assert not Document.objects.filter(symbol="A/TEST/10").exists()


def test_factories_are_importable() -> None:
    assert callable(factories.user)


def test_upload_links_the_document_to_an_event_and_hides_draft_declarations(
    users: dict[str, Any], client: Client, geneva: Any
) -> None:
    from citydiplomacy.web.engagement.models import Declaration, Event

    event = Event.objects.create(
        slug="test-forum",
        name="Test forum (test data)",
        kind="other",
        start_date=dt.date(2025, 3, 1),
        end_date=dt.date(2025, 3, 2),
        place="Geneva",
        host_city=geneva,
        organiser="Test",
        source_url="https://example.org/f",
    )
    draft = Declaration.objects.create(slug="secret-draft", title="Secret draft (test data)")
    login(client, users["analyst"])
    form = client.get(reverse("recognition:upload")).content.decode()
    assert "Test forum (test data)" in form and "Secret draft" not in form
    response = client.post(
        reverse("recognition:upload"),
        {
            "symbol": "A/TEST/5",
            "title": "Linked (test data)",
            "version": "adopted",
            "stage": "adopted",
            "event": event.pk,
            "declaration": draft.pk,  # not offered: refused by the form
            "file": SimpleUploadedFile("t.txt", REV1),
        },
    )
    assert response.status_code == 400 and "declaration" in response.context["form"].errors
    response = client.post(
        reverse("recognition:upload"),
        {
            "symbol": "A/TEST/5",
            "title": "Linked (test data)",
            "version": "adopted",
            "stage": "adopted",
            "event": event.pk,
            "file": SimpleUploadedFile("t.txt", REV1),
        },
    )
    assert response.status_code == 302
    assert Document.objects.get(symbol="A/TEST/5").event == event
    city_page = client.get(reverse("cities:detail", args=[geneva.pk])).content.decode()
    assert "A/TEST/5" in city_page and "Test forum (test data)" in city_page


def test_pages_pass_the_accessibility_audit(
    doc: dict[str, Any], users: dict[str, Any], client: Client
) -> None:
    from tests.web.engagement.test_accessibility import audit

    login(client, users["analyst"])
    pages = [
        reverse("recognition:documents"),
        reverse("recognition:upload"),
        doc["document"].get_absolute_url(),
        doc["t1"].get_absolute_url(),
        doc["t1"].get_absolute_url() + "?all=1",
        reverse("recognition:compare") + f"?old={doc['t0'].pk}&new={doc['t1'].pk}&all=1",
        reverse("recognition:languages", args=[doc["rev1"].pk]) + "?all=1",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        audit(response.content.decode())


def test_user_lexicon_from_the_settings(doc: dict[str, Any], settings: Any, tmp_path: Any) -> None:
    extra = tmp_path / "boroughs.csv"
    extra.write_text("term,category,lemma,pattern,notes\nborough,town,,,London usage\n")
    rev3 = services.version_for(doc["document"], "rev.3")
    plain = services.import_text(
        rev3, b"1. Invites the borough councils to act.", "a.txt", lang="en"
    )
    assert plain.references_count == 0
    settings.CITYDIPLOMACY_RECOGNITION_LEXICONS = [str(extra)]
    rev4 = services.version_for(doc["document"], "rev.4")
    text = services.import_text(
        rev4, b"1. Invites the borough councils to act.", "b.txt", lang="en"
    )
    assert list(text.references.values_list("term", "category")) == [("borough", "town")]
