"""A reader opens a document, follows its draft-to-draft link and reads the comparison:
what changed, what happened to recognition, and the word diff, in text (not colour alone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from citydiplomacy.web.recognition import services
from tests.web.recognition.test_recognition_web import REV1, ZERO

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def document(db: Any) -> Any:
    doc = services.document_for("A/TEST/1", "Synthetic test resolution (test data)")
    zero = services.version_for(doc, "zero draft", dt.date(2025, 1, 1))
    rev1 = services.version_for(doc, "rev.1", dt.date(2025, 2, 1))
    services.import_text(zero, ZERO, "zero.txt", lang="en")
    services.import_text(rev1, REV1, "rev1.txt", lang="en")
    return doc


def test_compare_two_drafts_in_the_browser(page: Any, document: Any) -> None:
    page.goto("/recognition/")
    page.get_by_role("link", name="A/TEST/1").click()
    page.get_by_role("link", name="zero draft → rev.1").click()
    page.wait_for_selector("table.changes")
    assert "From zero draft to rev.1" in page.locator("h1").inner_text()
    counts = page.locator("#counts").inner_text()
    assert "added 1" in counts and "strengthened 1" in counts
    row = page.locator("tr.change-modified").first
    assert "strengthened" in row.inner_text() and "issue → actor" in row.inner_text()
    inserted = row.locator("ins").first.inner_text()
    assert inserted.startswith("{+") and "local and regional governments" in inserted
    # the whole-paragraph view lists unchanged rows too
    page.get_by_role("link", name="Every paragraph").click()
    page.wait_for_selector("tr.change-unchanged")
    # the profile of the new version marks each reference with its code and category in text
    page.get_by_role("link", name="A/TEST/1 rev.1").click()
    assert "[actor · local_government]" in page.locator("main").inner_text()
