"""Name folding, so that 'Fès-Meknès', 'fes meknes' and 'FES - MEKNES' compare equal.

Latin names lose case, accents, apostrophes, punctuation and repeated spaces; Arabic names lose
diacritics (tashkeel) and tatweel, and their letter variants are unified (أ إ آ → ا,
ة → ه, ى → ي), as users type them either way.
"""

from __future__ import annotations

import re
import unicodedata

# The longest name, code or id a user may type (the longest territory name has 50-odd
# characters): longer text is refused before any matching, which costs by the character.
MAX_NAME_CHARS = 100

_ARABIC_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})
_APOSTROPHES = re.compile("['’`ʼ‘]")
_NOT_WORD = re.compile(r"[^\w]+|_", re.UNICODE)


def fold_name(text: str) -> str:
    """A comparison key for a place or facility name (never shown to users)."""
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Apostrophes vanish ("M'diq" = "Mdiq": HCP and the Ministry disagree on them); other
    # punctuation separates words ("Tan-Tan" = "tan tan").
    unquoted = _APOSTROPHES.sub("", stripped.casefold())
    return " ".join(_NOT_WORD.sub(" ", unquoted).split())
