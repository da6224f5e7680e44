"""The demo corpus: the shipped UN documents as documents with versions; loading twice adds
nothing; the Paris drafts (UNFCCC, reuse unconfirmed) are not shipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from citydiplomacy.web.recognition import demo
from citydiplomacy.web.recognition.models import Document, Text

pytestmark = pytest.mark.django_db


def test_demo_loads_the_corpus_once(db: Any) -> None:
    lines: list[str] = []
    apps.get_app_config("recognition").load_demo(lines.append)  # type: ignore[attr-defined]
    assert lines and "text(s) added" in lines[0]
    # 19 shipped files + the SDG list in six languages
    assert Text.objects.count() == 25
    ffd = Document.objects.get(symbol="A/RES/80/129")
    assert [v.label for v in ffd.versions.all()] == [
        "A/RES/78/231",
        "A/RES/79/199",
        "A/C.2/80/L.9",
        "A/C.2/80/L.57",
        "A/RES/80/129",
    ]
    paris = Document.objects.get(symbol="FCCC/CP/2015/10/Add.1")
    assert sorted(paris.versions.get().texts.values_list("lang", flat=True)) == ["en", "es"]
    sdg = Document.objects.get(symbol="A/RES/71/313").versions.get()
    assert sorted(sdg.texts.values_list("lang", flat=True)) == ["ar", "en", "es", "fr", "ru", "zh"]
    # SDG 1.5.4 "local governments" in every language: one paragraph key, found in all six
    for text in sdg.texts.all():
        assert text.references.filter(paragraph__key="1.5.4", code="actor").exists(), text.lang
    every = Text.objects.all()
    assert all(t.source_url.startswith("https://") and len(t.sha256) == 64 for t in every)
    control = Text.objects.get(version__document__symbol="A/RES/80/223")
    assert control.profile["by_code"]["actor"] == 0
    demo.load_demo()
    assert Text.objects.count() == 25


def test_paris_drafts_are_not_shipped() -> None:
    texts = Path(demo.TEXTS)
    assert not list(texts.rglob("2015-*"))
    assert "paris_agreement/2015-" not in (texts / "manifest.csv").read_text(encoding="utf-8")
