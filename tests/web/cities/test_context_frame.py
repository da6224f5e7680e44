"""The registry's context frame: regions, income groups and languages from the countries."""

from __future__ import annotations

from typing import Any

from citydiplomacy.core.context import context_similarity
from citydiplomacy.web.cities import services
from citydiplomacy.web.cities.models import Country


def test_income_groups_cover_the_big_economies() -> None:
    groups = services.income_groups()
    assert groups["CH"] == "H"
    assert groups["IN"] == "LM"
    assert groups["BR"] == "UM"
    assert groups["AF"] == "L"
    assert set(groups.values()) == {"L", "LM", "UM", "H"}


def test_country_row_takes_the_income_group() -> None:
    source = {"iso": "CH", "iso3": "CHE", "name": "Switzerland", "continentcode": "EU"}
    assert services.country_row(source, {}, {"CH": "H"})["income_group"] == "H"
    assert services.country_row(source, {})["income_group"] == ""


def test_context_frame(geneva: Any, lyon: Any) -> None:
    Country.objects.filter(pk="CH").update(
        income_group="H", region="Western Europe", languages="de-CH,fr-CH,it-CH,rm"
    )
    Country.objects.filter(pk="FR").update(income_group="", region="Western Europe")
    frame = services.context_frame()
    assert list(frame.index) == sorted([geneva.pk, lyon.pk])
    row = frame.loc[geneva.pk]
    assert row["country"] == "CH"
    assert row["income_group"] == "H"
    assert row["languages"] == ("de", "fr", "it", "rm")
    assert frame.loc[lyon.pk, "income_group"] is None
    assert list(services.context_frame([lyon.pk, 1]).index) == [lyon.pk]
    similarity = context_similarity(frame, geneva.pk)
    assert similarity[geneva.pk] == 1.0
    assert 0 < similarity[lyon.pk] < 1
