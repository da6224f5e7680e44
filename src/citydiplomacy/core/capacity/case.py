"""The competency framework as a 1EdTech CASE 1.0 package (Competencies and Academic Standards
Exchange), so that learning platforms that read CASE can load it.

A ``CFPackage`` holds one ``CFDocument`` (the framework), ``CFItems`` and ``CFAssociations``:

* one item per domain (``CFItemType`` *Domain*), ``isChildOf`` the document;
* one item per competency (*Competency*), ``isChildOf`` its domain, its description and the
  target level of each role in ``notes``;
* one item per proficiency level of a competency (*Proficiency level*, ``listEnumeration`` 1-5),
  linked from the competency by ``hasSkillLevel`` (CASE's association for skill levels).

Every identifier is a UUID version 5 of the framework's id and the item's code (RFC 9562), so the
same framework exported twice, or a later version of it, gives every domain, competency and level
the same identifier: a platform that loaded the package before updates its items instead of
creating new ones. ``uri`` points at the item where it can be read (the framework page's anchors)
or, without a base, is the ``urn:uuid:`` of the identifier.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from citydiplomacy.core.capacity.framework import LEVEL_NAMES, CompetencyFramework, role_label

#: Namespace of every identifier (a UUID 5 of the project's name in the URL namespace), fixed
#: forever: changing it would give every exported item a new identity.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://citydiplomacy.org/capacity/case")
#: The CASE association types this export uses (a subset of CASE 1.0's vocabulary).
IS_CHILD_OF = "isChildOf"
HAS_SKILL_LEVEL = "hasSkillLevel"
ITEM_TYPES = ("Domain", "Competency", "Proficiency level")


def case_uuid(framework_id: str, *parts: str | int) -> str:
    """The stable identifier of a framework's document (no ``parts``) or one of its nodes."""
    return str(uuid.uuid5(NAMESPACE, "/".join([framework_id, *map(str, parts)])))


def _stamp(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("lastChangeDateTime needs an aware datetime (UTC)")
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def case_package(
    fw: CompetencyFramework,
    *,
    framework_id: str,
    last_change: dt.datetime,
    version: str = "",
    base_uri: str | None = None,
    creator: str = "citydiplomacy",
    language: str = "en",
) -> dict[str, Any]:
    """The framework as a CASE 1.0 ``CFPackage`` (a JSON-ready dict).

    Parameters
    ----------
    fw
        The framework.
    framework_id
        What identifies the framework across its versions (its name without the version): the
        seed of every identifier.
    last_change
        When the framework last changed (``lastChangeDateTime`` of every object), aware.
    version
        The framework's version, as the document's ``version``.
    base_uri
        The framework page's address: an item's ``uri`` is its anchor there (``#d-MLT``,
        ``#c-MLT.1``, ``#c-MLT.1-l3``) and the document's is the page. ``None``: every
        ``uri`` is ``urn:uuid:<identifier>``.
    creator, language
        The document's ``creator`` and the language of its texts (BCP 47).
    """
    stamp = _stamp(last_change)
    doc_id = case_uuid(framework_id)

    def uri(identifier: str, anchor: str | None = None) -> str:
        if base_uri is None:
            return f"urn:uuid:{identifier}"
        return base_uri if anchor is None else f"{base_uri}#{anchor}"

    doc_link = {"title": fw.name, "identifier": doc_id, "uri": uri(doc_id)}
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    links: dict[str, dict[str, str]] = {}

    def add_item(key: tuple[str | int, ...], anchor: str, **fields: Any) -> dict[str, str]:
        identifier = case_uuid(framework_id, *key)
        item_type = fields["CFItemType"]
        type_id = case_uuid(framework_id, "item-type", item_type)
        item = {
            "identifier": identifier,
            "uri": uri(identifier, anchor),
            "CFDocumentURI": doc_link,
            **fields,
            "CFItemTypeURI": {
                "title": item_type,
                "identifier": type_id,
                "uri": f"urn:uuid:{type_id}",
            },
            "language": language,
            "lastChangeDateTime": stamp,
        }
        items.append(item)
        link = {"title": fields["fullStatement"], "identifier": identifier, "uri": item["uri"]}
        links["/".join(map(str, key))] = link
        return link

    def associate(kind: str, origin: dict[str, str], destination: dict[str, str], seq: int) -> None:
        identifier = case_uuid(framework_id, "association", kind, origin["identifier"],
                               destination["identifier"])  # fmt: skip
        associations.append(
            {
                "identifier": identifier,
                "associationType": kind,
                "sequenceNumber": seq,
                "uri": f"urn:uuid:{identifier}",  # no page shows an association alone
                "originNodeURI": origin,
                "destinationNodeURI": destination,
                "CFDocumentURI": doc_link,
                "lastChangeDateTime": stamp,
            }
        )

    for d_seq, d in enumerate(fw.domains, start=1):
        d_link = add_item(
            ("domain", d.code),
            f"d-{d.code}",
            fullStatement=d.name,
            humanCodingScheme=d.code,
            CFItemType="Domain",
            notes=f"Sources: {d.sources}",
        )
        associate(IS_CHILD_OF, d_link, doc_link, d_seq)
        for c_seq, c in enumerate(fw.in_domain(d.code), start=1):
            targets = "; ".join(f"{role_label(r)}: {c.targets[r]}" for r in fw.roles)
            c_link = add_item(
                ("competency", c.code),
                f"c-{c.code}",
                fullStatement=c.name,
                humanCodingScheme=c.code,
                CFItemType="Competency",
                notes=f"{c.description}\nTarget level by role (0: not expected): {targets}.",
            )
            associate(IS_CHILD_OF, c_link, d_link, c_seq)
            for k, text in enumerate(c.levels, start=1):
                l_link = add_item(
                    ("competency", c.code, "level", k),
                    f"c-{c.code}-l{k}",
                    fullStatement=text,
                    abbreviatedStatement=f"{k} {LEVEL_NAMES[k - 1]}",
                    humanCodingScheme=f"{c.code}.L{k}",
                    listEnumeration=str(k),
                    CFItemType="Proficiency level",
                )
                associate(HAS_SKILL_LEVEL, c_link, l_link, k)
    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": doc_link["uri"],
        "creator": creator,
        "title": fw.name,
        "lastChangeDateTime": stamp,
        "description": (
            f"Competency framework of city diplomacy: {len(fw.domains)} domains, "
            f"{len(fw.competencies)} competencies, five behaviour-anchored proficiency levels "
            f"each ({', '.join(f'{i} {n}' for i, n in enumerate(LEVEL_NAMES, start=1))})."
        ),
        "language": language,
        "adoptionStatus": "Draft",
        "CFPackageURI": doc_link,
    }
    if version:
        document["version"] = version
    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {
            "CFItemTypes": [
                {
                    "identifier": case_uuid(framework_id, "item-type", t),
                    "uri": f"urn:uuid:{case_uuid(framework_id, 'item-type', t)}",
                    "title": t,
                    "description": t,
                    "hierarchyCode": str(i),
                    "lastChangeDateTime": stamp,
                }
                for i, t in enumerate(ITEM_TYPES, start=1)
            ]
        },
    }
