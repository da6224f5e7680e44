"""The framework's CASE 1.0 export on the web: public, CASE-shaped, identifiers stable across
framework versions, item URIs the framework page's anchors."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.core.capacity.case import case_uuid
from citydiplomacy.web.capacity import services
from tests.core.test_capacity_case import case_problems
from tests.web.capacity.conftest import client_for

pytestmark = pytest.mark.django_db


def test_case_export_is_public_and_case_shaped(users: dict[str, Any]) -> None:
    r = client_for(None).get(reverse("capacity:framework-case"))
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    assert ".case.json" in r["Content-Disposition"]
    package = json.loads(r.content)
    assert case_problems(package) == []
    fv = services.current_framework()
    assert package["CFDocument"]["version"] == str(fv.version)
    neg1 = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "NEG.1")
    assert neg1["identifier"] == case_uuid(fv.name, "competency", "NEG.1")
    # The item's URI is its anchor on the framework page, which the page has.
    page_url, anchor = neg1["uri"].split("#")
    assert page_url.endswith(reverse("capacity:framework"))
    page = client_for(None).get(reverse("capacity:framework")).content.decode()
    assert f'id="{anchor}"' in page
    level = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "NEG.1.L2")
    assert f'id="{level["uri"].split("#")[1]}"' in page


def test_a_new_version_keeps_the_identifiers(users: dict[str, Any]) -> None:
    before = json.loads(client_for(None).get(reverse("capacity:framework-case")).content)
    fv = services.current_framework()
    table = services.framework_export(fv, "csv").decode()
    upload = io.BytesIO(table.replace("Negotiation and drafting", "Negotiating").encode())
    upload.name = f"{fv.name}.csv"  # the same framework, next version
    r = client_for(users["admin"]).post(reverse("capacity:framework-import"), {"file": upload})
    assert r.status_code == 302
    after = json.loads(client_for(None).get(reverse("capacity:framework-case")).content)
    assert after["CFDocument"]["version"] != before["CFDocument"]["version"]
    ids = lambda p: {i["humanCodingScheme"]: i["identifier"] for i in p["CFItems"]}  # noqa: E731
    assert ids(after) == ids(before)
    neg = next(i for i in after["CFItems"] if i["humanCodingScheme"] == "NEG")
    assert neg["fullStatement"] == "Negotiating"
