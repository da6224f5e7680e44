"""The dashboard's report panel builds its report (about 60 ms of CPU) once per score
snapshot, city, year and kind of viewer, not on every view (issue 14 item 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.indicators import services
from tests.web.indicators.test_page_costs import _unmasked

pytestmark = pytest.mark.django_db


def test_the_report_panel_builds_its_report_once_per_snapshot(
    cities: list[Any], users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from citydiplomacy.web.reports import panels

    built: list[int] = []
    original = panels.report_for

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(panels, "report_for", counted)
    editor = Client()
    editor.force_login(users["editor"])  # Geneva's editor
    url = reverse("indicators:dashboard", args=[cities[0].pk]) + "?year=2022"
    page = editor.get(url).content.decode()
    assert built == [1]
    assert _unmasked(editor.get(url).content.decode()) == _unmasked(page)
    assert built == [1]  # the second view reads the recommendations kept
    Client().get(reverse("indicators:dashboard", args=[cities[0].pk]) + "?year=2021")
    assert built == [1, 1]  # another view (the public's) has its own
    services.publish(users["admin"], cities[0], 2022)  # a new snapshot
    editor.get(url)
    assert built == [1, 1, 1]
