"""``/api/kpi-values``: read the KPI values one may see; write them with a token.

A write is checked by the engine exactly like an uploaded file (:func:`validate_long`), every
problem is reported at once, and nothing is written unless everything is valid and the token's
user may change every city named. Values are then written by
:func:`citydiplomacy.web.indicators.services.write_values`, which audits each change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from citydiplomacy.core.validate import LocatedTable, ValidatedData, validate_long
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.api.cities import GENEVA
from citydiplomacy.web.apikit.auth import OPTIONAL_AUTH, READ_AUTH, WRITE_AUTH, requester
from citydiplomacy.web.apikit.errors import (
    FIELD_COLUMNS,
    ProblemOut,
    error_responses,
    problem_dict,
)
from citydiplomacy.web.apikit.fields import length_of
from citydiplomacy.web.apikit.pagination import (
    MAX_ID,
    YEAR_MAX,
    YEAR_MIN,
    PageMeta,
    PageParams,
    Text,
    paginate,
)
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue

router = Router(tags=["KPI values"])

#: Most values one request may write.
MAX_VALUES = 5000
#: ``source`` of the problems found in a request's ``values``.
SOURCE = "request"


# ------------------------------------------------------------------------- schemas
class KpiValueOut(Schema):
    """One observation: a city's value of one measure in one year."""

    city_id: int = Field(description="GeoNames id of the city.")
    city_name: str = Field(description="Name of the city.")
    country: str = Field(description="ISO 3166-1 alpha-2 code of the city's country.")
    year: int = Field(description="Year the value describes.")
    kpi: str = Field(description="Level-1 KPI code of the framework, e.g. 'EC-ICT-ICT-1C'.")
    data_point: str = Field(description="Data point of a multi-part KPI ('' otherwise).")
    measure: str = Field(description="Framework measure code: the KPI, or 'KPI:data point'.")
    value: float = Field(description="The value in the measure's unit (yes/no: 1/0).")
    unit: str = Field(description="The measure's unit.")
    source: str = Field(description="Where the value comes from.")
    note: str = Field(description="Free note.")
    status: str = Field(description="'self_reported' or 'verified' (by the secretariat).")
    synthetic: bool = Field(description="Synthetic demo data, not a real observation.")
    submitted_at: datetime = Field(description="When the value was last submitted.")


class KpiValuePage(PageMeta):
    results: list[KpiValueOut] = Field(description="Values ordered by city, year and measure.")


class KpiValueQuery(PageParams):
    city: Annotated[int, Field(ge=1, le=MAX_ID)] | SkipJsonSchema[None] = Field(
        None, description="Only this city (GeoNames id)."
    )
    year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)] | SkipJsonSchema[None] = Field(
        None, description="Only this year."
    )
    kpi: Annotated[Text, StringConstraints(max_length=64)] | SkipJsonSchema[None] = Field(
        None, description="Only this KPI code, or one measure code 'KPI:data point'."
    )
    status: Literal["self_reported", "verified"] | SkipJsonSchema[None] = Field(
        None, description="Only self-reported or only verified values."
    )


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number or 'yes'/'no', not true/false")
    return value


class KpiValueIn(Schema):
    """One value to create or update; its key is (city_id, year, kpi, data_point)."""

    city_id: int = Field(ge=1, le=MAX_ID, description="GeoNames id of a registry city.")
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, description="Year the value describes.")
    kpi: Annotated[Text, StringConstraints(min_length=1, max_length=64)] = Field(
        description="KPI code of the framework (case ignored), e.g. 'EC-ICT-ICT-1C', or a "
        "measure code 'KPI:data point'."
    )
    data_point: Annotated[Text, StringConstraints(max_length=100)] = Field(
        "", description="Data point of a multi-part KPI, e.g. '4G' ('' for other KPIs)."
    )
    value: Annotated[
        Annotated[float, Field(allow_inf_nan=False)]
        | Annotated[Text, StringConstraints(max_length=20)],
        BeforeValidator(_not_bool),
    ] = Field(description="A number in the measure's unit; for yes/no KPIs 'yes'/'no' (or 1/0).")
    unit: Annotated[Text, StringConstraints(max_length=60)] | None = Field(
        None,
        description="Unit of the value, if not the measure's; safe conversions (e.g. per "
        "1,000 to per 100,000 inhabitants) are applied and reported as warnings.",
    )
    source: Annotated[Text, length_of(KpiValue, "source")] = Field(
        "", description="Where the value comes from."
    )
    note: Annotated[Text, StringConstraints(max_length=2000)] = Field("", description="Free note.")


class KpiValuesIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "values": [
                        {
                            "city_id": GENEVA,
                            "year": 2024,
                            "kpi": "EC-ICT-ICT-1C",
                            "value": 87.5,
                            "source": "Cantonal statistics office",
                        },
                        {
                            "city_id": GENEVA,
                            "year": 2024,
                            "kpi": "EC-ICT-ICT-4C",
                            "data_point": "4G",
                            "value": 99,
                            "unit": "%",
                        },
                        {"city_id": GENEVA, "year": 2024, "kpi": "SC-SH-SA-3A", "value": "yes"},
                    ]
                }
            ]
        }
    )

    values: list[KpiValueIn] = Field(
        min_length=1,
        max_length=MAX_VALUES,
        description=f"1 to {MAX_VALUES} values, written all or nothing. A problem's `row` is "
        "the item's 1-based position in this list.",
    )


class WriteResultOut(Schema):
    created: int = Field(description="Values that did not exist before.")
    updated: int = Field(description="Existing values that changed.")
    unchanged: int = Field(description="Values sent again with no change.")
    warnings: list[ProblemOut] = Field(description="Accepted, but worth a look.")


# ------------------------------------------------------------------------- reading
def kpi_value_dict(kv: KpiValue) -> dict[str, Any]:
    return {
        "city_id": kv.city.pk,
        "city_name": kv.city.name,
        "country": kv.city.country.pk,
        "year": kv.year,
        "kpi": kv.kpi,
        "data_point": kv.data_point,
        "measure": kv.measure,
        "value": kv.value,
        "unit": kv.unit,
        "source": kv.source,
        "note": kv.note,
        "status": kv.status,
        "synthetic": kv.synthetic,
        "submitted_at": kv.submitted_at,
    }


@router.get(
    "/kpi-values",
    response={200: KpiValuePage, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="List KPI values",
)
def list_kpi_values(request: HttpRequest, params: Query[KpiValueQuery]) -> dict[str, Any]:
    """The KPI values the requester may see.

    The public sees the values of published profiles; a city editor also their own cities'
    unpublished values; analysts and the secretariat everything.
    """
    qs = services.visible_values(requester(request)).select_related("city__country")
    if params.city is not None:
        qs = qs.filter(city_id=params.city)
    if params.year is not None:
        qs = qs.filter(year=params.year)
    if params.kpi:
        qs = qs.filter(Q(kpi=params.kpi) | Q(measure=params.kpi))
    if params.status:
        qs = qs.filter(status=params.status)
    page = paginate(qs.order_by("city_id", "year", "measure", "pk"), params)
    return page.as_dict([kpi_value_dict(kv) for kv in page.items])


# ------------------------------------------------------------------------- writing
def located_table(items: list[KpiValueIn]) -> LocatedTable:
    """The request's values as the engine's input, each field in its own column.

    Rows are the items' 1-based positions; columns are numbered as in
    :data:`~citydiplomacy.web.apikit.errors.FIELD_COLUMNS`. Text values go aside
    (``value_text``), as the file readers do with text cells of a numeric column.
    """
    numbers = np.full(len(items), np.nan)
    texts: dict[int, str] = {}
    for i, item in enumerate(items):
        if isinstance(item.value, str):
            texts[i] = item.value
        else:
            numbers[i] = float(item.value)
    frame = pd.DataFrame(
        {
            "geonames_id": np.asarray([it.city_id for it in items], dtype=np.int64),
            "year": np.asarray([it.year for it in items], dtype=np.int64),
            "kpi": pd.Series([it.kpi for it in items], dtype=object),
            "data_point": pd.Series([it.data_point for it in items], dtype=object),
            "value": numbers,
            "unit": pd.Series([it.unit or "" for it in items], dtype=object),
            "source": pd.Series([it.source for it in items], dtype=object),
            "note": pd.Series([it.note for it in items], dtype=object),
        }
    )
    columns = {"geonames_id": FIELD_COLUMNS["city_id"]}
    columns.update({k: v for k, v in FIELD_COLUMNS.items() if k != "city_id"})
    return LocatedTable(
        source=SOURCE,
        frame=frame,
        rows=np.arange(1, len(items) + 1, dtype=np.int64),
        columns=columns,
        value_text=pd.Series(texts, dtype=object) if texts else None,
    )


def _registry_resolver(items: list[KpiValueIn]) -> dict[int, tuple[str, str]]:
    ids = {it.city_id for it in items}
    return {
        pk: (name, cc)
        for pk, name, cc in City.objects.filter(pk__in=ids).values_list("pk", "name", "country_id")
    }


def validate_items(items: list[KpiValueIn]) -> ValidatedData:
    """Check the items against the framework and the city registry.

    Raises
    ------
    citydiplomacy.errors.ValidationError
        With every problem found (an unknown city is one of them).
    """
    known = _registry_resolver(items)
    validated = validate_long(
        located_table(items), services.framework(), resolve_geonames=known.get
    )
    return validated


def to_rows(validated: ValidatedData, items: list[KpiValueIn] | None = None) -> list[services.Row]:
    """The engine's clean table as rows for :func:`services.write_values`.

    A ``source`` or ``note`` an item leaves out keeps the stored value's own (an explicit
    ``""`` clears it); ``items`` are the request's, in order (without them, every item is
    taken to give both)."""
    units = services.framework().nodes["unit"]
    long = validated.long
    out = []
    for rec in long.to_dict("records"):
        row = int(rec["row"])
        given = items[row - 1].model_fields_set if items is not None else {"source", "note"}
        source = str(rec["source"]) if "source" in given else None
        out.append(
            services.Row(
                city_id=int(rec["geonames_id"]),
                year=int(rec["year"]),
                measure=str(rec["measure"]),
                kpi=str(rec["kpi"]),
                data_point=str(rec["data_point"]),
                value=float(rec["value"]),
                unit=str(units.get(rec["measure"], "")),
                source=source,
                note=str(rec["note"]) if "note" in given else None,
                verified=False,
                synthetic=source is not None and services.SYNTHETIC_MARK in source.lower(),
                row=row,
            )
        )
    return out


@router.post(
    "/kpi-values",
    response={
        200: WriteResultOut,
        201: WriteResultOut,
        **error_responses(400, 401, 403, 413, 422, 429),
    },
    auth=WRITE_AUTH,
    summary="Create or update KPI values",
)
def write_kpi_values(request: HttpRequest, payload: KpiValuesIn) -> Status[dict[str, Any]]:
    """Create or update KPI values, all or nothing (token required).

    Checks, in order: the token's user may change some city's data (else 403); every item
    is valid for the framework and names a registry city (else 422 listing every problem,
    with `row` = the item's 1-based position); the user may change every city named (else
    403). Then the values are written and each change is audited (`via` = "api"). Values of
    a city editor are stored as self-reported. Answers 201 when a value was created, else 200.

    Only what differs from the stored value is written (the number compared as a number,
    the unit, the source, the note): an item equal to it is counted `unchanged` and keeps
    its status, submitter and synthetic flag. An item that leaves out `source` or `note`
    keeps the stored ones; `""` clears them.
    """
    user = requester(request)
    if not permissions.can_edit_any_city(user):
        raise PermissionDenied("only city editors and the secretariat change KPI values")
    validated = validate_items(payload.values)
    rows = to_rows(validated, payload.values)
    denied = sorted({r.city_id for r in rows if not permissions.can_edit_city(user, r.city_id)})
    if denied:
        shown = ", ".join(map(str, denied[:20])) + (" ..." if len(denied) > 20 else "")
        raise PermissionDenied(
            f"you may not change the data of the city (GeoNames id) {shown}; nothing was written"
        )
    counts = services.write_values(user, rows, via="api")
    body = {
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "warnings": [problem_dict(p) for p in validated.warnings],
    }
    return Status(201 if counts.created else 200, body)


__all__ = ["MAX_VALUES", "router"]
