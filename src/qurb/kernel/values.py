"""The values the database can hold, checked before they reach it: names, counts, ids and
paging bounds, as pydantic annotated types (models) and plain bounds (API parameters).

Every check here holds on SQLite and PostgreSQL alike: PostgreSQL refuses NUL bytes in
text, strings over a column's length and integers beyond 2³¹ - 1 in an `INTEGER` column;
SQLite refuses integers beyond 2⁶³ - 1. A value one of them would refuse is refused on
both, as a 422 naming its field, never as a 500.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

# The length of the name columns (facilities.name, name_ar) and of other shorter names.
NAME_LENGTH = 300
SHORT_NAME_LENGTH = 200
LABEL_LENGTH = 120
# Beds and doctors of one facility: Morocco's largest CHU has ~1,700 beds.
MAX_COUNT = 5000
# Ids of facilities, campaigns and scenarios: lowercase ASCII letters, digits, dots and
# dashes, at most the 80 characters of the id columns. Every bundled id fits.
ID_PATTERN = r"^[a-z0-9][a-z0-9.\-]{0,79}$"
# An HCP territory code, as every bundled one is written: the country `MA`, a region `03`,
# a province or prefecture `03.231`, a cercle `03.231.81`, a commune or arrondissement
# `03.231.81.03` (a few communes end in one digit: `07.351.01.0`); dots and zeros kept.
TERRITORY_CODE_PATTERN = r"^(?:MA|[0-9]{2}(?:\.[0-9]{3}(?:\.[0-9]{2}(?:\.[0-9]{1,2})?)?)?)$"
# Paging: far beyond the registry's ~15,000 facilities, far below 2³¹.
MAX_OFFSET = 1_000_000
# A solver seed: PyVRP's random number generator takes 32 bits.
MAX_SEED = 2**32 - 1
# Query strings (a search, a territory) hold no NUL: FastAPI `Query(pattern=…)`.
NO_NUL_PATTERN = r"^[^\x00]*$"

# What a name is, for the API's schema (the validators below decide): at least one
# character that is not a space (Python's, spelt out so every regex engine agrees), no NUL,
# no bidi embedding or override. Mixed look-alike scripts are refused too; no pattern says it.
_NOT_IN_NAMES = r"\x00\u202a-\u202e\u2066-\u2069"
_SPACES = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NAME_PATTERN = f"^[^{_NOT_IN_NAMES}]*[^{_SPACES}{_NOT_IN_NAMES}][^{_NOT_IN_NAMES}]*$"
# Free text that must say something (a reason required): not blank, no NUL.
SAID_PATTERN = rf"^[^\x00]*[^{_SPACES}\x00][^\x00]*$"
_DOCUMENTED = Field(json_schema_extra={"pattern": NAME_PATTERN})

_ID = re.compile(ID_PATTERN.replace("$", r"\Z"))
# Embedding and isolate bidi controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) can reorder
# what a reader sees; the marks U+200E/U+200F cannot, and Arabic names with Latin inside
# need them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_TOKEN = re.compile(r"[^\W\d_]+")
# Scripts that look alike (Unicode TS 39 confusables): one token mixing them is a spoof.
_CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain a NUL character")
    return text


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return next((s for s in _CONFUSABLE_SCRIPTS if name.startswith(s + " ")), None)


def mixed_script_token(text: str) -> str | None:
    """The first word that mixes Latin, Cyrillic or Greek letters ("Hоpital" with a
    Cyrillic о), else None. Words of different scripts side by side are fine."""
    for token in _TOKEN.findall(text):
        if len({s for s in map(_script, token) if s is not None}) > 1:
            return token
    return None


def check_name(text: str) -> str:
    """A name a person reads: no NUL, no bidi override, no look-alike letters mixed."""
    no_nul(text)
    if _BIDI_CONTROLS.search(text):
        raise ValueError("must not contain bidirectional embedding or override controls")
    token = mixed_script_token(text)
    if token is not None:
        raise ValueError(f"{token!r} mixes Latin with Cyrillic or Greek letters (look-alikes)")
    return text


def is_identifier(text: str) -> bool:
    return _ID.match(text) is not None


# A name, stripped, not blank, at most NAME_LENGTH characters.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH),
    AfterValidator(check_name),
    _DOCUMENTED,
]
# A name of something without a column of its own (a campaign, its partners, bases, teams,
# units; a siting scenario).
ShortName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_NAME_LENGTH),
    AfterValidator(check_name),
    _DOCUMENTED,
]
# The name of a caravan's team or unit, kept on each visit (120 characters).
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_LENGTH),
    AfterValidator(check_name),
    _DOCUMENTED,
]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]

# Free text (who made a change, why): no NUL; its length is bounded where it is used.
Text = Annotated[str, AfterValidator(no_nul)]
