"""The command line end to end: the contract other tools rely on."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from citydiplomacy.cli import main
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.synthetic import synthetic_long
from tests.conftest import DATA

SPEC = """\
impute: none
treat: none
normalise: {method: minmax, range: [0, 100]}
weights: equal
aggregate: {method: arithmetic}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic cohort of 40 cities over three years, written as CSV."""
    path = tmp_path_factory.mktemp("cohort") / "cohort.csv"
    synthetic_long(load_framework("u4ssc"), n_cities=40, years=range(2020, 2023), seed=7).to_csv(
        path, index=False
    )
    return path


def test_frameworks_lists_both_packaged_frameworks() -> None:
    code, out, _ = run("frameworks")
    assert code == 0
    assert out.startswith("u4ssc")
    assert "91 indicators" in out
    assert "sdg11" in out


def test_frameworks_show_prints_every_kpi_code(u4ssc: object) -> None:
    code, out, _ = run("frameworks", "show", "u4ssc")
    assert code == 0
    fw = load_framework("u4ssc")
    for kpi in fw.kpis:
        assert kpi in out
    assert "EC-ICT-ICT-4C:3G" in out
    assert out.splitlines()[0].startswith("U4SSC")


def test_validate_valid_file_exits_0() -> None:
    code, out, _ = run("validate", str(DATA / "sample_long.csv"))
    assert code == 0
    assert "valid - 13 observations, 2 cities" in out
    assert "sample_long.csv:8:7: warning: converted" in out


def test_validate_invalid_file_exits_1_with_one_problem_per_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "city,country,year,kpi,value\nLyon,FR,2022,EC-ICT-ICT-1X,3\nLyon,FR,2022,EC-ICT-ICT-1C,abc\n",
        encoding="utf-8",
    )
    code, _, err = run("validate", str(bad))
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("bad.csv:2:4: unknown KPI code 'EC-ICT-ICT-1X'")
    assert lines[1] == "bad.csv:3:5: expected a number, got 'abc'"
    assert "Traceback" not in err


def test_score_with_the_documented_spec(tmp_path: Path, cohort: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "scores.csv"
    code, _, err = run("score", str(cohort), "--spec", str(spec), "--year", "2022", "-o", str(out))
    assert code == 0, err
    table = pd.read_csv(out)
    assert list(table.columns[:10]) == [
        "city", "country", "year", "level", "code", "value", "score", "points", "band", "rank",
    ]  # fmt: skip
    assert set(table["year"]) == {2022}
    index = table[table["code"] == "U4SSC"]
    assert len(index) == 40
    assert sorted(index["rank"]) == list(range(1, 41))
    assert index["score"].between(0, 100).all()


@pytest.mark.parametrize("method", ["u4ssc", "sdsn", "composite"])
def test_score_every_method_and_format(tmp_path: Path, cohort: Path, method: str) -> None:
    code, out, err = run("score", str(cohort), "--method", method, "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["provenance"]["spec"]["method"] == method
    assert payload["rows"][0].keys() >= {"city", "code", "score", "band", "rank"}
    code, out, _ = run(
        "score", str(cohort), "--method", method, "--format", "table", "--year", "2021"
    )
    assert code == 0
    assert "U4SSC" in out
    target = tmp_path / f"{method}.parquet"
    code, _, _ = run(
        "score", str(cohort), "--method", method, "--format", "parquet", "-o", str(target)
    )
    assert code == 0
    from_parquet = pd.read_parquet(target)
    meta = pq.read_schema(target).metadata[b"citydiplomacy"]
    assert json.loads(meta)["provenance"]["spec"]["method"] == method
    arrow = tmp_path / f"{method}.arrow"
    code, _, _ = run(
        "score", str(cohort), "--method", method, "--format", "arrow", "-o", str(arrow)
    )
    assert code == 0
    from_arrow = feather.read_table(arrow).to_pandas()
    csv = tmp_path / f"{method}.csv"
    code, _, _ = run("score", str(cohort), "--method", method, "-o", str(csv))
    from_csv = pd.read_csv(csv)
    assert len(from_parquet) == len(from_arrow) == len(from_csv) > 0
    assert list(from_arrow["code"].astype(str)) == list(from_csv["code"])
    pd.testing.assert_series_equal(from_parquet["score"], from_csv["score"], check_names=False)


@pytest.mark.parametrize("method", ["u4ssc", "sdsn", "composite"])
def test_all_rows_and_levels_in_every_format(tmp_path: Path, cohort: Path, method: str) -> None:
    # --all-rows keeps the rows of unreported measures: cities x years x nodes. Methods without
    # points hand the writers a read-only NaN view for them (a broadcast, not an array).
    fw = load_framework("u4ssc")
    n_nodes = len(fw.measures) + len(fw.aggregates())
    tables = {}
    for fmt in ("csv", "parquet", "arrow"):
        out = tmp_path / f"all.{fmt}"
        code, _, err = run(
            "score", str(cohort), "--method", method, "--all-rows", "--format", fmt, "-o", str(out)
        )
        assert code == 0, err
        read = {"csv": pd.read_csv, "parquet": pd.read_parquet, "arrow": pd.read_feather}[fmt]
        tables[fmt] = read(out)
    code, out, err = run("score", str(cohort), "--method", method, "--all-rows", "--format", "json")
    assert code == 0, err
    tables["json"] = pd.DataFrame(json.loads(out)["rows"])
    for fmt, table in tables.items():
        assert len(table) == 40 * 3 * n_nodes, fmt
        if method != "u4ssc":
            assert table["points"].isna().all(), fmt
    pd.testing.assert_series_equal(
        tables["csv"]["score"], tables["arrow"]["score"], check_names=False
    )
    kpis = tmp_path / "kpis.csv"
    code, _, err = run("score", str(cohort), "--method", method, "--all-rows", "--level", "1",
                       "-o", str(kpis))  # fmt: skip
    assert code == 0, err
    assert len(pd.read_csv(kpis)) == 40 * 3 * len(fw.kpis)


def test_csv_on_standard_output_is_the_file_s_text(tmp_path: Path, cohort: Path) -> None:
    # `score DATA > out.csv` and `score DATA -o out.csv` give the same bytes.
    path = tmp_path / "scores.csv"
    code, _, err = run("score", str(cohort), "--year", "2021", "-o", str(path))
    assert code == 0, err
    result = CliRunner().invoke(main, ["score", str(cohort), "--year", "2021"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == path.read_bytes()


def test_a_reader_that_stops_early_ends_the_command_quietly(cohort: Path) -> None:
    # `citydiplomacy score DATA | head -1`: no traceback, no error message.
    proc = subprocess.Popen(
        [sys.executable, "-m", "citydiplomacy.cli", "score", str(cohort)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b'"city","country"')
    proc.stdout.close()  # the output is megabytes: the command meets the closed pipe
    assert proc.wait(timeout=120) == 1
    assert proc.stderr.read() == b""


#: Arrow and Parquet types of the score output's columns (docs/scoring.md); text columns are
#: dictionaries whose index width follows the number of distinct labels.
OUTPUT_TYPES = {
    "city": "dictionary",
    "country": "dictionary",
    "year": "int16",
    "level": "int8",
    "code": "dictionary",
    "value": "double",
    "score": "double",
    "points": "int16",
    "band": "dictionary",
    "rank": "int32",
    "name": "dictionary",
    "max_points": "int16",
    "geonames_id": "int32",
    "change": "double",
    "progress": "double",
    "target": "double",
    "target_source": "dictionary",
}


@pytest.mark.parametrize("fmt", ["arrow", "parquet"])
def test_arrow_and_parquet_outputs_have_narrow_integer_columns(
    tmp_path: Path, cohort: Path, fmt: str
) -> None:
    target = tmp_path / f"scores.{fmt}"
    code, _, err = run(
        "score", str(cohort), "--method", "u4ssc", "--format", fmt, "-o", str(target)
    )
    assert code == 0, err
    table = feather.read_table(target) if fmt == "arrow" else pq.read_table(target)
    types = {f.name: str(f.type).partition("<")[0] for f in table.schema}
    assert types == OUTPUT_TYPES
    # Nullable as before: unscored rows have no points and no rank.
    assert table.column("points").null_count > 0
    assert table.column("rank").null_count == table.column("score").null_count > 0
    # The same numbers as the CSV output.
    csv = tmp_path / "scores.csv"
    assert run("score", str(cohort), "--method", "u4ssc", "-o", str(csv))[0] == 0
    expected = pd.read_csv(csv)
    got = table.to_pandas()
    for column in ("year", "level", "points", "max_points", "rank"):
        np.testing.assert_array_equal(got[column].astype("float64"), expected[column])


def test_regenerate_reproduces_a_json_result(tmp_path: Path, cohort: Path) -> None:
    result = tmp_path / "r.json"
    code, _, _ = run(
        "score", str(cohort), "--method", "u4ssc", "--format", "json", "-o", str(result)
    )
    assert code == 0
    code, out, _ = run("regenerate", str(result), str(cohort))
    assert code == 0
    assert "identical" in out
    changed = tmp_path / "changed.csv"
    frame = pd.read_csv(cohort, dtype={"value": str})
    row = frame.index[frame["kpi"] == "EC-ICT-ICT-1C"][0]
    frame.loc[row, "value"] = str(float(frame.loc[row, "value"]) * 0.5)
    frame.to_csv(changed, index=False)
    code, _, err = run("regenerate", str(result), str(changed))
    assert code == 1
    assert "fingerprint" in err
    # a filtered result regenerates too: the filter is part of its provenance
    level4 = tmp_path / "l4.json"
    code, _, _ = run(
        "score",
        str(cohort),
        "--method",
        "sdsn",
        "--level",
        "4",
        "--format",
        "json",
        "-o",
        str(level4),
    )
    assert code == 0
    assert {r["level"] for r in json.loads(level4.read_text())["rows"]} == {4}
    code, out, _ = run("regenerate", str(level4), str(cohort))
    assert code == 0, out
    not_json = tmp_path / "x.json"
    not_json.write_text("[1, 2]", encoding="utf-8")
    code, _, err = run("regenerate", str(not_json), str(cohort))
    assert code == 2 and "not a result of 'score --format json'" in err


def test_audit_and_sensitivity(cohort: Path) -> None:
    code, out, _ = run("audit", str(cohort))
    assert code == 0
    assert "Cronbach's alpha" in out
    code, out, _ = run("audit", str(cohort), "--format", "json")
    audit_report = json.loads(out)
    assert audit_report["year"] == 2022
    assert {"city", "country", "coverage"} <= audit_report["unit_coverage"][0].keys()
    code, out, err = run("sensitivity", str(cohort), "--runs", "64", "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["runs"] >= 64
    assert {r["factor"] for r in payload["indices"]} == {
        "weights",
        "normalise",
        "aggregate",
        "impute",
        "exclude",
    }
    assert len(payload["ranks"]) == 40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "DATA", "--method", "u4ssc", "--year", "1999"], "no data for year 1999"),
        (["score", "DATA", "--framework", "nope"], "neither a packaged framework"),
        (["score", "DATA", "--target", "EC-ICT-ICT-1C"], "--target expects CODE=NUMBER"),
        (["score", "DATA", "--target", "EC-ICT-ICT-1Q=3"], "unknown code(s) in target overrides"),
        (["score", "DATA", "--target", "EC=3"], "not to aggregates: EC"),
        (["score", "DATA", "--target", "EC-ICT-ICT-1C=nan"], "--target expects CODE=NUMBER"),
        (["score", "DATA", "--format", "parquet"], "--format parquet needs -o FILE"),
        (["sensitivity", "DATA", "--node", "XX", "--runs", "16"], "node 'XX' is not an aggregate"),
        (["sensitivity", "DATA", "--seed", "-1"], "-1 is not in the range x>=0"),
        (["demo-data", "--seed", "-3"], "-3 is not in the range x>=0"),
    ],
)
def test_user_errors_are_messages_not_tracebacks(
    cohort: Path, args: list[str], message: str
) -> None:
    code, _, err = run(*[str(cohort) if a == "DATA" else a for a in args])
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_spec_file_is_explained(tmp_path: Path, cohort: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "normalise: {method: minmix}\naggregate: {method: arithmetic, coverage: 2}\n",
        encoding="utf-8",
    )
    code, _, err = run("score", str(cohort), "--spec", str(spec))
    assert code == 2
    assert "normalise: method 'minmix' is not one of" in err
    assert "aggregate: coverage must be a share between 0 and 1" in err


@pytest.mark.parametrize("module", ["citydiplomacy", "citydiplomacy.cli"])
def test_python_dash_m_has_every_command(module: str) -> None:
    # Run as a module, cli.py is a second copy: the commands registered by the reports,
    # partners and web modules must still be there.
    proc = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    for command in ("score", "profile", "partners", "forum", "serve"):
        assert f"  {command} " in proc.stdout


def test_installed_command_runs_as_a_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "citydiplomacy.cli", "validate", str(DATA / "sample_long.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert "valid" in proc.stdout


def test_unreadable_framework_and_spec_files_are_messages(tmp_path: Path, cohort: Path) -> None:
    broken = tmp_path / "fw.xlsx"
    broken.write_bytes(b"not a workbook")
    code, _, err = run("score", str(cohort), "--framework", str(broken))
    assert code == 2 and "cannot read framework table fw.xlsx" in err
    latin = tmp_path / "spec.yaml"
    latin.write_bytes("impute: m\xe9an\n".encode("latin-1"))
    code, _, err = run("score", str(cohort), "--spec", str(latin))
    assert code == 2 and "UTF-8" in err
    odd = tmp_path / "odd.yaml"
    odd.write_text(
        "normalise: {method: zscore, mean_sd: [0, x]}\ntargets: {censor: [a, b]}\n",
        encoding="utf-8",
    )
    code, _, err = run("score", str(cohort), "--spec", str(odd))
    assert code == 2
    assert "mean_sd must be [mean, sd > 0]" in err and "censor must be two percentiles" in err
    assert "Traceback" not in err


def test_dist2target_scores_u4ssc_and_names_what_it_left_out(cohort: Path) -> None:
    spec_path = Path(cohort).parent / "d2t.yaml"
    spec_path.write_text("normalise: {method: dist2target}\n", encoding="utf-8")
    code, out, err = run(
        "score", str(cohort), "--spec", str(spec_path), "--level", "5", "--format", "csv"
    )
    assert code == 0, err
    index = pd.read_csv(io.StringIO(out))
    assert index["score"].notna().all()


@pytest.mark.parametrize(
    ("suffix", "wide"), [(".csv", False), (".xlsx", True), (".parquet", False)]
)
def test_demo_data_is_labelled_synthetic_and_valid(tmp_path: Path, suffix: str, wide: bool) -> None:
    out = tmp_path / f"demo{suffix}"
    args = ["demo-data", "--cities", "6", "--years", "2022-2023", "--seed", "3", "-o", str(out)]
    code, _, err = run(*args, *(["--wide"] if wide else []))
    assert code == 0, err
    assert "synthetic demo data" in err
    code, stdout, _ = run("validate", str(out))
    assert code == 0
    assert "6 cities, years 2022-2023" in stdout
    if not wide:
        frame = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
        assert frame["source"].astype(str).str.contains("synthetic demo data").all()
    code, _, err = run("demo-data", "--years", "2024-2020", "-o", str(out))
    assert code == 2 and "names no year" in err
