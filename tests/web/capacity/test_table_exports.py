"""Every table of the capacity pages downloads as CSV and XLSX (issue 19, item 2), holding
what the page shows to the same viewer: the survey figures (index), a person's gaps, a city's
mean gaps and survey comparison, a programme's heat maps (by city; by participant for its
organisers), change table and participants. Individual ratings reach only those the page shows
them to; a suppressed aggregate stays suppressed; text that starts like a formula is guarded."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.io.safe_text import safe_cell
from citydiplomacy.web.capacity.models import Assessment, OfficeSurvey, Person, Rating
from tests.web.capacity.conftest import WHO, client_for
from tests.web.capacity.test_permissions import ALL_200, LOGIN, row, status
from tests.web.export_checks import (
    HOSTILE,
    assert_guarded,
    assert_no_formula,
    csv_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

PROGRAMME = row(LOGIN, 404, 200, 200, 200, 200, 200, 404, 200, 200)
ORGANISERS = row(LOGIN, 404, 404, 404, 404, 404, 200, 404, 404, 200)
CITY = row(LOGIN, 403, 200, 200, 200, 200, 200, 200, 200, 200)

# (name, url builder, the page the table is on, expected statuses)
EXPORTS: list[tuple[str, Any, Any, dict[str, Any]]] = [
    (
        "figures",
        lambda c, f: reverse("capacity:figures-export", args=[f]),
        lambda c: reverse("capacity:index"),
        ALL_200,
    ),
    (
        "own gaps",
        lambda c, f: reverse("capacity:person-gaps-export", args=[c["people"]["geneva"][0].pk, f]),
        lambda c: reverse("capacity:person", args=[c["people"]["geneva"][0].pk]),
        row(LOGIN, 404, 200, 404, 200, 404, 200, 404, 404, 200),
    ),
    (
        "colleague gaps",
        lambda c, f: reverse("capacity:person-gaps-export", args=[c["people"]["geneva"][1].pk, f]),
        lambda c: reverse("capacity:person", args=[c["people"]["geneva"][1].pk]),
        row(LOGIN, 404, 404, 404, 200, 404, 200, 404, 404, 200),
    ),
    (
        "city gaps",
        lambda c, f: reverse("capacity:city-gaps-export", args=[c["geneva"].pk, f]),
        lambda c: reverse("capacity:city", args=[c["geneva"].pk]),
        CITY,
    ),
    (
        "city surveys",
        lambda c, f: reverse("capacity:city-surveys-export", args=[c["geneva"].pk, f]),
        lambda c: reverse("capacity:city", args=[c["geneva"].pk]),
        CITY,
    ),
    (
        "heat by city",
        lambda c, f: reverse("capacity:heat-city-export", args=["masterclass", f]),
        lambda c: reverse("capacity:programme", args=["masterclass"]),
        PROGRAMME,
    ),
    (
        "heat by person",
        lambda c, f: reverse("capacity:heat-person-export", args=["masterclass", f]),
        None,  # the page shows the map only to organisers: checked below
        ORGANISERS,
    ),
    (
        "change",
        lambda c, f: reverse("capacity:change-export", args=["masterclass", f]),
        lambda c: reverse("capacity:programme", args=["masterclass"]),
        PROGRAMME,
    ),
    (
        "participants",
        lambda c, f: reverse("capacity:participants-export", args=["masterclass", f]),
        lambda c: reverse("capacity:programme", args=["masterclass"]),
        PROGRAMME,
    ),
]


@pytest.mark.parametrize(("name", "url", "page", "expected"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_matrix(cohort: dict[str, Any], name: str, url: Any, page: Any, expected: Any) -> None:
    """Anonymous, wrong roles and right roles: each download answers as its page does."""
    got, got_xlsx, got_page = {}, {}, {}
    for who in WHO:
        client = client_for(cohort["who"][who])
        got[who] = status(client.get(url(cohort, "csv")))
        got_xlsx[who] = status(client.get(url(cohort, "xlsx")))
        if page is not None:
            got_page[who] = status(client.get(page(cohort)))
    assert got == expected
    assert got_xlsx == expected
    if page is not None:
        assert got_page == expected


def test_unknown_format_is_not_found(cohort: dict[str, Any]) -> None:
    client = client_for(cohort["who"]["admin"])
    assert client.get("/capacity/survey-figures.json").status_code == 404
    assert client.get("/capacity/programmes/masterclass/change.pdf").status_code == 404


# ------------------------------------------------------------------ the page's tables
class _Tables(HTMLParser):
    """Each outermost table of a page: its key (id, else aria-describedby) and rows of cell
    texts (header cells included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.depth = 0
        self.key = ""
        self.cell: list[str] | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.key = a.get("id") or a.get("aria-describedby") or f"t{len(self.tables)}"
                self.tables[self.key] = []
        elif self.depth == 1 and tag == "tr":
            self.tables[self.key].append([])
        elif self.depth == 1 and tag in ("td", "th"):
            self.cell = []
        elif tag == "caption":
            self.in_caption = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.depth -= 1
        elif self.depth == 1 and tag in ("td", "th") and self.cell is not None:
            self.tables[self.key][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "caption":
            self.in_caption = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.in_caption:
            self.cell.append(data)


def page_tables(client: Any, url: str) -> dict[str, list[list[str]]]:
    response = client.get(url)
    assert response.status_code == 200
    reader = _Tables()
    reader.feed(response.content.decode())
    return reader.tables


def both(client: Any, url: Any, cohort: dict[str, Any]) -> list[dict[str, Any]]:
    """The CSV's rows, asserting the XLSX holds the same."""
    from_csv = csv_rows(client.get(url(cohort, "csv")))
    from_xlsx = xlsx_rows(client.get(url(cohort, "xlsx")))
    assert [_norm_row(r) for r in from_csv] == [_norm_row(r) for r in from_xlsx]
    return [_norm_row(r) for r in from_csv]


def _norm_row(r: dict[str, Any]) -> dict[str, Any]:
    return {k: _norm(v) for k, v in r.items()}


def _norm(v: Any) -> Any:
    """A cell as CSV and XLSX agree on it: None/empty -> None, booleans, numbers as floats."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    try:
        return float(v)
    except (TypeError, ValueError):
        return v


def _url(name: str) -> Any:
    return next(e[1] for e in EXPORTS if e[0] == name)


def _n(x: Any, digits: int) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def test_figures_equal_the_index_table(cohort: dict[str, Any]) -> None:
    client = client_for(None)
    [table] = page_tables(client, reverse("capacity:index")).values()
    rows = both(client, _url("figures"), cohort)
    assert len(rows) == len(table) - 1 > 0
    for r, cells in zip(rows, table[1:], strict=True):
        assert cells == [
            r["question"],
            str(int(r["year"])),
            r["figure"],
            f"{int(r['cities_surveyed'])} ({r['scope']})",
            r["survey"],
        ]


@pytest.mark.parametrize("who", ["participant", "manager", "organiser", "admin"])
def test_person_gaps_equal_the_page(cohort: dict[str, Any], who: str) -> None:
    """The person's own gaps for themselves, their manager, their organiser, the secretariat;
    under another combining rule too."""
    client = client_for(cohort["who"][who])
    person = cohort["people"]["geneva"][0]
    rate(person, {cohort["fw"].codes[0]: 5}, rater="manager")
    for rule in ("mean", "lower"):
        table = page_tables(client, reverse("capacity:person", args=[person.pk]) + f"?rule={rule}")
        cells = table["gaps"][1:]
        url = lambda c, f, rule=rule: (  # noqa: E731
            reverse("capacity:person-gaps-export", args=[person.pk, f]) + f"?rule={rule}"
        )
        rows = both(client, url, cohort)
        assert len(rows) == len(cells) == len(cohort["fw"].codes)
        for r, c in zip(rows, cells, strict=True):
            assert c[0] == f"{r['competency']} {r['competency_name']}"
            assert c[1] == str(int(r["target"]))
            assert c[2] == _n(r["self"], 0)
            assert c[3].startswith(_n(r["second"], 0))
            assert ("(differs by 2+ levels)" in c[3]) == r["differs_by_2_levels_or_more"]
            assert c[4] == ("not rated" if r["rating_used"] is None else _n(r["rating_used"], 1))
            assert c[5] == ("–" if r["gap"] is None else f"{r['gap']:+.1f}")
            assert c[6] == _n(r["after"], 1)
            assert c[7] == _n(r["change"], 1)
        if rule == "lower":
            # The rule reaches the download: the first competency's lower of 5 and the self.
            first = next(r for r in rows if r["competency"] == cohort["fw"].codes[0])
            assert first["rating_used"] == first["self"]


def rate(
    person: Person, levels: dict[str, int], phase: str = "before", rater: str = "self"
) -> None:
    from tests.web.capacity.conftest import rate as conftest_rate

    conftest_rate(person, levels, phase=phase, rater=rater)


def _hide_one(cohort: dict[str, Any]) -> str:
    """Leave a Geneva person unrated on the first competency: Geneva has four raters there,
    under the minimum group of five, so its aggregate is suppressed."""
    code = str(cohort["fw"].codes[0])
    person = cohort["people"]["geneva"][1]
    Rating.objects.filter(
        assessment__in=Assessment.objects.filter(person=person), competency__code=code
    ).delete()
    return code


@pytest.mark.parametrize("who", ["participant", "analyst", "lyon_manager"])
def test_city_gaps_equal_the_page_and_stay_suppressed(cohort: dict[str, Any], who: str) -> None:
    code = _hide_one(cohort)
    client = client_for(cohort["who"][who])
    cells = page_tables(client, reverse("capacity:city", args=[cohort["geneva"].pk]))["agg"][1:]
    rows = both(client, _url("city gaps"), cohort)
    assert len(rows) == len(cells) == len(cohort["fw"].codes)
    for r, c in zip(rows, cells, strict=True):
        assert c[0] == f"{r['competency']} {r['competency_name']}"
        assert c[1] == str(int(r["raters"]))
        if r["hidden"]:
            assert c[2].startswith("hidden")
            assert r["mean_rating"] is None and r["mean_gap"] is None
            assert r["share_below_target"] is None
        else:
            assert c[2:4] == [f"{r['mean_rating']:.1f}", f"{r['mean_gap']:.1f}"]
            assert c[4] == f"{round(r['share_below_target'] * 100)} %"
    hidden = [r for r in rows if r["hidden"]]
    assert [r["competency"] for r in hidden] == [code] and hidden[0]["raters"] == 4


def test_city_survey_comparison_equals_the_page(cohort: dict[str, Any]) -> None:
    for city, answer in ((cohort["geneva"], True), (cohort["lyon"], False)):
        OfficeSurvey.objects.create(city=city, year=2024, international_office=answer)
    client = client_for(cohort["who"]["analyst"])
    cells = page_tables(client, reverse("capacity:city", args=[cohort["geneva"].pk]))["cmp"][1:]
    rows = both(client, _url("city surveys"), cohort)
    assert len(rows) == len(cells) > 0
    for r, c in zip(rows, cells, strict=True):
        assert r["survey_year"] == 2024
        assert c[0] == r["question"]
        if r["platform_answered"]:
            assert c[1].startswith(
                f"{int(r['platform_yes'])} / {int(r['platform_answered'])} "
                f"({r['platform_share_percent']:.0f} %)"
            )
            assert ("small sample" in c[1]) == r["small_sample"]
        else:
            assert c[1] == "no answers" and r["platform_yes"] is None
        published = (r["published_figures"] or "").split(" | ")
        # The page writes each figure on its own line (<br>).
        assert c[2] == ("–" if r["published_figures"] is None else "".join(published))
    office = next(r for r in rows if r["question"].endswith("international-relations office"))
    assert (office["platform_yes"], office["platform_answered"]) == (1, 2)


def _heat_cells(table: list[list[str]]) -> list[tuple[str, str, str]]:
    codes = table[0][1:]
    return [
        (line[0], code, cell)
        for line in table[1:]
        for code, cell in zip(codes, line[1:], strict=True)
    ]


@pytest.mark.parametrize("who", ["organiser", "manager", "analyst", "participant"])
def test_heat_maps_equal_the_page(cohort: dict[str, Any], who: str) -> None:
    code = _hide_one(cohort)
    client = client_for(cohort["who"][who])
    tables = page_tables(client, reverse("capacity:programme", args=["masterclass"]))
    rows = both(client, _url("heat by city"), cohort)
    assert [(r["group"], r["competency"], _heat_text(r)) for r in rows] == _heat_cells(
        tables["heat-city"]
    )
    geneva = next(r for r in rows if r["group"].startswith("Geneva") and r["competency"] == code)
    assert geneva["hidden"] is True and geneva["mean_gap"] is None and geneva["raters"] == 4
    if who == "organiser":
        people = both(client, _url("heat by person"), cohort)
        assert [(r["group"], r["competency"], _heat_text(r)) for r in people] == _heat_cells(
            tables["heat-person"]
        )
    else:
        assert "heat-person" not in tables


def _heat_text(r: dict[str, Any]) -> str:
    return "hidden" if r["hidden"] else f"{r['mean_gap']:+.1f}"


def test_change_table_equals_the_page(cohort: dict[str, Any]) -> None:
    code = _hide_one(cohort)
    client = client_for(cohort["who"]["analyst"])
    cells = page_tables(client, reverse("capacity:programme", args=["masterclass"]))["change"][1:]
    rows = both(client, _url("change"), cohort)
    assert len(rows) == len(cells) == len(cohort["fw"].codes)
    for r, c in zip(rows, cells, strict=True):
        assert c[0] == f"{r['competency']} {r['competency_name']}"
        assert c[1] == str(int(r["raters"]))
        assert c[2] == ("hidden" if r["hidden"] else f"{r['mean_gap']:.2f}")
        assert c[3] == str(int(r["pairs"]))
        if r["mean_change"] is None:
            assert c[4:] == [r["note"]]
        else:
            assert c[4] == f"{r['mean_change']:.2f}"
            assert c[5] == f"{int(r['improved'])} / {int(r['worsened'])}"
            assert c[6] == (r["note"] if r["p_value"] is None else f"{r['p_value']:.4f}")
    # The whole cohort has nine raters on the thinned competency: shown, not hidden.
    assert next(r for r in rows if r["competency"] == code)["raters"] == 9


#: Whose ratings each viewer may read (the rule of the person page), by city and index.
READS: dict[str, set[tuple[str, int]]] = {
    "participant": {("geneva", 0)},
    "other_participant": {("lyon", 0)},
    "manager": {("geneva", i) for i in range(5)},
    "lyon_manager": {("lyon", i) for i in range(5)},
    "organiser": {(c, i) for c in ("geneva", "lyon") for i in range(5)},
    "analyst": set(),
    "admin": {(c, i) for c in ("geneva", "lyon") for i in range(5)},
}


@pytest.mark.parametrize("who", sorted(READS))
def test_participants_are_those_whose_ratings_the_viewer_may_read(
    cohort: dict[str, Any], who: str
) -> None:
    """The participants download lists exactly the page's list: no one whose ratings the
    viewer may not read."""
    client = client_for(cohort["who"][who])
    rows = both(client, _url("participants"), cohort)
    expected = {cohort["people"][c][i].name for c, i in READS[who]}
    assert {r["name"] for r in rows} == expected
    tables = page_tables(client, reverse("capacity:programme", args=["masterclass"]))
    listed = [t for t in tables.values() if t and t[0][:2] == ["Name", "City"]]
    if expected:
        [table] = listed
        assert [c[0] for c in table[1:]] == [r["name"] for r in rows]
        assert [c[1] for c in table[1:]] == [r["city"] for r in rows]
    else:
        assert listed == []


def test_a_persons_ratings_are_never_in_anothers_download(cohort: dict[str, Any]) -> None:
    """A participant's downloads hold only their own ratings: their gaps (self ratings equal
    to theirs), no colleague's gaps, no heat map by person, only themselves as participant."""
    me, colleague = cohort["people"]["geneva"][0], cohort["people"]["geneva"][1]
    client = client_for(cohort["who"]["participant"])
    mine = {
        r.competency.code: r.level
        for r in Rating.objects.filter(assessment__person=me, assessment__phase="before")
    }
    rows = both(
        client, lambda c, f: reverse("capacity:person-gaps-export", args=[me.pk, f]), cohort
    )
    assert {r["competency"]: r["self"] for r in rows} == mine
    assert (
        client.get(reverse("capacity:person-gaps-export", args=[colleague.pk, "csv"])).status_code
        == 404
    )
    assert client.get(_url("heat by person")(cohort, "csv")).status_code == 404
    for name in ("heat by city", "change", "participants", "city gaps"):
        body = client.get(_url(name)(cohort, "csv")).content.decode()
        assert colleague.name not in body, name


def test_hostile_names_are_guarded(cohort: dict[str, Any]) -> None:
    """People's and cities' names that start like formulas reach the downloads guarded."""
    people = cohort["people"]["geneva"][: len(HOSTILE)]
    for person, text in zip(people, HOSTILE, strict=False):
        Person.objects.filter(pk=person.pk).update(name=text)
    geneva = cohort["geneva"]
    geneva.name = HOSTILE[0]
    geneva.save(update_fields=["name"])
    client = client_for(cohort["who"]["organiser"])
    for fmt, reader in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        participants = reader(client.get(_url("participants")(cohort, fmt)))
        by_person = reader(client.get(_url("heat by person")(cohort, fmt)))
        by_city = reader(client.get(_url("heat by city")(cohort, fmt)))
        names = [r["name"] for r in participants]
        for person, text in zip(people, HOSTILE, strict=False):
            assert text not in names
            assert_guarded(next(n for n in names if n == safe_cell(text)), text)
            group = next(g["group"] for g in by_person if g["group"].endswith(f" #{person.pk}"))
            assert_guarded(group, f"{text} #{person.pk}")
        for r in participants:
            if r["country"] == "CH":
                assert_guarded(r["city"], HOSTILE[0])
        assert_guarded(by_city[0]["group"], f"{HOSTILE[0]} (CH)")
        for rows in (participants, by_person, by_city):
            # The text columns (a CSV's numbers, such as a gap of -1, are text there too).
            texts = ("name", "city", "group", "competency", "competency_name")
            assert_no_formula([{k: v for k, v in r.items() if k in texts} for r in rows])
