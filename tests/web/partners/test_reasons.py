"""Suggestion reasons and score labels in the page's language: every sentence the engine says
has its message, French pages say them in French with French numbers, and a page shows them."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from citydiplomacy.core import peers, ranking
from citydiplomacy.core.reasons import Reason
from citydiplomacy.web.partners import reasons
from citydiplomacy.web.partners.models import Partnership

#: One set of values per key, as the engine would give them.
SAMPLES: dict[str, dict[str, Any]] = {
    "distance_same_country": {"km": 1234},
    "distance_border": {"km": 9},
    "distance_abroad": {"km": 8500, "country": "JP"},
    "same_language": {},
    "language_in_common": {},
    "same_region": {},
    "similar_size": {"own": 47002, "theirs": 65405},
    "size": {"own": 272220, "theirs": 1741041},
    "common_partners": {"n": 5},
    "country_ties": {"share": 0.16, "own_country": "DE", "country": "FR"},
    "compatriots": {"n": 1},
    "shared_network": {},
    "active_twinner": {"n": 33},
    "capital": {"like_you": True},
    "regional_capital": {"like_you": False},
    "division_seat": {"order": 3, "like_you": False},
    "model_candidate": {},
    "similar_context": {"share": 0.8, "factors": ("population", "language")},
    "reciprocal": {"theirs": ("Water",), "own": ()},
    "stronger_on": {"name": "Energy", "theirs": 80.0, "own": 55.0},
    "improving_on": {"name": "Energy", "change": 4.25},
    "scored_on": {"name": "Energy", "theirs": 70.0},
    "signal": {"signal": "twinning", "share": 0.42},
}


def _keys_in(module: Any) -> set[str]:
    """The message keys a core module gives its reasons (``Reason("key", ...)`` and
    ``key = "..."`` / ``key, text = "...", ...``)."""
    text = Path(module.__file__).read_text(encoding="utf-8")
    found = set(re.findall(r'Reason\(\s*"(\w+)"', text))
    found |= set(re.findall(r'\bkey(?:, text)? = "(\w+)"', text))
    return found


def test_every_reason_the_engine_gives_has_a_message() -> None:
    said = _keys_in(ranking) | _keys_in(peers)
    assert {"distance_border", "capital", "division_seat", "stronger_on", "signal"} <= said
    assert said <= set(reasons.KEYS)
    assert set(SAMPLES) == set(reasons.KEYS)


@pytest.mark.parametrize("key", reasons.KEYS)
def test_each_message_is_said_in_english_and_in_french(key: str) -> None:
    reason = Reason(key, "as the engine wrote it", **SAMPLES[key])
    with translation.override("en"):
        english = reasons.localised(reason)
    with translation.override("fr"):
        french = reasons.localised(reason)
    assert english != "as the engine wrote it" and french != english


def test_french_reasons_use_french_words_and_numbers() -> None:
    with translation.override("fr"):
        size = reasons.localised(Reason("size", "x", **SAMPLES["size"]))
        ties = reasons.localised(Reason("country_ties", "x", **SAMPLES["country_ties"]))
        one = reasons.localised(Reason("compatriots", "x", n=1))
        seat = reasons.localised(Reason("capital", "x", like_you=True))
    assert size == "1\xa0741\xa0041 habitants (vous : 272\xa0220)"
    assert ties == "16\xa0% des jumelages des villes de DE se font avec des villes de FR"
    assert one == "déjà jumelée avec 1 autre ville de votre pays"
    assert seat == "une capitale nationale, comme vous"
    with translation.override("en"):
        assert reasons.localised(Reason("size", "x", **SAMPLES["size"])) == (
            "1,741,041 inhabitants (you: 272,220)"
        )


def test_a_sentence_without_a_known_key_is_shown_as_written() -> None:
    with translation.override("fr"):
        assert reasons.localised("plain words") == "plain words"
        assert reasons.localised(Reason("no_such_key", "as written")) == "as written"
        assert reasons.localised(Reason("division_seat", "as written", order=9)) == "as written"
        assert reasons.localised(Reason("size", "as written")) == "as written"


def test_a_reason_keeps_its_key_and_values_through_pickle() -> None:
    reason = Reason("size", "2 inhabitants (you: 1)", own=1, theirs=2)
    again = pickle.loads(pickle.dumps(reason))
    assert (again, again.key, dict(again.params)) == (reason, "size", {"own": 1, "theirs": 2})


@pytest.mark.django_db
def test_the_french_page_says_the_suggestions_in_french(
    recorded: Partnership, lyon: Any, bonn: Any, geneva: Any
) -> None:
    client = Client()
    client.cookies["django_language"] = "fr"
    html = client.get(f"/partners/suggest/?city={lyon.pk}&k=3").content.decode()
    assert '<html lang="fr">' in html
    items = re.findall(r'<ul class="reasons">(.*?)</ul>', html, re.S)
    assert items, html
    assert all(re.search(r"\bkm\b|habitants|langue|réseau|jumel|capitale", i) for i in items)
    assert " km away" not in html and "inhabitants" not in html
    assert "jumelage probable (appris des liens passés)" in html
    assert "taille de la population" in html


def test_the_page_has_a_label_for_every_signal_and_context_factor() -> None:
    from citydiplomacy.core.context import FACTOR_LABELS, FACTORS

    assert set(reasons.SIGNAL_LABELS) == set(peers.SIGNAL_LABELS)
    assert set(reasons.FACTOR_LABELS) == set(FACTORS) == set(FACTOR_LABELS)
    with translation.override("en"):
        assert {k: str(v) for k, v in reasons.SIGNAL_LABELS.items()} == peers.SIGNAL_LABELS
        assert {k: str(v) for k, v in reasons.FACTOR_LABELS.items()} == FACTOR_LABELS
