"""Partner suggestions on the platform: the learned ranker's cache and what pages say."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import Kind, Partnership, PartnershipCity, Status
from tests.web import factories

pytestmark = pytest.mark.django_db


def test_the_ranker_is_built_once_per_data_version_and_read_back_from_disk(
    recorded: Partnership, lyon: Any, bonn: Any, geneva: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = services.suggestion_model()
    path = services._ranker_file(first.key)
    assert path.exists()
    services._ranker_cache.clear()

    def must_not_build(key: str = "") -> Any:
        raise AssertionError("the cached ranker should have been read")

    monkeypatch.setattr(services, "build_suggestion_model", must_not_build)
    again = services.suggestion_model()
    assert again.key == first.key
    assert list(again.ranker.world.ids) == list(first.ranker.world.ids)
    monkeypatch.undo()
    # a new tie is a new data version: a new ranker that knows it
    p = Partnership.objects.create(
        kind=Kind.TWINNING, status=Status.RECORDED, source="t", source_ref="geneva-bonn"
    )
    PartnershipCity.objects.create(partnership=p, city=geneva)
    PartnershipCity.objects.create(partnership=p, city=bonn)
    newer = services.suggestion_model()
    assert newer.key != first.key
    world = newer.ranker.world
    assert world.row(bonn.pk) in set(world.partners(world.row(geneva.pk)).tolist())
    assert not path.exists()  # the stale file is removed


def test_a_damaged_cache_file_is_rebuilt_not_trusted(
    recorded: Partnership, lyon: Any, bonn: Any
) -> None:
    key = services.ranker_key()
    path = services._ranker_file(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a pickle")
    services._ranker_cache.clear()
    model = services.suggestion_model()
    assert model.key == key and lyon.pk in set(model.ranker.world.ids.tolist())


def test_the_page_says_when_reciprocal_mode_cannot_apply(
    recorded: Partnership, lyon: Any, bonn: Any, geneva: Any
) -> None:
    page = Client().get(f"/partners/suggest/?city={lyon.pk}&mode=reciprocal&k=5")
    assert page.status_code == 200
    html = page.content.decode()
    assert "has no published profile scores" in html and 'role="status"' in html
    plain = Client().get(f"/partners/suggest/?city={lyon.pk}&k=5").content.decode()
    assert "has no published profile scores" not in plain
    assert "km away" in plain


def test_the_api_gives_the_notes_the_page_shows(
    recorded: Partnership, lyon: Any, bonn: Any, geneva: Any
) -> None:
    import html as html_module

    url = f"/api/cities/{lyon.pk}/partner-suggestions?mode=reciprocal&k=5"
    answer = Client().get(url).json()
    assert answer["possible"] is False and answer["results"] == []
    assert answer["mode"] == "reciprocal" and answer["city_id"] == lyon.pk
    (note,) = answer["notes"]
    assert note.startswith("Lyon has no published profile scores: reciprocal partners")
    page = Client().get(f"/partners/suggest/?city={lyon.pk}&mode=reciprocal&k=5")
    assert note in html_module.unescape(page.content.decode())
    plain = Client().get(f"/api/cities/{lyon.pk}/partner-suggestions?k=5").json()
    assert plain["notes"] == [] and plain["possible"] is True and plain["results"]


def test_any_registry_city_gets_its_own_explained_suggestions(
    lyon: Any, bonn: Any, geneva: Any
) -> None:
    far = factories.city("Osaka", "JP", population=2_700_000, latitude=34.7, longitude=135.5)
    recs = Client().get(f"/api/cities/{far.pk}/partner-suggestions?k=3").json()["results"]
    assert [r["city_id"] for r in recs] and far.pk not in [r["city_id"] for r in recs]
    for r in recs:
        assert r["reasons"] and sum(r["components"].values()) == pytest.approx(r["score"])
