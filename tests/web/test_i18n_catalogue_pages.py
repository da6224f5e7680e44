"""No English label of the catalogue on a French page (issue 19, item 7).

The check is built from the French catalogue itself: every English message the catalogue
translates differently is a label that a French page must not show in English. Its literal
parts (placeholders split out) of two words or more, or one long word, are searched in the
whole visible text of the French page: the header, ``<main>``, the footer, the ``<title>``,
the ``title``/``aria-label``/``alt``/``placeholder`` attributes and the text of the inline SVG
charts (``<text>``, ``<title>``, ``<desc>``), once data are taken out (names of cities,
countries, framework nodes, declarations... as :func:`tests.web.test_i18n_pages.data_names`
lists them). The pages are read as an anonymous visitor, a city editor and the secretariat,
and the capacity pages (a programme, a person, a certificate) and their flash messages too.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

import citydiplomacy.web
from citydiplomacy.web.capacity import services as capacity
from citydiplomacy.web.capacity.models import Participant, Person, Programme
from tests.web import test_i18n_pages as pages
from tests.web.profiles.conftest import Cohort
from tests.web.test_i18n_pages import PROPER, SAME_IN_FRENCH, _get, data_names

# The cohort and the pages of the French page tests, built once for this module too.
_cohort_data = pages._cohort_data
cohort = pages.cohort
scene = pages.scene

PO = Path(citydiplomacy.web.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
#: A placeholder of a Python or template message: the literal parts around it are checked.
PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\{\{[^}]*\}\}|\{[a-z_]*\}|<[^>]*>")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
#: Single words shorter than this are not checked alone (short words are often data too).
LONG_WORD = 9


@lru_cache(maxsize=1)
def english_labels() -> tuple[str, ...]:
    """The literal parts of the English messages the French catalogue translates differently:
    two words or more (one of three letters at least, not all proper nouns or words French
    writes the same), or one word of :data:`LONG_WORD` letters or more. A part that a French
    translation holds too (a proper noun such as "Natural Earth") is left out."""
    with PO.open("rb") as f:
        catalogue = read_po(f)
    pairs = []
    for message in catalogue:
        if not message.id or message.fuzzy or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(not s for s in strings):
            continue
        for english in ids:
            pairs.append((english.replace("%%", "%"), " ".join(strings).replace("%%", "%")))
    french = "\n".join(fr for _, fr in pairs)
    labels: set[str] = set()
    for english, fr in pairs:
        if english == fr:
            continue
        for part in PLACEHOLDER.split(english):
            part = " ".join(part.split()).strip(" .,:;()–-·/")
            words = WORD.findall(part)
            distinctive = [w for w in words if w.lower() not in PROPER | SAME_IN_FRENCH]
            if not distinctive:
                continue
            if len(words) >= 2 and max(len(w) for w in words) >= 3:
                pass
            elif not (len(words) == 1 and len(words[0]) >= LONG_WORD and words[0] == part):
                continue
            if re.search(rf"(?<![\w-]){re.escape(part)}(?![\w-])", french):
                continue
            labels.add(part)
    return tuple(sorted(labels, key=len, reverse=True))


class _Visible(HTMLParser):
    """Every text a reader of the page meets: text nodes (SVG text, titles and descriptions
    included) and the ``title``, ``aria-label``, ``alt`` and ``placeholder`` attributes, outside
    scripts, styles, code and elements in another language."""

    SKIP = frozenset({"script", "style", "code", "pre", "textarea", "noscript"})
    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area"})

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack and self.stack[-1][1])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        skipped = (
            self._skipped()
            or tag in self.SKIP
            or a.get("lang") not in (None, self.lang)
            or "code" in (a.get("class") or "").split()
        )
        if not skipped:
            for name in ("title", "aria-label", "alt", "placeholder"):
                if a.get(name):
                    self.texts.append(" ".join(str(a[name]).split()))
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        while self.stack:
            top, _ = self.stack.pop()
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skipped() and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str, lang: str) -> list[str]:
    parser = _Visible(lang)
    parser.feed(html)
    return parser.texts


def english_in(texts: list[str], names: list[str]) -> list[str]:
    """The catalogue's English labels found in ``texts`` once the data ``names`` are out."""
    found = []
    for text in texts:
        rest = text
        for name in names:
            if name in rest:
                rest = rest.replace(name, " \x00 ")
        labels = dict.fromkeys(m.group(0) for m in _labels_pattern().finditer(rest))
        found.extend(f"{label!r} in {text[:160]!r}" for label in labels)
    return found


@lru_cache(maxsize=1)
def _labels_pattern() -> re.Pattern[str]:
    """All the catalogue's English labels as one pattern, longest first (so that a label is
    found whole before a shorter one inside it); one pattern rather than a search per label,
    which recompiled each of the thousands of labels for every text (re's cache holds 512)."""
    alternatives = "|".join(re.escape(label) for label in english_labels())
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def test_the_labels_come_from_the_catalogue() -> None:
    labels = english_labels()
    assert len(labels) > 500
    assert "Find a city" in labels and "Less than 33% of target" in labels
    assert "Natural Earth" not in labels  # French writes it the same
    html = (
        '<html><head><title>Trouver une ville</title></head><body><p title="Find a city">x</p>'
        "<svg><title>Rank interval of Genève</title><text>33-66% of target</text></svg>"
        '<option lang="en">English</option><script>var x = "Find a city";</script></body></html>'
    )
    texts = visible_texts(html, "fr")
    assert texts == ["Trouver une ville", "Find a city", "x", "Rank interval of Genève",
                     "33-66% of target"]  # fmt: skip
    assert [f.split(" in ")[0] for f in english_in(texts, ["Genève"])] == [
        "'Find a city'",
        "'Rank interval of'",
        "'33-66% of target'",
    ]


def _programme(cohort: Cohort) -> dict[str, str]:
    """A programme with a session, two people of Geneva (one completed) and its pages."""
    admin = cohort.users["admin"]
    programme = capacity.create_programme(
        admin,
        slug="masterclass",
        name="Masterclass",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 1),
    )
    people = [
        Person.objects.create(name=f"geneva-{i}", city=cohort.geneva, role="officer")
        for i in range(2)
    ]
    for person in people:
        Participant.objects.create(programme=programme, person=person)
    capacity.set_completed(admin, programme.participants.get(person=people[0]), dt.date(2026, 3, 1))
    return {
        "capacity-programmes": reverse("capacity:programmes"),
        "capacity-programme": reverse("capacity:programme", args=[programme.slug]),
        "capacity-person": reverse("capacity:person", args=[people[0].pk]),
        "capacity-city": reverse("capacity:city", args=[cohort.geneva.pk]),
        "capacity-certificate": reverse("capacity:certificate", args=[programme.slug, people[0].pk])
        + "?format=html",
    }


#: Pages each reader cannot open (sent to log in, told to sign out, or not theirs).
NOT_FOR = {
    "anonymous": {
        "inbox",
        "submit-data",
        "representatives",
        "preferences",
        "reporting-deadlines",
        "capacity-programmes",
        "capacity-programme",
        "capacity-person",
        "capacity-city",
        "capacity-certificate",
    },
    "editor": {
        "login",
        "invitation",
        "capacity-programme",
        "capacity-person",
        "capacity-city",
        "capacity-certificate",
    },
    "admin": {"login", "invitation"},
}


@pytest.mark.parametrize("who", ["anonymous", "editor", "admin"])
def test_french_pages_show_no_english_label_of_the_catalogue(
    scene: dict[str, str], cohort: Cohort, who: str
) -> None:
    pages = {**scene, **_programme(cohort)}
    client = Client()
    if who != "anonymous":
        client.force_login(cohort.users[who])
    names = data_names(cohort)
    names.extend(Programme.objects.values_list("name", flat=True))
    names.extend(Person.objects.values_list("name", flat=True))
    names.sort(key=len, reverse=True)
    # Known English left (issue 19, item 7), taken out of the capacity pages only: the
    # competency names on the programme, person and city pages (the framework's French names
    # are used on the framework and module pages, not yet on these), and the note written by
    # core.capacity.change (core has no Django; not yet translated in the web layer).
    fw = capacity.framework_of(capacity.current_framework())
    gaps = sorted([*names, *(c.name for c in fw.competencies)], key=len, reverse=True)
    problems = {}
    for page, url in pages.items():
        if page in NOT_FOR[who]:
            continue
        html = _get(client, url, "fr")
        texts = visible_texts(html, "fr")
        if page.startswith("capacity-"):
            texts = [re.sub(r"fewer than \d+ people rated before and after", " ", t) for t in texts]
        found = english_in(texts, gaps if page.startswith("capacity-") else names)
        if found:
            problems[page] = found
    assert not problems, "\n".join(f"{p}: {t}" for p, t in problems.items())


def test_capacity_flash_messages_are_french(cohort: Cohort) -> None:
    """The messages a capacity page flashes after a form (session added, attendance,
    mentoring, a refused action) in the page's language."""
    pages = _programme(cohort)
    admin = cohort.users["admin"]
    client = Client()
    client.force_login(admin)
    client.cookies["django_language"] = "fr"
    programme = Programme.objects.get(slug="masterclass")
    start = dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC)
    response = client.post(
        reverse("capacity:session-new", args=[programme.slug]),
        {
            "title": "Opening",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "place": "",
        },
    )
    assert response.status_code == 302, response.status_code
    response = client.post(reverse("capacity:mentoring", args=[programme.slug]))
    # Not shown yet, the first message is still stored: the second request reads both.
    flashed = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(flashed) == 2, flashed
    with translation.override("fr"):
        found = english_in(flashed, [])
    assert not found, (found, flashed)
    assert "Session ajoutée." in flashed and "0 binôme de mentorat formé." in flashed, flashed
    assert pages  # the programme's pages exist


def test_chart_words_are_french() -> None:
    """The profile charts' band names, axis, missing values and rank descriptions, and the
    heat map's bins, in French on a French page (English on an English one)."""
    from citydiplomacy.core.bands import BAND_LABELS
    from citydiplomacy.core.robustness import ROBUSTNESS_METHOD
    from citydiplomacy.web.capacity import charts as capacity_charts
    from citydiplomacy.web.capacity.services.module_catalogue import level_label
    from citydiplomacy.web.indicators import charts

    def draw() -> str:
        bars = charts.hbar_chart(
            [charts.Bar("Économie", 70.0, 3), charts.Bar("Société", None)],
            chart_id="c",
            title="t",
            desc="d",
        )
        line = charts.line_chart([(2022, 40.0), (2023, 50.5)], chart_id="l", title="t", desc="d")
        grouped = charts.grouped_bar_chart(
            ["Économie"], [charts.Series("Genève (CH)", [None])], chart_id="g", title="t", desc="d"
        )
        interval = charts.interval_chart(
            chart_id="i", label="Genève (CH)", rank=2, low=1, median=2, high=4, n=7
        )
        lone = charts.interval_chart(
            chart_id="j", label="Genève (CH)", rank=2, low=None, median=None, high=None, n=7
        )
        return "".join((bars, line, grouped, interval, lone))

    assert {c: charts.BAND_NAMES[c].replace("%%", "%") for c in BAND_LABELS} == BAND_LABELS
    assert (ROBUSTNESS_METHOD.replace("%", "%%"),) == charts.DATA_LABELS
    with translation.override("fr"):
        assert charts.label_text(ROBUSTNESS_METHOD).startswith("indice composite")
    with translation.override("en"):
        en = draw()
        assert charts.band_text(2) == "33-66% of target" and charts.band_text(0) == "not scored"
        assert level_label(3) == "3 independent" and level_label(None) == "not stated"
        assert capacity_charts.gap_words(1.5) == "1 to 2 levels short"
    assert "70.0% · 66-95% of target" in en and "Score (% of maximum points)" in en
    assert "rank 2 of 7; 90% of simulated ranks between 1 and 4, median 2." in en
    with translation.override("fr"):
        fr = draw()
        assert charts.band_text(2) == "33 à 66\xa0% de la cible"
        assert charts.band_text(0) == "non noté"
        assert level_label(3) == "3 autonome" and level_label(None) != "not stated"
        assert capacity_charts.gap_words(1.5) == "1 à 2 niveaux sous la cible"
        assert capacity_charts.gap_words(-0.5) == "cible atteinte ou dépassée"
    assert "70,0\xa0% · 66 à 95\xa0% de la cible" in fr and "95\xa0% de la cible ou plus" in fr
    assert "Score (% du maximum de points)" in fr and "n.d." in fr and "non noté" in fr
    assert "Genève (CH) : rang 2 sur 7 ; 90\xa0% des rangs simulés entre 1 et 4, médiane 2." in fr
    assert "aucun intervalle de rang" in fr
    found = english_in(visible_texts(fr, "fr"), ["Genève (CH)", "Économie", "Société"])
    assert not found, found
    for english in ("of target", "n/a", "rank 2", "maximum points", "not scored"):
        assert english not in fr, english


def test_heat_map_cells_name_their_bin_in_the_page_language() -> None:
    import numpy as np

    from citydiplomacy.web.capacity import charts as capacity_charts

    args = (["Genève"], ["C1", "C2"], ["Nom", "Nom 2"], np.array([[0.7, -0.2]]))
    rest = (np.array([[3, 4]]), np.array([[False, False]]))
    with translation.override("fr"):
        fr = capacity_charts.heatmap_table(*args, *rest, caption="c", table_id="t")
    with translation.override("en"):
        en = capacity_charts.heatmap_table(*args, *rest, caption="c", table_id="t")
    assert 'title="moins d’un niveau sous la cible ; 3 évaluations">+0,7<' in fr or (
        'title="moins d’un niveau sous la cible; 3 évaluations">+0,7<' in fr
    ), fr
    assert "cible atteinte ou dépassée" in fr
    assert 'title="under 1 level short; 3 rated">+0.7<' in en and "-0.2<" in en


def test_the_certificate_is_french(cohort: Cohort) -> None:
    """The completion certificate (the page the PDF is printed from) in French: its words,
    the role, and the dates in full with Babel ("1er mars 2026")."""
    pages = _programme(cohort)
    client = Client()
    client.force_login(cohort.users["admin"])
    fr = _get(client, pages["capacity-certificate"], "fr")
    en = _get(client, pages["capacity-certificate"], "en")
    assert "Attestation de fin de programme" in fr and "Certificate of completion" in en
    assert "Chargé ou chargée des relations internationales, Genève" in fr or (
        "Chargé ou chargée des relations internationales, Geneva" in fr
    ), fr
    assert "1er janvier 2026 – 1er mars 2026 ; terminé le 1er mars 2026." in fr
    assert "1 January 2026 – 1 March 2026; completed on 1 March 2026." in en
    names = [p.name for p in Person.objects.all()] + ["Masterclass", "Genève", "Geneva"]
    found = english_in(visible_texts(fr, "fr"), names)
    assert not found, found
