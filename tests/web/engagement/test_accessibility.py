"""Accessibility checks of the engagement pages: every form control has a label, every
table a caption, every SVG a title and description, and the status is in words."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.web.engagement import services
from tests.web.engagement.conftest import client_for

pytestmark = pytest.mark.django_db


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.tables = 0
        self.captions = 0
        self.svgs: list[dict[str, str | None]] = []
        self.svg_titles = 0
        self.svg_descs = 0
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "svg":
            self.svgs.append(a)
        if tag == "title" and self.svgs:
            self.svg_titles += 1
        if tag == "desc":
            self.svg_descs += 1


def audit(html: str) -> Audit:
    a = Audit()
    a.feed(html)
    assert a.html_lang
    unlabelled = [c for c in a.controls if not (c.get("id") in a.labels or c.get("aria-label"))]
    assert not unlabelled, unlabelled
    assert a.tables == a.captions, "every table needs a caption"
    assert len(a.svgs) <= a.svg_titles and len(a.svgs) == a.svg_descs
    return a


def test_pages_of_the_secretariat_and_representatives(
    users: dict[str, Any], reps: dict[str, Any], draft: Any, adopted: Any, events: Any
) -> None:
    services.add_version(users["admin"], draft, "We commit to act now.", "v2")
    admin = client_for(users["admin"])
    rep = client_for(reps["geneva"].user)
    editor = client_for(users["editor"])
    pages = [
        (admin, reverse("engagement:declaration", args=[draft.slug])),
        (admin, reverse("engagement:versions", args=[draft.slug]) + "?a=1&b=2"),
        (admin, reverse("engagement:version-new", args=[draft.slug])),
        (admin, reverse("engagement:declaration-new")),
        (admin, reverse("engagement:commitment-new")),
        (editor, reverse("engagement:commitment-new")),
        (editor, reverse("engagement:declaration", args=[draft.slug])),
        (rep, reverse("engagement:declaration", args=[adopted.slug])),
        (rep, reverse("engagement:events")),
        (rep, reverse("engagement:event", args=["cop-test"])),
        (rep, reverse("engagement:commitments")),
        (rep, reverse("engagement:sessions")),
        (admin, reverse("engagement:representatives") + "?past=1"),
        (editor, reverse("engagement:representatives")),
        (admin, reverse("engagement:event-new")),
        (admin, reverse("engagement:event-edit", args=["cop-test"])),
        (admin, reverse("engagement:event", args=["cop-test"])),
        (rep, reverse("engagement:events-archive")),
        (rep, reverse("engagement:sign", args=[adopted.slug]) + f"?city={reps['geneva'].city_id}"),
        (rep, "/notifications/"),
        (rep, "/notifications/preferences/"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        audit(response.content.decode())


def test_diff_is_marked_in_text_not_colour_alone(users: dict[str, Any], draft: Any) -> None:
    services.add_version(
        users["admin"], draft, "We commit to act on air quality.\nWe report twice a year.", "v2"
    )
    html = client_for(users["admin"]).get(
        reverse("engagement:versions", args=[draft.slug]) + "?a=1&b=2"
    )
    text = html.content.decode()
    assert '<del><span class="diff-mark" aria-hidden="true">[-</span>' in text
    assert '<span class="visually-hidden">removed: </span>every' in text
    assert '<span class="visually-hidden">added: </span>twice a' in text
