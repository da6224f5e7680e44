"""``citydiplomacy partners suggest`` and ``citydiplomacy forum pair`` on the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from citydiplomacy.cli import main
from citydiplomacy.core.peers import Performance
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import Kind, Partnership, PartnershipCity, Status
from tests.web import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    services._cache.clear()
    yield
    services._cache.clear()


@pytest.fixture
def registry() -> dict[str, Any]:
    cities = {
        "geneva": factories.city("Geneva", "CH", population=200_000),
        "zurich": factories.city("Zurich", "CH", population=420_000, latitude=47.4, longitude=8.5),
        "lyon": factories.city("Lyon", "FR", population=520_000, latitude=45.75, longitude=4.85),
        "bonn": factories.city("Bonn", "DE", population=330_000, latitude=50.7, longitude=7.1),
        "munich": factories.city(
            "Munich", "DE", population=1_500_000, latitude=48.1, longitude=11.6
        ),
        "osaka": factories.city(
            "Osaka", "JP", population=2_700_000, latitude=34.7, longitude=135.5
        ),
    }
    p = Partnership.objects.create(
        kind=Kind.TWINNING, status=Status.RECORDED, source="t", source_ref="1"
    )
    PartnershipCity.objects.create(partnership=p, city=cities["geneva"])
    PartnershipCity.objects.create(partnership=p, city=cities["zurich"])
    return cities


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_suggest_json_never_itself_nor_a_partner(registry: dict[str, Any]) -> None:
    result = run("partners", "suggest", "Geneva", "--country", "CH", "-k", "10", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    ids = [s["geonames_id"] for s in doc["suggestions"]]
    assert registry["geneva"].pk not in ids and registry["zurich"].pk not in ids
    assert len(ids) == 4
    for s in doc["suggestions"]:
        assert sum(s["components"].values()) == pytest.approx(s["score"], abs=1e-5)
    result = run(
        "partners", "suggest", "Geneva", "--country", "CH", "--include-partners", "--format", "json"
    )
    assert registry["zurich"].pk in [
        s["geonames_id"] for s in json.loads(result.output)["suggestions"]
    ]


def test_suggest_table_and_errors(registry: dict[str, Any]) -> None:
    result = run("partners", "suggest", "Geneva", "--country", "CH", "-k", "2")
    assert result.exit_code == 0
    # (the parts were the old hand-weighted signals; the score is now the learned likelihood
    # of twinning, plus strength on a theme when one is asked for)
    assert f"Partners for Geneva (CH, {registry['geneva'].pk}), mode peer" in result.output
    assert "parts: twinning" in result.output
    assert "km away" in result.output
    unknown = run("partners", "suggest", "Atlantis", "--country", "CH")
    assert unknown.exit_code == 2 and "no city 'Atlantis' in CH" in unknown.output
    theme = run("partners", "suggest", "Geneva", "--country", "CH", "--theme", "NOPE")
    assert theme.exit_code == 2 and "unknown theme 'NOPE'" in theme.output


def fake_performance(registry: dict[str, Any]) -> Performance:
    ids = [registry[c].pk for c in ("geneva", "lyon", "bonn", "munich")]
    scores = pd.DataFrame(
        {"EN-E-E": [30.0, 80.0, 60.0, 20.0], "EC-I-T": [90.0, 40.0, 50.0, 95.0]}, index=ids
    )
    return Performance(
        scores=scores, change=scores * 0, themes={"EN-E-E": [], "EC-I-T": []}, names={}
    )


def test_forum_pair_json(registry: dict[str, Any], tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "performance", lambda *a, **k: fake_performance(registry))
    path = tmp_path / "forum.csv"
    path.write_text(
        "city,country,themes,languages\n"
        "Geneva,CH,EN-E-E,fr;en\nLyon,FR,EC-I-T,fr\nBonn,DE,EC-I-T,de;en\nMunich,DE,EN-E-E,de\n",
        encoding="utf-8",
    )
    result = run("forum", "pair", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["optimal"] is True
    groups = [sorted(c["name"] for c in g["cities"]) for g in doc["groups"]]
    # Geneva-Munich share no language; Geneva-Lyon (fr) and Bonn-Munich (de) both learn
    assert sorted(groups) == [["Bonn", "Munich"], ["Geneva", "Lyon"]]
    assert doc["total_benefit"] == pytest.approx(sum(g["benefit"] for g in doc["groups"]))
    table = run("forum", "pair", str(path), "--any-language")
    assert table.exit_code == 0 and "total benefit" in table.output


def test_forum_pair_reports_file_problems(registry: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("city,country,themes\nGeneva,CH,NOPE\nAtlantis,CH,EN-E-E\n", "utf-8")
    result = run("forum", "pair", str(path))
    assert result.exit_code == 1
    assert "bad.csv:2:3: expected framework category codes" in result.output
    assert "bad.csv:3:1: expected a registry city" in result.output


@pytest.mark.parametrize(
    "args", [["partners", "suggest", "Geneva", "--country", "CH"], ["forum", "pair", "x.csv"]]
)
def test_a_database_not_set_up_is_explained(tmp_path: Path, args: list[str]) -> None:
    # A fresh install before 'citydiplomacy demo': no tables yet, a message and no traceback.
    (tmp_path / "x.csv").write_text("city,country\nGeneva,CH\n", "utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "citydiplomacy.cli", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "the database is not set up" in proc.stderr
    assert "citydiplomacy demo" in proc.stderr and "Traceback" not in proc.stderr


def test_a_migration_not_applied_is_counted_without_building_the_migration_graph() -> None:
    from django.db.migrations.recorder import MigrationRecorder

    from citydiplomacy.cli_partners import _unapplied_migrations

    assert _unapplied_migrations() == 0  # the test database is fully migrated
    recorded = MigrationRecorder.Migration.objects.filter(app="partners").order_by("-id")
    recorded.filter(pk=recorded[0].pk).delete()
    assert _unapplied_migrations() == 1
    result = run("partners", "suggest", "Geneva", "--country", "CH")
    assert result.exit_code == 1 and "1 migration(s) to apply" in result.output


def test_the_commands_start_imports_neither_scipy_stats_nor_scikit_learn(tmp_path: Path) -> None:
    """The start of ``partners suggest`` (Django's set-up with every app's ready()) stays
    light: scipy.stats (SALib's Sobol' analysis, about a second) and scikit-learn (the
    ranker is read back as plain arrays) are imported only where they are used; so are the
    reports package (with the scoring engine, for a city's name in another language: about
    0.1 s) and Celery (for the tie analysis)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = (
        "import sys; from citydiplomacy.cli_web import setup_django; setup_django(); "
        "import citydiplomacy.cli_partners, citydiplomacy.web.partners.services; "
        "import citydiplomacy.web.cities.services; "
        "print(sorted(m for m in ('scipy.stats', 'sklearn', 'citydiplomacy.reports', "
        "'celery') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(("given", "expected"), [(None, 1), ("2", 2)])
def test_suggest_starts_numpy_with_one_blas_thread_unless_told(
    given: str | None, expected: int
) -> None:
    """One city's suggestion needs no BLAS thread per core (starting them cost about 0.15 s
    of the command's CPU); an explicit OPENBLAS_NUM_THREADS is kept."""
    if expected > (os.cpu_count() or 1):
        pytest.skip("OpenBLAS starts at most one thread per core")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = (
        "from citydiplomacy.cli_partners import _one_blas_thread; _one_blas_thread(); "
        "import numpy; from threadpoolctl import threadpool_info; "
        "print(sorted({p['num_threads'] for p in threadpool_info() "
        "if p['internal_api'] == 'openblas'}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"[{expected}]"


def test_empty_registry_is_explained() -> None:
    result = run("partners", "suggest", "Geneva", "--country", "CH")
    assert result.exit_code == 1 and "city registry is empty" in result.output


def test_solver_failures_are_messages_not_tracebacks(
    registry: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ForumError (the solver found nothing valid) escaped ``user_errors`` as a traceback."""
    from citydiplomacy.core import forum as core_forum

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise core_forum.ForumError("the solver found no assignment: test")

    monkeypatch.setattr(core_forum, "pair_forum", broken)
    path = tmp_path / "forum.csv"
    path.write_text("city,country,themes\nGeneva,CH,EN-E-E\nLyon,FR,EN-E-E\n")
    result = CliRunner().invoke(main, ["forum", "pair", str(path)])
    assert result.exit_code != 0
    assert "the solver found no assignment" in result.output
    assert not isinstance(result.exception, core_forum.ForumError)


def test_suggest_on_a_theme_before_any_profile_is_scored(registry: dict[str, Any]) -> None:
    """A valid framework category with no scores yet raised KeyError (a traceback)."""
    result = CliRunner().invoke(
        main, ["partners", "suggest", "Lyon", "--country", "FR", "--theme", "EN-E-E"]
    )
    assert result.exit_code == 0, result.output
    assert "No suggestion" in result.output


def test_any_city_can_be_asked_about_and_an_ambiguous_name_lists_its_cities(
    registry: dict[str, Any],
) -> None:
    # two Fuchu in Japan (Tokyo and Hiroshima), as two Suzhou in China
    north = factories.city("Fuchu", "JP", population=260_000, latitude=35.67, longitude=139.48)
    south = factories.city("Fuchu", "JP", population=40_000, latitude=34.57, longitude=133.24)
    ambiguous = run("partners", "suggest", "Fuchu", "--country", "JP")
    assert ambiguous.exit_code == 2
    assert "matches 2 registry cities; choose one" in ambiguous.output
    assert f"--geonames-id {north.pk}" in ambiguous.output
    assert f"--geonames-id {south.pk}" in ambiguous.output
    chosen = run("partners", "suggest", "--geonames-id", str(south.pk), "--format", "json")
    assert chosen.exit_code == 0, chosen.output
    doc = json.loads(chosen.output)
    assert doc["city"]["geonames_id"] == south.pk and doc["city"]["country"] == "JP"
    assert south.pk not in [s["geonames_id"] for s in doc["suggestions"]]
    assert all(s["reasons"] for s in doc["suggestions"])
    missing = run("partners", "suggest", "--geonames-id", "1")
    assert missing.exit_code == 2 and "GeoNames id 1 is not in the city registry" in missing.output
    nothing = run("partners", "suggest")
    assert nothing.exit_code == 2 and "--geonames-id" in nothing.output


def test_reciprocal_mode_says_why_it_cannot_apply(registry: dict[str, Any]) -> None:
    result = run("partners", "suggest", "Osaka", "--country", "JP", "--mode", "reciprocal")
    assert result.exit_code == 0, result.output
    assert "Note: Osaka has no published profile scores" in result.output
    assert "No suggestion" in result.output


def test_forum_pair_lists_the_cities_of_an_ambiguous_name_and_takes_a_choice(
    registry: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "performance", lambda *a, **k: fake_performance(registry))
    big = factories.city("Fuchu", "JP", population=260_000, latitude=35.67, longitude=139.48)
    small = factories.city("Fuchu", "JP", population=40_000, latitude=34.57, longitude=133.24)
    path = tmp_path / "forum.csv"
    path.write_text(
        "city,country,themes\nGeneva,CH,EN-E-E\nLyon,FR,EC-I-T\nFuchu,JP,EN-E-E\n", "utf-8"
    )
    refused = run("forum", "pair", str(path))
    assert refused.exit_code == 1
    assert "forum.csv:4:1: expected a registry city" in refused.output
    assert f"{big.pk} Fuchu (260,000 inhabitants" in refused.output
    assert f"{small.pk} Fuchu (40,000 inhabitants" in refused.output
    assert "--geonames-id 'Fuchu,JP=ID'" in refused.output
    chosen = run(
        "forum", "pair", str(path), "--geonames-id", f"Fuchu,JP={small.pk}", "--format", "json"
    )
    assert chosen.exit_code == 0, chosen.output
    ids = {c["geonames_id"] for g in json.loads(chosen.output)["groups"] for c in g["cities"]}
    ids |= {u["geonames_id"] for u in json.loads(chosen.output)["unassigned"]}
    assert small.pk in ids and big.pk not in ids
    bad = run("forum", "pair", str(path), "--geonames-id", "Fuchu=12")
    assert bad.exit_code == 2 and "expects 'NAME,CC=ID'" in bad.output
