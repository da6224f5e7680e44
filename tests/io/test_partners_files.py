"""The readers of partnership, network and forum files: every problem located as
file:row:column, without the registry or Django."""

from __future__ import annotations

import json
from datetime import date

import pytest

from citydiplomacy.errors import ValidationError
from citydiplomacy.io import partners_files as pf
from citydiplomacy.io.import_report import ImportReport

GCOM_HEADER = ",".join(pf.GCOM_COLUMNS) + "\n"


def gcom_row(
    name: str, *, kind: str = "As an individual signatory", flags: str = "True,False,False,True"
) -> str:
    # organisation_id, name, country, lat, lon, status, date, adhesion type, four flags
    return f'7,"{name}",de,50.7,7.1,published,2012-03-04T00:00:00,{kind},{flags}\n'


def test_gcom_group_names_are_split_and_flags_read() -> None:
    text = GCOM_HEADER + gcom_row("Bonn, Köln and Aachen", kind="As a group of signatories")
    (row,) = pf.read_gcom_signatories(text, "g.csv")
    assert row.group and row.names == ("Bonn", "Köln", "Aachen")
    assert row.country == "DE" and row.since == date(2012, 3, 4)
    assert row.commitments == (
        pf.GCOM_COMMITMENTS["commitment_CoM2020_flag"],
        pf.GCOM_COMMITMENTS["commitment_mayoradapt_flag"],
    )
    (alone,) = pf.read_gcom_signatories(GCOM_HEADER + gcom_row("Bonn, City of"), "g.csv")
    assert alone.names == ("Bonn, City of",)  # an individual signatory's comma is its name's


def test_gcom_every_bad_cell_is_located() -> None:
    text = GCOM_HEADER + gcom_row("", flags="maybe,False,False,False")
    with pytest.raises(ValidationError) as info:
        pf.read_gcom_signatories(text, "g.csv")
    assert {str(p) for p in info.value.problems} == {
        "g.csv:2:2: expected a signatory name",
        "g.csv:2:9: expected True or False, got 'maybe'",
    }


def test_bytes_that_are_not_utf8_are_a_located_problem_not_a_crash() -> None:
    with pytest.raises(ValidationError, match=r"pairs.tsv:0:0: expected UTF-8 text"):
        pf.read_text(b"\xff\xfe\x00bad", pf.SISTER_FILE, "pairs.tsv")
    assert pf.read_text("\ufeffx".encode(), pf.SISTER_FILE) == "x"


def test_sister_pairs_keep_coordinates_only_when_both_are_given() -> None:
    header = "\t".join(pf.SISTER_COLUMNS) + "\n"
    row = "Lyon\tFrance\t45.7\t\t1\tBonn\t50.7\t7.1\t1\tGermany\t1\tEU\n"
    (pair,) = pf.read_sister_pairs(header + row, "s.tsv")
    assert pair == {"row": 2, "a": ("Lyon", None, None), "b": ("Bonn", 50.7, 7.1)}


def test_eurocities_members_read_and_located() -> None:
    doc = {"members": [{"name_on_website": "Lyon", "wikidata_name": "Lyon", "latitude": 45}]}
    (m,) = pf.read_eurocities_members(json.dumps(doc), "e.json")
    assert (m.index, m.labels, m.lat, m.lon) == (1, ("Lyon", "Lyon"), 45.0, None)
    with pytest.raises(ValidationError) as info:
        pf.read_eurocities_members('{"members": [\n  {"name_on_website": "X",}]}', "e.json")
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (2, 27)


def test_participant_rows_leave_matching_to_the_caller() -> None:
    content = (
        b"city,country,geonames_id,themes,languages\n"
        b"Geneva,ch,,EN;EC,fr; EN\n"
        b"Lyon,FR,12x,EN,\n"
        b"Bonn,DE,,XX,\n"
        b"Nice,FR,99999999999,EN,\n"
    )
    rows, problems = pf.read_participant_rows(content, "p.csv", {"EN", "EC"})
    assert [str(p) for p in problems] == [
        "p.csv:3:3: expected a GeoNames id",
        "p.csv:5:3: expected a GeoNames id",
    ]
    geneva, bonn = rows
    assert (geneva.name, geneva.country, geneva.themes, geneva.languages) == (
        "Geneva",
        "CH",
        ("EN", "EC"),
        ("fr", "en"),
    )
    assert geneva.theme_problem is None and geneva.city_column == 1
    assert bonn.theme_problem is not None
    assert str(bonn.theme_problem).startswith("p.csv:4:4: expected framework category codes")
    with pytest.raises(ValidationError, match="expected the columns city, country and themes"):
        pf.read_participant_rows(b"city,country\nGeneva,CH\n", "p.csv", set())


def test_one_import_report_for_facts_and_partners() -> None:
    facts = ImportReport("undata", rows=3, matched=2, facts=2, ambiguous=["Lyon (FR): 2"])
    assert facts.summary() == (
        "undata: 3 rows, 2 matched to the registry, 2 facts stored, 0 not matched, "
        "1 matched the most populous of several"
    )
    ties = ImportReport("pairs.tsv", rows=2)
    ties.not_matched("row 2: 'Tinyville' (far)", "far")
    ties.not_matched("row 3: 'Nowhere' (far)", "far")
    lines = ties.lines(show_unmatched=1)
    assert lines[0] == "pairs.tsv: 2 rows, 0 matched to the registry, 2 not matched"
    assert "  not matched, far: 2" in lines
    assert lines[-2:] == ["  - row 2: 'Tinyville' (far)", "  ... and 1 more"]
