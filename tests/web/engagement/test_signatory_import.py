"""Importing a published signatory list is all or nothing: a file with any problem, or a
failure while writing, leaves no signature and no import record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Declaration, SignatoryImport, Signature

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
