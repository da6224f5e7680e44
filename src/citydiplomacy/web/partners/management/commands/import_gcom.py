"""``manage.py import_gcom``:
Import the Global Covenant of Mayors signatories (JRC GCoM-MyCovenant 2024,
CC BY 4.0) with their commitments.
"""

from __future__ import annotations

from citydiplomacy.web.partners import importers
from citydiplomacy.web.partners.management.importing import MATCHING, ImportCommand


class Command(ImportCommand):
    help = (
        "Import the Global Covenant of Mayors signatories (JRC GCoM-MyCovenant 2024, "
        "CC BY 4.0) with their commitments."
    ) + MATCHING
    importer = staticmethod(importers.import_gcom)
