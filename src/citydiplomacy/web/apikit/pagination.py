"""Page-number pagination shared by the list endpoints, and the bounds of ids and years.

A list answers ``{"count", "page", "page_size", "pages", "results"}``. Page 1 always exists
(with an empty ``results`` when nothing matches); a page after the last one is a 404 in the
error shape, whose message says how many pages there are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from ninja import Schema
from pydantic import Field

# Re-exported: the API's text type lives with the other field types.
from citydiplomacy.web.apikit.fields import Text

#: Largest ``page_size`` a client may ask for.
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
#: Bounds of ids and years the database can hold (ids are 32-bit GeoNames ids).
MAX_ID = 2**31 - 1
YEAR_MIN, YEAR_MAX = 1900, 2100


class PageParams(Schema):
    page: int = Field(1, ge=1, description="1-based page number; a page after the last is 404.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Results per page, 1 to {MAX_PAGE_SIZE}.",
    )


class PageMeta(Schema):
    count: int = Field(description="Number of results on all pages.")
    page: int = Field(description="This page's number (1-based).")
    page_size: int = Field(description="Results per page.")
    pages: int = Field(description="Number of pages (0 when there are no results).")


@dataclass
class Page:
    count: int
    page: int
    page_size: int
    pages: int
    items: Sequence[Any]

    def as_dict(self, results: list[Any]) -> dict[str, Any]:
        return {
            "count": self.count,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
            "results": results,
        }


def paginate(qs: QuerySet[Any], params: PageParams) -> Page:
    """One page of ``qs`` (which must be ordered).

    Raises
    ------
    Http404
        If ``params.page`` is after the last page (page 1 always exists).
    """
    count = qs.count()
    pages = math.ceil(count / params.page_size)
    if params.page > max(pages, 1):
        raise Http404(
            f"page {params.page} does not exist: {count} result(s) make {pages} page(s) "
            f"of {params.page_size}"
        )
    start = (params.page - 1) * params.page_size
    items = list(qs[start : start + params.page_size])
    return Page(count, params.page, params.page_size, pages, items)


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_ID",
    "MAX_PAGE_SIZE",
    "YEAR_MAX",
    "YEAR_MIN",
    "Page",
    "PageMeta",
    "PageParams",
    "Text",
    "paginate",
]
