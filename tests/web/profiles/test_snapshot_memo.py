"""Score snapshots are decoded once per process: each caller gets its own copy, and a new
snapshot (new data) is read anew."""

from __future__ import annotations

from typing import Any

from citydiplomacy.web.indicators import scoring, services
from citydiplomacy.web.indicators.models import ScoreSnapshot


def test_each_caller_gets_its_own_copy_of_the_kept_snapshot(cohort: Any) -> None:
    first = scoring.current_snapshot()
    second = scoring.current_snapshot()
    assert first is not None and second is not None
    assert first is not second and first.pk == second.pk
    assert first.spec == second.spec
    first.seen_data_version = -1  # type: ignore[attr-defined]
    assert second.seen_data_version != -1  # type: ignore[attr-defined]


def test_a_new_snapshot_is_read_after_a_data_change(cohort: Any, settings: Any) -> None:
    settings.CITYDIPLOMACY_BACKGROUND_SCORING = False
    before = scoring.current_snapshot()
    assert before is not None
    services.bump_data_version()
    after = scoring.current_snapshot()
    assert after is not None
    assert after.data_version == services.data_version() > before.data_version
    assert ScoreSnapshot.objects.get(pk=after.pk).data_version == after.data_version
