"""Importing a published signatory list is all or nothing: a file with any problem, or a
failure while writing, leaves no signature and no import record."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from citydiplomacy.io.import_report import ImportReport
from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Declaration, SignatoryImport, Signature
from tests.web import factories

pytestmark = pytest.mark.django_db

HEADER = "city_name,country,wikidata_id,mayor_name,mayor_title\n"


def test_a_failure_while_writing_leaves_nothing(
    adopted: Declaration, geneva: Any, lyon: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = services.read_listed(
        "l.csv", HEADER + "Geneva,Switzerland,,A,Mayor\nLyon,France,,B,Maire\n"
    )

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SignatoryImport.objects, "create", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        services.import_signatories(
            adopted,
            entries,
            source_name="s",
            source_url="https://example.org/l",
            file_name="l.csv",
            signed_at=None,
        )
    assert not Signature.objects.filter(declaration=adopted).exists()


def test_a_file_with_problems_imports_nothing_and_names_each(
    tmp_path: Path, adopted: Declaration, geneva: Any
) -> None:
    path = tmp_path / "list.json"
    path.write_text(
        '[{"vote": "Sign", "author": {"name": "A"}},\n {"vote": "Sign", "author": {}}]',
        encoding="utf-8",
    )
    args = ["--declaration", adopted.slug, "--source-url", "https://example.org/l"]
    with pytest.raises(CommandError) as err:
        call_command("import_signatories", str(path), *args)
    assert str(err.value) == (
        "list.json:2:2: item 2 ([1]), field author.name: expected the signatory's name"
    )
    assert not Signature.objects.filter(declaration=adopted).exists()
    assert not SignatoryImport.objects.exists()


# ------------------------------------------------------------------ the one matcher and report
def _import(decl: Declaration, text: str, *, europe_only: bool = False) -> ImportReport:
    return services.import_signatories(
        decl,
        services.read_listed("l.csv", text),
        source_name="the list",
        source_url="https://example.org/l",
        file_name="l.csv",
        signed_at=None,
        europe_only=europe_only,
    )


def test_the_import_fills_the_platforms_one_import_report(
    adopted: Declaration, geneva: Any
) -> None:
    assert services.ImportReport is ImportReport
    report = _import(
        adopted,
        HEADER + "Geneva,Switzerland,,A,Mayor\nAtlantis,Atlantis,,B,M\nNowhere,France,,C,M\n",
    )
    lines = report.lines()
    assert lines[0] == (
        "open-declaration, from the list: 3 rows, 1 matched to the registry, 2 not matched"
    )
    assert lines[1] == "  created 3, updated 0, unchanged 0, removed 0"
    assert "  not matched, country not recognised: 1" in lines
    assert "  not matched, no registry city of that name: 1" in lines
    assert (
        "  - row 4: C (Nowhere): no city named 'Nowhere' in FR in the registry (cities of "
        "15,000 inhabitants or more)"
    ) in lines


def test_an_ambiguous_place_names_its_candidates_and_europe_narrows_it(
    adopted: Declaration, geneva: Any
) -> None:
    us = factories.city("Geneva", "US", latitude=41.9, longitude=-88.3)
    text = "city_name,country,wikidata_id,mayor_name,mayor_title\nGeneva,,,A,Mayor\n"
    report = _import(adopted, text)
    assert report.matched == 0
    note = Signature.objects.get(declaration=adopted).match_note
    assert note == (
        f"'Geneva' matches 2 registry cities (GeoNames ids {geneva.pk}, {us.pk}); not chosen"
    )
    assert report.reasons == {"several registry cities of that name": 1}
    other = Declaration.objects.create(slug="eu", title="EU", status="adopted")
    report = _import(other, text, europe_only=True)
    assert report.matched == 1
    assert Signature.objects.get(declaration=other).city == geneva


def test_countries_are_read_by_the_platforms_country_rule(
    adopted: Declaration, geneva: Any, lyon: Any
) -> None:
    """Names in other languages and codes (the search's country rule), the spellings lists
    use ("USA"), and an article before the name."""
    factories.city("Athens", "US")
    report = _import(
        adopted,
        HEADER + "Genf,Schweiz,,A,M\nLyon,the France,,B,M\nAthens,USA,,C,M\n",
    )
    assert (report.matched, report.unmatched) == (3, [])
    assert services.country_code("Suisse") == "CH"
    assert services.country_code("CHE") == "CH"
    assert services.country_code("Atlantis") is None


def test_the_command_lists_every_unmatched_entry(
    tmp_path: Path, adopted: Declaration, geneva: Any
) -> None:
    path = tmp_path / "many.csv"
    path.write_text(
        HEADER + "".join(f"Nowhere {i},France,,Signer {i},M\n" for i in range(12)),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command(
        "import_signatories",
        str(path),
        "--declaration",
        adopted.slug,
        "--source-url",
        "https://example.org/many",
        stdout=out,
    )
    listed = [line for line in out.getvalue().splitlines() if line.startswith("  - row ")]
    assert len(listed) == 12 and "Signer 11 (Nowhere 11)" in listed[-1]


def test_a_draft_takes_no_imported_signatories(
    tmp_path: Path, draft: Declaration, geneva: Any
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "city_name,country,wikidata_id,mayor_name,mayor_title\nGeneva,Switzerland,,A,Mayor\n",
        encoding="utf-8",
    )
    args = ["--declaration", draft.slug, "--source-url", "https://example.org/l"]
    with pytest.raises(CommandError, match="draft"):
        call_command("import_signatories", str(path), *args)
    assert not Signature.objects.filter(declaration=draft).exists()
    assert not SignatoryImport.objects.exists()
