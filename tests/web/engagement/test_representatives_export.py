"""CSV and XLSX downloads of the representatives list (issue 19, item 2): the roles the page
shows the same viewer (the secretariat: all; an editor: their cities'; nobody else), current
only unless ``?past=1`` as the page, formulas neutralised, unknown formats a 404."""

from __future__ import annotations

import re
from typing import Any

import pytest

from citydiplomacy.io.safe_text import safe_cell
from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Representative
from tests.web import factories
from tests.web.engagement.conftest import client_for
from tests.web.export_checks import (
    HOSTILE,
    assert_guarded,
    assert_no_formula,
    csv_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

URL = "/representatives/"
WHO = ["anonymous", "public", "analyst", "editor", "lyon_editor", "admin"]
#: Cities whose roles each viewer sees (None: not allowed to see the list).
SEES = {
    "public": None,
    "analyst": None,
    "editor": ["Geneva"],
    "lyon_editor": ["Lyon"],
    "admin": ["Geneva", "Lyon"],
}


def _page_cities(html: str) -> list[str]:
    table = html[html.index('<table class="data">') : html.index("</table>")]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', table)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_viewer_exports_the_roles_the_page_shows_them(
    users: dict[str, Any], reps: dict[str, Any], who: str, fmt: str
) -> None:
    client = client_for(users.get(who))
    response = client.get(f"{URL}export.{fmt}")
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    if SEES[who] is None:
        assert response.status_code == 403
        assert client.get(URL).status_code == 403
        return
    rows = (csv_rows if fmt == "csv" else xlsx_rows)(response)
    page = client.get(URL).content.decode()
    assert [r["city"] for r in rows] == _page_cities(page) == SEES[who]
    assert f'href="{URL}export.{fmt}" download' in page
    geneva = next((r for r in rows if r["city"] == "Geneva"), None)
    if geneva is not None:
        assert geneva["representative"] == "Ada Genevois"
        assert geneva["title"] == "Mayor of Geneva" and geneva["status"] == "current"
        assert geneva["authorised_by"] == "admin" and geneva["country"] == "Switzerland"


def test_past_roles_are_exported_only_as_the_page_shows_them(
    users: dict[str, Any], reps: dict[str, Any]
) -> None:
    services.revoke_representative(users["admin"], reps["lyon"])
    client = client_for(users["admin"])
    current = csv_rows(client.get(f"{URL}export.csv"))
    assert [r["city"] for r in current] == _page_cities(client.get(URL).content.decode())
    assert [r["city"] for r in current] == ["Geneva"]
    page = client.get(f"{URL}?past=1").content.decode()
    every = csv_rows(client.get(f"{URL}export.csv?past=1"))
    assert [r["city"] for r in every] == _page_cities(page) == ["Geneva", "Lyon"]
    lyon = every[1]
    assert lyon["status"] == "revoked" and re.fullmatch(r"\d{4}-\d\d-\d\d", lyon["revoked_on"])
    assert f'href="{URL}export.csv?past=1" download' in page


def test_role_cells_that_start_like_formulas_are_neutralised(
    users: dict[str, Any], geneva: Any
) -> None:
    for i, text in enumerate(HOSTILE):
        person = factories.user(None, username=f"evil-{i}")
        person.first_name = text
        person.save()
        rep = services.grant_representative(
            users["admin"], person, geneva, title=f"Mayor {i}", capacity="for the city"
        )
        # stored as they are (the form strips blanks; an import or the admin may not)
        Representative.objects.filter(pk=rep.pk).update(title=text, capacity=HOSTILE[-1 - i])
    client = client_for(users["admin"])
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"{URL}export.{fmt}"))
        assert len(rows) == len(HOSTILE)
        for row in rows:
            assert row["representative"].startswith("'")
        by_title = {r["title"]: r for r in rows}
        for i, text in enumerate(HOSTILE):
            assert_guarded(by_title[safe_cell(text)]["title"], text)
            assert_guarded(by_title[safe_cell(text)]["capacity"], HOSTILE[-1 - i])
        assert_no_formula(rows)


def test_an_unknown_format_is_not_found(users: dict[str, Any]) -> None:
    client = client_for(users["admin"])
    assert client.get(f"{URL}export.pdf").status_code == 404
    assert client.get(f"{URL}export.").status_code == 404


def test_the_list_links_each_city_to_its_page(
    users: dict[str, Any], reps: dict[str, Any], geneva: Any
) -> None:
    """The city cell linked to an empty address (City has no get_absolute_url)."""
    page = client_for(users["editor"]).get(URL).content.decode()
    assert f'<th scope="row"><a href="/cities/{geneva.pk}/">Geneva</a>' in page


def test_dates_are_written_as_the_page_shows_them(
    users: dict[str, Any], reps: dict[str, Any]
) -> None:
    (geneva, _) = csv_rows(client_for(users["admin"]).get(f"{URL}export.csv"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", geneva["since"]) and geneva["until"] == ""
