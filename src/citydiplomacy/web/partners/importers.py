"""Importers of open partnership and network data (files in ``data/partners/``).

* :func:`import_sister_cities`: Wikidata "twinned administrative body" (P190) pairs of the
  cities of 25 EU countries (CC0), as *recorded* twinning partnerships;
* :func:`import_wikidata_crawl`: the 2016 worldwide Wikidata crawl's pairs (CC0);
* :func:`import_gcom`: Global Covenant of Mayors signatories (JRC GCoM-MyCovenant, CC BY 4.0)
  with their commitment flags;
* :func:`import_eurocities`: Eurocities members (membership facts from eurocities.eu,
  attributes from Wikidata).

Reading a file is :mod:`citydiplomacy.io.partners_files`: it checks the whole file and raises
every malformed cell at once as ``file:row:column: expected ...``, so nothing is written when
there is one. Here places are matched to the GeoNames registry by coordinates and name (the
one matcher, :meth:`~citydiplomacy.web.cities.matching.CityMatcher.locate`), and what differs
from the database is written in one transaction: a second run changes nothing, and a failure
half-way leaves the database as it was. The :class:`~citydiplomacy.io.import_report.
ImportReport` says what matched, what did not and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q

from citydiplomacy.io.import_report import ImportReport
from citydiplomacy.io.partners_files import (
    CRAWL_COLUMNS,
    CRAWL_FILE,
    EUROCITIES_FILE,
    GCOM_COMMITMENTS,
    GCOM_FILE,
    SISTER_COLUMNS,
    SISTER_FILE,
    GcomSignatory,
    data_file,
    read_crawl_pairs,
    read_eurocities_members,
    read_gcom_signatories,
    read_sister_pairs,
    read_text,
)
from citydiplomacy.web.cities.matching import CityMatcher, name_variants
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.partners.models import (
    Kind,
    Membership,
    Network,
    Partnership,
    PartnershipCity,
    Status,
)

# What the readers define, importable from here too (commands, scripts and benchmarks do).
__all__ = [
    "CRAWL_COLUMNS",
    "CRAWL_FILE",
    "EUROCITIES_FILE",
    "GCOM_COMMITMENTS",
    "GCOM_FILE",
    "SISTER_COLUMNS",
    "SISTER_FILE",
    "ImportReport",
    "data_file",
    "ensure_networks",
    "import_all",
    "import_eurocities",
    "import_gcom",
    "import_sister_cities",
    "import_wikidata_crawl",
    "name_variants",
    "read_crawl_pairs",
    "read_sister_pairs",
]

SISTER_SOURCE = "wikidata-p190"
CRAWL_SOURCE = "wikidata-p190-crawl-2016"
#: Where each tie of the partnership table comes from, for people.
TIE_SOURCES: dict[str, str] = {
    SISTER_SOURCE: "Wikidata P190, EU-25 cities' twins (2017)",
    CRAWL_SOURCE: "Wikidata P190, worldwide crawl (2016)",
    "": "confirmed on the platform",
}
GCOM_SOURCE = "gcom-mycovenant-2024"
EUROCITIES_SOURCE = "eurocities-2025"

NETWORKS: dict[str, dict[str, str]] = {
    "gcom": {
        "name": "Global Covenant of Mayors for Climate & Energy",
        "short_name": "GCoM",
        "url": "https://www.globalcovenantofmayors.org/",
        "description": "The largest global alliance of cities and local governments for climate "
        "leadership; signatories commit to mitigation (CoM 2020/2030/2050) and adaptation.",
        "members_source": "JRC GCoM-MyCovenant, 5th release (January 2024), CC BY 4.0",
    },
    "eurocities": {
        "name": "Eurocities",
        "short_name": "Eurocities",
        "url": "https://eurocities.eu/",
        "description": "The network of more than 200 large European cities.",
        "members_source": "eurocities.eu member list via c-riq/city-vote (2025), Wikidata CC0",
    },
}
#: Other networks the secretariat starts with (members entered on the platform).
OTHER_NETWORKS: dict[str, dict[str, str]] = {
    "c40": {
        "name": "C40 Cities Climate Leadership Group",
        "short_name": "C40",
        "url": "https://www.c40.org/",
    },
    "iclei": {
        "name": "ICLEI – Local Governments for Sustainability",
        "short_name": "ICLEI",
        "url": "https://iclei.org/",
    },
    "uclg": {
        "name": "United Cities and Local Governments",
        "short_name": "UCLG",
        "url": "https://www.uclg.org/",
    },
    "mayors-for-peace": {
        "name": "Mayors for Peace",
        "short_name": "Mayors for Peace",
        "url": "https://www.mayorsforpeace.org/",
    },
}


# ------------------------------------------------------------------ sister cities
def import_sister_cities(
    content: bytes | str | None = None,
    *,
    source_name: str = SISTER_FILE,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the Wikidata sister-city pairs as *recorded* twinning partnerships.

    A pair becomes one partnership keyed by the two GeoNames ids (the file lists most pairs
    once from each side); re-running changes nothing. Recorded partnerships of this source
    that the file no longer holds are removed.
    """
    say = progress or (lambda m: None)
    pairs = read_sister_pairs(read_text(content, SISTER_FILE, source_name), source_name)
    say(f"{source_name}: {len(pairs)} rows read; matching to the registry")
    locator = CityMatcher()
    report = ImportReport(source=source_name, rows=len(pairs))
    cache: dict[tuple[str, float | None, float | None], tuple[int | None, str]] = {}
    wanted: dict[str, tuple[int, int]] = {}
    for p in pairs:
        ends = []
        for label, lat, lon in (p["a"], p["b"]):
            key = (label, lat, lon)
            if key not in cache:
                cache[key] = locator.locate(label, lat, lon)
            ends.append(cache[key])
        (ia, _), (ib, _) = ends
        if ia is None or ib is None:
            missing = [
                f"{lbl[0]!r} ({why})"
                for lbl, (i, why) in zip((p["a"], p["b"]), ends, strict=True)
                if i is None
            ]
            report.unmatched.append(f"row {p['row']}: {', '.join(missing)}")
            for i, why in ends:
                if i is None:
                    report.reasons[why] += 1
            continue
        if ia == ib:
            report.unmatched.append(f"row {p['row']}: both ends are the registry city {ia}")
            report.reasons["both ends are the same registry city"] += 1
            continue
        report.matched += 1
        lo, hi = sorted((ia, ib))
        wanted[f"{lo}-{hi}"] = (lo, hi)
    _write_pairs(wanted, report)
    return report


def import_wikidata_crawl(
    content: bytes | str | None = None,
    *,
    source_name: str = CRAWL_FILE,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the worldwide 2016 Wikidata crawl's pairs (already matched to GeoNames ids) as
    *recorded* twinnings of their own source. A pair the 2017 EU file already recorded is not
    recorded twice (it is counted as unchanged); a GeoNames id not in the registry leaves
    its pair out, reported."""
    say = progress or (lambda m: None)
    pairs = read_crawl_pairs(read_text(content, CRAWL_FILE, source_name), source_name)
    say(f"{source_name}: {len(pairs)} matched pairs read")
    report = ImportReport(source=source_name, rows=len(pairs))
    known = set(City.objects.values_list("pk", flat=True))
    already = {
        ref
        for ref in Partnership.objects.filter(source=SISTER_SOURCE).values_list(
            "source_ref", flat=True
        )
    }
    wanted: dict[str, tuple[int, int]] = {}
    urls: dict[str, str] = {}
    duplicate = 0
    for p in pairs:
        (qa, ia), (_, ib) = p["a"], p["b"]
        missing = [str(i) for i in (ia, ib) if i not in known]
        if missing:
            report.unmatched.append(
                f"row {p['row']}: GeoNames {', '.join(missing)} not in the registry"
            )
            report.reasons["GeoNames id not in the registry"] += 1
            continue
        if ia == ib:
            report.reasons["both ends are the same registry city"] += 1
            report.unmatched.append(f"row {p['row']}: both ends are the registry city {ia}")
            continue
        report.matched += 1
        lo, hi = sorted((ia, ib))
        ref = f"{lo}-{hi}"
        if ref in already:
            duplicate += 1
            continue
        wanted[ref] = (lo, hi)
        urls.setdefault(ref, f"https://www.wikidata.org/wiki/{qa}")
    _write_pairs(wanted, report, source=CRAWL_SOURCE, urls=urls)
    if duplicate:
        say(f"  {duplicate} matched pairs are already recorded from {SISTER_FILE}")
    return report


@transaction.atomic
def _write_pairs(
    wanted: dict[str, tuple[int, int]],
    report: ImportReport,
    *,
    source: str = SISTER_SOURCE,
    urls: dict[str, str] | None = None,
) -> None:
    existing = dict(Partnership.objects.filter(source=source).values_list("source_ref", "pk"))
    report.unchanged = len(wanted.keys() & existing.keys())
    stale = [pk for ref, pk in existing.items() if ref not in wanted]
    if stale:
        # A record the source dropped goes, unless the platform added to it (activities,
        # documents, an end the secretariat recorded): deleting it would delete their work.
        kept = set(
            Partnership.objects.filter(pk__in=stale)
            .filter(
                Q(activities__isnull=False)
                | Q(documents__isnull=False)
                | ~Q(status=Status.RECORDED)
            )
            .values_list("pk", flat=True)
        )
        report.kept = len(kept)
        stale = [pk for pk in stale if pk not in kept]
        report.deleted = len(stale)
        Partnership.objects.filter(pk__in=stale).delete()
    new = [ref for ref in wanted if ref not in existing]
    created = Partnership.objects.bulk_create(
        [
            Partnership(
                kind=Kind.TWINNING,
                status=Status.RECORDED,
                source=source,
                source_ref=ref,
                source_url=(urls or {}).get(ref, "https://www.wikidata.org/wiki/Property:P190"),
            )
            for ref in new
        ],
        batch_size=1000,
    )
    # bulk_create sets primary keys on PostgreSQL and SQLite 3.35+; read them back to be sure.
    ids = (
        dict(
            Partnership.objects.filter(source=source, source_ref__in=new).values_list(
                "source_ref", "pk"
            )
        )
        if created
        else {}
    )
    PartnershipCity.objects.bulk_create(
        [PartnershipCity(partnership_id=ids[ref], city_id=c) for ref in new for c in wanted[ref]],
        batch_size=2000,
    )
    report.created = len(new)


# ------------------------------------------------------------------ networks
def ensure_networks() -> dict[str, Network]:
    """The networks the platform knows from the start (created once, then left to the
    secretariat to edit)."""
    out = {}
    for slug, fields in {**NETWORKS, **OTHER_NETWORKS}.items():
        obj, _ = Network.objects.get_or_create(slug=slug, defaults=fields)
        out[slug] = obj
    return out


def _sync_memberships(
    network: Network, source: str, wanted: dict[int, dict[str, Any]], report: ImportReport
) -> None:
    existing = {m.city_id: m for m in Membership.objects.filter(network=network, source=source)}
    entered = set(
        Membership.objects.filter(network=network)
        .exclude(source=source)
        .values_list("city_id", flat=True)
    )
    create, update = [], []
    for cid, fields in wanted.items():
        if cid in entered:
            report.unchanged += 1  # entered on the platform: the editor's record wins
            continue
        m = existing.get(cid)
        if m is None:
            create.append(Membership(network=network, city_id=cid, source=source, **fields))
            continue
        if any(getattr(m, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(m, k, v)
            update.append(m)
        else:
            report.unchanged += 1
    stale = [m.pk for cid, m in existing.items() if cid not in wanted]
    with transaction.atomic():
        Membership.objects.bulk_create(create, batch_size=1000)
        for m in update:
            m.save()
        Membership.objects.filter(pk__in=stale).delete()
    report.created += len(create)
    report.updated += len(update)
    report.deleted += len(stale)


def _gcom_fields(r: GcomSignatory, old: dict[str, Any] | None) -> dict[str, Any]:
    """The membership of a city that signatory ``r`` stands for, merged with ``old`` (the
    same city from an earlier row): the earliest adhesion, every commitment, an individual
    signature over a group's, "published" over any other status."""
    fields: dict[str, Any] = {
        "role": "signatory (group)" if r.group else "signatory",
        "since": r.since,
        "commitments": sorted(set(r.commitments)),
        "status": r.status,
        "source_ref": r.id,
    }
    if old is not None:
        fields["commitments"] = sorted(set(old["commitments"]) | set(r.commitments))
        dates = [d for d in (old["since"], r.since) if d is not None]
        fields["since"] = min(dates) if dates else None
        if old["role"] == "signatory":
            fields["role"], fields["source_ref"] = "signatory", old["source_ref"]
        if old["status"] == "published":
            fields["status"] = "published"
    return fields


def import_gcom(
    content: bytes | str | None = None,
    *,
    source_name: str = GCOM_FILE,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the Global Covenant of Mayors signatories as memberships of ``gcom``.

    Individual signatories match by coordinates and name; a group signing jointly ("Alkmaar,
    Bergen, ...") makes each named municipality a member that matches by name and country.
    A city that appears more than once keeps its earliest adhesion and every commitment.
    """
    say = progress or (lambda m: None)
    rows = read_gcom_signatories(read_text(content, GCOM_FILE, source_name), source_name)
    say(f"{source_name}: {len(rows)} signatories read; matching to the registry")
    locator = CityMatcher()
    report = ImportReport(source=source_name, rows=len(rows))
    wanted: dict[int, dict[str, Any]] = {}
    for r in rows:
        hits = []
        for n in r.names:
            if r.group:
                cid, why = locator.locate(n, None, None, r.country)
            else:
                cid, why = locator.locate(n, r.lat, r.lon, r.country)
            if cid is None:
                report.not_matched(f"row {r.row}: {n!r} ({r.country}): {why}", why)
            else:
                hits.append(cid)
        if hits:
            report.matched += 1
        for cid in hits:
            wanted[cid] = _gcom_fields(r, wanted.get(cid))
    with transaction.atomic():
        network = ensure_networks()["gcom"]
        _sync_memberships(network, GCOM_SOURCE, wanted, report)
    return report


def import_eurocities(
    content: bytes | str | None = None,
    *,
    source_name: str = EUROCITIES_FILE,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the Eurocities members as memberships of ``eurocities``."""
    rows = read_eurocities_members(read_text(content, EUROCITIES_FILE, source_name), source_name)
    if progress:
        progress(f"{source_name}: {len(rows)} members read; matching to the registry")
    locator = CityMatcher()
    report = ImportReport(source=source_name, rows=len(rows))
    wanted: dict[int, dict[str, Any]] = {}
    for m in rows:
        cid, why = None, ""
        for label in m.labels:
            cid, why = locator.locate(label, m.lat, m.lon)
            if cid is not None:
                break
        if cid is None:
            report.not_matched(f"member {m.index}: {m.labels[0]!r}: {why}", why)
            continue
        report.matched += 1
        wanted[cid] = {
            "role": "member",
            "since": None,
            "commitments": [],
            "status": "",
            "source_ref": m.wikidata_id,
        }
    with transaction.atomic():
        network = ensure_networks()["eurocities"]
        _sync_memberships(network, EUROCITIES_SOURCE, wanted, report)
    return report


def import_all(progress: Callable[[str], None] | None = None) -> list[ImportReport]:
    """Every packaged import, in order."""
    return [
        import_sister_cities(progress=progress),
        import_wikidata_crawl(progress=progress),
        import_gcom(progress=progress),
        import_eurocities(progress=progress),
    ]
