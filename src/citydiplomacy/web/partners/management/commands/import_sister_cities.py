"""``manage.py import_sister_cities``:
Import the Wikidata sister-city pairs (P190, CC0) of data/partners as
recorded twinning partnerships.
"""

from __future__ import annotations

from citydiplomacy.web.partners import importers
from citydiplomacy.web.partners.management.importing import MATCHING, ImportCommand


class Command(ImportCommand):
    help = (
        "Import the Wikidata sister-city pairs (P190, CC0) of data/partners as "
        "recorded twinning partnerships."
    ) + MATCHING
    importer = staticmethod(importers.import_sister_cities)
