"""Reading published signatory lists (no Django): every problem of a file, each located as
``file:line:column``."""

from __future__ import annotations

import json

import pytest

from citydiplomacy.errors import Problem
from citydiplomacy.io.signatories import ListedSignatory, SignatoryListError, read_listed

HEADER = "city_name,country,wikidata_id,mayor_name,mayor_title\n"


def test_a_csv_list_is_read_with_the_line_of_each_record() -> None:
    text = HEADER + 'Geneva,Switzerland,Q71,Ana Example,Mayor\n"Bonn\nam Rhein",Germany,,B,OB\n'
    assert read_listed("gpm.csv", text) == [
        ListedSignatory(2, "Ana Example", "Mayor", "Geneva", "Switzerland"),
        ListedSignatory(3, "B", "OB", "Bonn\nam Rhein", "Germany"),
    ]


def test_every_csv_problem_is_reported_with_line_and_column() -> None:
    text = HEADER + "Geneva,Switzerland,,,Mayor\nLyon,France\nBern,Switzerland,,C,M,x\n"
    with pytest.raises(SignatoryListError) as err:
        read_listed("bad.csv", text)
    assert err.value.problems == [
        Problem("bad.csv", 2, 4, "expected the signatory's name"),
        Problem("bad.csv", 3, 3, "expected 5 columns, found 2"),
        Problem("bad.csv", 4, 6, "expected 5 columns, found 6"),
    ]
    assert str(err.value).splitlines()[0] == "bad.csv:2:4: expected the signatory's name"


def test_a_json_list_of_votes_is_read() -> None:
    votes = [
        {
            "vote": "Sign",
            "author": {"name": " A ", "title": "Mayor"},
            "organisationNameFallback": "X",
        },
        {"vote": "Sign", "author": {"name": "B"}},
    ]
    assert read_listed("v.json", json.dumps(votes)) == [
        ListedSignatory(1, "A", "Mayor", "X", ""),
        ListedSignatory(2, "B", "", "", ""),
    ]


def test_every_json_problem_is_located_at_its_item() -> None:
    text = '{\n  "s": {\n    "votes": [\n      {"vote": "Sign"},\n      7,\n      {"vote": "No", "author": {"name": "N"}}\n    ]\n  }\n}\n'
    with pytest.raises(SignatoryListError) as err:
        read_listed("v.json", text)
    assert [(p.row, p.column) for p in err.value.problems] == [(4, 7), (5, 7), (6, 7)]
    messages = [p.message for p in err.value.problems]
    assert messages[0] == 'item 1 ("s".votes[0]), field author.name: expected the signatory\'s name'
    assert messages[1] == 'item 2 ("s".votes[1]): expected an object, found int'
    assert messages[2] == 'item 3 ("s".votes[2]), field vote: expected \'Sign\', found "No"'


def test_json_positions_survive_strings_with_brackets_and_escapes() -> None:
    text = '[{"vote": "Sign", "author": {"name": "a ] , } \\" ["}}, "x"]'
    with pytest.raises(SignatoryListError) as err:
        read_listed("v.json", text)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, text.index('"x"') + 1)]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("l.txt", "anything", "l.txt:1:1: expected a .csv or .json file"),
        ("l.csv", "name,place\n", "l.csv:1:1: expected the columns"),
        ("l.json", "[,", "l.json:1:2: expected JSON"),
        ("l.json", '"text"', "l.json:1:1: expected a list of votes or statements"),
        ("l.json", "[" * 100_000 + "]" * 100_000, "l.json:1:1: expected JSON"),
    ],
)
def test_unreadable_files_name_file_line_and_column(name: str, content: str, expected: str) -> None:
    with pytest.raises(SignatoryListError) as err:
        read_listed(name, content)
    assert str(err.value).startswith(expected)


def test_a_byte_order_mark_is_ignored() -> None:
    assert read_listed("b.csv", "\ufeff" + HEADER + "G,CH,,A,M\n")[0].place == "G"


def test_forbidden_characters_and_over_long_fields_are_problems_at_their_cells() -> None:
    """Nothing is cut or stored as it is: each bad cell is a problem, every one reported."""
    content = (
        "city_name,country,wikidata_id,mayor_name,mayor_title\n"
        "Geneva,Switzerland,,A\x00B,Mayor\n"
        f"Lyon,France,,{'N' * 201},Maire\n"
        f"Paris,France,,Anne,{'T' * 301}\n"
        "Rome,Italy,,Roberto,Sindaco\n"
    )
    with pytest.raises(SignatoryListError) as caught:
        read_listed("list.csv", content)
    found = [(p.row, p.column, p.message) for p in caught.value.problems]
    assert [(r, c) for r, c, _ in found] == [(2, 4), (3, 4), (4, 5)]
    assert "U+0000" in found[0][2]
    assert "at most 200 characters, found 201" in found[1][2]
    assert "mayor_title" in found[2][2] and "at most 300" in found[2][2]


def test_a_lone_surrogate_in_a_json_list_is_a_problem() -> None:
    content = '[{"vote": "Sign", "author": {"name": "A\\ud800B", "title": "Mayor"}}]'
    with pytest.raises(SignatoryListError) as caught:
        read_listed("list.json", content)
    (problem,) = caught.value.problems
    assert "author.name" in problem.message and "surrogate" in problem.message
