"""Reading and validating KPI data: every kind of bad input, each with its message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import ValidationError
from citydiplomacy.io.readers import read_kpi_data
from tests.conftest import DATA

HEADER = "city,country,year,kpi,data_point,value,unit\n"


def problems_of(path: Path, fw: Framework) -> list[str]:
    with pytest.raises(ValidationError) as info:
        read_kpi_data(path, fw)
    return [str(p) for p in info.value.problems]


def write(tmp_path: Path, body: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_sample_file_is_valid(u4ssc: Framework) -> None:
    result = read_kpi_data(DATA / "sample_long.csv", u4ssc)
    long = result.long
    assert len(long) == 13
    assert set(long["city"]) == {"Geneva", "Lyon"}
    # per 1,000 converted to per 100,000 and said so
    geneva_physicians = long[(long["city"] == "Geneva") & (long["kpi"] == "SC-EH-H-3C")]
    assert geneva_physicians["value"].iloc[0] == pytest.approx(410.0)
    assert any("converted from 'per 1000 inhabitants'" in str(w) for w in result.warnings)
    assert str(result.warnings[0]).startswith("sample_long.csv:8:7: warning:")
    # yes/no KPI stored as 1/0, data points resolved to measure codes
    assert set(long.loc[long["kpi"] == "SC-SH-SA-3A", "value"]) == {0.0, 1.0}
    assert "EC-ICT-ICT-4C:3G" in set(long["measure"])
    assert long["verified"].sum() == 7


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Lyon,FR,2022,EC-ICT-ICT-1X,,95,%\n",
            "data.csv:2:4: unknown KPI code 'EC-ICT-ICT-1X' in framework 'u4ssc'; did you mean 'EC-ICT-ICT-1C'?",
        ),
        (
            "Lyon,FR,2022,EC-ICT-ICT-4C,5G,95,%\n",
            "data.csv:2:5: unknown data point '5G' for KPI EC-ICT-ICT-4C; expected one of '3G', '4G'",
        ),
        (
            "Lyon,FR,2022,EC-ICT-ICT-4C,,95,%\n",
            "data.csv:2:5: KPI EC-ICT-ICT-4C needs a data point (one of '3G', '4G')",
        ),
        (
            "Lyon,FR,2022,EC-ICT-ICT-1C,3G,95,%\n",
            "data.csv:2:5: KPI EC-ICT-ICT-1C has no data points, got '3G'; leave data_point empty",
        ),
        (
            "Lyon,FR,2022,EC-ICT-ICT-1C,,95,kWh\n",
            "data.csv:2:7: unknown unit 'kWh'; expected '% of households' or a convertible unit",
        ),
        (
            "Lyon,FR,2022,SC-EH-H-3C,,95,%\n",
            "data.csv:2:7: unit mismatch: expected 'per 100 000 inhabitants', got '%'",
        ),
        (
            "Lyon,FR,2022,EC-ICT-ICT-1C,,120,%\n",
            "data.csv:2:6: percentage must be within 0-100, got 120",
        ),
        (
            "Lyon,FR,2022,EC-ICT-ICT-1C,,-3,%\n",
            "data.csv:2:6: percentage must be within 0-100, got -3",
        ),
        ("Lyon,FR,2022,SC-EH-H-3C,,-4,\n", "data.csv:2:6: SC-EH-H-3C cannot be negative, got -4"),
        (
            "Lyon,FR,2022,EC-ICT-PS-2A,,-1,\n",
            "data.csv:2:6: EC-ICT-PS-2A cannot be negative, got -1",
        ),
        (
            "Lyon,FR,2022,EC-ICT-PS-2A,,2.5,\n",
            "data.csv:2:6: a count must be a whole number, got 2.5",
        ),
        ("Lyon,FR,2022,SC-SH-SI-2C,,35,\n", "data.csv:2:6: coefficient must be within 0-1, got 35"),
        (
            "Lyon,FR,2022,SC-SH-SA-3A,,maybe,\n",
            "data.csv:2:6: SC-SH-SA-3A is a yes/no KPI; expected yes or no, got 'maybe'",
        ),
        ("Lyon,FR,2022,EC-ICT-ICT-1C,,n/a,%\n", "data.csv:2:6: expected a number, got 'n/a'"),
        (
            "Lyon,FR,2022,EC-ICT-ICT-1C,,,%\n",
            "data.csv:2:6: value is empty; leave the row out if the KPI is not reported",
        ),
        (
            "Lyon,ZZ,2022,EC-ICT-ICT-1C,,95,%\n",
            "data.csv:2:2: unknown country 'ZZ'; expected an ISO 3166 code such as 'CH' or 'CHE'",
        ),
        (
            "Lyon,,2022,EC-ICT-ICT-1C,,95,%\n",
            "data.csv:2:2: country is empty; give the ISO 3166 code, e.g. 'FR'",
        ),
        (
            ",FR,2022,EC-ICT-ICT-1C,,95,%\n",
            "data.csv:2:1: city is empty; give a city name and country, or a GeoNames id",
        ),
        (
            "Lyon,FR,20x2,EC-ICT-ICT-1C,,95,%\n",
            "data.csv:2:3: year must be a whole number between 1900 and 2100, got '20x2'",
        ),
        (
            "Lyon,FR,1850,EC-ICT-ICT-1C,,95,%\n",
            "data.csv:2:3: year must be a whole number between 1900 and 2100, got '1850'",
        ),
    ],
)
def test_each_bad_input_has_its_message(
    tmp_path: Path, u4ssc: Framework, body: str, expected: str
) -> None:
    assert expected in problems_of(write(tmp_path, body), u4ssc)


def test_duplicates_point_at_the_first_row(tmp_path: Path, u4ssc: Framework) -> None:
    path = write(
        tmp_path,
        "Lyon,FR,2022,EC-ICT-ICT-1C,,95,%\n"
        "Geneva,CH,2022,EC-ICT-ICT-1C,,90,%\n"
        "lyon,FRA,2022,EC: ICT: ICT: 1C,,96,%\n",
    )
    assert problems_of(path, u4ssc) == [
        "data.csv:4:6: duplicate of row 2: same city, year, KPI and data point"
    ]


def test_every_problem_is_collected_before_failing(tmp_path: Path, u4ssc: Framework) -> None:
    path = write(
        tmp_path,
        "Lyon,FR,2022,EC-ICT-ICT-1X,,95,%\n"
        "Lyon,FR,2022,EC-ICT-ICT-1C,,abc,%\n"
        "Lyon,ZZ,2023,EC-ICT-ICT-1C,,101,%\n"
        "Lyon,FR,2022,SC-SH-SA-3A,,maybe,\n",
    )
    found = problems_of(path, u4ssc)
    assert [p.split(": ")[0] for p in found] == [
        "data.csv:2:4",
        "data.csv:3:6",
        "data.csv:4:2",
        "data.csv:4:6",
        "data.csv:5:6",
    ]


def test_plausibility_is_a_warning_not_an_error(tmp_path: Path, u4ssc: Framework) -> None:
    result = read_kpi_data(write(tmp_path, "Lyon,FR,2022,EC-P-IN-3A,,50,%\n"), u4ssc)
    assert len(result.long) == 1
    (warning,) = result.warnings
    assert str(warning).startswith("data.csv:2:6: warning: EC-P-IN-3A = 50 is unusual")


def test_missing_columns_are_named(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("city,country,kpi,value\nLyon,FR,EC-ICT-ICT-1C,3\n", encoding="utf-8")
    (problem,) = problems_of(path, u4ssc)
    assert problem.startswith("bad.csv:1:0: missing column(s) year")


def test_geonames_id_identifies_a_city(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "g.csv"
    # 2660646 = Geneva, 2996944 = Lyon in GeoNames
    path.write_text(
        "geonames_id,year,kpi,value\n2660646,2022,EC-ICT-ICT-1C,95\n2996944,2022,EC-ICT-ICT-1C,90\n"
        "999999999,2022,EC-ICT-ICT-1C,90\n",
        encoding="utf-8",
    )
    found = problems_of(path, u4ssc)
    assert found == ["g.csv:4:1: unknown GeoNames id 999999999; look the city up on geonames.org"]
    path.write_text(
        "geonames_id,year,kpi,value\n2660646,2022,EC-ICT-ICT-1C,95\n2996944,2022,EC-ICT-ICT-1C,90\n",
        encoding="utf-8",
    )
    long = read_kpi_data(path, u4ssc).long
    assert list(long["city"]) == ["Geneva", "Lyon"]
    assert list(long["country"]) == ["CH", "FR"]
    assert list(long["unit"]) == ["geonames:2660646", "geonames:2996944"]


def test_wide_table_reports_cell_positions(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(
        "city,country,year,EC-ICT-ICT-1C,EC-ICT-ICT-4C:3G,SC-SH-SA-3A\n"
        "Geneva,CH,2022,95,99,yes\n"
        "Lyon,FR,2022,101,98,perhaps\n",
        encoding="utf-8",
    )
    assert problems_of(path, u4ssc) == [
        "wide.csv:3:4: percentage must be within 0-100, got 101",
        "wide.csv:3:6: SC-SH-SA-3A is a yes/no KPI; expected yes or no, got 'perhaps'",
    ]
    path.write_text(
        "city,country,year,EC-ICT-ICT-1C,EC-ICT-ICT-9Z\nGeneva,CH,2022,95,1\n", encoding="utf-8"
    )
    (problem,) = problems_of(path, u4ssc)
    assert problem.startswith("wide.csv:1:5: column 'EC-ICT-ICT-9Z' is neither")


def test_wide_and_long_agree(tmp_path: Path, u4ssc: Framework) -> None:
    wide = tmp_path / "wide.xlsx"
    pd.DataFrame(
        {
            "city": ["Geneva", "Lyon"],
            "country": ["CH", "FR"],
            "year": [2022, 2022],
            "EC-ICT-ICT-1C": [95, 88],
            "EC-ICT-ICT-4C:4G": [99.5, 97],
        }
    ).to_excel(wide, index=False)
    long = tmp_path / "long.parquet"
    pd.DataFrame(
        {
            "city": ["Geneva", "Geneva", "Lyon", "Lyon"],
            "country": ["CH"] * 2 + ["FR"] * 2,
            "year": [2022] * 4,
            "kpi": ["EC-ICT-ICT-1C", "EC-ICT-ICT-4C"] * 2,
            "data_point": ["", "4G"] * 2,
            "value": [95, 99.5, 88, 97],
        }
    ).to_parquet(long)
    a = read_kpi_data(wide, u4ssc).long.sort_values(["city", "measure"])
    b = read_kpi_data(long, u4ssc).long.sort_values(["city", "measure"])
    assert list(a["measure"].astype(str)) == list(b["measure"].astype(str))
    np.testing.assert_allclose(a["value"], b["value"])


def test_unreadable_files_are_reported(tmp_path: Path, u4ssc: Framework) -> None:
    assert problems_of(tmp_path / "absent.csv", u4ssc)[0].startswith("absent.csv:0:0: no such file")
    odd = tmp_path / "data.json"
    odd.write_text("{}", encoding="utf-8")
    assert "unsupported file type '.json'" in problems_of(odd, u4ssc)[0]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    assert problems_of(broken, u4ssc)[0].startswith("broken.xlsx:0:0: cannot read the file as XLSX")


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False, width=32),
            st.text(alphabet="0123456789.-eyesnoabc ", max_size=6),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_fuzzed_values_never_crash_and_errors_name_their_row(
    tmp_path_factory: pytest.TempPathFactory, cells: list[object], u4ssc: Framework
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    body = "".join(f"City{i},FR,2022,EC-ICT-ICT-1C,,{c},%\n" for i, c in enumerate(cells))
    path = write(tmp, body.replace(",,", ",,", 1))
    try:
        result = read_kpi_data(path, u4ssc)
    except ValidationError as exc:
        for p in exc.errors:
            assert 2 <= p.row <= len(cells) + 1
            assert p.column == 6
    else:
        assert ((result.long["value"] >= 0) & (result.long["value"] <= 100)).all()


def test_blank_lines_keep_row_numbers_true(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "blank.csv"
    path.write_text(
        HEADER + "\nLyon,FR,2022,EC-ICT-ICT-1C,,abc,%\n\r\nLyon,FR,2023,EC-ICT-ICT-1C,,xyz,%\n",
        encoding="utf-8",
    )
    assert problems_of(path, u4ssc) == [
        "blank.csv:3:6: expected a number, got 'abc'",
        "blank.csv:5:6: expected a number, got 'xyz'",
    ]


def test_spreadsheet_cells_keep_their_meaning(tmp_path: Path, u4ssc: Framework) -> None:
    book = tmp_path / "na.xlsx"
    pd.DataFrame(
        {
            "city": ["Windhoek", None, "Lyon"],
            "country": ["NA", None, "FR"],
            "year": [2022, None, 2022],
            "kpi": ["EC-ICT-ICT-1C", None, "EC-ICT-ICT-1C"],
            "value": [40, None, "n/a"],
        }
    ).to_excel(book, index=False)
    # Namibia is 'NA', the empty row 3 is skipped, 'n/a' is reported on its own row
    assert problems_of(book, u4ssc) == ["na.xlsx:4:5: expected a number, got 'n/a'"]


@pytest.mark.parametrize("cell", ["inf", "-inf", "NaN", "1e400"])
def test_non_finite_numbers_are_refused(tmp_path: Path, u4ssc: Framework, cell: str) -> None:
    path = write(tmp_path, f"Lyon,FR,2022,SC-EH-ED-3C,,{cell},\nNice,FR,2022,SC-EH-ED-3C,,7,\n")
    (problem,) = problems_of(path, u4ssc)
    assert problem.startswith("data.csv:2:6: expected a number, got ")


def test_repeated_columns_and_empty_files_are_explained(tmp_path: Path, u4ssc: Framework) -> None:
    twice = tmp_path / "twice.csv"
    twice.write_text(
        "city,name,country,year,kpi,value\nParis,Lyon,FR,2022,EC-ICT-ICT-1C,3\n", encoding="utf-8"
    )
    assert problems_of(twice, u4ssc) == ["twice.csv:1:2: column 'name' repeats the 'city' column"]
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER, encoding="utf-8")
    assert problems_of(header_only, u4ssc) == [
        "header.csv:0:0: the file has a header but no data rows"
    ]


def test_true_false_answers_of_yes_no_kpis(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(
        "city,country,year,SC-SH-SA-3A\nGeneva,CH,2022,true\nLyon,FR,2022,false\n", encoding="utf-8"
    )
    assert sorted(read_kpi_data(path, u4ssc).long["value"]) == [0.0, 1.0]


def test_a_city_named_and_identified_is_one_city(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "city,country,geonames_id,year,kpi,value\n"
        "Paris,FR,2988507,2022,EC-ICT-ICT-1C,50\n"
        "paris,FR,,2022,EC-ICT-ICT-1C,60\n"
        "Paris,FR,,2023,EC-ICT-ICT-1C,61\n",
        encoding="utf-8",
    )
    assert problems_of(path, u4ssc) == [
        "mixed.csv:3:6: duplicate of row 2: same city, year, KPI and data point"
    ]
    path.write_text(
        "city,country,geonames_id,year,kpi,value\n"
        "Paris,FR,2988507,2022,EC-ICT-ICT-1C,50\n"
        "Paris,FR,,2023,EC-ICT-ICT-1C,61\n"
        "Tinytown,FR,99999999,2023,EC-ICT-ICT-1C,61\n",
        encoding="utf-8",
    )
    result = read_kpi_data(path, u4ssc)
    assert result.long["unit"].nunique() == 2
    assert any("not among the registry's cities of 15,000" in str(w) for w in result.warnings)


def test_a_value_that_overflows_when_converted_is_refused(tmp_path: Path, u4ssc: Framework) -> None:
    path = write(tmp_path, "Lyon,FR,2022,SC-EH-H-3C,,1e308,per 1000 inhabitants\n")
    problems = problems_of(path, u4ssc)
    assert "data.csv:2:6: value is too large once converted to the KPI's unit" in problems


def test_geonames_ids_beyond_32_bits_are_refused(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "geonames_id,year,kpi,value\n99999999999999999999,2022,SC-EH-ED-3C,5\ninf,2022,SC-EH-ED-3C,5\n"
    )
    problems = problems_of(path, u4ssc)
    assert any(p.startswith("ids.csv:2:1: GeoNames id must be a whole number") for p in problems)
    assert any(p.startswith("ids.csv:3:1: GeoNames id must be a whole number") for p in problems)


def test_cell_problems_keep_their_template_and_values(u4ssc: Framework, tmp_path: Path) -> None:
    """Each cell check's message is kept as a template and its values (for the web layer to
    write in the reader's language); the English text is that template filled in."""
    path = write(tmp_path, "Lyon,FR,2022,EC-ICT-ICT-1X,,95,%\nLyon,FR,20x2,EC-ICT-ICT-1C,,95,%\n")
    with pytest.raises(ValidationError) as caught:
        read_kpi_data(path, u4ssc)
    problems = caught.value.problems
    assert problems and all(p.template for p in problems), [str(p) for p in problems]
    for p in problems:
        assert p.message == p.template % dict(p.params)
    unknown = next(p for p in problems if p.row == 2)
    assert dict(unknown.params) == {"code": "'EC-ICT-ICT-1X'", "framework": "u4ssc",
                                    "close": "'EC-ICT-ICT-1C'"}  # fmt: skip
    assert "did you mean %(close)s?" in unknown.template
