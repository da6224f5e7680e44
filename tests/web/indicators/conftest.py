"""Fixtures of the KPI data tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_tasks import make_cohort


@pytest.fixture
def cities(users: dict[str, Any], geneva: Any, lyon: Any, settings: Any) -> list[Any]:
    settings.CITYDIPLOMACY_SENSITIVITY_RUNS = 8
    return make_cohort(users, geneva, lyon)  # five cities, 2021-2022, 2021 published
