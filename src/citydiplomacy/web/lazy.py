"""Callables named by their dotted path and imported at their first call.

Apps register their city-page sections and dashboard panels in ``AppConfig.ready``, which
runs at every start of Django, the command line's included. Importing each app's views there
pulled pandas, networkx, SciPy and the report builder into every command, even one that never
draws a page (``citydiplomacy partners suggest`` spent most of its start there). A
:class:`LazyCallable` registers the same provider without importing it.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string


class LazyCallable:
    """The callable at ``path`` (``"package.module.name"``), imported when first called.

    Two instances with the same path are equal, so registering one twice has no effect, as
    with a plain function.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._target: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._target is None:
            self._target = import_string(self.path)
        return self._target(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyCallable) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"LazyCallable({self.path!r})"
