"""Importers of open partnership and network data (files in ``data/partners/``).

* :func:`import_sister_cities`: Wikidata "twinned administrative body" (P190) pairs of the
  cities of 25 EU countries (CC0), as *recorded* twinning partnerships;
* :func:`import_gcom`: Global Covenant of Mayors signatories (JRC GCoM-MyCovenant, CC BY 4.0)
  with their commitment flags;
* :func:`import_eurocities`: Eurocities members (membership facts from eurocities.eu,
  attributes from Wikidata).

Each reads the whole file first and collects every malformed cell as
``file:row:column: expected ...`` (nothing is written when there is one), matches places to
the GeoNames registry by coordinates and name (:class:`RegistryLocator`), then writes in one
transaction only what differs from the database: a second run changes nothing. The report says
what matched, what did not and why.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from scipy.spatial import cKDTree

from citydiplomacy.errors import Problem, ValidationError
from citydiplomacy.web.cities.models import City, CityName, normalise_name
from citydiplomacy.web.partners.models import (
    Kind,
    Membership,
    Network,
    Partnership,
    PartnershipCity,
    Status,
)

EARTH_KM = 6371.0088
#: A place and a registry city match when one of the city's names is the place's name and
#: they are at most this far apart.
MATCH_KM = 20.0
SISTER_FILE = "wikidata_p190_eu25_2017.tsv"
CRAWL_FILE = "wikidata_p190_crawl_2016.tsv"
GCOM_FILE = "gcom_signatories_2024.csv"
EUROCITIES_FILE = "eurocities_members_2025.json"
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


def data_file(name: str) -> Any:
    """A packaged file of ``citydiplomacy/data/partners``."""
    return resources.files("citydiplomacy.data") / "partners" / name


@dataclass
class ImportReport:
    """What an import did."""

    source: str
    rows: int = 0
    matched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    #: records the source no longer holds, kept because the platform added to them
    kept: int = 0
    unmatched: list[str] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def lines(self, show_unmatched: int = 10) -> list[str]:
        out = [
            f"{self.source}: {self.rows} rows, {self.matched} matched to the registry, "
            f"{len(self.unmatched)} not matched",
            f"  created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.deleted}",
        ]
        if self.kept:
            out.append(
                f"  kept {self.kept} no longer in the source: they have activities, documents "
                "or a recorded end"
            )
        for reason, n in self.reasons.most_common():
            out.append(f"  not matched, {reason}: {n}")
        for line in self.unmatched[:show_unmatched]:
            out.append(f"  - {line}")
        if len(self.unmatched) > show_unmatched:
            out.append(f"  ... and {len(self.unmatched) - show_unmatched} more")
        return out


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def name_variants(label: str) -> set[str]:
    """Normalised forms of a place label: whole, before a comma or bracket ("Porcia,
    Friuli-Venezia Giulia" -> "porcia"), without "City of"."""
    base = normalise_name(label)
    out = {base}
    for sep in (",", " (", "/"):
        if sep in base:
            out.add(base.split(sep)[0].strip())
    for prefix in ("city of ", "ville de ", "stadt ", "comune di ", "municipality of "):
        for v in list(out):
            if v.startswith(prefix):
                out.add(v[len(prefix) :])
    return {v for v in out if v}


class RegistryLocator:
    """Finds the registry city of a place by coordinates and name (else name and country)."""

    def __init__(self) -> None:
        rows = list(City.objects.values_list("pk", "latitude", "longitude", "country_id"))
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.country = {int(r[0]): str(r[3]) for r in rows}
        lat = np.array([r[1] for r in rows], dtype=float)
        lon = np.array([r[2] for r in rows], dtype=float)
        self.xyz = _unit(lat, lon) if rows else np.zeros((0, 3))
        self.tree = cKDTree(self.xyz) if rows else None
        self.names: dict[int, set[str]] = {}
        self.by_name: dict[tuple[str, str], list[int]] = {}
        for cid, norm in CityName.objects.values_list("city_id", "normalised").iterator(
            chunk_size=20000
        ):
            self.names.setdefault(int(cid), set()).add(str(norm))
            self.by_name.setdefault((str(norm), self.country.get(int(cid), "")), []).append(
                int(cid)
            )

    def locate(
        self, label: str, lat: float | None, lon: float | None, country: str = ""
    ) -> tuple[int | None, str]:
        """Registry id, or ``None`` and the reason."""
        variants = name_variants(label)
        if lat is not None and lon is not None and self.tree is not None:
            chord = 2.0 * math.sin(MATCH_KM / EARTH_KM / 2.0)
            near = self.tree.query_ball_point(_unit(np.array([lat]), np.array([lon]))[0], chord)
            hits = [
                int(self.ids[i]) for i in near if self.names.get(int(self.ids[i]), set()) & variants
            ]
            if hits:
                here = _unit(np.array([lat]), np.array([lon]))[0]
                pos = {int(self.ids[i]): i for i in near}
                return min(hits, key=lambda c: float(((self.xyz[pos[c]] - here) ** 2).sum())), ""
        if country:
            found = sorted(
                {c for v in variants for c in self.by_name.get((v, country.upper()), [])}
            )
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                return None, "name shared by several registry cities"
        if lat is None:
            return None, "no registry city (15,000+ inhabitants) of that name in the country"
        return None, f"no registry city (15,000+ inhabitants) of that name within {MATCH_KM:.0f} km"


# ------------------------------------------------------------------ reading helpers
def _float(
    text: str, problems: list[Problem], src: str, row: int, col: int, what: str
) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        x = float(text)
    except ValueError:
        problems.append(Problem(src, row, col, f"expected {what} (a number), got {text!r}"))
        return None
    if not math.isfinite(x):
        problems.append(Problem(src, row, col, f"expected {what} (a finite number), got {text!r}"))
        return None
    return x


def _coords(
    lat: float | None,
    lon: float | None,
    problems: list[Problem],
    src: str,
    row: int,
    cols: tuple[int, int],
) -> tuple[float | None, float | None]:
    if lat is not None and not -90 <= lat <= 90:
        problems.append(Problem(src, row, cols[0], f"expected a latitude in [-90, 90], got {lat}"))
        return None, None
    if lon is not None and not -180 <= lon <= 180:
        problems.append(
            Problem(src, row, cols[1], f"expected a longitude in [-180, 180], got {lon}")
        )
        return None, None
    if lat is None or lon is None:
        return None, None
    return lat, lon


def _read_text(content: bytes | str | None, name: str) -> str:
    if content is None:
        return str(data_file(name).read_text(encoding="utf-8"))
    return content.decode("utf-8-sig") if isinstance(content, bytes) else content


# ------------------------------------------------------------------ sister cities
SISTER_COLUMNS = (
    "origincityLabel",
    "origincountry",
    "originlat",
    "originlong",
    "originpopulation",
    "sistercityLabel",
    "destinationlat",
    "destinationlong",
    "destinationpopulation",
    "destination_countryLabel",
    "dist",
    "eu",
)


def read_sister_pairs(text: str, src: str) -> list[dict[str, Any]]:
    """The pairs of the Wikidata P190 file, validated (``ValidationError`` with every
    problem)."""
    # Tab-separated without quoting: a quote character is part of a name.
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    problems: list[Problem] = []
    if header is None:
        raise ValidationError([Problem(src, 0, 0, "expected a header row, the file is empty")])
    col = {name: i for i, name in enumerate(header)}
    missing = [
        c
        for c in (
            "origincityLabel",
            "originlat",
            "originlong",
            "sistercityLabel",
            "destinationlat",
            "destinationlong",
        )
        if c not in col
    ]
    if missing:
        raise ValidationError([Problem(src, 1, 0, f"expected the columns {missing}")])
    out = []
    for rowno, row in enumerate(reader, start=2):
        if not any(row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))

        def cell(name: str, r: list[str] = row) -> str:
            return r[col[name]].strip() if name in col else ""

        a, b = cell("origincityLabel"), cell("sistercityLabel")
        for name, value in (("origincityLabel", a), ("sistercityLabel", b)):
            if not value:
                problems.append(Problem(src, rowno, col[name] + 1, "expected a city name"))
        lat_a = _float(cell("originlat"), problems, src, rowno, col["originlat"] + 1, "a latitude")
        lon_a = _float(
            cell("originlong"), problems, src, rowno, col["originlong"] + 1, "a longitude"
        )
        lat_b = _float(
            cell("destinationlat"), problems, src, rowno, col["destinationlat"] + 1, "a latitude"
        )
        lon_b = _float(
            cell("destinationlong"), problems, src, rowno, col["destinationlong"] + 1, "a longitude"
        )
        lat_a, lon_a = _coords(
            lat_a, lon_a, problems, src, rowno, (col["originlat"] + 1, col["originlong"] + 1)
        )
        lat_b, lon_b = _coords(
            lat_b,
            lon_b,
            problems,
            src,
            rowno,
            (col["destinationlat"] + 1, col["destinationlong"] + 1),
        )
        out.append({"row": rowno, "a": (a, lat_a, lon_a), "b": (b, lat_b, lon_b)})
    if problems:
        raise ValidationError(problems)
    return out


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
    pairs = read_sister_pairs(_read_text(content, SISTER_FILE), source_name)
    say(f"{source_name}: {len(pairs)} rows read; matching to the registry")
    locator = RegistryLocator()
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


CRAWL_COLUMNS = (
    "qid_a",
    "label_a",
    "geonames_a",
    "method_a",
    "qid_b",
    "label_b",
    "geonames_b",
    "method_b",
)


def read_crawl_pairs(text: str, src: str) -> list[dict[str, Any]]:
    """The matched pairs of the 2016 Wikidata crawl (written by
    ``scripts/build_wikidata_crawl_ties.py``), validated: ``ValidationError`` with every
    problem."""
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None:
        raise ValidationError([Problem(src, 0, 0, "expected a header row, the file is empty")])
    missing = [c for c in CRAWL_COLUMNS if c not in header]
    if missing:
        raise ValidationError([Problem(src, 1, 0, f"expected the columns {missing}")])
    col = {name: i for i, name in enumerate(header)}
    problems: list[Problem] = []
    out = []
    for rowno, row in enumerate(reader, start=2):
        if not any(row):
            continue
        row = row + [""] * (len(header) - len(row))
        ends = []
        for side in ("a", "b"):
            qid = row[col[f"qid_{side}"]].strip()
            if not re.fullmatch(r"Q[1-9][0-9]*", qid):
                problems.append(
                    Problem(
                        src, rowno, col[f"qid_{side}"] + 1, f"expected a Wikidata id, got {qid!r}"
                    )
                )
            text_id = row[col[f"geonames_{side}"]].strip()
            if not text_id.isdigit():
                problems.append(
                    Problem(
                        src,
                        rowno,
                        col[f"geonames_{side}"] + 1,
                        f"expected a GeoNames id (digits), got {text_id!r}",
                    )
                )
                ends.append((qid, 0))
            else:
                ends.append((qid, int(text_id)))
        out.append({"row": rowno, "a": ends[0], "b": ends[1]})
    if problems:
        raise ValidationError(problems)
    return out


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
    pairs = read_crawl_pairs(_read_text(content, CRAWL_FILE), source_name)
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


GCOM_COMMITMENTS = {
    "commitment_CoM2020_flag": "CoM 2020 (-20% CO2 by 2020)",
    "commitment_CoM2030_flag": "CoM 2030 (-40% CO2 by 2030, adaptation)",
    "commitment_CoM2050_flag": "CoM 2050 (climate neutrality by 2050)",
    "commitment_mayoradapt_flag": "Mayors Adapt (adaptation)",
}


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
    text = _read_text(content, GCOM_FILE)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    col = {n: i for i, n in enumerate(header)}
    needed = [
        "organisation_id",
        "organisation_name",
        "country_code",
        "organisation_latitude",
        "organisation_longitude",
        "signatory_status",
        "date_of_adhesion",
        "adhesion_type",
        *GCOM_COMMITMENTS,
    ]
    missing = [c for c in needed if c not in col]
    if missing:
        raise ValidationError([Problem(source_name, 1, 0, f"expected the columns {missing}")])
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    for rowno, row in enumerate(reader, start=2):
        if not any(row):
            continue
        row = row + [""] * (len(header) - len(row))

        def cell(name: str, r: list[str] = row) -> str:
            value = r[col[name]].strip()
            return "" if value == "-" else value

        lat = _float(
            cell("organisation_latitude"),
            problems,
            source_name,
            rowno,
            col["organisation_latitude"] + 1,
            "a latitude",
        )
        lon = _float(
            cell("organisation_longitude"),
            problems,
            source_name,
            rowno,
            col["organisation_longitude"] + 1,
            "a longitude",
        )
        lat, lon = _coords(
            lat,
            lon,
            problems,
            source_name,
            rowno,
            (col["organisation_latitude"] + 1, col["organisation_longitude"] + 1),
        )
        since = None
        if cell("date_of_adhesion"):
            try:
                since = date.fromisoformat(cell("date_of_adhesion")[:10])
            except ValueError:
                problems.append(
                    Problem(
                        source_name,
                        rowno,
                        col["date_of_adhesion"] + 1,
                        f"expected a date YYYY-MM-DD, got {cell('date_of_adhesion')!r}",
                    )
                )
        flags = []
        for name, label in GCOM_COMMITMENTS.items():
            v = cell(name)
            if v not in ("True", "False", ""):
                problems.append(
                    Problem(source_name, rowno, col[name] + 1, f"expected True or False, got {v!r}")
                )
            elif v == "True":
                flags.append(label)
        if not cell("organisation_name"):
            problems.append(
                Problem(
                    source_name, rowno, col["organisation_name"] + 1, "expected a signatory name"
                )
            )
        rows.append(
            {
                "row": rowno,
                "id": cell("organisation_id"),
                "name": cell("organisation_name"),
                "country": cell("country_code").upper(),
                "lat": lat,
                "lon": lon,
                "since": since,
                "commitments": flags,
                "status": cell("signatory_status"),
                "group": cell("adhesion_type").startswith("As a group"),
            }
        )
    if problems:
        raise ValidationError(problems)
    say(f"{source_name}: {len(rows)} signatories read; matching to the registry")
    locator = RegistryLocator()
    report = ImportReport(source=source_name, rows=len(rows))
    wanted: dict[int, dict[str, Any]] = {}
    for r in rows:
        names = [n.strip() for n in re.split(r",| and ", r["name"])] if r["group"] else [r["name"]]
        hits = []
        for n in names:
            if not n:
                continue
            if r["group"]:
                cid, why = locator.locate(n, None, None, r["country"])
            else:
                cid, why = locator.locate(n, r["lat"], r["lon"], r["country"])
            if cid is None:
                report.reasons[why] += 1
                report.unmatched.append(f"row {r['row']}: {n!r} ({r['country']}): {why}")
            else:
                hits.append(cid)
        if hits:
            report.matched += 1
        for cid in hits:
            fields: dict[str, Any] = {
                "role": "signatory (group)" if r["group"] else "signatory",
                "since": r["since"],
                "commitments": r["commitments"],
                "status": r["status"],
                "source_ref": r["id"],
            }
            old = wanted.get(cid)
            if old is not None:
                fields["commitments"] = sorted(set(old["commitments"]) | set(fields["commitments"]))
                dates = [d for d in (old["since"], fields["since"]) if d is not None]
                fields["since"] = min(dates) if dates else None
                if old["role"] == "signatory":
                    fields["role"], fields["source_ref"] = "signatory", old["source_ref"]
                if old["status"] == "published":
                    fields["status"] = "published"
            else:
                fields["commitments"] = sorted(fields["commitments"])
            wanted[cid] = fields
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
    text = _read_text(content, EUROCITIES_FILE)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [Problem(source_name, exc.lineno, exc.colno, f"expected JSON: {exc.msg}")]
        ) from None
    members = data.get("members") if isinstance(data, dict) else None
    if not isinstance(members, list):
        raise ValidationError([Problem(source_name, 0, 0, 'expected {"members": [...]}')])
    problems: list[Problem] = []
    rows = []
    for i, m in enumerate(members, start=1):
        if not isinstance(m, dict) or not str(m.get("name_on_website") or "").strip():
            problems.append(Problem(source_name, i, 0, "expected a member with a name_on_website"))
            continue
        lat, lon = m.get("latitude"), m.get("longitude")
        for key, value, lo, hi in (("latitude", lat, -90, 90), ("longitude", lon, -180, 180)):
            if value is not None and (not isinstance(value, int | float) or not lo <= value <= hi):
                problems.append(
                    Problem(
                        source_name, i, 0, f"expected {key} in [{lo}, {hi}] or null, got {value!r}"
                    )
                )
        rows.append((i, m))
    if problems:
        raise ValidationError(problems)
    if progress:
        progress(f"{source_name}: {len(rows)} members read; matching to the registry")
    locator = RegistryLocator()
    report = ImportReport(source=source_name, rows=len(rows))
    wanted: dict[int, dict[str, Any]] = {}
    for i, m in rows:
        lat, lon = m.get("latitude"), m.get("longitude")
        labels = [str(m["name_on_website"]), str(m.get("wikidata_name") or "")]
        cid, why = None, ""
        for label in filter(None, labels):
            cid, why = locator.locate(label, lat, lon)
            if cid is not None:
                break
        if cid is None:
            report.reasons[why] += 1
            report.unmatched.append(f"member {i}: {labels[0]!r}: {why}")
            continue
        report.matched += 1
        wanted[cid] = {
            "role": "member",
            "since": None,
            "commitments": [],
            "status": "",
            "source_ref": str(m.get("wikidata_id") or ""),
        }
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
