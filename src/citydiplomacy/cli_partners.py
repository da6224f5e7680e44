"""Commands of the partners work; they register themselves on :data:`citydiplomacy.cli.main`."""

from __future__ import annotations
