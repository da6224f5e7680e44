"""Malformed requests, leaks and injection on the report pages and the guidance API: a clear
4xx (the API's one error shape), never a 500, and nothing unpublished or unescaped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.web.reports import services
from tests.web.profiles.conftest import UNPUBLISHED_YEAR, Cohort, client_for


def url(pk: int, fmt: str, query: str = "") -> str:
    return reverse("reports:download", kwargs={"pk": pk, "fmt": fmt}) + (
        f"?{query}" if query else ""
    )


@pytest.mark.parametrize("pk", [2**31, 2**63, 10**30])
def test_download_with_a_huge_city_id_is_404(cohort: Cohort, pk: int) -> None:
    response = client_for(cohort.users, "anonymous").get(url(pk, "json"))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    ["year=", "year=%20", "year=-2023", "year=2023.0", "year=1e3", "year=%00", "year=٢٠٢٣x",
     "lang=", "lang=%00", "lang=<script>", "lang=en&lang=fr", "year=2023&year=x"],
)  # fmt: skip
def test_download_malformed_query_is_never_a_500(cohort: Cohort, query: str) -> None:
    response = client_for(cohort.users, "anonymous").get(url(cohort.geneva.pk, "json", query))
    assert response.status_code in (200, 400, 404)
    if "%00" in query:  # refused before any view (HostileTextMiddleware), value not echoed
        assert response.status_code == 400
        assert "contains a control character (U+0000)" in response.content.decode()
    elif response.status_code == 400:  # the refused value is echoed as plain text only
        assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("fmt", ["PDF", "pdf.", "x" * 300, "json%00"])
def test_download_unknown_format_is_404(cohort: Cohort, fmt: str) -> None:
    path = reverse("reports:download", kwargs={"pk": cohort.geneva.pk, "fmt": "pdf"})
    response = client_for(cohort.users, "anonymous").get(path.replace(".pdf", f".{fmt}"))
    # A NUL in the path is refused before any view (HostileTextMiddleware).
    assert response.status_code == (400 if "%00" in fmt else 404)


@pytest.mark.parametrize(
    ("pk", "query"),
    [
        ("99999999999999999999999", {}),
        ("-1", {}),
        ("abc", {}),
        ("{pk}", {"year": "abc"}),
        ("{pk}", {"year": "99999999999999999999"}),
        ("{pk}", {"year": ""}),
        ("{pk}", {"lang": ""}),
        ("{pk}", {"lang": "<b>"}),
    ],
)
def test_guidance_api_malformed_is_4xx_in_the_error_shape(
    cohort: Cohort, pk: str, query: dict[str, str]
) -> None:
    path = f"/api/guidance/{pk.replace('{pk}', str(cohort.geneva.pk))}"
    response = client_for(cohort.users, "anonymous").get(path, query)
    assert 400 <= response.status_code < 500, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]


def test_public_json_download_hides_unpublished_years(cohort: Cohort) -> None:
    """The public JSON report mentions no unpublished year: not in its years, trends, peers'
    changes nor robustness."""
    body = client_for(cohort.users, "anonymous").get(url(cohort.geneva.pk, "json")).content
    report = json.loads(body)
    assert report["year"] != UNPUBLISHED_YEAR
    assert UNPUBLISHED_YEAR not in report["years"]
    assert UNPUBLISHED_YEAR not in report["trends"]["years"]
    assert str(UNPUBLISHED_YEAR) not in json.dumps(report["trends"])


def test_city_names_are_escaped_in_the_html_report(cohort: Cohort) -> None:
    geneva = cohort.geneva
    old = geneva.name
    geneva.name = 'Gen<script>alert("x")</script>eva'
    geneva.save(update_fields=["name"])
    services.clear_cache()
    try:
        html = client_for(cohort.users, "analyst").get(url(geneva.pk, "html")).content.decode()
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html
        api: dict[str, Any] = (
            client_for(cohort.users, "analyst").get(f"/api/guidance/{geneva.pk}").json()
        )
        assert api["city_id"] == geneva.pk
    finally:
        geneva.name = old
        geneva.save(update_fields=["name"])
        services.clear_cache()


@pytest.mark.parametrize(
    "who", ["anonymous", "public", "lyon_editor", "editor", "analyst", "admin"]
)
def test_reports_with_unpublished_data_are_never_shared_cached(cohort: Cohort, who: str) -> None:
    """A published year's report is the same for everyone only for public viewers; the
    analysts', the secretariat's and the city editors' copies may hold unpublished data."""
    response = client_for(cohort.users, who).get(url(cohort.geneva.pk, "json", "year=2023"))
    assert response.status_code == 200
    private = "no-store" in response.get("Cache-Control", "")
    assert private == (who in ("editor", "analyst", "admin"))
