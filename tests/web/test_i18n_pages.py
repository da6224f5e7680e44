"""The pages a city officer sees first, read in French: no English UI label left in the
navigation or the main content (issue 19, item 7); the language switcher and its cookie.

Each page is rendered twice, in English and in French. A text of the French page that is the
same in the English page and still holds a word is an untranslated label, unless it is data:
names of cities, countries, framework nodes, declarations, events, partnerships and networks
(translating data is another matter: GeoNames' French names, the framework's French names),
codes, numbers, or a proper noun of the field (U4SSC, GeoNames...). Elements marked with another
``lang`` (the switcher's "English") are English on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape

from citydiplomacy.io.capacity import published_figures
from citydiplomacy.reports.localise import framework_names
from citydiplomacy.web.capacity.demo import load_modules
from citydiplomacy.web.capacity.models import Domain, Module
from citydiplomacy.web.capacity.services import current_framework
from citydiplomacy.web.cities.models import City, CityName, Country
from citydiplomacy.web.engagement import seed
from citydiplomacy.web.engagement import services as engagement_services
from citydiplomacy.web.engagement.models import (
    AgendaItem,
    Commitment,
    Declaration,
    DeclarationCommitment,
    DeclarationVersion,
    Event,
    ForumSession,
    Recommendation,
    RecommendationStatusChange,
    Speaker,
    Tag,
)
from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue
from citydiplomacy.web.notifications import invitations
from citydiplomacy.web.partners.models import Network, Partnership, PartnershipCity
from tests.web.profiles import conftest as profiles
from tests.web.profiles.conftest import Cohort


@pytest.fixture(scope="module")
def _cohort_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Cohort]:
    """The scored cohort of the profile tests, built once for this module in a transaction
    rolled back at its end (module scope: it is gone before another module builds its own)."""
    with django_db_blocker.unblock(), override_settings(CITYDIPLOMACY_SENSITIVITY_RUNS=16):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield profiles._build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def cohort(_cohort_data: Cohort, db: Any) -> Cohort:
    """The cohort; each test runs in a savepoint inside the module's transaction."""
    return _cohort_data


#: Proper nouns and acronyms that French keeps as they are.
PROPER = frozenset(
    {
        "citydiplomacy",
        "geonames",
        "u4ssc",
        "api",
        "json",
        "csv",
        "xlsx",
        "pdf",
        "html",
        "icalendar",
        "utc",
        "iso",
        "kpi",
        "kpis",
        "unece",
        "itu",
        "natural",
        "earth",
        "creative",
        "commons",
        "sdg",
        "cc",
        "m49",
        "wikidata",
        "urban",
        "cc0",
        "id",
        "edtech",
    }
)
#: Words written the same in French (a text made of them and data is not left in English).
SAME_IN_FRENCH = frozenset(
    {
        "population",
        "continent",
        "dimension",
        "dimensions",
        "description",
        "documents",
        "source",
        "sources",
        "signal",
        "score",
        "scores",
        "contribution",
        "confirmation",
        "pages",
        "dates",
        "signatures",
        "total",
        "type",
        "types",
        "version",
        "stable",
        "date",
        "session",
        "sessions",
        "notification",
        "notifications",
        "programmes",
        "question",
        "long",
        "versions",
        "action",
        "note",
        "invitation",
        "invitations",
        "format",
        "module",
        "expert",
    }
)
#: English dates with an abbreviated month ("6 Oct 2020"): taken out of the texts compared (the
#: French page writes "6 oct. 2020"; :func:`test_french_dates_use_french_month_abbreviations`).
MONTHS = re.compile(r"\b\d{1,2} [A-Z][a-z]{2,3}\.? \d{4}\b")
#: Pages for a signed-in user (an editor) only.
SIGNED_IN_ONLY = {
    "inbox",
    "submit-data",
    "representatives",
    "preferences",
    "reporting-deadlines",
}
#: Pages for anonymous visitors only (a signed-in user is told to sign out first).
ANONYMOUS_ONLY = {"login", "invitation"}
URL = re.compile(r"https?://\S+")
#: Known English left, page by page, with where it comes from: each is a pattern on a whole
#: text, so that any other English text still fails. Empty: capacity's roles, levels, formats
#: and competency names are translated in the web layer (capacity/labels.py).
KNOWN_GAPS: dict[str, tuple[str, ...]] = {}


def known_gaps(page: str) -> tuple[str, ...]:
    """:data:`KNOWN_GAPS` of ``page``."""
    return KNOWN_GAPS.get(page, ())


#: Skipped whole: scripts, styles, code, and the charts (their text is checked by the chart tests).
SKIP_TAGS = {"script", "style", "code", "svg", "pre", "textarea"}


class _Texts(HTMLParser):
    """Text nodes of the header navigation and <main>, without elements in another language."""

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.inside = 0  # depth inside <header> or <main>
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col"}:
            return
        a = dict(attrs)
        other_lang = a.get("lang") not in (None, self.lang)
        code = "code" in (a.get("class") or "").split()
        skipped = tag in SKIP_TAGS or other_lang or code or bool(self.stack and self.stack[-1][1])
        self.stack.append((tag, skipped))
        if tag in ("header", "main"):
            self.inside += 1
        for name in ("aria-label", "title", "placeholder"):
            if self.inside and not skipped and a.get(name):
                self.texts.append(str(a[name]))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            top, _ = self.stack.pop()
            if top in ("header", "main"):
                self.inside -= 1
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.inside and not (self.stack and self.stack[-1][1]) and data.strip():
            self.texts.append(" ".join(data.split()))


def texts(html: str, lang: str) -> list[str]:
    parser = _Texts(lang)
    parser.feed(html)
    return parser.texts


def data_names(cohort: Cohort) -> list[str]:
    """Names that are data, longest first (so that a longer name is removed before a part)."""
    names: set[str] = set(get_user_model().objects.values_list("username", flat=True))
    # The published targets' sources are framework data too (the band names are translated).
    names.update(str(source) for _, source in cohort.snapshot.targets.values())
    names.update(City.objects.values_list("name", flat=True))
    names.update(CityName.objects.values_list("name", flat=True))
    names.update(Country.objects.values_list("name", flat=True))
    names.update(Country.objects.values_list("continent_name", flat=True))
    tree = services.framework().tree()
    for mapping in (tree.name, tree.label, tree.unit, tree.definition):
        names.update(str(n) for n in mapping.values())
    names.update(Declaration.objects.values_list("title", flat=True))
    for field in ("organiser", "summary"):
        names.update(Declaration.objects.values_list(field, flat=True))
    names.update(DeclarationCommitment.objects.values_list("text", flat=True))
    for version in DeclarationVersion.objects.values_list("text", flat=True):
        names.update(line.strip() for line in version.splitlines())
    for field in ("name", "place", "organiser", "description"):
        names.update(Event.objects.values_list(field, flat=True))
    names.update(Tag.objects.values_list("name", flat=True))
    names.update(ForumSession.objects.values_list("title", flat=True))
    names.update(Network.objects.values_list("name", flat=True))
    names.update(Network.objects.values_list("short_name", flat=True))
    names.update(Partnership.objects.values_list("title", flat=True))
    # Every text of the forum sessions, commitments and capacity catalogues (data: written by
    # the organisers and the sources, in English; not UI labels).
    for model in (
        ForumSession,
        AgendaItem,
        Speaker,
        Recommendation,
        RecommendationStatusChange,
        DeclarationVersion,
        Commitment,
        Module,
    ):
        for f in model._meta.get_fields():
            if isinstance(f, models.CharField | models.TextField) and not f.choices:
                names.update(str(v) for v in model.objects.values_list(f.name, flat=True))
    # The competency framework's sources are bibliographic data; its names and descriptions
    # have a French catalogue, so they are not taken out.
    names.update(Domain.objects.values_list("sources", flat=True))
    for figure in published_figures():
        # The figure's question is shown by its label (translated), not its code.
        names.update((figure.text, figure.scope, figure.survey))
    # A note that ends with its link ("as published: <URL>") is compared without the link.
    names.update(URL.sub(" ", n).strip() for n in list(names) if URL.search(n))
    return sorted((n for n in names if n), key=len, reverse=True)


def english_left(en: list[str], fr: list[str], names: list[str]) -> list[str]:
    """French texts also in the English page that hold a word once data are taken out."""
    english = set(en)
    left = []
    for text in fr:
        if text not in english:
            continue
        rest = URL.sub(" ", MONTHS.sub(" ", text))
        for name in names:
            if name in rest:
                rest = rest.replace(name, " ")
        words = [
            w
            for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", rest)
            if w.lower() not in PROPER | SAME_IN_FRENCH
        ]
        # A one-letter word, a code (EC-ICT-1C), a number: not a label.
        words = [w for w in words if len(w) > 2 and not re.fullmatch(r"[A-Z0-9-]+", w)]
        if words:
            left.append(text)
    return left


@pytest.fixture
def scene(cohort: Cohort) -> dict[str, str]:
    """The cohort plus the seeded calendar and declarations and one confirmed partnership;
    the URLs of the pages a city officer sees first."""
    seed.seed_events()
    seed.seed_declarations()
    seed.seed_sessions()
    partnership = Partnership.objects.create(kind="twinning", status="confirmed")
    for city in (cohort.geneva, cohort.lyon):
        PartnershipCity.objects.create(partnership=partnership, city=city)
    declaration = Declaration.objects.order_by("pk").first()
    assert declaration is not None
    geneva, lyon = cohort.geneva.pk, cohort.lyon.pk
    measure = KpiValue.objects.filter(city=cohort.geneva, year=2021).order_by("measure").first()
    assert measure is not None
    commitment = engagement_services.record_commitment(
        cohort.users["admin"],
        cohort.geneva,
        {
            "title": "Geneva pledge (synthetic)",
            "origin": "own",
            "measure": measure.measure,
            "baseline_year": "2020",
            "baseline_value": str(measure.value),
            "target_year": "2030",
            "target_value": str(measure.value * 2 + 1),
        },
    )
    _, token = invitations.invite(
        cohort.users["admin"], cohort.lyon, "new-editor@example.org", "", lambda t: t
    )
    load_modules()
    current_framework()
    event = Event.objects.order_by("start_date").first()
    session = ForumSession.objects.order_by("pk").first()
    assert event is not None and session is not None
    return {
        "home": reverse("home"),
        "search": reverse("cities:search") + "?q=Gen",
        "city": reverse("cities:detail", args=[geneva]),
        "profile": reverse("indicators:dashboard", args=[geneva]) + "?year=2023",
        "compare": reverse("indicators:compare") + f"?city={geneva}&city={lyon}&year=2023",
        "ranking": reverse("indicators:ranking") + "?year=2023",
        "partnerships": reverse("partners:index"),
        "partnership": reverse("partners:detail", args=[partnership.pk]),
        "find-partners": reverse("partners:suggest"),
        "networks": reverse("partners:networks"),
        "declarations": reverse("engagement:declarations"),
        "declaration": reverse("engagement:declaration", args=[declaration.slug]),
        "calendar": reverse("engagement:events"),
        "sessions": reverse("engagement:sessions"),
        "commitments": reverse("engagement:commitments"),
        "commitment": reverse("engagement:commitment", args=[commitment.pk]),
        "event": reverse("engagement:event", args=[event.slug]),
        "events-all": reverse("engagement:events") + "?when=all",
        "events-archive": reverse("engagement:events-archive"),
        "versions": reverse("engagement:versions", args=[declaration.slug]),
        "session": reverse("engagement:session", args=[session.pk]),
        "representatives": reverse("engagement:representatives"),
        "partner-city": reverse("partners:city", args=[geneva]),
        "capacity": reverse("capacity:index"),
        "capacity-framework": reverse("capacity:framework"),
        "capacity-modules": reverse("capacity:modules"),
        "preferences": reverse("notifications:preferences"),
        "reporting-deadlines": reverse("notifications:reporting-deadlines"),
        "invitation": reverse("notifications:accept-invitation", args=[token]),
        "recognition": reverse("recognition:documents"),
        "inbox": reverse("notifications:inbox"),
        "submit-data": reverse("indicators:upload"),
        "login": reverse("login"),
    }


def _get(client: Client, url: str, lang: str) -> str:
    client.cookies["django_language"] = lang
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html, url
    return html


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_main_pages_have_no_english_label_in_french(
    scene: dict[str, str],
    cohort: Cohort,
    who: str,
) -> None:
    client = Client()
    if who != "anonymous":
        client.force_login(cohort.users[who])
    names = data_names(cohort)
    problems = {}
    for page, url in scene.items():
        if who != "anonymous" and page in ANONYMOUS_ONLY:
            continue  # a signed-in user is sent on, or told to sign out
        if who == "anonymous" and page in SIGNED_IN_ONLY:
            continue
        en = texts(_get(client, url, "en"), "en")
        fr = texts(_get(client, url, "fr"), "fr")
        assert len(fr) > 10, page
        gaps = known_gaps(page)
        left = [t for t in english_left(en, fr, names) if not any(re.fullmatch(g, t) for g in gaps)]
        if left:
            problems[page] = left
    assert not problems, "\n".join(f"{p}: {sorted(set(t))}" for p, t in problems.items())


def test_french_pages_write_numbers_the_french_way(cohort: Cohort) -> None:
    """The profile's index score: a decimal comma in French, a point in English."""
    url = reverse("indicators:dashboard", args=[cohort.geneva.pk]) + "?year=2023"
    client = Client()
    en, fr = _get(client, url, "en"), _get(client, url, "fr")
    big_en = re.search(r'<p class="big">([^<]+)<', en)
    big_fr = re.search(r'<p class="big">([^<]+)<', fr)
    assert big_en and big_fr
    assert re.fullmatch(r"\d+\.\d", big_en.group(1)), big_en.group(1)
    assert big_fr.group(1) == big_en.group(1).replace(".", ","), (big_en.group(1), big_fr.group(1))
    assert "% du maximum de points" in fr


def test_an_unknown_language_falls_back_to_english(db: Any) -> None:
    client = Client()
    client.cookies["django_language"] = "xx"
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en">' in html and "Find a city" in html


def test_the_check_flags_an_english_label_but_not_data() -> None:
    en = ["Find a city", "Geneva, Switzerland", "EC-ICT-1C", "6 Oct 2020", "Population", "U4SSC"]
    fr = [*en, "Trouver une ville"]
    assert english_left(en, fr, ["Switzerland", "Geneva"]) == ["Find a city"]
    html = '<header><nav aria-label="Main"><a>Cities</a></nav></header><p>Footer</p>'
    html += '<main><option lang="en">English</option><script>var x = "code";</script></main>'
    assert texts(html, "fr") == ["Main", "Cities"]


#: Django's ``|date:"M"`` in French: the first three letters with a capital ("Aoû", and "Jui"
#: for both June and July), which French does not write.
DJANGO_FRENCH_MONTHS = re.compile(
    r"\b\d{1,2} (Jan|Fév|Mar|Avr|Mai|Jui|Aoû|Sep|Oct|Nov|Déc) \d{4}\b"
)


def test_french_dates_use_french_month_abbreviations(scene: dict[str, str]) -> None:
    """The calendar, a declaration and the archive write "6 oct. 2020" and "août" in
    French, "6 Oct 2020" in English: no "Aoû" or "Jui"."""
    client = Client()
    for page in ("calendar", "events-all", "events-archive", "declarations", "declaration"):
        fr = _get(client, scene[page], "fr")
        assert not DJANGO_FRENCH_MONTHS.search(fr), (page, DJANGO_FRENCH_MONTHS.search(fr))
    fr = _get(client, scene["events-all"], "fr")
    en = _get(client, scene["events-all"], "en")
    assert re.search(
        r"\b\d{1,2} (janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.) \d{4}\b",
        fr,
    )
    assert re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b", en)


def test_french_pages_name_the_framework_in_french(cohort: Cohort) -> None:
    """The profile and the comparison use the framework's French names (the same data as the
    French report): "Économie", not "Economy"; the English pages keep the English names."""
    tree = services.framework().tree()
    french = framework_names(services.framework().name, "fr")
    dimension = next(c for c in tree.name if c in french and french[c] != tree.name[c])
    client = Client()
    for url in (
        reverse("indicators:dashboard", args=[cohort.geneva.pk]) + "?year=2023",
        reverse("indicators:compare") + f"?city={cohort.geneva.pk}&city={cohort.lyon.pk}&year=2023",
    ):
        fr, en = _get(client, url, "fr"), _get(client, url, "en")
        assert escape(french[dimension]) in fr and escape(tree.name[dimension]) not in fr, url
        assert escape(tree.name[dimension]) in en, url


def test_french_pages_name_cities_in_french(scene: dict[str, str]) -> None:
    """Geneva is "Genève" on the French profile, city, comparison, ranking and search pages
    (the French name the French report uses), "Geneva" on the English ones."""
    client = Client()
    commitment = "Geneva pledge (synthetic)"  # data: a title written in English
    for page in ("profile", "compare", "ranking", "search"):
        fr_texts = [t.replace(commitment, "") for t in texts(_get(client, scene[page], "fr"), "fr")]
        fr = " ".join(fr_texts)
        en = " ".join(texts(_get(client, scene[page], "en"), "en"))
        assert "Genève" in fr, page
        assert "Geneva" not in fr, (page, [t for t in fr_texts if "Geneva" in t])
        assert "Geneva" in en, page
    # The city page's own parts (the sections of other apps aside).
    fr, en = _get(client, scene["city"], "fr"), _get(client, scene["city"], "en")
    for part in (r"<title>([^<]*)</title>", r"<h1>([^<]*)</h1>", r'<p class="lead">([^<]*)</p>'):
        found_fr, found_en = re.search(part, fr), re.search(part, en)
        assert found_fr and found_en, part
        assert "Genève" in found_fr.group(1) and "Geneva" not in found_fr.group(1), part
        assert "Geneva" in found_en.group(1), part


def test_the_city_page_names_its_sections_and_facts_in_french(cohort: Cohort) -> None:
    """The city page's capacity section ("Diplomatic capacity", an analyst sees it) and a
    fact's kind ("Climate target") in French; English on the English page."""
    from citydiplomacy.web.capacity.models import OfficeSurvey
    from citydiplomacy.web.cities.models import CityFact

    OfficeSurvey.objects.create(city=cohort.geneva, year=2024, international_office=True)
    CityFact.objects.create(
        city=cohort.geneva,
        kind=CityFact.Kind.NET_ZERO_TARGET,
        source="synthetic",
        year=2050,
        text="Net zero (synthetic)",
        source_name="Synthetic source",
    )
    client = Client()
    client.force_login(cohort.users["analyst"])
    url = reverse("cities:detail", args=[cohort.geneva.pk])
    fr, en = _get(client, url, "fr"), _get(client, url, "en")
    for english, french in (
        ("Diplomatic capacity", "Capacités diplomatiques"),
        ("Climate target", "Objectif climatique"),
    ):
        assert french in fr and english not in fr, english
        assert english in en, english


def test_capacity_words_from_python_are_french() -> None:
    """Form labels, roles, formats, levels, survey questions and the heat map's words that
    the capacity pages take from Python, in French on a French page."""
    import numpy as np
    from django.utils import translation

    from citydiplomacy.web.capacity import charts, labels
    from citydiplomacy.web.capacity.forms import ModuleForm, SessionForm
    from citydiplomacy.web.capacity.models import ModuleFormat, Role

    with translation.override("fr"):
        session = SessionForm().as_div()
        module = ModuleForm(competencies=[]).as_div()
        heat = charts.heatmap_table(
            ["Genève"], ["C1"], ["Nom"], np.array([[1.0, 2.0]])[:, :1],
            np.array([[3]]), np.array([[True]]), caption="c", table_id="t",
        )  # fmt: skip
        words = {
            "role": labels.role_name("director"),
            "choice": str(Role.OFFICER.label),
            "format": str(ModuleFormat.PEER.label),
            "level": labels.level_names()[2],
            "question": labels.question("dedicated_director"),
        }
    for english in ("Starts at", "Title", "Ends at"):
        assert f">{english}" not in session, english
    assert "Début" in session and "Titre" in session
    for english in ("Competencies addressed", "Online, scheduled", "3 independent", "Hours"):
        assert english not in module, english
    assert ">Group<" not in heat and ">hidden<" not in heat and " rated" not in heat
    assert "Groupe" in heat and "3 évaluations" in heat
    assert words == {
        "role": "Directeur ou directrice des relations internationales",
        "choice": "Chargé ou chargée des relations internationales",
        "format": "Échange entre pairs",
        "level": "autonome",
        "question": "dispose d’un directeur ou d’une responsable dédiés aux affaires "
        "internationales",
    }
