"""The framework as a 1EdTech CASE 1.0 package: the shape CASE 1.0 requires, stable identifiers.

The structure checked is CASE 1.0's JSON binding (1EdTech, *CASE Service Version 1.0*,
information model: CFPackage, CFDocument, CFItem, CFAssociation, LinkURI): the required fields of
each object, their types, UUID identifiers, xs:dateTime stamps, the association types of the
vocabulary, and that every association joins nodes of the package.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import pytest

from citydiplomacy.core.capacity.case import case_package, case_uuid
from citydiplomacy.io.capacity import packaged_framework

WHEN = dt.datetime(2026, 12, 6, 23, 0, tzinfo=dt.UTC)
#: CASE 1.0's association vocabulary (CFAssociation.associationType).
ASSOCIATION_TYPES = {
    "isChildOf",
    "isPeerOf",
    "isPartOf",
    "exactMatchOf",
    "precedes",
    "isRelatedTo",
    "replacedBy",
    "exemplar",
    "hasSkillLevel",
}
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
#: Required fields of each CASE 1.0 object, and the type of every field the export may use.
REQUIRED = {
    "CFDocument": {"identifier", "uri", "creator", "title", "lastChangeDateTime"},
    "CFItem": {"identifier", "fullStatement", "uri", "lastChangeDateTime"},
    "CFAssociation": {
        "identifier",
        "associationType",
        "originNodeURI",
        "destinationNodeURI",
        "uri",
        "lastChangeDateTime",
    },
    "LinkURI": {"title", "identifier", "uri"},
}
ALLOWED = {
    "CFDocument": REQUIRED["CFDocument"]
    | {
        "officialSourceURL",
        "publisher",
        "description",
        "subject",
        "subjectURI",
        "language",
        "version",
        "adoptionStatus",
        "statusStartDate",
        "statusEndDate",
        "licenseURI",
        "notes",
        "CFPackageURI",
    },
    "CFItem": REQUIRED["CFItem"]
    | {
        "CFDocumentURI",
        "alternativeLabel",
        "CFItemType",
        "humanCodingScheme",
        "listEnumeration",
        "abbreviatedStatement",
        "conceptKeywords",
        "conceptKeywordsURI",
        "notes",
        "language",
        "educationLevel",
        "CFItemTypeURI",
        "licenseURI",
        "statusStartDate",
        "statusEndDate",
    },
    "CFAssociation": REQUIRED["CFAssociation"]
    | {"CFDocumentURI", "sequenceNumber", "CFAssociationGroupingURI"},
}


def _uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _link(link: Any, where: str) -> list[str]:
    if not isinstance(link, dict):
        return [f"{where}: a LinkURI is an object"]
    out = [f"{where}: no {k}" for k in REQUIRED["LinkURI"] - set(link)]
    if set(link) - REQUIRED["LinkURI"]:
        out.append(f"{where}: unknown fields {set(link) - REQUIRED['LinkURI']}")
    if not _uuid(link.get("identifier")):
        out.append(f"{where}: identifier is not a UUID")
    return out


def _object(obj: dict[str, Any], kind: str, where: str) -> list[str]:
    out = [f"{where}: no {k}" for k in sorted(REQUIRED[kind] - set(obj))]
    out += [f"{where}: {k} is not in CASE 1.0's {kind}" for k in sorted(set(obj) - ALLOWED[kind])]
    if not _uuid(obj.get("identifier")):
        out.append(f"{where}: identifier is not a UUID")
    if not DATETIME.match(str(obj.get("lastChangeDateTime", ""))):
        out.append(f"{where}: lastChangeDateTime is not an xs:dateTime")
    for k, v in obj.items():
        if k.endswith("URI") and k not in ("uri",) and isinstance(v, dict):
            out += _link(v, f"{where}.{k}")
        elif k == "sequenceNumber":
            if not isinstance(v, int):
                out.append(f"{where}: {k} must be an integer")
        elif not k.endswith("URI") and (not isinstance(v, str) or not v):
            out.append(f"{where}: {k} must be a non-empty string")
    return out


def case_problems(package: dict[str, Any]) -> list[str]:
    """Every way ``package`` departs from a CASE 1.0 CFPackage (empty: none found)."""
    out: list[str] = []
    if set(package) - {"CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics"}:
        out.append("unknown top-level fields")
    if "CFDocument" not in package:
        return ["no CFDocument"]
    out += _object(package["CFDocument"], "CFDocument", "CFDocument")
    ids = {package["CFDocument"]["identifier"]}
    for i, item in enumerate(package.get("CFItems", [])):
        out += _object(item, "CFItem", f"CFItems[{i}]")
        ids.add(item["identifier"])
    for i, a in enumerate(package.get("CFAssociations", [])):
        where = f"CFAssociations[{i}]"
        out += _object(a, "CFAssociation", where)
        if a.get("associationType") not in ASSOCIATION_TYPES:
            out.append(f"{where}: associationType {a.get('associationType')!r}")
        for end in ("originNodeURI", "destinationNodeURI"):
            if a.get(end, {}).get("identifier") not in ids:
                out.append(f"{where}: {end} is not a node of the package")
    every = [package["CFDocument"]["identifier"]]
    every += [o["identifier"] for k in ("CFItems", "CFAssociations") for o in package.get(k, [])]
    if len(every) != len(set(every)):
        out.append("identifiers repeat")
    return out


@pytest.fixture(scope="module")
def package() -> dict[str, Any]:
    fw = packaged_framework()
    return case_package(
        fw, framework_id="city-diplomacy-competencies", last_change=WHEN, version="1"
    )


def test_the_package_has_case_10_shape(package: dict[str, Any]) -> None:
    assert case_problems(package) == []
    json.dumps(package)  # JSON as it is


def test_the_checker_sees_a_broken_package(package: dict[str, Any]) -> None:
    """The shape check is not a test that cannot fail."""
    broken = json.loads(json.dumps(package))
    del broken["CFItems"][0]["fullStatement"]
    broken["CFAssociations"][0]["associationType"] = "isParentOf"
    broken["CFAssociations"][1]["destinationNodeURI"]["identifier"] = str(uuid.uuid4())
    broken["CFDocument"]["lastChangeDateTime"] = "yesterday"
    problems = case_problems(broken)
    assert any("CFItems[0]: no fullStatement" in p for p in problems)
    assert any("associationType 'isParentOf'" in p for p in problems)
    assert any("CFAssociations[1]: destinationNodeURI" in p for p in problems)
    assert any("CFDocument: lastChangeDateTime" in p for p in problems)


def test_tree_domains_competencies_and_levels(package: dict[str, Any]) -> None:
    fw = packaged_framework()
    items = {i["humanCodingScheme"]: i for i in package["CFItems"]}
    assert len(package["CFItems"]) == len(fw.domains) + 6 * len(fw.competencies)
    doc = package["CFDocument"]["identifier"]
    parent = {
        a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
    }
    levels = [a for a in package["CFAssociations"] if a["associationType"] == "hasSkillLevel"]
    assert len(levels) == 5 * len(fw.competencies)
    c = fw.competencies[0]
    assert parent[items[c.code]["identifier"]] == items[c.domain]["identifier"]
    assert parent[items[c.domain]["identifier"]] == doc
    mine = sorted(
        (a["sequenceNumber"], a["destinationNodeURI"]["identifier"])
        for a in levels
        if a["originNodeURI"]["identifier"] == items[c.code]["identifier"]
    )
    assert [items[f"{c.code}.L{k}"]["identifier"] for k in range(1, 6)] == [i for _, i in mine]
    assert items[f"{c.code}.L3"]["fullStatement"] == c.levels[2]
    assert items[c.code]["CFItemType"] == "Competency"
    assert f"Director of international affairs: {c.targets['director']}" in items[c.code]["notes"]


def test_identifiers_are_uuid5_of_the_framework_ids(package: dict[str, Any]) -> None:
    fw = packaged_framework()
    code = fw.competencies[3].code
    item = next(i for i in package["CFItems"] if i.get("humanCodingScheme") == code)
    assert item["identifier"] == case_uuid("city-diplomacy-competencies", "competency", code)
    assert uuid.UUID(item["identifier"]).version == 5
    # Another export, later, of another version: the same identities.
    again = case_package(
        fw,
        framework_id="city-diplomacy-competencies",
        last_change=WHEN + dt.timedelta(days=30),
        version="2",
        base_uri="https://example.org/capacity/framework/",
    )
    assert [i["identifier"] for i in again["CFItems"]] == [
        i["identifier"] for i in package["CFItems"]
    ]
    assert again["CFItems"][0]["uri"].startswith("https://example.org/capacity/framework/#d-")
    other = case_package(fw, framework_id="another-framework", last_change=WHEN)
    assert other["CFItems"][0]["identifier"] != package["CFItems"][0]["identifier"]


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        case_package(packaged_framework(), framework_id="x", last_change=dt.datetime(2026, 1, 1))
