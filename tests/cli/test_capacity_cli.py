"""``citydiplomacy capacity``: framework show/validate, gap and cohort reports from files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from citydiplomacy.cli import main
from citydiplomacy.io.capacity import packaged_framework


def _responses(path: Path, people_per_city: int = 5, cities: int = 2) -> Path:
    fw = packaged_framework()
    rng = np.random.default_rng(4)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["person", "city", "role", "competency", "level", "rater", "phase"])
        for c in range(cities):
            for i in range(people_per_city):
                for code in fw.codes[:4]:
                    b = int(rng.integers(1, 4))
                    w.writerow([f"p{c}{i}", f"City{c}", "officer", code, b, "self", "before"])
                    w.writerow([f"p{c}{i}", f"City{c}", "officer", code, b + 1, "self", "after"])
    return path


def test_framework_show_and_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["capacity", "framework", "show"])
    assert shown.exit_code == 0 and "MLT Multilateral processes" in shown.output
    as_csv = runner.invoke(main, ["capacity", "framework", "show", "--format", "csv"])
    table = tmp_path / "fw.csv"
    table.write_text(as_csv.output)
    ok = runner.invoke(main, ["capacity", "framework", "validate", str(table)])
    assert ok.exit_code == 0 and "valid, 10 domains" in ok.output
    table.write_text(as_csv.output.replace(",4,5,3,2\n", ",x,5,3,2\n", 1))
    bad = runner.invoke(main, ["capacity", "framework", "validate", str(table)])
    assert bad.exit_code == 1
    assert "fw.csv:6:12: target level for mayor" in bad.output  # NEG.1's target_mayor
    missing = runner.invoke(main, ["capacity", "framework", "validate", str(tmp_path / "no.csv")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_gap_report_largest_first_and_plan(tmp_path: Path) -> None:
    path = _responses(tmp_path / "r.csv")
    out = CliRunner().invoke(main, ["capacity", "gaps", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output[: out.output.rindex("]") + 1])
    gaps = [r["gap"] for r in rows if r["gap"] is not None]
    assert gaps == sorted(gaps, reverse=True)
    one = CliRunner().invoke(main, ["capacity", "gaps", str(path), "--person", "p00"])
    assert one.exit_code == 0 and "learning plan" in one.output
    nobody = CliRunner().invoke(main, ["capacity", "gaps", str(path), "--person", "zz"])
    assert nobody.exit_code == 2


def test_cohort_report_hides_small_groups_and_tests_change(tmp_path: Path) -> None:
    path = _responses(tmp_path / "r.csv", people_per_city=5, cities=2)
    with path.open("a", newline="") as f:
        csv.writer(f).writerow(
            ["lonely", "City9", "officer", packaged_framework().codes[0], 2, "self", "before"]
        )
    out = CliRunner().invoke(main, ["capacity", "cohort", str(path), "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(out.output.splitlines()[:5]))
    assert rows[0]["gap City9"] == ""  # one person: hidden
    assert rows[0]["gap City0"] != ""
    assert "Wilcoxon p =" in out.output
    assert "p00" not in out.output and "lonely" not in out.output


def test_bad_responses_list_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("person,city,role,competency,level\na,X,officer,NOPE,3\nb,Y,king,MLT.1,9\n")
    out = CliRunner().invoke(main, ["capacity", "gaps", str(path)])
    assert out.exit_code == 1
    assert "bad.csv:2:4:" in out.output and "bad.csv:3:3:" in out.output
    assert "bad.csv:3:5:" in out.output and "Traceback" not in out.output


def test_framework_case_export(tmp_path: Path) -> None:
    """The CASE package from the command line: the packaged framework's identifiers are those
    of the web export (UUID 5 of the framework's name and the codes), the date is given."""
    from citydiplomacy.core.capacity.case import case_uuid
    from tests.core.test_capacity_case import case_problems

    out = tmp_path / "fw.case.json"
    r = CliRunner().invoke(
        main,
        ["capacity", "framework", "case", "--changed", "2026-12-06T23:00:00Z", "-o", str(out)],
    )
    assert r.exit_code == 0, r.output
    package = json.loads(out.read_text(encoding="utf-8"))
    assert case_problems(package) == []
    assert package["CFDocument"]["lastChangeDateTime"] == "2026-12-06T23:00:00Z"
    mlt1 = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "MLT.1")
    assert mlt1["identifier"] == case_uuid("city-diplomacy-competencies", "competency", "MLT.1")
    bad = CliRunner().invoke(main, ["capacity", "framework", "case", "--changed", "soon"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
