"""No two schemas of the API share a name.

django-ninja names an OpenAPI component after its pydantic class: two classes named alike in
different routers (the registry's city and the capacity API's, both once ``CityOut``) become one
component, and one of the two operations then documents the other's body; schemathesis
reports it as "response violates schema", far from the cause. This test names the cause.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, get_args

from pydantic import BaseModel

from citydiplomacy.web.api.api import api


def _models(annotation: Any, found: set[type[BaseModel]]) -> None:
    """Every pydantic model reachable from a type annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)
        return
    for arg in get_args(annotation):
        _models(arg, found)


def _all_models() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    api.get_openapi_schema()  # binds the routers
    for _, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in op.models:
                    _models(model, found)
                for response in (op.response_models or {}).values():
                    if response is not None:
                        _models(response, found)
    return found


def test_no_two_schemas_share_a_name() -> None:
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in _all_models():
        if model.__module__.startswith("citydiplomacy."):
            by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not clashes, f"rename one of each: {clashes}"
