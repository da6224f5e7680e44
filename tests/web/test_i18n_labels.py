"""Labels the pages write in their language from English sources (issue 19, item 7): dates
with French month names (Babel), a commitment's status and reason (core has no Django), and
the engine's target sources."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from citydiplomacy.core.commitments import Path, Status, assess
from citydiplomacy.web.dates import short_date, short_datetime
from citydiplomacy.web.engagement.progress import progress_reason, status_choices, status_label
from citydiplomacy.web.target_sources import source_text


def test_dates_use_the_languages_own_month_abbreviations() -> None:
    day = dt.date(2026, 8, 6)
    assert short_date(day, "en") == "6 Aug 2026"
    assert short_date(day, "fr") == "6 août 2026"
    assert short_date(dt.date(2026, 7, 6), "fr") == "6 juil. 2026"  # not "Jui", as June
    assert short_date(dt.date(2026, 6, 6), "fr") == "6 juin 2026"
    assert short_date(dt.date(2026, 8, 1), "fr") == "1er août 2026"
    assert short_date(dt.date(2026, 8, 1), "en") == "1 Aug 2026"
    assert short_date(None) == ""
    with translation.override("fr"):
        assert short_date(day) == "6 août 2026"
        assert short_datetime(dt.datetime(2026, 12, 7, 14, 5, tzinfo=dt.UTC)) == "7 déc. 2026 14:05"


def test_commitment_statuses_and_reasons_in_french() -> None:
    path = Path(2020, 100.0, 2030, 200.0)
    on = assess(path, {2025: 160.0})
    off = assess(path, {2024: 110.0})
    none = assess(path, {2019: 90.0})
    with translation.override("en"):
        assert status_label(on.status) == "On track"
        assert progress_reason(on) == (
            "the 2025 value 160 covers 60% of the way from baseline to target; 50% was expected "
            "by 2025 (expected value 150)"
        )
    with translation.override("fr"):
        assert [label for _, label in status_choices()] == [
            "En bonne voie",
            "En retard",
            "Données insuffisantes",
        ]
        assert status_label(Status.OFF_TRACK) == "En retard"
        assert progress_reason(off) == (
            "la valeur 110 de 2024 couvre 10\xa0% du chemin entre la référence et la cible ; "
            "40\xa0% étaient attendus en 2024 (valeur attendue 140)"
        )
        assert progress_reason(none) == (
            "aucune valeur déclarée pour une année postérieure à l’année de référence 2020"
        )
        hold = assess(Path(2020, 50.0, 2030, 50.0, direction=-1), {2024: 40.5})
        assert progress_reason(hold) == (
            "la valeur 40,5 de 2024 ne dépasse pas la valeur à maintenir, 50"
        )


def test_engine_target_sources_in_french_and_data_kept() -> None:
    peer = (
        "mean of the top 3 of 12 cities in 2023, values censored at the 2.5th/97.5th "
        "percentiles (SDSN rule)"
    )
    none = "no benchmark: 2 reporting cities in 2023, fewer than 5 needed for a peer target"
    reference = "Europe 2020 strategy headline target: 3% of GDP invested in R&D"
    with translation.override("en"):
        assert source_text(peer) == peer and source_text(none) == none
    with translation.override("fr"):
        assert source_text(peer) == (
            "moyenne des 3 meilleures de 12 villes en 2023, valeurs bornées aux "
            "2,5e/97,5e centiles (règle SDSN)"
        )
        assert source_text(none).startswith("pas de référence : 2 villes déclarantes en 2023")
        assert source_text("informational data point, not scored") == (
            "point de donnée informatif, non noté"
        )
        assert source_text(reference) == reference  # a framework's own source is data
        assert source_text("") == ""
