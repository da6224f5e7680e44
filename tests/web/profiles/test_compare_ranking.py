"""The comparison of up to five cities and the cohort ranking with rank intervals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from citydiplomacy.web.indicators import views_profiles
from citydiplomacy.web.indicators.models import CityYearScore
from tests.web.profiles.conftest import Cohort, client_for
from tests.web.profiles.html import parse


def _compare(cohort: Cohort, query: str, who: str = "analyst"):  # type: ignore[no-untyped-def]
    response = client_for(cohort.users, who).get(reverse("indicators:compare") + query)
    assert response.status_code == 200
    return response


def test_compare_side_by_side(cohort: Cohort) -> None:
    ids = [cohort.cities[n].pk for n in ("Geneva", "Lyon", "Bonn")]
    response = _compare(cohort, "?" + "&".join(f"city={i}" for i in ids) + "&year=2023", "public")
    page = parse(response.content)
    table = page.find("table", cls="compare")
    heads = [th.text() for th in table.find("thead").find_all("th")]
    assert heads == ["Result", "Geneva (CH)", "Lyon (FR)", "Bonn (DE)"]
    index_row = next(tr for tr in table.iter("tr") if tr.find("th").text().startswith("U4SSC"))
    assert len(index_row.find_all("td")) == 3
    assert len(index_row.find_all("span", cls="band-label")) == 3
    kpis = page.find("table", cls="compare-kpis")
    assert "EC-ICT-ICT-1C" in kpis.text() and "Household Internet Access" in kpis.text()
    legend = page.find("svg", id="chart-compare").text()
    for label in ("1 Geneva (CH)", "2 Lyon (FR)", "3 Bonn (DE)"):
        assert label in legend.replace("  ", " ")
    # the picker every form uses: a labelled text input for the autocomplete, the choice beside
    add = page.find("input", id="id_add")
    assert add.attrs["data-autocomplete-url"] == reverse("cities:autocomplete")
    assert "data-city-picker" in add.attrs
    assert page.find("label", for_="id_add")
    assert page.find("input", id="id_add-picked").attrs["type"] == "hidden"


def test_compare_six_cities_is_an_error_message(cohort: Cohort) -> None:
    ids = [c.pk for c in cohort.cities.values()][:6]
    response = _compare(cohort, "?" + "&".join(f"city={i}" for i in ids))
    alert = parse(response.content).find("ul", cls="messages")
    assert alert.attrs["role"] == "alert"
    assert "at most 5 cities" in alert.text()
    assert len(response.context["cities"]) == views_profiles.MAX_COMPARE


def test_compare_invalid_ids(cohort: Cohort) -> None:
    response = _compare(cohort, f"?city=abc&city=42&city={cohort.geneva.pk}&city=")
    text = parse(response.content).find("ul", cls="messages").text()
    assert "“abc” is not a city id" in text
    assert "no city with GeoNames id 42" in text
    assert [c.name for c in response.context["cities"]] == ["Geneva"]


def test_compare_add_by_name_or_id_without_duplicates(cohort: Cohort) -> None:
    response = _compare(cohort, f"?city={cohort.geneva.pk}&add=Lyon")
    assert [c.name for c in response.context["cities"]] == ["Geneva", "Lyon"]
    response = _compare(cohort, f"?city={cohort.geneva.pk}&add=Genève (CH)")
    assert [c.name for c in response.context["cities"]] == ["Geneva"]
    response = _compare(cohort, f"?add={cohort.lyon.pk}")
    assert [c.name for c in response.context["cities"]] == ["Lyon"]
    response = _compare(cohort, "?add=Atlantis")
    assert "No city “Atlantis” in the registry" in response.content.decode()


def test_compare_without_cities_invites_to_pick(cohort: Cohort) -> None:
    response = _compare(cohort, "", "anonymous")
    assert b"Pick up to 5 cities" in response.content


def test_compare_synthetic_banner(cohort: Cohort) -> None:
    response = _compare(cohort, f"?city={cohort.geneva.pk}")
    assert (
        "Synthetic demo data:" in parse(response.content).find("p", cls="synthetic-banner").text()
    )


# ------------------------------------------------------------------ ranking
def test_ranking_gives_the_public_the_ranks_of_published_profiles(cohort: Cohort) -> None:
    response = client_for(cohort.users, "anonymous").get(
        reverse("indicators:ranking") + "?year=2023"
    )
    rows = response.context["rows"]
    stored = {
        r.city_id: r.public_rank
        for r in CityYearScore.objects.filter(snapshot=cohort.snapshot, year=2023)
    }
    assert len(stored) == 7 and len(rows) == 6  # Nantes is not published
    ranks = [int(r["rank_text"]) for r in rows]
    assert ranks == list(range(1, 7))  # no gap where an unpublished city stands
    for r in rows:
        assert int(r["rank_text"]) == stored[r["row"].city_id]
    page = parse(response.content)
    how = page.find("section", cls="explain").text()
    assert "6 published profiles" in how and "unpublished data play no part" in how
    assert "16 times" in how  # the runs of the sensitivity analysis (test setting)
    assert "the weights, the normalisation and the aggregation" in how
    assert "5th to the 95th percentile" in how


def test_ranking_rows_show_interval_as_text_and_svg(cohort: Cohort) -> None:
    response = client_for(cohort.users, "analyst").get(reverse("indicators:ranking") + "?year=2023")
    page = parse(response.content)
    table = page.find("table", cls="ranking")
    assert table.find("caption").text().startswith("Cohort ranking 2023")
    body = table.find("tbody").find_all("tr")
    assert len(body) == 7
    for tr, r in zip(body, response.context["rows"], strict=True):
        row = r["row"]
        assert tr.find("th").text().startswith(row.city.name)
        interval = tr.find("td", cls="interval")
        if row.rank_low is not None:
            assert f"{row.rank_low:.0f}–{row.rank_high:.0f}" in interval.text()
        svg = interval.find("svg")
        assert svg.attrs["role"] == "img"
        assert (
            svg.find("title").text() == f"Rank interval of {row.city.name} ({row.city.country_id})"
        )
        assert f"rank {row.rank:.0f} of 7" in svg.find("desc").text()
        assert tr.find_all("span", cls="band-label")[0].text() == row.band
        assert f"{row.n_reported} / {row.n_measures}" in tr.text()
    assert page.find("p", cls="synthetic-banner")


def test_ranking_pages(cohort: Cohort, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_profiles, "RANKING_PAGE_SIZE", 3)
    client = client_for(cohort.users, "analyst")
    first = client.get(reverse("indicators:ranking") + "?year=2023")
    assert len(first.context["rows"]) == 3
    third = client.get(reverse("indicators:ranking") + "?year=2023&page=3")
    assert len(third.context["rows"]) == 1
    assert [r["rank_text"] for r in third.context["rows"]] == ["7"]


def test_ranking_unknown_year_is_404(cohort: Cohort) -> None:
    response = client_for(cohort.users, "analyst").get(reverse("indicators:ranking") + "?year=1999")
    assert response.status_code == 404


def test_compare_picker_choice_wins_over_its_label(cohort: Cohort) -> None:
    """With JavaScript the autocomplete fills the hidden ``city`` input and leaves its label in
    the text box: the label must not add a second (possibly different) city."""
    query = f"?city={cohort.geneva.pk}&n=1&add=Basel, Switzerland&city={cohort.lyon.pk}"
    response = _compare(cohort, query)
    assert [c.name for c in response.context["cities"]] == ["Geneva", "Lyon"]
    assert not response.context["problems"]
    # without a choice, the typed name is looked up
    response = _compare(cohort, f"?city={cohort.geneva.pk}&n=1&add=Basel, Switzerland&city=")
    assert [c.name for c in response.context["cities"]] == ["Geneva", "Basel"]


def test_compare_unknown_ids_do_not_count_towards_the_limit(cohort: Cohort) -> None:
    ids = [1, *[c.pk for c in cohort.cities.values()][:5]]
    response = _compare(cohort, "?" + "&".join(f"city={i}" for i in ids))
    assert len(response.context["cities"]) == 5
    problems = " ".join(response.context["problems"])
    assert "no city with GeoNames id 1" in problems and "at most" not in problems


@pytest.mark.parametrize("parameter", ["city", "add", "year"])
def test_compare_names_a_forbidden_character_on_the_page_and_keeps_the_rest(
    cohort: Cohort, parameter: str
) -> None:
    """A control character in one value of the comparison's query: the page itself (400)
    says which character and where, and still shows the cities asked for correctly; before,
    the middleware answered a bare error page."""
    geneva, lyon = cohort.geneva.pk, cohort.lyon.pk
    hostile = {"city": "city=12%0034", "add": "add=Gen%00eva", "year": "year=20%0023"}[parameter]
    url = reverse("indicators:compare") + f"?city={geneva}&city={lyon}&year=2023&{hostile}"
    response = client_for(cohort.users, "analyst").get(url)
    assert response.status_code == 400
    alert = parse(response.content).find("ul", cls="messages").text()
    assert "U+0000" in alert and "\x00" not in response.content.decode()
    assert [c.pk for c in response.context["cities"]] == [geneva, lyon]
    assert response.context["year"] == 2023
    assert reverse("indicators:compare") in response.content.decode()  # the page, not a bare error


def test_compare_problems_are_in_the_page_language(cohort: Cohort) -> None:
    client = client_for(cohort.users, "analyst")
    client.cookies["django_language"] = "fr"
    ids = [c.pk for c in cohort.cities.values()][:6]
    query = "?" + "&".join(f"city={i}" for i in ids) + "&city=abc&city=999999999&year=1990"
    response = client.get(reverse("indicators:compare") + query)
    alert = parse(response.content).find("ul", cls="messages").text()
    for french in (
        "n’est pas un identifiant de ville",
        "Aucune ville du registre n’a l’identifiant GeoNames 999999999",
        "Vous pouvez comparer au plus 5 villes",
        "Aucune de ces villes n’a de profil pour l’année demandée",
    ):
        assert french in alert, (french, alert)
