"""``citydiplomacy recognition profile|compare`` straight on files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from citydiplomacy.cli import main

TEXTS = Path(__file__).resolve().parents[2] / "src/citydiplomacy/data/recognition/texts"
DRAFTS = Path(__file__).resolve().parent.parent / "data" / "recognition" / "paris_drafts"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_profile_csv_has_one_row_per_reference_with_the_contract_columns() -> None:
    code, out, _ = run(
        "recognition", "profile", str(TEXTS / "paris_agreement/final.es.txt"), "--format", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"paragraph", "term", "category", "code", "cue"} <= set(rows[0])
    # Paris Agreement (es), verified by hand: preamble "todos los niveles de gobierno",
    # Art. 7.2 "subnacionales", Art. 11.2 "subnacional"; paragraph numbers as printed
    assert [(r["paragraph"], r["key"], r["term"]) for r in rows] == [
        ("PP16", "PP16", "todos los niveles de gobierno"),
        ("2", "7.2", "subnacionales"),
        ("2", "11.2", "subnacional"),
    ]
    # coded by hand the same way: the engagement of all levels of government (actor), a
    # challenge with subnational dimensions (issue), capacity at subnational levels (place)
    assert [r["code"] for r in rows] == ["actor", "issue", "place"]
    assert all(r["cue"] for r in rows)


def test_profile_json_and_table() -> None:
    code, out, _ = run(
        "recognition",
        "profile",
        str(TEXTS / "ga_habitat_unhabitat/A-RES-79-214.en.txt"),
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["lang"] == "en" and data["references"] == len(data["references_list"])
    assert set(data["by_code"]) == {"actor", "place", "issue"}
    assert len(data["sha256"]) == 64
    code, out, _ = run(
        "recognition", "profile", str(TEXTS / "ga_habitat_unhabitat/A-RES-79-214.en.txt")
    )
    assert code == 0 and "Strongest formulation" in out and "per 10,000 words" in out


def test_profile_refuses_another_language_and_a_bad_lang(tmp_path: Path) -> None:
    german = tmp_path / "de.txt"
    german.write_text(
        "Die Generalversammlung erkennt die Rolle der Städte an und fordert die Staaten auf, "
        "mit den Gemeinden zusammenzuarbeiten, die auch für die Umsetzung zuständig sind."
    )
    code, out, err = run("recognition", "profile", str(german))
    assert code == 2 and "German (de)" in err and "Traceback" not in err and out == ""
    code, _, err = run("recognition", "profile", str(german), "--lang", "de")
    assert code == 2 and "unknown language 'de'" in err


def test_compare_drafts_table_json_csv() -> None:
    old, new = (
        DRAFTS / "2015-12-04_adp_draft_agreement.en.txt",
        DRAFTS / "2015-12-09_draft_agreement.en.txt",
    )
    code, out, _ = run("recognition", "compare", str(old), str(new), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["recognition"].get("strengthened", 0) >= 1
    code, out, _ = run("recognition", "compare", str(old), str(new), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"kind", "old_paragraph", "new_paragraph", "recognition", "diff"} <= set(rows[0])
    code, out, _ = run("recognition", "compare", str(old), str(new))
    assert code == 0 and "recognition strengthened" in out and "{+" in out


def test_compare_refuses_two_languages() -> None:
    en = str(TEXTS / "paris_agreement/final.en.txt")
    es = str(TEXTS / "paris_agreement/final.es.txt")
    code, out, err = run("recognition", "compare", en, es)
    assert code == 2 and "final.en.txt is en and final.es.txt is es" in err and out == ""


def test_compare_a_file_with_itself_has_no_changes() -> None:
    path = str(TEXTS / "ga_ffd_followup/A-RES-80-129.en.txt")
    code, out, _ = run("recognition", "compare", path, path, "--format", "json")
    assert code == 0
    assert set(json.loads(out)["changes"]) == {"unchanged"}
