"""Commands of the reports work; they register themselves on :data:`citydiplomacy.cli.main`."""

from __future__ import annotations
