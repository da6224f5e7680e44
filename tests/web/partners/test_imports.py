"""The importers: matching by coordinates and name, idempotence, all-or-nothing validation."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.errors import ValidationError
from citydiplomacy.web.partners import importers
from citydiplomacy.web.partners.models import Membership, Partnership, Status
from tests.web import factories

pytestmark = pytest.mark.django_db

HEADER = (
    "origincityLabel\torigincountry\toriginlat\toriginlong\toriginpopulation\tsistercityLabel\t"
    "destinationlat\tdestinationlong\tdestinationpopulation\tdestination_countryLabel\tdist\teu\n"
)


@pytest.fixture
def towns(db: Any) -> dict[str, Any]:
    return {
        "lyon": factories.city("Lyon", "FR", latitude=45.75, longitude=4.85),
        "bonn": factories.city("Bonn", "DE", latitude=50.73, longitude=7.1),
        "munich": factories.city(
            "Munich", "DE", latitude=48.14, longitude=11.58, alternate_names=("München",)
        ),
        "geneva": factories.city("Geneva", "CH", latitude=46.2, longitude=6.15),
    }


def sister_file(*rows: str) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


ROWS = (
    # Lyon - Munich, from both sides (one partnership); München by its other name
    "Lyon\tFrance\t45.76\t4.84\t500000\tMünchen\t48.13\t11.57\t1400000\tGermany\t600\tEU",
    "Munich\tGermany\t48.13\t11.57\t1400000\tLyon\t45.76\t4.84\t500000\tFrance\t600\tEU",
    # Bonn - a village not in the registry
    "Bonn\tGermany\t50.73\t7.10\t300000\tTinyville\t10.0\t10.0\t900\tChad\t4000\tNon-EU",
    # A name that matches, but 300 km away: not matched
    "Geneva\tSwitzerland\t49.0\t6.15\t200000\tBonn\t50.73\t7.10\t300000\tGermany\t500\tEU",
)


def test_sister_cities_match_by_coordinates_and_name_and_reimport_changes_nothing(
    towns: dict[str, Any],
) -> None:
    first = importers.import_sister_cities(sister_file(*ROWS))
    assert (first.rows, first.matched, first.created) == (4, 2, 1)
    assert len(first.unmatched) == 2
    assert "Tinyville" in first.unmatched[0]
    p = Partnership.objects.get(source=importers.SISTER_SOURCE)
    assert p.status == Status.RECORDED
    assert {pc.city_id for pc in p.parties.all()} == {towns["lyon"].pk, towns["munich"].pk}
    second = importers.import_sister_cities(sister_file(*ROWS))
    assert (second.created, second.unchanged, second.deleted) == (0, 1, 0)
    assert Partnership.objects.count() == 1
    # a pair the source no longer lists is removed on the next import
    third = importers.import_sister_cities(sister_file(ROWS[2]))
    assert (third.created, third.deleted) == (0, 1)
    assert not Partnership.objects.exists()


def test_malformed_sister_file_reports_every_problem_and_writes_nothing(
    towns: dict[str, Any],
) -> None:
    bad = sister_file(
        ROWS[0],
        "Lyon\tFrance\tnorth\t4.84\t1\tBonn\t50.73\t7.1\t1\tGermany\t1\tEU",
        "\tFrance\t45.7\t4.8\t1\tBonn\t95\t7.1\t1\tGermany\t1\tEU",
    )
    with pytest.raises(ValidationError) as info:
        importers.import_sister_cities(bad, source_name="pairs.tsv")
    lines = [str(p) for p in info.value.problems]
    assert "pairs.tsv:3:3: expected a latitude (a number), got 'north'" in lines
    assert "pairs.tsv:4:1: expected a city name" in lines
    assert "pairs.tsv:4:7: expected a latitude in [-90, 90], got 95.0" in lines
    assert not Partnership.objects.exists()
    with pytest.raises(ValidationError, match="expected the columns"):
        importers.import_sister_cities("a\tb\n1\t2\n")


GCOM_HEADER = (
    "organisation_id,organisation_name,coordinator_name,supporter_name,country_code,country_name,"
    "population_adhesion,organisation_latitude,organisation_longitude,group_organisation_id,"
    "group_name,commitment_CoM2020_flag,commitment_CoM2030_flag,commitment_CoM2050_flag,"
    "commitment_mayoradapt_flag,adhesion_type,signatory_status,date_of_adhesion,"
    "action_plan_expected,group_profile,gcom_id\n"
)


def gcom(*rows: str) -> str:
    return GCOM_HEADER + "".join(r + "\n" for r in rows)


GCOM_ROWS = (
    "1,Ville de Lyon,-,-,fr,France,500000,45.76,4.84,-,-,True,False,False,False,"
    "As an individual signatory,published,2010-05-01,True,False,FR1",
    '2,"Bonn, Munich",-,-,de,Germany,-,49.0,9.0,-,-,False,True,False,True,'
    "As a group of signatories committing individually (joint SEAP - option 1),on_hold,"
    "2019-01-01,True,True,DE1",
    "3,Bonn,-,-,de,Germany,300000,50.73,7.10,-,-,True,False,False,False,"
    "As an individual signatory,published,2012-03-04,True,False,DE2",
    "4,Nowhere,-,-,de,Germany,100,10,10,-,-,True,False,False,False,"
    "As an individual signatory,published,2012-03-04,True,False,DE3",
)


def test_gcom_signatories_with_groups_and_commitments(towns: dict[str, Any]) -> None:
    report = importers.import_gcom(gcom(*GCOM_ROWS))
    assert (report.rows, report.matched, report.created) == (4, 3, 3)
    assert report.unmatched == [
        "row 5: 'Nowhere' (DE): no registry city (15,000+ inhabitants) of that name within 20 km"
    ]
    bonn = Membership.objects.get(city=towns["bonn"], network__slug="gcom")
    # Bonn signed alone (2012) and in a group (2019): its own record, every commitment
    assert bonn.role == "signatory"
    assert str(bonn.since) == "2012-03-04"
    assert bonn.commitments == sorted(
        importers.GCOM_COMMITMENTS[k]
        for k in (
            "commitment_CoM2020_flag",
            "commitment_CoM2030_flag",
            "commitment_mayoradapt_flag",
        )
    )
    munich = Membership.objects.get(city=towns["munich"])
    assert munich.role == "signatory (group)" and munich.status == "on_hold"
    again = importers.import_gcom(gcom(*GCOM_ROWS))
    assert (again.created, again.updated, again.unchanged, again.deleted) == (0, 0, 3, 0)


def test_gcom_problems_are_located(towns: dict[str, Any]) -> None:
    bad = gcom(
        "1,,-,-,fr,France,1,45.7,4.8,-,-,True,False,False,False,x,published,2010-05-01,True,False,F",
        "2,Lyon,-,-,fr,France,1,45.7,4.8,-,-,yes,False,False,False,x,published,01/05/2010,True,False,F",
    )
    with pytest.raises(ValidationError) as info:
        importers.import_gcom(bad, source_name="g.csv")
    lines = {str(p) for p in info.value.problems}
    assert "g.csv:2:2: expected a signatory name" in lines
    assert "g.csv:3:12: expected True or False, got 'yes'" in lines
    assert "g.csv:3:18: expected a date YYYY-MM-DD, got '01/05/2010'" in lines
    assert not Membership.objects.exists()


def test_eurocities_members(towns: dict[str, Any]) -> None:
    doc = {
        "members": [
            {
                "name_on_website": "Lyon",
                "wikidata_id": "Q456",
                "latitude": 45.76,
                "longitude": 4.84,
            },
            {
                "name_on_website": "Munich",
                "wikidata_name": "München",
                "latitude": 48.1,
                "longitude": 11.6,
                "wikidata_id": "Q1726",
            },
            {"name_on_website": "Atlantis", "latitude": 0, "longitude": 0},
        ]
    }
    report = importers.import_eurocities(json.dumps(doc))
    assert (report.matched, report.created, len(report.unmatched)) == (2, 2, 1)
    assert importers.import_eurocities(json.dumps(doc)).created == 0
    with pytest.raises(ValidationError, match="expected JSON"):
        importers.import_eurocities("{oops")
    with pytest.raises(ValidationError, match="latitude"):
        importers.import_eurocities(
            json.dumps({"members": [{"name_on_website": "X", "latitude": 200}]})
        )


def test_an_entered_membership_is_not_overwritten_by_an_import(towns: dict[str, Any]) -> None:
    nets = importers.ensure_networks()
    Membership.objects.create(network=nets["eurocities"], city=towns["lyon"], role="board")
    doc = {"members": [{"name_on_website": "Lyon", "latitude": 45.76, "longitude": 4.84}]}
    report = importers.import_eurocities(json.dumps(doc))
    assert report.created == 0
    assert Membership.objects.get(city=towns["lyon"]).role == "board"


def test_commands_print_what_matched(towns: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text(sister_file(*ROWS), encoding="utf-8")
    out = StringIO()
    call_command("import_sister_cities", str(path), stdout=out)
    text = out.getvalue()
    assert "pairs.tsv: 4 rows, 2 matched to the registry, 2 not matched" in text
    assert "created 1, updated 0, unchanged 0, removed 0" in text
    bad = tmp_path / "bad.tsv"
    bad.write_text(sister_file("Lyon\tFrance\tx\t4\t1\tBonn\t50\t7\t1\tDE\t1\tEU"), "utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_sister_cities", str(bad), stdout=StringIO(), stderr=err)
    assert "bad.tsv:2:3: expected a latitude (a number), got 'x'" in err.getvalue()


def test_the_packaged_files_are_valid() -> None:
    pairs = importers.read_sister_pairs(
        importers.data_file(importers.SISTER_FILE).read_text(encoding="utf-8"), "packaged"
    )
    assert len(pairs) == 24926


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_name_variants_always_hold_the_whole_normalised_name(label: str) -> None:
    from citydiplomacy.web.cities.models import normalise_name

    variants = importers.name_variants(label)
    whole = normalise_name(label)
    assert (whole in variants) == bool(whole)
    assert all((v and v == v.strip()) or v == normalise_name(v) for v in variants)
    assert importers.name_variants(label) == variants  # deterministic


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(
                alphabet=st.characters(
                    blacklist_characters="\t\n\r", blacklist_categories=("Cs", "Cc")
                ),
                min_size=1,
                max_size=12,
            ).filter(str.strip),
            st.floats(-90, 90, allow_nan=False),
            st.floats(-180, 180, allow_nan=False),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_valid_sister_rows_always_parse(rows: list[tuple[str, float, float]]) -> None:
    lines = [f"{n}\tX\t{la}\t{lo}\t1\t{n}\t{la}\t{lo}\t1\tY\t0\tEU" for n, la, lo in rows]
    parsed = importers.read_sister_pairs(sister_file(*lines), "h.tsv")
    assert len(parsed) == len(rows)
    for p, (n, la, lo) in zip(parsed, rows, strict=True):
        assert p["a"] == (n.strip(), la, lo)


def test_a_reimport_keeps_dropped_records_the_platform_added_to(towns: dict[str, Any]) -> None:
    """A record the source no longer lists was deleted with the activities and documents
    editors had added to it (on delete cascade); it is kept now, and the report says so."""
    from datetime import date

    from citydiplomacy.web.partners.models import Activity, Document

    importers.import_sister_cities(sister_file(*ROWS))
    p = Partnership.objects.get(source=importers.SISTER_SOURCE)
    Activity.objects.create(partnership=p, kind="delegation", title="Visit", start=date(2024, 1, 1))
    Document.objects.create(partnership=p, title="Charter", url="https://example.org/c.pdf")
    report = importers.import_sister_cities(sister_file(ROWS[2]))
    assert (report.deleted, report.kept) == (0, 1)
    assert any("kept 1" in line for line in report.lines())
    assert Activity.objects.filter(partnership=p).exists()
    assert Document.objects.filter(partnership=p).exists()
    p.activities.all().delete()
    p.documents.all().delete()
    assert importers.import_sister_cities(sister_file(ROWS[2])).deleted == 1


CRAWL_HEADER = "qid_a\tlabel_a\tgeonames_a\tmethod_a\tqid_b\tlabel_b\tgeonames_b\tmethod_b\n"


def crawl_file(*rows: tuple[str, int, str, int]) -> str:
    return CRAWL_HEADER + "".join(
        f"{qa}\ta\t{ia}\tcountry and name\t{qb}\tb\t{ib}\tcoordinates and name\n"
        for qa, ia, qb, ib in rows
    )


def test_wikidata_crawl_keeps_its_source_and_never_records_a_pair_twice(
    towns: dict[str, Any],
) -> None:
    importers.import_sister_cities(sister_file(*ROWS))  # Lyon - Munich from the 2017 file
    lyon, munich, bonn, geneva = (towns[c].pk for c in ("lyon", "munich", "bonn", "geneva"))
    text = crawl_file(
        ("Q456", lyon, "Q1726", munich),  # already recorded from the 2017 file
        ("Q586", bonn, "Q71", geneva),  # new
        ("Q71", geneva, "Q586", bonn),  # the same pair listed from the other side
        ("Q1", bonn, "Q2", 999_999_999),  # not in the registry
    )
    first = importers.import_wikidata_crawl(text)
    assert (first.rows, first.matched, first.created) == (4, 3, 1)
    assert first.reasons["GeoNames id not in the registry"] == 1
    crawl = Partnership.objects.get(source=importers.CRAWL_SOURCE)
    assert {pc.city_id for pc in crawl.parties.all()} == {bonn, geneva}
    assert crawl.status == Status.RECORDED and "wikidata.org/wiki/Q" in crawl.source_url
    assert Partnership.objects.filter(source=importers.SISTER_SOURCE).count() == 1
    again = importers.import_wikidata_crawl(text)
    assert (again.created, again.unchanged, again.deleted) == (0, 1, 0)
    assert Partnership.objects.count() == 2


def test_malformed_crawl_file_reports_every_problem_and_writes_nothing(
    towns: dict[str, Any],
) -> None:
    bad = CRAWL_HEADER + "Q1\ta\tlyon\tm\tX2\tb\t12\tm\nQ3\ta\t1\tm\tQ4\tb\t\tm\n"
    with pytest.raises(ValidationError) as caught:
        importers.import_wikidata_crawl(bad, source_name="crawl.tsv")
    text = str(caught.value)
    assert "crawl.tsv:2:3" in text and "crawl.tsv:2:5" in text and "crawl.tsv:3:7" in text
    assert not Partnership.objects.exists()
    with pytest.raises(ValidationError, match="expected the columns"):
        importers.import_wikidata_crawl("qid_a\tlabel_a\n")


def test_packaged_crawl_file_is_valid_and_matched_to_registry_ids() -> None:
    text = importers.data_file(importers.CRAWL_FILE).read_text(encoding="utf-8")
    pairs = importers.read_crawl_pairs(text, "packaged")
    assert len(pairs) > 10_000
    assert all(p["a"][1] != p["b"][1] for p in pairs)


def test_an_import_that_fails_while_writing_leaves_nothing(
    towns: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from citydiplomacy.web.partners.models import Network

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Membership.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        importers.import_gcom(gcom(*GCOM_ROWS))
    # the networks created on the way are rolled back with the memberships
    assert not Network.objects.exists() and not Membership.objects.exists()
