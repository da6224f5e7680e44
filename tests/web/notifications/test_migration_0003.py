"""Migration 0003 (notifications store ``params``, not words) keeps every row's text both
ways: forward, an old row shows its stored English text; back to 0002, a row written since
(``params`` only) gets its English words in the text columns instead of blanks."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notifications", "0002_reporting_deadlines_and_editor_invitations")]
AFTER = [("notifications", "0003_notification_params_and_language")]


def _migrate(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_rows_keep_their_text_through_0003_and_back() -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="reader", email="r@example.org")
    try:
        old = _migrate(BEFORE)
        Old = old.get_model("notifications", "Notification")
        Old.objects.create(
            user_id=user.pk,
            kind="deadline_coming",
            subject="Old English subject",
            body="Old body",
            link="/",
            key="old",
            frequency="immediately",
        )
        new = _migrate(AFTER)
        New = new.get_model("notifications", "Notification")
        row = New.objects.get(key="old")
        assert (row.legacy_subject, row.legacy_body, row.params) == (
            "Old English subject",
            "Old body",
            None,
        )
        New.objects.create(
            user_id=user.pk,
            kind="reporting_deadline",
            params={"year": 2026, "due_date": "2027-01-31", "days": 11, "cities": [[1, "Lyon"]]},
            link="/",
            key="new",
            frequency="immediately",
        )
        back = _migrate(BEFORE)
        Back = back.get_model("notifications", "Notification")
        texts = dict(Back.objects.values_list("key", "subject"))
        assert texts["old"] == "Old English subject"
        assert texts["new"].startswith("KPI data for 2026 due 31 Jan 2027")
        assert "Lyon" in Back.objects.get(key="new").body
    finally:
        _migrate([("notifications", _latest())])


def _latest() -> str:
    executor = MigrationExecutor(connection)
    leaves = [n for app, n in executor.loader.graph.leaf_nodes() if app == "notifications"]
    return leaves[0]
