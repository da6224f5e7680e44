"""The scored cohort of the profile tests (seven cities, 2021-2024; Nantes never published,
2024 unpublished everywhere), built once for this package in a rolled-back transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from citydiplomacy.web.cities.models import City
from citydiplomacy.web.reports import services
from tests.web.profiles.conftest import Cohort, _build


@pytest.fixture(scope="package")
def _report_cohort(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Cohort]:
    with django_db_blocker.unblock(), override_settings(CITYDIPLOMACY_SENSITIVITY_RUNS=16):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            services.clear_cache()
            yield _build()
        finally:
            services.clear_cache()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _no_printed_pdfs() -> Iterator[None]:
    """Printed PDFs are cached (per document) in the process's cache: each test prints its
    own, so that a test of printing does not get an earlier test's PDF."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cohort(_report_cohort: Cohort, db: Any) -> Cohort:
    return _report_cohort


@pytest.fixture
def geneva(cohort: Cohort) -> City:
    return cohort.geneva


@pytest.fixture
def users(cohort: Cohort) -> dict[str, Any]:
    return cohort.users
