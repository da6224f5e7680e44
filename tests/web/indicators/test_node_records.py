"""Stored node records are typed (``scoring.NodeRecord``) and their JSON is unchanged: a list
in ``NODE_FIELDS`` order, so snapshots stored before the type existed read back the same."""

from __future__ import annotations

import json

from citydiplomacy.web.indicators import scoring
from citydiplomacy.web.indicators.scoring import NODE_FIELDS, NodeRecord

STORED = [12.5, 80.0, 3, 1.5, 0.4, 2.0, "up", -0.5, 0.3, "flat"]
#: A snapshot stored before the public fields existed: the first seven fields only.
OLD_STORED = [12.5, 80.0, 3, 1.5, 0.4, 2.0, "up"]


def test_the_stored_json_is_a_list_in_field_order() -> None:
    assert NODE_FIELDS == (
        "value", "score", "band", "change", "progress", "rank", "trend",
        "public_change", "public_progress", "public_trend",
    )  # fmt: skip
    record = NodeRecord(*STORED)
    assert json.loads(json.dumps(record)) == STORED
    assert NodeRecord.from_stored(json.loads(json.dumps(record))) == record


def test_views_of_a_record_by_field_name() -> None:
    full = scoring.full_record(STORED)
    public = scoring.public_record(STORED)
    assert (full.change, full.progress, full.trend) == (1.5, 0.4, "up")
    assert (public.change, public.progress, public.trend) == (-0.5, 0.3, "flat")
    assert (public.value, public.score, public.band, public.rank) == (12.5, 80.0, 3, 2.0)
    records = scoring.visible_records({"A": STORED, "B": OLD_STORED}, public=True)
    assert records["A"] == public


def test_an_old_record_reads_back_without_public_change() -> None:
    record = NodeRecord.from_stored(OLD_STORED)
    assert (record.public_change, record.public_progress, record.public_trend) == (None, None, "")
    assert scoring.full_record(OLD_STORED) == tuple(OLD_STORED)
    public = scoring.public_record(OLD_STORED)
    assert tuple(public) == (12.5, 80.0, 3, None, None, 2.0, "")
