"""Framework tables: the packaged U4SSC tree, loading others, and every table problem."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from citydiplomacy.cli import main
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import FrameworkError
from citydiplomacy.io.frameworks import load_framework
from tests.conftest import make_framework


def test_u4ssc_has_the_itu_structure(u4ssc: Framework) -> None:
    nodes = u4ssc.nodes
    assert len(u4ssc.kpis) == 91
    assert list(nodes.index[nodes["level"] == 4]) == ["EC", "EN", "SC"]
    assert (nodes["level"] == 3).sum() == 7
    assert nodes.loc[nodes["level"] == 2, "name"].nunique() == 22
    assert (nodes["level"] == 0).sum() == 28
    per_dimension = {
        d: len([k for k in u4ssc.kpis if u4ssc.ancestors(k)[2] == d]) for d in ("EC", "EN", "SC")
    }
    assert per_dimension == {"EC": 45, "EN": 17, "SC": 29}
    assert u4ssc.root == "U4SSC"


def test_inferred_values_are_flagged_not_promoted(u4ssc: Framework) -> None:
    wifi = u4ssc.nodes.loc["EC-ICT-ICT-5A"]
    assert not wifi["verified"]
    assert "code" in wifi["unverified"]
    assert u4ssc.nodes.loc["EC-ICT-ICT-1C", "verified"]
    # the reference marks 'lower_is_better?' for water loss: carried, flagged
    assert u4ssc.num("EC-I-WS-3C", "direction") == -1
    assert "direction" in u4ssc.text("EC-I-WS-3C", "unverified")


def test_multi_part_kpis_are_data_points(u4ssc: Framework) -> None:
    assert set(u4ssc.data_points("EN-EN-WA-1C")) == {
        "landfill", "burnt", "incinerated", "open dump", "recycled", "other",
    }  # fmt: skip
    assert u4ssc.num("EN-EN-WA-1C:landfill", "direction") == -1
    assert u4ssc.num("EN-EN-WA-1C:recycled", "direction") == 1
    assert u4ssc.num("EN-EN-WA-1C:other", "weight") == 0  # informational
    assert u4ssc.text("EC-I-UP-2A:compact", "value_type") == "yesno"
    assert u4ssc.kpi_of("EC-ICT-ICT-4C:4G") == "EC-ICT-ICT-4C"


def test_every_shipped_target_cites_its_source(u4ssc: Framework) -> None:
    with_target = u4ssc.nodes[u4ssc.nodes["target"].notna()]
    assert len(with_target) >= 15
    assert (with_target["target_source"].str.len() > 10).all()
    assert u4ssc.num("EN-EN-AQ-1C:PM2.5", "target") == 5
    assert "WHO" in u4ssc.text("EN-EN-AQ-1C:PM2.5", "target_source")
    sdg11 = load_framework("sdg11")
    cited = sdg11.nodes[sdg11.nodes["target"].notna()]
    assert len(cited) >= 1 and (cited["target_source"] != "").all()


def test_electronic_health_records_sits_in_health(u4ssc: Framework) -> None:
    assert u4ssc.parent("SC-EH-ED-5A") == "SC-EH-H"


def test_every_table_problem_is_reported_at_once() -> None:
    table = pd.DataFrame(
        [
            ("I", "Index", "2", "", "1", "1"),
            ("a", "A", "1", "I", "2", "1"),
            ("a", "A again", "1", "I", "1", "-1"),
            ("b", "B", "x", "Q", "1", "1"),
            ("c", "C", "1", "I", "0", "1"),
        ],
        columns=["code", "name", "level", "parent", "direction", "weight"],
    )
    with pytest.raises(FrameworkError) as info:
        Framework.from_table(table, "bad")
    text = str(info.value)
    assert "row 3: direction must be 1, -1 or 0" in text
    assert "row 4: code 'a' repeats row 3" in text
    assert "row 4: weight must be >= 0" in text
    assert "row 5: level must be a whole number" in text


def test_broken_trees_are_explained() -> None:
    with pytest.raises(FrameworkError, match="parent 'Z' of 'a' is not a code"):
        make_framework([("I", "I", 2, "", 1, 1), ("a", "a", 1, "Z", 1, 1)])
    with pytest.raises(FrameworkError, match="exactly one root"):
        make_framework([("I", "I", 2, "", 1, 1), ("J", "J", 2, "", 1, 1), ("a", "a", 1, "I", 1, 1)])
    with pytest.raises(FrameworkError, match="must sit above"):
        make_framework([("I", "I", 2, "", 1, 1), ("a", "a", 2, "I", 1, 1)])
    with pytest.raises(FrameworkError, match="two-sided indicator 'a'"):
        make_framework([("I", "I", 2, "", 1, 1), ("a", "a", 1, "I", 0, 1)])
    with pytest.raises(FrameworkError, match="lacks column"):
        Framework.from_table(pd.DataFrame({"code": ["a"]}), "x")


def test_user_targets_override_and_unknown_codes_fail(toy: Framework) -> None:
    changed = toy.with_targets({"a1": 80}, "user override")
    assert changed.num("a1", "target") == 80
    assert changed.text("a1", "target_source") == "user override"
    assert toy.num("a1", "target") == 100  # the original is untouched
    with pytest.raises(FrameworkError, match="did you mean 'a1'"):
        toy.with_targets({"a11": 1}, "x")


def test_any_framework_loads_from_an_imeta_style_file(tmp_path: Path) -> None:
    table = tmp_path / "mini.csv"
    table.write_text(
        "code,name,level,parent,direction,weight,unit,target,target_source\n"
        "IDX,Mini index,2,,1,1,,,\n"
        "pm25,PM2.5,1,IDX,-1,2,µg/m³,5,WHO AQG 2021\n"
        "green,Green space,1,IDX,1,1,%,,\n",
        encoding="utf-8",
    )
    fw = load_framework(table)
    assert fw.name == "mini"
    assert fw.measures == ("pm25", "green")
    data = tmp_path / "d.csv"
    data.write_text(
        "city,country,year,kpi,value\nGeneva,CH,2022,pm25,10\nGeneva,CH,2022,green,40\n"
        "Lyon,FR,2022,pm25,12\nLyon,FR,2022,green,30\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["score", str(data), "--framework", str(table), "--format", "csv"]
    )
    assert result.exit_code == 0, result.stderr
    assert "IDX" in result.stdout
    shown = CliRunner().invoke(main, ["frameworks", "show", str(table)])
    assert "pm25  PM2.5  [lower is better; µg/m³; target 5]" in shown.stdout


def test_packaged_table_is_what_the_build_script_makes() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, str(root / "scripts" / "build_u4ssc_framework.py"), "--check"],
        check=False,
    )
    assert proc.returncode == 0, (
        "u4ssc.csv was edited by hand: run scripts/build_u4ssc_framework.py"
    )


def test_every_kpi_carries_its_place_in_the_framework(u4ssc: Framework) -> None:
    kpis = u4ssc.nodes.loc[list(u4ssc.kpis)]
    for column in (
        "dimension",
        "sub_dimension",
        "category",
        "name",
        "core_or_advanced",
        "unit",
        "sdg",
        "definition",
    ):
        assert (kpis[column].astype(str).str.len() > 0).all(), column
    assert set(kpis["dimension"]) == {"Economy", "Environment", "Society and Culture"}
    assert kpis["category"].nunique() == 22


def test_the_tree_as_plain_dicts(u4ssc: Framework) -> None:
    tree = u4ssc.tree()
    assert tree is u4ssc.tree()  # built once
    assert tree.root == u4ssc.root and tree.level[tree.root] == u4ssc.max_level
    # Descendants at a level, in framework order, through any depth.
    assert tree.under(tree.root, 1) == list(u4ssc.kpis)
    ict = [k for k in u4ssc.kpis if k.startswith("EC-ICT-ICT-")]
    assert tree.under("EC-ICT-ICT", 1) == ict
    assert tree.under("EC-ICT-ICT-4C", 0) == ["EC-ICT-ICT-4C:3G", "EC-ICT-ICT-4C:4G"]
    # A data point is labelled by its own name; other nodes by theirs; text is never NaN.
    assert tree.label["EC-ICT-ICT-4C:3G"] == "3G"
    assert tree.label["EC-ICT-ICT-1C"] == tree.name["EC-ICT-ICT-1C"] != ""
    assert tree.parent[tree.root] == ""
    assert "EC-ICT-ICT-1C" in tree.core and "SC-SH-SA-3A" in tree.yesno
    assert all(isinstance(v, str) for v in tree.unit.values())
    # A framework with other targets is another framework, with its own tree.
    other = u4ssc.with_targets({"EC-ICT-ICT-1C": 90.0}, "a test")
    assert other.tree() is not tree and other.tree().under(other.root, 1) == list(u4ssc.kpis)
