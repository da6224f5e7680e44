"""CSV and XLSX downloads of a partnership's party table and of the partner-suggestion page's
tables (issue 19, item 2): each equal to what the page shows the same viewer for the same
query (filters and the page's language), formulas neutralised, a partnership the viewer may not
see a 404 as its page, unpublished scores never in the file of a viewer who may not see them."""

from __future__ import annotations

import html as html_module
import re
from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.indicators import scoring
from citydiplomacy.web.indicators.models import CityScore, Publication, ScoreSnapshot
from citydiplomacy.web.indicators.services import framework
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import Partnership
from tests.web import factories
from tests.web.export_checks import (
    HOSTILE,
    assert_guarded,
    assert_no_formula,
    csv_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

READERS = (("csv", csv_rows), ("xlsx", xlsx_rows))
WHO = ["anonymous", "public", "bonn_editor", "editor", "lyon_editor", "analyst", "admin"]


def client_for(users: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    return client


def _text(fragment: str) -> str:
    return html_module.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


# ------------------------------------------------------------------ a partnership's parties
def _party_rows(page: str) -> list[tuple[str, str]]:
    """(city, confirmation) of each row of the detail page's party table."""
    table = page[page.index('<table class="parties">') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        (_text(city), " ".join(_text(conf).split()))
        for city, conf in re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', body, re.S)
    ]


@pytest.mark.parametrize("who", WHO)
def test_the_party_export_is_the_detail_pages_table_for_whoever_may_see_it(
    users: dict[str, Any], proposed: Partnership, bonn: Any, geneva: Any, lyon: Any, who: str
) -> None:
    users = {**users, "bonn_editor": factories.user("editor", cities=(bonn,))}
    client = client_for(users, who)
    page = client.get(f"/partners/{proposed.pk}/")
    sees = who in ("editor", "lyon_editor", "analyst", "admin")  # a proposal: its parties
    for fmt, read in READERS:
        response = client.get(f"/partners/{proposed.pk}/export.{fmt}")
        if not sees:
            assert page.status_code == response.status_code == 404, (who, fmt)
            continue
        assert page.status_code == 200
        html = page.content.decode()
        assert f'href="/partners/{proposed.pk}/export.{fmt}" download' in html
        rows = read(response)
        shown = _party_rows(html)
        assert [f"{r['city']} ({r['country']})" for r in rows] == [c for c, _ in shown]
        for row, (_, confirmation) in zip(rows, shown, strict=True):
            assert confirmation.endswith(f"{row['confirmed_on'] or ''}".strip())
            assert row["confirmation"] in confirmation
        by_city = {int(r["geonames_id"]): r for r in rows}
        assert set(by_city) == {geneva.pk, lyon.pk}
        assert by_city[lyon.pk]["confirmation"] == "awaiting confirmation"
        assert not by_city[lyon.pk]["confirmed_on"]
        assert by_city[geneva.pk]["confirmation"] == "confirmed"  # the proposer's city


def test_a_recorded_partnership_says_so_in_french_on_a_french_page(
    recorded: Partnership, lyon: Any
) -> None:
    client = Client()
    page = client.get(f"/partners/{recorded.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    rows = csv_rows(client.get(f"/partners/{recorded.pk}/export.csv", HTTP_ACCEPT_LANGUAGE="fr"))
    (french,) = {r["confirmation"] for r in rows}
    assert french != "recorded from the source" and french in page
    english = csv_rows(client.get(f"/partners/{recorded.pk}/export.csv"))
    assert {r["confirmation"] for r in english} == {"recorded from the source"}
    shown = [c for c, _ in _party_rows(page)]
    assert [f"{r['city']} ({r['country']})" for r in rows] == shown


def test_party_cells_that_start_like_formulas_are_neutralised(
    recorded: Partnership, bonn: Any
) -> None:
    bonn.name = HOSTILE[0]
    bonn.save()
    for fmt, read in READERS:
        rows = read(Client().get(f"/partners/{recorded.pk}/export.{fmt}"))
        (evil,) = [r for r in rows if int(r["geonames_id"]) == bonn.pk]
        assert_guarded(evil["city"], HOSTILE[0])
        assert_no_formula(rows)
    assert Client().get(f"/partners/{recorded.pk}/export.pdf").status_code == 404
    assert Client().get("/partners/999999/export.csv").status_code == 404


# ------------------------------------------------------------------ suggestions
def _suggested_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<h3><a href="/cities/(\d+)/">', page)]


def _scores(page: str) -> list[str]:
    return re.findall(r"</a> \([^)]*\) — score ([0-9.]+)</h3>", page)


@pytest.fixture
def munich(db: Any) -> Any:
    return factories.city("Munich", "DE", latitude=48.1, longitude=11.6, population=1_400_000)


@pytest.mark.parametrize("include", [False, True])
def test_the_suggestions_export_is_the_pages_list_with_the_same_filters(
    recorded: Partnership, lyon: Any, bonn: Any, geneva: Any, munich: Any, include: bool
) -> None:
    query = f"city={lyon.pk}&k=5" + ("&include_partners=on" if include else "")
    client = Client()
    page = client.get(f"/partners/suggest/?{query}").content.decode()
    shown = _suggested_ids(page)
    assert shown and (bonn.pk in shown) is include  # an existing partner, only on request
    link = f'href="/partners/suggest/export.csv?{query.replace("&", "&amp;")}" download'
    assert link in page
    for fmt, read in READERS:
        rows = read(client.get(f"/partners/suggest/export.{fmt}?{query}"))
        assert [int(r["geonames_id"]) for r in rows] == shown, fmt
        assert [int(r["rank"]) for r in rows] == list(range(1, len(shown) + 1))
        assert [f"{float(r['score']):.3f}" for r in rows] == _scores(page)
        for r in rows:
            parts = float(r["twinning_contribution"])
            assert parts == pytest.approx(float(r["score"]))  # the parts add up to the score
            assert {k for k in r if k.startswith("context_")} == {
                f"context_{f}" for f in ("population", "region", "income_group", "climate")
            } | {"context_language"}
            for reason in str(r["reasons"]).split("; "):
                assert html_module.escape(reason, quote=False) in page or reason in page
    # no evidence table without a theme: no evidence link, an empty evidence file
    assert "/partners/suggest/evidence.csv" not in page
    assert csv_rows(client.get(f"/partners/suggest/evidence.csv?{query}")) == []


def test_a_query_the_page_refuses_exports_nothing(lyon: Any) -> None:
    client = Client()
    assert client.get("/partners/suggest/export.csv").status_code == 400  # no city
    assert client.get("/partners/suggest/export.csv?city=abc").status_code == 400
    assert client.get("/partners/suggest/evidence.xlsx?city=1").status_code == 400  # unknown
    assert client.get(f"/partners/suggest/export.csv?city={lyon.pk}&theme=NOPE").status_code == 400
    assert client.get(f"/partners/suggest/export.pdf?city={lyon.pk}").status_code == 404


def test_suggested_city_names_that_start_like_formulas_are_neutralised(
    recorded: Partnership, lyon: Any, geneva: Any
) -> None:
    geneva.name = HOSTILE[3]
    geneva.save()
    for fmt, read in READERS:
        rows = read(Client().get(f"/partners/suggest/export.{fmt}?city={lyon.pk}&k=5"))
        (evil,) = [r for r in rows if int(r["geonames_id"]) == geneva.pk]
        assert_guarded(evil["city"], HOSTILE[3])
        assert_no_formula(rows)


# ------------------------------------------------------------------ the scores behind them
def _record(score: float, change: float) -> list[Any]:
    return list(
        scoring.NodeRecord(
            value=1.0,
            score=score,
            band=3,
            change=change,
            progress=None,
            rank=1.0,
            trend="up",
            public_change=change,
            public_progress=None,
            public_trend="up",
        )
    )


@pytest.fixture
def scored(
    lyon: Any, geneva: Any, munich: Any, recorded: Partnership, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """Profile scores on one theme: Lyon weak (2022, published), Geneva strong (2022
    published at 70, 2023 unpublished at 90), Munich strong in an unpublished year only."""
    nodes = framework().nodes
    level = nodes["level"].astype(int)
    theme = str(nodes.index[level == 2][0])
    kpi = str(nodes.index[(nodes["parent"] == theme) & (level == 1)][0])
    snap = ScoreSnapshot.objects.create(data_version=1, framework="u4ssc", spec={}, provenance={})

    def year(score: float) -> dict[str, Any]:
        return {theme: _record(score, 5.0), kpi: _record(score - 10, 2.0)}

    CityScore.objects.create(snapshot=snap, city=lyon, nodes={"2022": year(30.0)})
    CityScore.objects.create(
        snapshot=snap, city=geneva, nodes={"2022": year(70.0), "2023": year(90.0)}
    )
    CityScore.objects.create(snapshot=snap, city=munich, nodes={"2023": year(95.0)})
    Publication.objects.create(city=lyon, year=2022)
    Publication.objects.create(city=geneva, year=2022)
    monkeypatch.setattr(scoring, "current_snapshot", lambda: snap)
    services.clear_caches()
    return {"theme": theme, "kpi": kpi, "name": str(nodes.at[theme, "name"])}


def _evidence_rows(page: str) -> list[tuple[int, str, list[str]]]:
    """(suggested city id, code, [own, theirs, change]) of each evidence table row."""
    out = []
    for item in page.split('<li>\n    <h3><a href="/cities/')[1:]:
        city_id = int(item[: item.index("/")])
        if '<table class="kpi-evidence">' not in item:
            continue
        table = item[item.index('<table class="kpi-evidence">') :]
        body = table[table.index("<tbody>") : table.index("</tbody>")]
        for code, cells in re.findall(
            r'<span class="code">\((.*?)\)</span></th>((?:<td>.*?</td>){3})', body
        ):
            out.append((city_id, code, re.findall(r"<td>(.*?)</td>", cells)))
    return out


def _cell(value: Any) -> str:
    return "—" if value in (None, "") else f"{float(value):.1f}"


@pytest.mark.parametrize("who", ["anonymous", "public", "editor", "analyst", "admin"])
def test_the_evidence_export_is_the_pages_evidence_and_keeps_unpublished_scores_private(
    users: dict[str, Any], scored: dict[str, Any], lyon: Any, geneva: Any, munich: Any, who: str
) -> None:
    client = client_for(users, who)
    query = f"city={lyon.pk}&theme={scored['theme']}&k=5"
    page = client.get(f"/partners/suggest/?{query}").content.decode()
    shown = _suggested_ids(page)
    sees_unpublished = who in ("analyst", "admin")
    assert geneva.pk in shown and (munich.pk in shown) is sees_unpublished
    evidence = _evidence_rows(page)
    assert evidence
    assert f'href="/partners/suggest/evidence.xlsx?{query.replace("&", "&amp;")}" download' in page
    for fmt, read in READERS:
        suggestions = read(client.get(f"/partners/suggest/export.{fmt}?{query}"))
        assert [int(r["geonames_id"]) for r in suggestions] == shown
        assert all(r["performance_contribution"] not in (None, "") for r in suggestions)
        rows = read(client.get(f"/partners/suggest/evidence.{fmt}?{query}"))
        written = [
            (
                int(r["geonames_id"]),
                r["code"],
                [
                    _cell(r["score_of_city_asked"]),
                    _cell(r["score_of_suggested_city"]),
                    _cell(r["change_since_previous_year"]),
                ],
            )
            for r in rows
        ]
        assert written == evidence, (who, fmt)
        geneva_theme = next(
            r for r in rows if int(r["geonames_id"]) == geneva.pk and r["code"] == scored["theme"]
        )
        # Geneva's editor sees the unpublished year of their own city, and of no other
        full = sees_unpublished or who == "editor"
        assert float(geneva_theme["score_of_suggested_city"]) == (90.0 if full else 70.0)
        assert geneva_theme["category_or_kpi"] == scored["name"]
        if not sees_unpublished:  # no city seen in an unpublished year only
            assert munich.pk not in {int(r["geonames_id"]) for r in rows}
        if not full:  # no unpublished score
            assert 90.0 not in {float(r["score_of_suggested_city"]) for r in rows}


# ------------------------------------------------------------------ the city page's section
@pytest.mark.parametrize("who", ["anonymous", "public", "lyon_editor", "analyst"])
def test_the_city_pages_partner_section_links_every_partnership_of_the_city(
    users: dict[str, Any], proposed: Partnership, recorded: Partnership, lyon: Any, who: str
) -> None:
    client = client_for(users, who)
    page = client.get(f"/cities/{lyon.pk}/").content.decode()
    section = page[page.index('id="section-partners"') :]
    section = section[: section.index("</section>")]
    listed = [int(i) for i in re.findall(r'<li><a href="/partners/(\d+)/">', section)]
    assert f'href="/partners/cities/{lyon.pk}/export.csv" download' in section
    sees_proposal = who in ("lyon_editor", "analyst")
    assert (proposed.pk in listed) is sees_proposal
    for fmt, read in READERS:
        rows = read(client.get(f"/partners/cities/{lyon.pk}/export.{fmt}"))
        assert sorted(int(r["id"]) for r in rows) == sorted(listed), (who, fmt)


def test_the_download_lines_are_in_french_on_a_french_page(
    scored: dict[str, Any], lyon: Any, recorded: Partnership
) -> None:
    client = Client()
    query = f"city={lyon.pk}&theme={scored['theme']}&k=5"
    page = client.get(f"/partners/suggest/?{query}", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Télécharger ces suggestions" in page and "les scores sur lesquels" in page
    assert "Download these suggestions" not in page
    city = client.get(f"/cities/{lyon.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Télécharger tous les partenariats de cette ville" in city
    detail = client.get(f"/partners/{recorded.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Télécharger ce tableau" in detail
