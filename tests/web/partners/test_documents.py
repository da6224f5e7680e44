"""Partnership documents as files: who uploads, what is accepted, who downloads, and how."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import Document, Partnership
from tests.web.partners.test_permissions import ROLES, client_for, row

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def zip_of(members: dict[str, str]) -> bytes:
    """A ZIP archive holding ``members`` (name -> text), as DOCX and ODT files are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx() -> bytes:
    return zip_of({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def odt() -> bytes:
    return zip_of(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "content.xml": "<office:document-content/>",
        }
    )


def upload(client: Any, p: Partnership, name: str, content: bytes, **fields: Any) -> Any:
    data = {"title": "Memorandum", "url": "", "date": "2026-05-01", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(reverse("partners:add_document", args=[p.pk]), data)


# Uploading to the proposed Geneva-Lyon partnership: its parties' editors and the secretariat.
UPLOAD = row(302, 404, 403, 302, 302, 302)  # hidden from the public: 404


@pytest.mark.parametrize("who", ROLES)
def test_who_uploads(who: str, users: dict[str, Any], proposed: Partnership) -> None:
    client = client_for(users, who)
    response = upload(client, proposed, "mou.pdf", PDF)
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == UPLOAD[who]
    assert Document.objects.filter(partnership=proposed).exists() == (
        who in ("lyon_editor", "editor", "admin")
    )


def test_a_file_is_kept_under_a_name_of_ours_with_its_checksum(
    users: dict[str, Any], proposed: Partnership
) -> None:
    upload(client_for(users, "editor"), proposed, "../../etc/Mémo d'accord.pdf", PDF)
    doc = Document.objects.get(partnership=proposed)
    assert doc.file_name.endswith("Mémo d'accord.pdf")
    stored = Path(doc.file.path)
    assert stored.suffix == ".pdf" and "accord" not in stored.name and ".." not in doc.file.name
    assert stored.read_bytes() == PDF
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest() and doc.size == len(PDF)
    assert doc.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("a.pdf", PDF, "pdf"), ("a.docx", docx(), "docx"), ("a.odt", odt(), "odt")],
)
def test_accepted_kinds_are_told_by_content(
    name: str, content: bytes, kind: str, users: dict[str, Any], proposed: Partnership
) -> None:
    response = upload(client_for(users, "editor"), proposed, "renamed.bin", content)
    assert response.status_code == 302
    doc = Document.objects.get(partnership=proposed)
    assert doc.content_type == services.DOCUMENT_TYPES[kind][0]
    assert doc.file.name.endswith(services.DOCUMENT_TYPES[kind][1])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "Expected a PDF, Word (.docx)"),
        (b"PK\x03\x04 not really a zip", "Expected a PDF, Word (.docx)"),
        (b"MZ\x90\x00", "Expected a PDF, Word (.docx)"),
    ],
)
def test_other_files_are_refused_with_the_reason(
    content: bytes, message: str, users: dict[str, Any], proposed: Partnership
) -> None:
    response = upload(client_for(users, "editor"), proposed, "mou.pdf", content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Document.objects.exists()


def test_a_link_or_a_file_not_both_nor_neither(
    users: dict[str, Any], proposed: Partnership
) -> None:
    client = client_for(users, "editor")
    both = upload(client, proposed, "mou.pdf", PDF, url="https://example.org/mou.pdf")
    assert both.status_code == 400
    neither = client.post(
        reverse("partners:add_document", args=[proposed.pk]), {"title": "Memorandum"}
    )
    assert neither.status_code == 400
    assert "Give either the document" in neither.content.decode()
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused(
    users: dict[str, Any], proposed: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_DOCUMENT_BYTES", 10)
    response = upload(client_for(users, "editor"), proposed, "mou.pdf", PDF)
    assert response.status_code == 400
    assert "at most 20 MB are accepted" in response.content.decode()


# Downloading a document of the recorded (public) Lyon-Bonn twinning: everyone for an open
# document; the parties' editors (Lyon), analysts and the secretariat for a restricted one.
OPEN = row(200, 200, 200, 200, 200, 200)
RESTRICTED = row(404, 404, 200, 200, 404, 200)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("restricted", [False, True])
def test_who_downloads(
    who: str, restricted: bool, users: dict[str, Any], recorded: Partnership
) -> None:
    upload(client_for(users, "admin"), recorded, "mou.pdf", PDF, restricted="on" * restricted)
    doc = Document.objects.get(partnership=recorded)
    assert doc.restricted == restricted
    client = client_for(users, who)
    response = client.get(reverse("partners:document", args=[doc.pk]))
    expected = (RESTRICTED if restricted else OPEN)[who]
    assert response.status_code == expected
    page = client.get(reverse("partners:detail", args=[recorded.pk])).content.decode()
    assert (reverse("partners:document", args=[doc.pk]) in page) == (expected == 200)
    if expected == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


def test_documents_of_a_hidden_partnership_are_hidden(
    users: dict[str, Any], proposed: Partnership
) -> None:
    upload(client_for(users, "editor"), proposed, "mou.pdf", PDF)
    doc = Document.objects.get(partnership=proposed)
    # The proposal is visible to its parties only: a document of it is a 404 for the public.
    assert (
        client_for(users, "public").get(reverse("partners:document", args=[doc.pk])).status_code
        == 404
    )
    assert (
        client_for(users, "lyon_editor")
        .get(reverse("partners:document", args=[doc.pk]))
        .status_code
        == 200
    )


def test_links_stay_links(users: dict[str, Any], recorded: Partnership) -> None:
    client = client_for(users, "admin")
    client.post(
        reverse("partners:add_document", args=[recorded.pk]),
        {"title": "Charter", "url": "https://example.org/charter"},
    )
    doc = Document.objects.get(partnership=recorded)
    response = client_for(users, "anonymous").get(reverse("partners:document", args=[doc.pk]))
    assert response.status_code == 302 and response["Location"] == "https://example.org/charter"


def test_an_absurd_document_id_is_a_404(users: dict[str, Any]) -> None:
    client = client_for(users, "public")
    assert client.get("/partners/documents/99999999999999999999999/").status_code == 404
