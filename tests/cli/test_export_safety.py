"""The command line's CSV outputs: text from a user's data never runs as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from citydiplomacy.cli import main
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.synthetic import synthetic_long

EVIL = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic data of four cities, the first renamed to a formula (outside GeoNames)."""
    frame = synthetic_long(load_framework("u4ssc"), n_cities=4, years=range(2022, 2024), seed=5)
    frame = frame.astype({c: object for c in ("city", "country", "source")})
    first = frame["city"].iloc[0]
    mask = frame["city"] == first
    frame["geonames_id"] = frame["geonames_id"].astype("Int64")
    frame.loc[mask, ["city", "country"]] = [EVIL, "NO"]
    frame.loc[mask, "geonames_id"] = pd.NA
    frame.loc[mask, "source"] = '=HYPERLINK("https://evil.example","source")'
    path = tmp_path_factory.mktemp("evil") / "evil.csv"
    frame.to_csv(path, index=False)
    return path


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _no_formula(cells: list[str]) -> None:
    risky = [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    risky += [c for c in cells if c.startswith("-") and not _number(c)]
    assert not risky, risky[:5]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("method", ["u4ssc", "sdsn", "composite"])
def test_score_csv_guards_city_names(data: Path, tmp_path: Path, method: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["score", str(data), "--method", method])
    assert result.exit_code == 0, result.stderr
    cells = _cells(result.stdout)
    assert "'" + EVIL in cells
    _no_formula(cells)
    out = tmp_path / "s.csv"
    result = runner.invoke(main, ["score", str(data), "--method", method, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert (
        out.read_text(encoding="utf-8")
        == CliRunner().invoke(main, ["score", str(data), "--method", method]).stdout
    )


def test_sensitivity_csv_guards_city_names(data: Path) -> None:
    result = CliRunner().invoke(main, ["sensitivity", str(data), "--runs", "16", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    cells = _cells(result.stdout)
    assert any(c.startswith("'=cmd") for c in cells)
    _no_formula(cells)


def test_framework_csv_guards_its_texts(tmp_path: Path) -> None:
    table = load_framework("u4ssc").to_table()
    table.loc[table.index[-1], "definition"] = EVIL
    path = tmp_path / "mine.csv"
    table.to_csv(path, index=False)
    result = CliRunner().invoke(main, ["frameworks", "show", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    cells = _cells(result.stdout)
    assert "'" + EVIL in cells
    _no_formula(cells)


def test_capacity_and_recognition_csv_outputs_are_guarded(tmp_path: Path) -> None:
    from citydiplomacy.cli_capacity import _emit
    from citydiplomacy.cli_recognition import _csv

    out = tmp_path / "gaps.csv"
    _emit(pd.DataFrame({"person": [EVIL], "gap": [-1]}), "csv", out)
    assert out.read_text(encoding="utf-8").splitlines()[1] == "'=cmd|' /C calc'!A0,-1"
    text = _csv([{"cue": "@SUM(A1)", "paragraph": 3}], ("cue", "paragraph"))
    assert text.splitlines()[1] == "'@SUM(A1),3"
