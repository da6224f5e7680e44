"""Audit (issue 19, item 2): every table a page shows has its CSV and XLSX download.

The platform's pages that show tables are rendered as the role that sees them, on the scored
test cohort and the seeded calendar, declarations, forums, modules and recognition texts the
other tests use, and every ``<table>`` of the page must be covered by a **downloads line**.

The convention (how the existing downloads are written, e.g. ``recognition/document_list.html``
or ``indicators/compare.html``): a paragraph ``<p class="downloads">`` whose links read
exactly ``CSV`` and ``XLSX`` and carry the ``download`` attribute, next to its table. A table
is covered by

1. the nearest downloads line before it, when no other table stands between them (the usual
   "Download this table:" above the table);
2. else the nearest downloads line after it, when no other table stands between them (a line
   written under its table);
3. else the nearest downloads line before it, one line covering several tables ("both tables
   below"): allowed only for the tables named in :data:`SHARED`, each with the reason the one
   download holds them all.

Both links of every line a table uses are then followed with the same client: each must be a
200 CSV or XLSX download (so a link to a page the viewer may not read, or a broken one, fails).
Tables that are not data (forms and controls laid out as a table) are named in
:data:`NOT_DATA` with the reason. Every template under ``src/`` that writes a ``<table>`` must
be rendered by one of the audited pages (:func:`test_every_template_with_a_table_is_audited`),
so a new page with a table cannot escape the audit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

import citydiplomacy.web
from citydiplomacy.web.capacity import demo as capacity_demo
from citydiplomacy.web.capacity.models import Person, Programme
from citydiplomacy.web.capacity.services import current_framework
from citydiplomacy.web.cities.models import CityFact
from citydiplomacy.web.engagement import seed
from citydiplomacy.web.engagement import services as engagement_services
from citydiplomacy.web.engagement.models import Declaration, Event, ForumSession
from citydiplomacy.web.indicators.models import KpiValue, Submission
from citydiplomacy.web.notifications import invitations
from citydiplomacy.web.notifications.models import Kind, Notification, ReportingDeadline
from citydiplomacy.web.partners import services as partners
from citydiplomacy.web.partners.models import Membership, Network, Partnership, PartnershipCity
from citydiplomacy.web.recognition import services as recognition
from tests.web.profiles import conftest as profiles
from tests.web.profiles.conftest import Cohort
from tests.web.recognition.test_recognition_web import FR, REV1, ZERO

#: Media types of the two downloads.
MEDIA = {"CSV": "text/csv", "XLSX": "application/vnd.openxmlformats"}

#: Tables that may share one downloads line with the tables before them, by page and table
#: key (see :func:`table_key`), with why the one download holds them.
SHARED: dict[tuple[str, str], str] = {
    ("compare", "compare compare-kpis"): (
        "'Download this comparison (both tables below)': the export writes the results table "
        "then the KPI table, a 'table' column telling them apart"
    ),
    ("profile", "kpi-table"): (
        "one KPI table per category; 'Download the KPI tables below (every category)' holds "
        "every category's rows with its dimension, sub-dimension and category"
    ),
    ("profile-unpublished", "kpi-table"): "as the profile's (an editor's unpublished year)",
    ("partner-analysis", "metrics"): (
        "'Download the three tables below': central, bridging and best-connected cities in "
        "one export"
    ),
    ("find-partners", "score-parts"): (
        "each suggestion's 'how the score is made' table: its parts are columns of the "
        "suggestions download announced above the list"
    ),
    ("find-partners", "kpi-evidence"): (
        "each suggestion's 'scores behind it': the rows of the evidence download of the same line"
    ),
}
#: Tables that are not data, by page and table key, with the reason.
NOT_DATA: dict[tuple[str, str], str] = {
    ("tokens", "Your tokens"): (
        "the user's own API credentials with a revoke button per row: a control panel, not "
        "data to analyse, and a file of token names and prefixes would only spread them"
    ),
}
#: Pages whose tables still lack downloads, outside this work (strict: an xfail that starts
#: passing fails, so the mark is removed when the downloads arrive).
MISSING: dict[str, str] = {}


@dataclass
class Page:
    """A page to audit: who reads it and how it is asked for (its templates with tables:
    :data:`AUDITED_TEMPLATES`)."""

    name: str
    who: str
    url: str
    post: dict[str, Any] | None = None


@dataclass
class Scene:
    cohort: Cohort
    pages: dict[str, Page] = field(default_factory=dict)


def _build_scene(cohort: Cohort) -> Scene:
    """The cohort plus everything the pages with tables need; their URLs."""
    users = cohort.users
    geneva, lyon = cohort.geneva, cohort.lyon
    seed.seed_events()
    seed.seed_declarations()
    seed.seed_sessions()
    partnership = Partnership.objects.create(kind="twinning", status="confirmed")
    for city in (geneva, lyon):
        PartnershipCity.objects.create(partnership=partnership, city=city)
    declaration = Declaration.objects.order_by("pk").first()
    assert declaration is not None
    measure = KpiValue.objects.filter(city=geneva, year=2021).order_by("measure").first()
    assert measure is not None
    commitment = engagement_services.record_commitment(
        users["admin"],
        geneva,
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
    invitations.invite(users["admin"], lyon, "new-editor@example.org", "", lambda t: t)
    # Rows for the tables that are empty without them.
    engagement_services.grant_representative(
        users["admin"], users["editor"], geneva, title="Mayor (synthetic)", capacity="test"
    )
    Notification.objects.create(
        user=users["editor"],
        kind=Kind.REPORTING_DEADLINE,
        legacy_subject="A synthetic notification",
        legacy_body="Synthetic.",
        link=reverse("notifications:reporting-deadlines"),
        key="audit-1",
    )
    ReportingDeadline.objects.create(year=2026, due_date=dt.date(2027, 2, 28), notice_days=7)
    bonn = cohort.cities["Bonn"]  # a partner city without an editor, awaiting a confirmation
    partners.propose(
        users["editor"], partners.Proposal(city_ids=[geneva.pk, bonn.pk], title="Rhine")
    )
    CityFact.objects.create(
        city=geneva,
        kind=CityFact.Kind.POPULATION_CITY_PROPER,
        source="undata",
        year=2015,
        value=194565.0,
        source_name="UNdata",
        source_url="https://data.un.org/",
        licence="UN terms",
        matched_as="GENEVA",
    )
    capacity_demo.load_modules()
    current_framework()
    capacity_demo.load_cohort("synthetic-password")
    programme = Programme.objects.order_by("pk").first()
    person = Person.objects.order_by("pk").first()
    assert programme is not None and person is not None
    event = Event.objects.order_by("start_date").first()
    session = ForumSession.objects.order_by("pk").first()
    network = Network.objects.create(slug="synthetic-net", name="Synthetic network (test)")
    for city in (geneva, lyon):
        Membership.objects.create(network=network, city=city)
    assert event is not None and session is not None
    document = recognition.document_for("A/TEST/1", "Synthetic test resolution (test data)")
    zero = recognition.version_for(document, "zero draft", dt.date(2025, 1, 1))
    rev1 = recognition.version_for(document, "rev.1", dt.date(2025, 2, 1))
    t0 = recognition.import_text(zero, ZERO, "zero.txt", lang="en")
    t1 = recognition.import_text(rev1, REV1, "rev1.txt")
    recognition.import_text(rev1, FR, "rev1.fr.txt")
    # Two uploads of Geneva's editor: one with errors and warnings, one ready to commit.
    editor = Client()
    editor.force_login(users["editor"])
    header = "city,country,year,kpi,data_point,value,unit,source"
    bad = f"{header},extra\nGeneva,CH,2023,XX-NOPE,,1,,s,\n"
    good = f"{header}\nGeneva,CH,2030,EC-ICT-ICT-1C,,84.5,% of households,OFS\n"
    for name, text in (("bad.csv", bad), ("good.csv", good)):
        f = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
        editor.post(reverse("indicators:upload"), {"file": f})
    invalid = Submission.objects.get(file_name="bad.csv")
    ready = Submission.objects.get(file_name="good.csv")
    assert invalid.errors and invalid.warnings and ready.status == "ready"

    g, ly = geneva.pk, lyon.pk
    pages = [
        Page("search", "anonymous", reverse("cities:search") + "?q=Gen"),
        Page("city", "anonymous", reverse("cities:detail", args=[g])),
        Page(
            "profile",
            "anonymous",
            reverse("indicators:dashboard", args=[g]) + "?year=2023",
        ),
        Page(
            "profile-unpublished",
            "editor",
            reverse("indicators:dashboard", args=[g]) + f"?year={profiles.UNPUBLISHED_YEAR}",
        ),
        Page(
            "compare",
            "anonymous",
            reverse("indicators:compare") + f"?city={g}&city={ly}&year=2023",
        ),
        Page(
            "ranking",
            "anonymous",
            reverse("indicators:ranking") + "?year=2023",
        ),
        Page(
            "city-data",
            "editor",
            reverse("indicators:city_data", args=[g]) + "?year=2023",
        ),
        Page(
            "verify-confirm",
            "admin",
            reverse("indicators:city_data", args=[g]),
            post={"year": "2023", "action": "verify_all"},
        ),
        Page("submit-data", "editor", reverse("indicators:upload")),
        Page(
            "upload-errors",
            "editor",
            reverse("indicators:submission", args=[invalid.pk]),
        ),
        Page(
            "upload-preview",
            "editor",
            reverse("indicators:submission", args=[ready.pk]),
        ),
        Page("history", "analyst", reverse("indicators:history")),
        Page("partnerships", "anonymous", reverse("partners:index")),
        Page(
            "partnership",
            "anonymous",
            reverse("partners:detail", args=[partnership.pk]),
        ),
        Page(
            "find-partners",
            "editor",
            reverse("partners:suggest") + f"?city={g}",
        ),
        Page("networks", "anonymous", reverse("partners:networks")),
        Page(
            "partner-city",
            "anonymous",
            reverse("partners:city", args=[g]),
        ),
        Page(
            "partner-analysis",
            "anonymous",
            reverse("partners:analysis"),
        ),
        Page(
            "declarations",
            "anonymous",
            reverse("engagement:declarations"),
        ),
        Page(
            "declaration",
            "anonymous",
            reverse("engagement:declaration", args=[declaration.slug]),
        ),
        Page(
            "versions",
            "anonymous",
            reverse("engagement:versions", args=[declaration.slug]),
        ),
        Page("calendar", "anonymous", reverse("engagement:events")),
        Page(
            "events-archive",
            "anonymous",
            reverse("engagement:events-archive"),
        ),
        Page("sessions", "anonymous", reverse("engagement:sessions")),
        Page(
            "session",
            "anonymous",
            reverse("engagement:session", args=[session.pk]),
        ),
        Page(
            "commitments",
            "anonymous",
            reverse("engagement:commitments"),
        ),
        Page(
            "commitment",
            "anonymous",
            reverse("engagement:commitment", args=[commitment.pk]),
        ),
        Page(
            "representatives",
            "editor",
            reverse("engagement:representatives"),
        ),
        Page("capacity", "anonymous", reverse("capacity:index")),
        Page("capacity-modules", "anonymous", reverse("capacity:modules")),
        Page(
            "capacity-programme",
            "admin",
            programme.get_absolute_url(),
        ),
        Page(
            "capacity-person",
            "admin",
            reverse("capacity:person", args=[person.pk]),
        ),
        Page(
            "capacity-city",
            "admin",
            reverse("capacity:city", args=[person.city_id]),
        ),
        Page("inbox", "editor", reverse("notifications:inbox")),
        Page(
            "reporting-deadlines",
            "admin",
            reverse("notifications:reporting-deadlines"),
        ),
        Page(
            "cities-without-editor",
            "admin",
            reverse("notifications:cities-without-editor"),
        ),
        Page(
            "invite",
            "admin",
            reverse("notifications:invite", args=[ly]),
        ),
        Page("recognition", "anonymous", reverse("recognition:documents")),
        Page(
            "recognition-document",
            "anonymous",
            document.get_absolute_url(),
        ),
        Page(
            "recognition-text",
            "anonymous",
            t1.get_absolute_url(),
        ),
        Page(
            "recognition-languages",
            "anonymous",
            reverse("recognition:languages", args=[rev1.pk]) + "?all=1",
        ),
        Page(
            "recognition-compare",
            "anonymous",
            reverse("recognition:compare") + f"?old={t0.pk}&new={t1.pk}",
        ),
        Page("tokens", "editor", reverse("accounts:tokens")),
    ]
    pages.append(Page("network", "anonymous", reverse("partners:network", args=[network.slug])))
    return Scene(cohort, {p.name: p for p in pages})


@pytest.fixture(scope="module")
def _scene_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Scene]:
    """The cohort and the pages' data, built once for this module in a transaction rolled
    back at its end (as ``tests/web/test_i18n_pages.py``)."""
    with django_db_blocker.unblock(), override_settings(CITYDIPLOMACY_SENSITIVITY_RUNS=16):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_scene(profiles._build())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def scene(_scene_data: Scene, db: Any) -> Scene:
    """The scene; each test runs in a savepoint inside the module's transaction."""
    return _scene_data


# ------------------------------------------------------------------ reading a page
@dataclass
class Table:
    key: str
    index: int  # position among the page's tables and downloads lines, in document order


@dataclass
class Line:
    links: dict[str, str]  # "CSV"/"XLSX" -> href
    index: int


class _Reader(HTMLParser):
    """The page's tables (outermost) and downloads lines, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[Table | Line] = []
        self.depth = 0  # inside a table
        self.table_attrs: dict[str, str] = {}
        self.caption: list[str] | None = None
        self.line: dict[str, str] | None = None  # the links of an open downloads line
        self.anchor: tuple[str, bool] | None = None  # (href, has download attribute)
        self.anchor_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table":
            if self.depth == 0:
                self.table_attrs = a
                self.items.append(Table("", len(self.items)))
            self.depth += 1
        elif tag == "caption" and self.depth == 1:
            self.caption = []
        elif tag == "p" and "downloads" in a.get("class", "").split():
            self.line = {}
        elif tag == "a" and self.line is not None:
            self.anchor = (a.get("href", ""), "download" in a)
            self.anchor_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                table = next(i for i in reversed(self.items) if isinstance(i, Table))
                table.key = table_key(self.table_attrs, self.caption)
                self.caption = None
        elif tag == "caption" and self.caption is not None and self.depth == 1:
            self.caption = [" ".join("".join(self.caption).split())]
        elif tag == "a" and self.anchor is not None and self.line is not None:
            label = "".join(self.anchor_text).strip()
            href, marked = self.anchor
            if label in MEDIA and marked:
                self.line[label] = href
            self.anchor = None
        elif tag == "p" and self.line is not None:
            if set(self.line) == set(MEDIA):
                self.items.append(Line(self.line, len(self.items)))
            self.line = None

    def handle_data(self, data: str) -> None:
        if self.anchor is not None:
            self.anchor_text.append(data)
        if self.caption is not None and self.depth == 1:
            self.caption.append(data)


def table_key(attrs: dict[str, str], caption: list[str] | None) -> str:
    """A table's name in :data:`SHARED`, :data:`NOT_DATA` and the problems: its id, else its
    class, else its caption, else what describes it (``aria-describedby``), else ``""``."""
    if attrs.get("id"):
        return attrs["id"]
    if attrs.get("class"):
        return attrs["class"]
    if caption:
        return caption[0]
    if attrs.get("aria-describedby"):
        return f"described by #{attrs['aria-describedby']}"
    return ""


def coverage(page: str, html: str) -> tuple[dict[int, Line], list[str]]:
    """Which downloads line covers each data table of ``html`` (by the table's index), and
    the problems: a table without a line, a line shared without a reason."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    items = reader.items
    tables = [i for i in items if isinstance(i, Table) and (page, i.key) not in NOT_DATA]
    covered: dict[int, Line] = {}
    problems: list[str] = []

    def tables_between(a: int, b: int) -> bool:
        return any(isinstance(i, Table) and a < i.index < b for i in tables)

    for t in tables:
        before = [i for i in items[: t.index] if isinstance(i, Line)]
        after = [i for i in items[t.index + 1 :] if isinstance(i, Line)]
        if before and not tables_between(before[-1].index, t.index):
            covered[t.index] = before[-1]
        elif after and not tables_between(t.index, after[0].index):
            covered[t.index] = after[0]
        elif before and (page, t.key) in SHARED:
            covered[t.index] = before[-1]
        elif before:
            problems.append(f"table {t.key!r} shares a downloads line without a reason (SHARED)")
        else:
            problems.append(f"table {t.key!r} has no CSV and XLSX downloads line")
    return covered, problems


# ------------------------------------------------------------------ the audit
def _client(scene: Scene, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(scene.cohort.users[who])
    return client


def _render(scene: Scene, page: Page) -> tuple[Client, Any]:
    client = _client(scene, page.who)
    ask: Callable[..., Any] = client.post if page.post is not None else client.get
    response = ask(page.url, page.post) if page.post is not None else ask(page.url)
    assert response.status_code == 200, (page.name, response.status_code)
    return client, response


#: The templates with tables each audited page renders (checked against the rendered page
#: in :func:`test_every_table_of_the_page_has_its_csv_and_xlsx_download`).
AUDITED_TEMPLATES: dict[str, tuple[str, ...]] = {
    "search": ("cities/search.html",),
    "city": ("cities/detail.html",),
    "profile": (
        "indicators/dashboard.html",
        "indicators/_profile_body.html",
        "indicators/_profile_kpi_table.html",
    ),
    "profile-unpublished": ("indicators/_profile_body.html", "indicators/_profile_kpi_table.html"),
    "compare": ("indicators/compare.html",),
    "ranking": ("indicators/ranking.html",),
    "city-data": ("indicators/city_data.html",),
    "verify-confirm": ("indicators/verify_confirm.html",),
    "submit-data": ("indicators/upload.html",),
    "upload-errors": ("indicators/submission.html",),
    "upload-preview": ("indicators/submission.html",),
    "history": ("indicators/history.html",),
    "partnerships": ("partners/index.html",),
    "partnership": ("partners/detail.html",),
    "find-partners": ("partners/suggest.html",),
    "networks": ("partners/networks.html",),
    "network": ("partners/network.html",),
    "partner-city": ("partners/city.html",),
    "partner-analysis": ("partners/analysis.html", "partners/_metrics.html"),
    "declarations": ("engagement/declaration_list.html",),
    "declaration": ("engagement/declaration_detail.html",),
    "versions": ("engagement/versions.html",),
    "calendar": ("engagement/event_list.html",),
    "events-archive": ("engagement/event_archive.html",),
    "sessions": ("engagement/session_list.html",),
    "session": ("engagement/session_detail.html",),
    "commitments": ("engagement/commitment_list.html",),
    "commitment": ("engagement/commitment_detail.html",),
    "representatives": ("engagement/representatives.html",),
    "capacity": ("capacity/index.html",),
    "capacity-modules": ("capacity/modules.html",),
    "capacity-programme": ("capacity/programme.html",),
    "capacity-person": ("capacity/person.html",),
    "capacity-city": ("capacity/city.html",),
    "inbox": ("notifications/inbox.html",),
    "reporting-deadlines": ("notifications/reporting_deadlines.html",),
    "cities-without-editor": ("notifications/cities_without_editor.html",),
    "invite": ("notifications/invite.html",),
    "recognition": ("recognition/document_list.html",),
    "recognition-document": ("recognition/document_detail.html",),
    "recognition-text": ("recognition/text_profile.html",),
    "recognition-languages": ("recognition/languages.html",),
    "recognition-compare": ("recognition/compare.html",),
    "tokens": ("accounts/tokens.html",),
}


def _marked(name: str) -> Any:
    if name in MISSING:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=MISSING[name]))
    return name


@pytest.mark.django_db
@pytest.mark.parametrize("name", [_marked(n) for n in AUDITED_TEMPLATES])
def test_every_table_of_the_page_has_its_csv_and_xlsx_download(scene: Scene, name: str) -> None:
    page = scene.pages[name]
    client, response = _render(scene, page)
    rendered = {t.name for t in response.templates if t.name}
    assert set(AUDITED_TEMPLATES[name]) <= rendered, (name, sorted(rendered))
    html = response.content.decode()
    assert "<table" in html, f"{name}: no table on the page; is the scene missing its data?"
    covered, problems = coverage(name, html)
    assert not problems, (name, problems)
    for line in {id(line): line for line in covered.values()}.values():
        for label, href in line.links.items():
            download = client.get(href)
            assert download.status_code == 200, (name, href, download.status_code)
            assert download["Content-Type"].startswith(MEDIA[label]), (name, href)
            assert download["Content-Disposition"].startswith("attachment"), (name, href)


def test_every_template_with_a_table_is_audited() -> None:
    """A template that writes a ``<table>`` is one of the audited pages' (or included by
    one), so a new page with a table cannot be forgotten."""
    root = Path(citydiplomacy.web.__file__).parent
    with_tables = set()
    for path in root.glob("**/templates/**/*.html"):
        if "<table" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(root).parts
            with_tables.add("/".join(parts[parts.index("templates") + 1 :]))
    audited = {t for templates in AUDITED_TEMPLATES.values() for t in templates}
    assert with_tables <= audited, sorted(with_tables - audited)
