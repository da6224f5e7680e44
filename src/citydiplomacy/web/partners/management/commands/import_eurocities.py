"""``manage.py import_eurocities``:
Import the Eurocities members (eurocities.eu; Wikidata attributes, CC0).
"""

from __future__ import annotations

from citydiplomacy.web.partners import importers
from citydiplomacy.web.partners.management.importing import MATCHING, ImportCommand


class Command(ImportCommand):
    help = ("Import the Eurocities members (eurocities.eu; Wikidata attributes, CC0).") + MATCHING
    importer = staticmethod(importers.import_eurocities)
