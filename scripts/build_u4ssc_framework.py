"""Build the packaged U4SSC framework table from the reference KPI list.

Reads ``src/citydiplomacy/data/reference/u4ssc_kpis_reference.csv`` (a copy of the project's
research notes on the 91 U4SSC KPIs, see ``data/SOURCES.md``) and writes
``src/citydiplomacy/data/frameworks/u4ssc.csv`` in the project's framework-table format
(COINr iMeta columns plus U4SSC metadata).

Run it again only when the reference changes::

    python scripts/build_u4ssc_framework.py            # rewrite the table
    python scripts/build_u4ssc_framework.py --check    # exit 1 if the table is stale

Every field the reference marks with a trailing ``?`` (inferred, not read in an ITU text) is
carried as it is, minus the question mark, and its name is listed in the ``unverified`` column;
``verified`` is false for such a KPI.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "src/citydiplomacy/data/reference/u4ssc_kpis_reference.csv"
OUTPUT = ROOT / "src/citydiplomacy/data/frameworks/u4ssc.csv"

DIMENSIONS = {"Economy": "EC", "Environment": "EN", "Society and Culture": "SC"}
SUB_DIMENSIONS = {
    "ICT": "EC-ICT",
    "Productivity": "EC-P",
    "Infrastructure": "EC-I",
    "Environment": "EN-EN",
    "Energy": "EN-E",
    "Education, Health and Culture": "SC-EH",
    "Safety, Housing and Social Inclusion": "SC-SH",
}

# Targets set by a public source. U4SSC's own benchmarks are unpublished (docs/frameworks.md);
# every other KPI gets a transparent peer-derived target at scoring time.
SDG_ALL = "SDG target {t} ({what}), UN A/RES/70/1 (2015)"
REFERENCE_TARGETS: dict[str, tuple[float, str]] = {
    "EC-ICT-ICT-1C": (
        90.0,
        "ITU-T Y.4904 smart sustainable city maturity model, level 5 for household Internet "
        "access (as quoted in the U4SSC Factsheet Valencia 2020, p50)",
    ),
    "EC-P-IN-1C": (
        3.0,
        "Europe 2020 strategy headline target: 3% of GDP invested in R&D "
        "(European Commission, COM(2010) 2020)",
    ),
    "EC-I-WS-1C": (100.0, SDG_ALL.format(t="6.1", what="universal access to drinking water")),
    "EC-I-WS-2C": (100.0, SDG_ALL.format(t="6.1", what="safe drinking water for all")),
    "EC-I-WS-5C": (100.0, SDG_ALL.format(t="6.2", what="adequate sanitation for all")),
    "EC-I-ES-3C": (100.0, SDG_ALL.format(t="7.1", what="universal access to electricity")),
    "SC-EH-ED-2C": (
        100.0,
        SDG_ALL.format(t="4.1", what="all girls and boys complete primary and secondary school"),
    ),
    "SC-EH-H-2C": (
        70.0,
        SDG_ALL.format(t="3.1", what="maternal mortality below 70 per 100,000 live births"),
    ),
    "SC-EH-H-5A": (100.0, SDG_ALL.format(t="3.8", what="universal health coverage")),
    "SC-SH-SI-1C": (
        1.0,
        SDG_ALL.format(t="8.5", what="equal pay for work of equal value: parity, ratio 1.0"),
    ),
    "SC-SH-SI-5A": (
        45.0,
        "Council Recommendation of 8 December 2022 on early childhood education and care "
        "(revised Barcelona target: 45% of children under three in childcare by 2030)",
    ),
}
WHO_AQG = "WHO Global Air Quality Guidelines (2021), {period} guideline level"
DATA_POINT_TARGETS: dict[tuple[str, str], tuple[float, str]] = {
    ("EN-EN-AQ-1C", "PM2.5"): (5.0, WHO_AQG.format(period="annual mean")),
    ("EN-EN-AQ-1C", "PM10"): (15.0, WHO_AQG.format(period="annual mean")),
    ("EN-EN-AQ-1C", "NO2"): (10.0, WHO_AQG.format(period="annual mean")),
    ("EN-EN-AQ-1C", "SO2"): (40.0, WHO_AQG.format(period="24-hour mean")),
    ("EN-EN-AQ-1C", "O3"): (60.0, WHO_AQG.format(period="peak-season mean")),
}
YES_TARGET = (
    "yes/no KPI: 'Yes' meets the target (U4SSC handling not published; project rule, "
    "see docs/scoring.md)"
)

# Data-point directions (the reference describes them in words).
DATA_POINT_DIRECTIONS: dict[tuple[str, str], int] = {
    ("EC-I-T-4A", "private vehicle"): -1,
    ("EN-EN-WA-1C", "landfill"): -1,
    ("EN-EN-WA-1C", "burnt"): -1,
    ("EN-EN-WA-1C", "incinerated"): -1,
    ("EN-EN-WA-1C", "open dump"): -1,
}
# Data points reported for information, not benchmarked (weight 0).
UNSCORED_DATA_POINTS = {("EN-EN-WA-1C", "other"), ("EC-ICT-PS-1A", "number published")}

# Plausibility ranges: values outside are possible, so they raise warnings, not errors.
VM = "ITU U4SSC KPI Verification Manual 2022, verifier note"
PLAUSIBLE: dict[str, tuple[float | None, float | None, str]] = {
    "EC-I-ES-3C": (90.0, None, VM + ": access to electricity of 90%+ is normal"),
    "EC-P-IN-3A": (95.0, None, VM + ": SMEs are expected above 95% of enterprises"),
    "EC-P-IN-1C": (None, 5.0, VM + ": R&D spending below 5% of GDP is normal"),
    "SC-EH-H-1C": (40.0, 95.0, "project check: life expectancy outside 40-95 years"),
    "EC-I-T-5A": (1.0, 4.0, "project check: peak/free-flow travel time ratio outside 1-4"),
    "SC-SH-SI-1C": (0.3, 1.5, "project check: female/male earnings ratio outside 0.3-1.5"),
    "EN-EN-WS-2C": (20.0, 1000.0, "project check: water use outside 20-1000 litres/capita/day"),
}


def clean(value: str) -> tuple[str, bool]:
    """Strip the reference's trailing inference marker; tell whether it was there."""
    inferred = "?" in value
    return value.replace("?", "").strip(), inferred


def unit_key(unit: str) -> tuple[str, str]:
    """Map the reference's printed unit to (unit_key, value_type)."""
    u = unit.lower()
    rules: list[tuple[str, str, str]] = [
        (r"^yes/no", "yesno", "yesno"),
        (r"^%|coverage", "percent", "percent"),
        (r"^km per 100 000", "km_per_100k", "rate"),
        (r"^hectares per 100 000", "ha_per_100k", "rate"),
        (r"^area \(m2\) per 100 000", "m2_per_100k", "rate"),
        (r"deaths per 100 000 live births", "per_100k_live_births", "rate"),
        (r"per 100 000", "per_100k", "rate"),
        (r"^number of interruptions", "interruptions_per_customer", "rate"),
        (r"^minutes", "minutes", "quantity"),
        (r"^years", "years", "quantity"),
        (r"^ratio \(peak", "ratio", "quantity"),
        (r"^ratio \(female", "ratio", "quantity"),
        (r"^coefficient 0-1", "coefficient", "coefficient"),
        (r"^tonnes co2e per capita", "tco2e_per_capita", "quantity"),
        (r"^litres per capita per day", "litres_per_capita_day", "quantity"),
        (r"^kwh/year/capita", "kwh_per_capita_year", "quantity"),
        (r"^gj/year/capita", "gj_per_capita_year", "quantity"),
        (r"^ekwh/m2/year", "ekwh_per_m2_year", "quantity"),
        (r"^aqi", "ug_per_m3", "quantity"),
        (r"^number", "count", "count"),
    ]
    for pattern, key, kind in rules:
        if re.search(pattern, u):
            return key, kind
    raise SystemExit(f"no unit rule for {unit!r}")


def main(check: bool = False) -> int:
    """Write the framework table; with ``check``, only compare and return 1 if it differs."""
    with REFERENCE.open(encoding="utf-8") as fh:
        kpis = list(csv.DictReader(fh))
    columns = [
        "code", "name", "level", "parent", "direction", "weight", "unit", "unit_key",
        "value_type", "target", "target_source", "lower_bound", "optimum", "green_threshold",
        "red_threshold", "plausible_min", "plausible_max", "plausible_source", "data_point",
        "core_or_advanced", "kpi_type", "sdg", "definition", "code_as_printed", "source_note",
        "verified", "unverified", "notes", "dimension", "sub_dimension", "category",
    ]  # fmt: skip
    out: list[dict[str, object]] = []

    def node(**kw: object) -> dict[str, object]:
        row: dict[str, object] = dict.fromkeys(columns, "")
        row.update(weight=1, direction=1, verified="true")
        row.update(kw)
        return row

    out.append(node(code="U4SSC", name="U4SSC Smart Sustainable City Index", level=5))
    for dim, code in DIMENSIONS.items():
        out.append(node(code=code, name=dim, level=4, parent="U4SSC"))
    seen_sub: set[str] = set()
    seen_cat: set[str] = set()
    kpi_rows: list[dict[str, object]] = []
    for k in kpis:
        code, code_inferred = clean(k["code"])
        sub = SUB_DIMENSIONS[k["sub_dimension"]]
        if sub not in seen_sub:
            seen_sub.add(sub)
            dim_code = DIMENSIONS[k["dimension"]]
            out.append(node(code=sub, name=k["sub_dimension"], level=3, parent=dim_code))
        # Electronic Health Records carries an Education-style code but sits in Health.
        cat_code = "SC-EH-H" if k["category"] == "Health" else "-".join(code.split("-")[:3])
        if cat_code not in seen_cat:
            seen_cat.add(cat_code)
            out.append(node(code=cat_code, name=k["category"], level=2, parent=sub))
        unverified: list[str] = []
        if code_inferred:
            unverified.append("code")
        fields: dict[str, str] = {}
        for field in ("core_or_advanced", "unit", "sdg", "definition", "kpi_type"):
            value, inferred = clean(k[field])
            fields[field] = value
            if inferred:
                unverified.append(field)
        direction_text, direction_inferred = clean(k["direction"])
        if direction_inferred:
            unverified.append("direction")
        if direction_text.startswith("lower"):
            direction = -1
        elif "parity" in direction_text:
            direction = 0  # two-sided: closest to the target is best
        else:
            direction = 1
        ukey, vtype = unit_key(fields["unit"])
        target: object = ""
        target_source = ""
        if code in REFERENCE_TARGETS:
            target, target_source = REFERENCE_TARGETS[code]
        elif vtype == "yesno":
            target, target_source = 1, YES_TARGET
        if k["target"].strip().endswith("?"):
            unverified.append("target")
        pmin, pmax, psource = PLAUSIBLE.get(code, ("", "", ""))
        data_points = [p.strip() for p in k["data_points"].split(";") if p.strip()]
        row = node(
            code=code,
            name=k["name"],
            level=1,
            parent=cat_code,
            direction=direction,
            unit=fields["unit"],
            unit_key=ukey,
            value_type=vtype,
            target="" if data_points else target,
            target_source="" if data_points else target_source,
            plausible_min="" if pmin is None else pmin,
            plausible_max="" if pmax is None else pmax,
            plausible_source=psource,
            core_or_advanced={"C": "core", "A": "advanced"}[fields["core_or_advanced"]],
            kpi_type=fields["kpi_type"],
            sdg=fields["sdg"],
            definition=fields["definition"],
            code_as_printed=k["code_as_printed"].replace("?", "").strip(),
            source_note=k["source_note"],
            verified="false" if unverified else "true",
            unverified=";".join(unverified),
            notes=k["notes"],
            dimension=k["dimension"],
            sub_dimension=k["sub_dimension"],
            category=k["category"],
        )
        kpi_rows.append(row)
        for dp in data_points:
            dp_unit = "µg/m³" if code == "EN-EN-AQ-1C" else fields["unit"]
            dp_ukey = "ug_per_m3" if code == "EN-EN-AQ-1C" else ukey
            dp_vtype = "quantity" if code == "EN-EN-AQ-1C" else vtype
            if (code, dp) == ("EC-ICT-PS-1A", "number published"):
                dp_unit, dp_ukey, dp_vtype = "number of datasets", "count", "count"
            if (code, dp) == ("EC-ICT-PS-1A", "% availability"):
                dp_unit = "% of inventoried datasets published"
            dp_target: object = target if vtype == "yesno" else ""
            dp_source = target_source if vtype == "yesno" else ""
            if (code, dp) in DATA_POINT_TARGETS:
                dp_target, dp_source = DATA_POINT_TARGETS[(code, dp)]
            dp_direction = DATA_POINT_DIRECTIONS.get((code, dp), 1 if direction == 0 else direction)
            kpi_rows.append(
                node(
                    code=f"{code}:{dp}",
                    name=f"{k['name']}: {dp}",
                    level=0,
                    parent=code,
                    direction=dp_direction,
                    weight=0 if (code, dp) in UNSCORED_DATA_POINTS else 1,
                    unit=dp_unit,
                    unit_key=dp_ukey,
                    value_type=dp_vtype,
                    target=dp_target,
                    target_source=dp_source,
                    data_point=dp,
                    core_or_advanced=row["core_or_advanced"],
                    sdg=fields["sdg"],
                    verified=row["verified"],
                    unverified=row["unverified"],
                    dimension=k["dimension"],
                    sub_dimension=k["sub_dimension"],
                    category=k["category"],
                )
            )
    out.extend(kpi_rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(out)
    if check:
        return 0 if OUTPUT.read_text(encoding="utf-8") == buffer.getvalue() else 1
    OUTPUT.write_text(buffer.getvalue(), encoding="utf-8")
    n_kpi = sum(1 for r in out if r["level"] == 1)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(out)} nodes, {n_kpi} KPIs")
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
