"""The site's icon: linked from every page (base.html) and served, so no page asks for a
missing /favicon.ico (a 404 on every page before)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

PAGES = ("/", "/cities/", "/ranking/", "/compare/", "/partners/", "/accounts/login/")


@pytest.mark.parametrize("url", PAGES)
def test_every_page_links_the_icon_and_it_is_served(client: Client, db: Any, url: str) -> None:
    response = client.get(url, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert found, f"{url} links no icon"
    icon = client.get(found.group(1))
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.lstrip().startswith(b"<svg")


def test_the_icon_is_a_static_file() -> None:
    path = finders.find("favicon.svg")
    assert isinstance(path, str)
    assert Path(path).read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_favicon_ico_leads_to_the_icon(client: Client, db: Any) -> None:
    """Browsers ask for /favicon.ico whatever the page links (a 404 on every visit before)."""
    from django.templatetags.static import static

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")
    assert "max-age" in response["Cache-Control"]
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.lstrip().startswith(b"<svg")
    assert client.head("/favicon.ico").status_code == 302
    assert client.post("/favicon.ico").status_code == 405
