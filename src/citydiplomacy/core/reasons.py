"""Sentences that explain a suggestion, in English, each carrying what a translation needs.

A :class:`Reason` is a ``str`` (the English sentence: the command line, JSON, CSV and every
existing caller use it as one) that also holds a message ``key`` and the ``params`` the
sentence was made from, so that a page in another language can say the same in its own
words and number format (``citydiplomacy.web.partners.reasons``). The engine has no catalogue
of translations: it only names what it says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Reason(str):
    """An English sentence with its message ``key`` and ``params``.

    Examples
    --------
    >>> r = Reason("same_language", "same language")
    >>> r == "same language", r.key, dict(r.params)
    (True, 'same_language', {})
    """

    key: str
    params: Mapping[str, Any]

    def __new__(cls, key: str, text: str, **params: Any) -> Reason:
        self = super().__new__(cls, text)
        self.key = key
        self.params = dict(params)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled and copied with its key and values (str's own reduction would drop them)
        return (_rebuild, (self.key, str(self), dict(self.params)))


def _rebuild(key: str, text: str, params: dict[str, Any]) -> Reason:
    return Reason(key, text, **params)
