"""The demo corpus: UN documents shipped in ``data/recognition/texts`` (see
``data/SOURCES.md``), loaded as documents with their versions.

Drafts and the adopted resolution of one agenda item are versions of one document (the
committee draft A/C.2/80/L.22 and A/RES/80/137); the resolutions of earlier sessions on the
same item come first in its timeline (year-on-year series). Loading twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from citydiplomacy.web.recognition import services
from citydiplomacy.web.recognition.models import Document, Text, Version

TEXTS = Path(__file__).resolve().parents[2] / "data" / "recognition" / "texts"


@dataclass(frozen=True)
class Series:
    symbol: str
    title: str
    event_slug: str = ""
    description: str = ""


#: short name of the manifest -> the document its files are versions of.
SERIES = {
    "pact_for_the_future": Series(
        "A/RES/79/1",
        "The Pact for the Future (with the Global Digital Compact and the Declaration on "
        "Future Generations)",
        "summit-of-the-future-2024",
        "Adopted at the Summit of the Future. Its drafts (zero draft, Rev.1-3) are not public "
        "as text; only the adopted version is here.",
    ),
    "sevilla_commitment": Series(
        "A/RES/79/323",
        "Sevilla Commitment (outcome of the Fourth International Conference on Financing for "
        "Development)",
    ),
    "doha_political_declaration": Series(
        "A/RES/80/5", "Doha Political Declaration of the Second World Summit for Social Development"
    ),
    "ga_habitat_unhabitat": Series(
        "A/RES/79/214",
        "Implementation of the outcomes of Habitat II and Habitat III and strengthening of "
        "UN-Habitat",
    ),
    "ga_disaster_risk_reduction": Series(
        "A/RES/80/137",
        "Disaster risk reduction",
        description="Second Committee item: the resolutions of 2023 and 2024, the 2025 draft "
        "A/C.2/80/L.22 and the adopted A/RES/80/137.",
    ),
    "ga_culture_sustainable_development": Series(
        "A/RES/80/148",
        "Culture and sustainable development",
        description="The 2023 resolution, the 2025 draft A/C.2/80/L.19, the adopted text.",
    ),
    "ga_ffd_followup": Series(
        "A/RES/80/129",
        "Follow-up to and implementation of the outcomes of the International Conferences on "
        "Financing for Development",
        description="2023 and 2024 resolutions, then the 2025 chain: draft L.9, the "
        "Vice-Chair's L.57 on the basis of informal consultations, adopted A/RES/80/129.",
    ),
    "controls": Series(
        "A/RES/80/223",
        "Situation of human rights in the temporarily occupied territories of Ukraine, "
        "including the Autonomous Republic of Crimea and the city of Sevastopol",
        description="A control: it names cities as places and does not recognise local government.",
    ),
    "paris_agreement": Series(
        "FCCC/CP/2015/10/Add.1",
        "Paris Agreement",
        description="The English and Spanish authentic texts (the negotiating drafts of 2015 "
        "are UNFCCC documents whose reuse terms are unconfirmed and are not shipped).",
    ),
}
SDG = Series(
    "A/RES/71/313",
    "Sustainable Development Goals: goals, targets and indicators",
    description="Goals and targets of A/RES/70/1 and the global indicator framework "
    "(A/RES/71/313 and its refinements) in the six languages, from open-sdg/sdg-translations "
    "(MIT). The indicator list is a union that keeps some deleted indicators.",
)
SDG_URL = (
    "https://github.com/open-sdg/sdg-translations/tree/0cda585851a5c6f04040a9a2755fbb4496c4eead"
)


def _label(row: dict[str, str]) -> str:
    if row["version"] == "final":
        return "adopted"
    return row["version"].replace("A-RES-", "A/RES/").replace("A-C.2-", "A/C.2/").replace("-", "/")


def _source_url(row: dict[str, str]) -> str:
    label = _label(row)
    if label.startswith("A/"):
        return f"https://undocs.org/en/{label}"
    if row["short_name"] == "pact_for_the_future":
        return "https://undocs.org/en/A/RES/79/1"
    repo, _, commit = row["source"].partition("@")
    return f"https://github.com/{repo}/blob/{commit}/{row['source_path']}"


def _sdg_text(rows: list[dict[str, str]]) -> str:
    """One language's goals, targets and indicators as numbered paragraphs, goal by goal."""
    by_goal: dict[int, list[dict[str, str]]] = defaultdict(list)
    order = {"goal": 0, "target": 1, "indicator": 2}
    for r in rows:
        by_goal[int(r["id"].split(".")[0])].append(r)
    blocks = []
    for goal in sorted(by_goal):
        items = sorted(by_goal[goal], key=lambda r: order[r["kind"]])
        targets = [r for r in items if r["kind"] != "indicator"]
        for t in targets:
            blocks.append(f"{t['id']}. {t['text']}")
            if t["kind"] == "target":
                blocks.extend(
                    f"{i['id']} {i['text']}"
                    for i in items
                    if i["kind"] == "indicator" and i["id"].rsplit(".", 1)[0] == t["id"]
                )
    return "\n\n".join(blocks) + "\n"


def _import(version: Version, lang: str, data: bytes, name: str, url: str, note: str) -> bool:
    existing = Text.objects.filter(version=version, lang=lang).first()
    if existing is not None:
        return False
    services.import_text(
        version,
        data,
        name,
        lang=lang,
        source_url=url,
        source_note=note,
    )
    return True


@transaction.atomic
def load_demo(progress: Callable[[str], None] = lambda _: None) -> int:
    """Load the corpus; returns the number of texts added."""
    from citydiplomacy.web.engagement.models import Event

    with (TEXTS / "manifest.csv").open(encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    added = 0
    by_series: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in manifest:
        by_series[row["short_name"]].append(row)
    for short, rows in by_series.items():
        series = SERIES[short]
        doc = services.document_for(series.symbol, series.title)
        if series.description and not doc.description:
            doc.description = series.description
        if series.event_slug and doc.event_id is None:
            doc.event = Event.objects.filter(slug=series.event_slug).first()
        doc.save()
        for row in sorted(rows, key=lambda r: (r["date"], r["version"])):
            version = services.version_for(
                doc,
                _label(row),
                dt.date.fromisoformat(row["date"]),
                "adopted" if row["stage"] == "adopted" else "draft",
            )
            path = TEXTS / row["file"].removeprefix("texts/")
            note = f"{row['source']} {row['source_path']}; {row['conversion']}"
            added += _import(
                version, row["lang"], path.read_bytes(), path.name, _source_url(row), note
            )
    with (TEXTS / "sdg_texts.csv").open(encoding="utf-8") as fh:
        sdg_rows = list(csv.DictReader(fh))
    doc = services.document_for(SDG.symbol, SDG.title)
    if not doc.description:
        doc.description = SDG.description
        doc.save()
    version = services.version_for(
        doc, "open-sdg translations 2025-08-19", dt.date(2025, 8, 19), "adopted"
    )
    for lang in ("ar", "en", "es", "fr", "ru", "zh"):
        text = _sdg_text([r for r in sdg_rows if r["lang"] == lang])
        added += _import(
            version,
            lang,
            text.encode("utf-8"),
            f"sdg_texts.{lang}.txt",
            SDG_URL,
            "sdg_texts.csv rendered as numbered paragraphs (goal, targets, indicators)",
        )
    progress(f"Recognition tracker: {added} text(s) added ({Document.objects.count()} documents).")
    return added
