"""The coding rules against the hand-coded gold set (tests/data/recognition/gold.csv).

The gold set holds 187 references in six languages (83 en from two GA resolutions, 104 from
the SDG targets and indicators in ar, es, fr, ru, zh), each coded by hand as actor, place or
issue (or "none": not a reference), with the context the coder read. Two rows are
references the rules miss (``found_by_rules`` = no). docs/recognition.md reports the figures
this test computes, and the test keeps them honest.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pytest

from citydiplomacy.core.recognition import Analysis, analyse
from citydiplomacy.core.recognition.evaluate import agreement
from citydiplomacy.core.recognition.normalise import normalise
from citydiplomacy.io.texts import recogniser

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests/data/recognition/gold.csv"
TEXTS = ROOT / "src/citydiplomacy/data/recognition/texts"
DOC = ROOT / "docs/recognition.md"


@cache
def _sdg() -> dict[tuple[str, str], str]:
    with (TEXTS / "sdg_texts.csv").open(encoding="utf-8") as fh:
        return {(r["lang"], r["id"]): normalise(r["text"]) for r in csv.DictReader(fh)}


@cache
def _analysis(source: str, lang: str) -> Analysis:
    return analyse((TEXTS / source).read_text(encoding="utf-8"), recogniser(lang))


def gold_rows() -> list[dict[str, str]]:
    with GOLD.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def rule_code(row: dict[str, str]) -> str:
    """The rules' code of the gold reference (matched by its start offset), or "none"."""
    lang = row["lang"]
    if row["source"] == "sdg_texts.csv":
        refs = recogniser(lang).references(_sdg()[(lang, row["paragraph"])])
    else:
        a = _analysis(row["source"], lang)
        index = [p.key for p in a.paragraphs].index(row["paragraph"])
        refs = list(a.references[index])
    for r in refs:
        if r.start == int(row["start"]):
            return r.code
    return "none"


def test_gold_set_size_and_languages() -> None:
    rows = gold_rows()
    assert len(rows) >= 150
    assert len({r["lang"] for r in rows}) >= 3
    assert {r["hand_code"] for r in rows} <= {"actor", "place", "issue", "none"}
    # every gold reference's term is where the row says it is
    for r in rows:
        assert f"[[{r['term']}]]" in r["context"]


def test_agreement_and_kappa_are_as_documented() -> None:
    rows = gold_rows()
    result = agreement([r["hand_code"] for r in rows], [rule_code(r) for r in rows])
    documented = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- gold: n=(\d+) agreement=([\d.]+) kappa=([\d.]+) -->", documented)
    assert m is not None, "docs/recognition.md must state the gold figures"
    assert int(m.group(1)) == result.n
    assert float(m.group(2)) == pytest.approx(result.observed, abs=0.0005)
    assert float(m.group(3)) == pytest.approx(result.kappa, abs=0.0005)
    assert result.kappa > 0.5  # moderate agreement or better; see the docs for the errors


def test_kappa_arithmetic() -> None:
    same = agreement(["a", "b", "a"], ["a", "b", "a"])
    assert same.observed == 1.0 and same.kappa == pytest.approx(1.0)
    # textbook example: p_o = 0.7, p_e = 0.5 -> kappa = 0.4
    gold = ["y"] * 25 + ["n"] * 25
    rules = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    r = agreement(gold, rules)
    assert r.observed == pytest.approx(0.7) and r.kappa == pytest.approx(0.4)
    with pytest.raises(ValueError):
        agreement(["a"], [])
