"""A calendar event's page lists the recognition tracker's texts negotiated there (issue 17,
item 8): texts linked to the event, and texts linked to a declaration of the event that the
reader may see (a draft's text is not revealed through the event)."""

from __future__ import annotations

from typing import Any

import pytest

from citydiplomacy.web.engagement.models import Declaration, DeclarationStatus
from citydiplomacy.web.recognition.models import Document
from tests.web.engagement.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_event_page_lists_the_texts_negotiated_there(
    users: dict[str, Any], events: dict[str, Any], draft: Declaration
) -> None:
    event = events["fom"]
    adopted = Declaration.objects.create(
        slug="fom-declaration",
        title="Forum declaration (test data)",
        status=DeclarationStatus.ADOPTED,
        event=event,
    )
    draft.event = event
    draft.save(update_fields=["event"])
    Document.objects.create(symbol="A/TEST/1", title="Linked to the event", event=event)
    Document.objects.create(
        symbol="A/TEST/2", title="Linked to its declaration", declaration=adopted
    )
    Document.objects.create(symbol="A/TEST/3", title="Linked to the draft", declaration=draft)
    Document.objects.create(symbol="A/TEST/4", title="Elsewhere", event=events["cop"])
    Document.objects.create(
        symbol="A/TEST/5", title="Both links, listed once", event=event, declaration=adopted
    )

    def listed(user: Any) -> list[str]:
        html = client_for(user).get(event.get_absolute_url()).content.decode()
        section = (
            html.split('id="texts"', 1)[1].split("</ul>", 1)[0] if 'id="texts"' in html else ""
        )
        return [
            s for s in ("A/TEST/1", "A/TEST/2", "A/TEST/3", "A/TEST/4", "A/TEST/5") if s in section
        ]

    assert listed(None) == ["A/TEST/1", "A/TEST/2", "A/TEST/5"]
    assert listed(users["lyon_editor"]) == ["A/TEST/1", "A/TEST/2", "A/TEST/5"]
    # Geneva's editor takes part in the draft; the secretariat reads every draft
    assert listed(users["editor"]) == ["A/TEST/1", "A/TEST/2", "A/TEST/3", "A/TEST/5"]
    assert listed(users["admin"]) == ["A/TEST/1", "A/TEST/2", "A/TEST/3", "A/TEST/5"]
    html = client_for(None).get(event.get_absolute_url()).content.decode()
    doc = Document.objects.get(symbol="A/TEST/1")
    assert f'href="{doc.get_absolute_url()}"' in html
    assert html.count("A/TEST/5") == 1


def test_an_event_without_texts_has_no_texts_section(events: dict[str, Any]) -> None:
    html = client_for(None).get(events["cop"].get_absolute_url()).content.decode()
    assert 'id="texts"' not in html


def test_the_declaration_page_lists_its_texts_in_the_recognition_tracker(
    adopted: Declaration, events: dict[str, Any]
) -> None:
    Document.objects.create(symbol="A/TEST/7", title="The declaration's text", declaration=adopted)
    Document.objects.create(symbol="A/TEST/8", title="Another text", event=events["cop"])
    html = client_for(None).get(adopted.get_absolute_url()).content.decode()
    section = html.split('id="texts-h"', 1)[1].split("</ul>", 1)[0]
    doc = Document.objects.get(symbol="A/TEST/7")
    assert f'href="{doc.get_absolute_url()}"' in section
    assert "A/TEST/8" not in html


def test_a_declaration_without_texts_has_no_texts_section(adopted: Declaration) -> None:
    html = client_for(None).get(adopted.get_absolute_url()).content.decode()
    assert 'id="texts-h"' not in html
