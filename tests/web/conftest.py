"""Fixtures for the web tests: a few cities and one user per role."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web import factories


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2 at production strength costs a second per user; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Any:
    """A request in French leaves French active in the test's thread (the locale middleware
    activates a request's language and nothing deactivates it): English again for the next
    test, whose refusals (translated when shown) would read in French otherwise."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    """Cached API pages and kept public pages must not outlive the test database they came
    from."""
    from django.core.cache import caches

    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture
def geneva(db: Any) -> Any:
    return factories.city(
        "Geneva",
        "CH",
        geonames_id=2660646,
        alternate_names=("Genève", "Genf", "Женева", "ジュネーヴ"),
    )


@pytest.fixture
def lyon(db: Any) -> Any:
    return factories.city(
        "Lyon", "FR", geonames_id=2996944, population=522_000, latitude=45.75, longitude=4.85
    )


@pytest.fixture
def users(geneva: Any, lyon: Any) -> dict[str, Any]:
    """One user per role; the editor looks after Geneva only."""
    return {
        "admin": factories.user("admin", username="admin"),
        "editor": factories.user("editor", cities=(geneva,), username="geneva-editor"),
        "lyon_editor": factories.user("editor", cities=(lyon,), username="lyon-editor"),
        "analyst": factories.user("analyst", username="analyst"),
        "public": factories.user(None, username="someone"),
    }
