"""The recognition tracker's engine: how multilateral texts refer to cities and local
governments, paragraph by paragraph, draft by draft, in the six UN languages.

Pure computation on strings (no Django, no files): :mod:`.normalise` (cleaning),
:mod:`.segment` (paragraphs), :mod:`.language` (detection), :mod:`.lexicon` and
:mod:`.match` (references and their coding), :mod:`.profile` (one text) and :mod:`.align`
(two versions; language versions).
"""

from citydiplomacy.core.recognition.align import Comparison, compare, compare_languages
from citydiplomacy.core.recognition.language import LANGUAGES, check_language, detect_language
from citydiplomacy.core.recognition.lexicon import Entry, parse_lexicon
from citydiplomacy.core.recognition.match import Recogniser, Reference
from citydiplomacy.core.recognition.profile import Analysis, Profile, analyse, profile
from citydiplomacy.core.recognition.segment import Paragraph, segment

__all__ = [
    "LANGUAGES",
    "Analysis",
    "Comparison",
    "Entry",
    "Paragraph",
    "Profile",
    "Recogniser",
    "Reference",
    "analyse",
    "check_language",
    "compare",
    "compare_languages",
    "detect_language",
    "parse_lexicon",
    "profile",
    "segment",
]
