"""A small scored cohort of synthetic data for the report tests (built once per session)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.spec import Spec
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.io.readers import read_kpi_data
from citydiplomacy.reports import Report, build_report, render
from citydiplomacy.reports.engine import cohort_from_long
from citydiplomacy.reports.model import Cohort
from citydiplomacy.reports.reference import rules_for
from citydiplomacy.synthetic import synthetic_long

YEARS = range(2021, 2024)


@pytest.fixture(scope="session")
def fw() -> Framework:
    return load_framework("u4ssc")


@pytest.fixture(scope="session")
def data_file(tmp_path_factory: pytest.TempPathFactory, fw: Framework) -> Path:
    """Synthetic DATA for 12 real cities, 2021-2023, as the demo-data command writes it."""
    path = tmp_path_factory.mktemp("reports") / "cohort.csv"
    synthetic_long(fw, n_cities=12, years=YEARS, seed=7, coverage=0.8).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def cohort(fw: Framework, data_file: Path) -> Cohort:
    long = read_kpi_data(data_file, fw).long
    return cohort_from_long(fw, long, Spec(method="u4ssc"), years=[2023], runs=32)


@pytest.fixture(scope="session")
def city_key(cohort: Cohort) -> str:
    return str(cohort.units.index[0])


@pytest.fixture(scope="session")
def report_en(cohort: Cohort, fw: Framework, city_key: str) -> Report:
    return build_report(cohort, city_key, 2023, rules=rules_for(fw), lang="en")


@pytest.fixture(scope="session")
def report_fr(cohort: Cohort, fw: Framework, city_key: str) -> Report:
    return build_report(cohort, city_key, 2023, rules=rules_for(fw), lang="fr")


@pytest.fixture(scope="session")
def pdfs(
    tmp_path_factory: pytest.TempPathFactory, report_en: Report, report_fr: Report
) -> dict[str, Path]:
    """The English and French PDFs of the first city, rendered once."""
    out = tmp_path_factory.mktemp("pdf")
    paths = {}
    for lang, report in (("en", report_en), ("fr", report_fr)):
        path = out / f"profile-{lang}.pdf"
        path.write_bytes(render(report, "pdf", lang))
        paths[lang] = path
    return paths


def pdftotext(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:  # pragma: no cover - poppler-utils is a test requirement
        pytest.fail("pdftotext (poppler-utils) is needed to test the PDFs")
    return subprocess.run(
        [tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def normalise(text: str) -> str:
    """Whitespace and typographic apostrophes folded, for comparing rendered text."""
    return " ".join(text.replace("\u2019", "'").replace("\u00ad", "").split())
