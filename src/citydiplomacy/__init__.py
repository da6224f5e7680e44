"""citydiplomacy: an open platform for evidence-based city diplomacy."""

__version__ = "0.1.0"
