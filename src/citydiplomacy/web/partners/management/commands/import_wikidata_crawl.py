"""``manage.py import_wikidata_crawl``:
Import the worldwide 2016 Wikidata sister-city crawl (P190, CC0; pairs matched to GeoNames
ids by scripts/build_wikidata_crawl_ties.py) as recorded twinning partnerships.
"""

from __future__ import annotations

from citydiplomacy.web.partners import importers
from citydiplomacy.web.partners.management.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the worldwide 2016 Wikidata sister-city crawl (P190, CC0) of data/partners as "
        "recorded twinning partnerships. Its pairs were matched to GeoNames ids when the file "
        "was built (scripts/build_wikidata_crawl_ties.py; the match report is next to it); "
        "pairs the 2017 EU file already records are not recorded twice."
    )
    importer = staticmethod(importers.import_wikidata_crawl)
