"""Qurb's words in French, Arabic and English: one catalogue per language, as data.

The catalogues are `qurb/data/locales/fr.json`, `ar.json` and `en.json`, read by
Python (the server's errors, the command line) and by the page (served at
`/locales/{lang}.json`). A message is a text with `{name}` placeholders, or, when it
depends on a number, an object of CLDR plural forms (`zero`, `one`, `two`, `few`,
`many`, `other`: Arabic uses all six) chosen by the value `count` through Babel's plural
rule of the language. Dates and month names come from CLDR through Babel (`fr_MA`,
`ar_MA`, `en`), never from tables written here.

The server answers in the language of the request's `Accept-Language`, English when it
names none of the three (what an API client that sends none has always read); the
command line in that of `--lang`, else `$QURB_LANG`, else `$LANG`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from qurb.data import LOCALES_DIR
from qurb.kernel.errors import FieldError, Say

LANGS = ("fr", "ar", "en")
DEFAULT_LANG = "en"
# The CLDR locale of each language: Moroccan French and Moroccan Arabic (whose month
# names are those Morocco uses: يناير … ماي … يوليوز غشت شتنبر … نونبر دجنبر).
CLDR_LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en"}
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

Message = str | dict[str, str]


@cache
def catalogue(lang: str) -> dict[str, Message]:
    """Every message of a language, by key."""
    if lang not in LANGS:
        raise ValueError(f"no catalogue for language {lang!r}: one of {', '.join(LANGS)}")
    with (LOCALES_DIR / f"{lang}.json").open(encoding="utf-8") as file:
        data: dict[str, Message] = json.load(file)
    return data


def plural_category(lang: str, count: float) -> str:
    """CLDR's plural category of `count` in the language (`one`, `few`, …)."""
    from babel import Locale  # imported on use: the CLI's start stays quick

    return str(Locale.parse(CLDR_LOCALES[lang]).plural_form(abs(count)))


def translate(lang: str, key: str, values: Mapping[str, Any] | None = None) -> str:
    """The message `key` in `lang`, its placeholders filled; a plural message takes the
    form of `values["count"]`. A key no catalogue holds is a KeyError (the catalogue
    checks say every key the code uses exists)."""
    values = values or {}
    return PLACEHOLDER.sub(lambda m: _shown(values.get(m.group(1), "")), message(lang, key, values))


def message(lang: str, key: str, values: Mapping[str, Any] | None = None) -> str:
    """The text of `key` in `lang` with its placeholders left in, the plural form of
    `values["count"]` chosen (for a caller that fills them its own way: a template
    escapes each value)."""
    found = catalogue(lang if lang in LANGS else DEFAULT_LANG)[key]
    if isinstance(found, dict):
        form = plural_category(lang, float((values or {}).get("count", 0)))
        return found.get(form, found["other"])
    return found


def say_in(lang: str) -> Say:
    """How a face words its errors in `lang`: the catalogue's message, its numbers (limits,
    counts, sizes, minutes) written by CLDR for the reader (`1 000` in French, `1.000` in
    Arabic as ar_MA writes it, `1,000` in English), lists with the language's comma.
    Coordinates (`lon`, `lat`) stay as written, with their decimal point, as a GPS reads
    them."""

    def say(key: str, values: Mapping[str, Any]) -> str:
        text = message(lang, key, values)
        return PLACEHOLDER.sub(lambda m: _shown(_localised(m.group(1), values, lang)), text)

    return say


# Values quoted as given rather than as numbers of the reader's language.
VERBATIM = frozenset({"lon", "lat"})


# How a list of values is written: the Arabic comma in Arabic.
LIST_SEPARATORS = {"ar": "، "}


def _localised(name: str, values: Mapping[str, Any], lang: str) -> Any:
    value = values.get(name, "")
    if isinstance(value, Mapping):  # a name in each language (`{"fr": …, "ar": …}`)
        return value.get(lang) or value.get(DEFAULT_LANG, "")
    if isinstance(value, list | tuple):
        return LIST_SEPARATORS.get(lang, ", ").join(str(v) for v in value)
    if isinstance(value, bool) or name in VERBATIM or not isinstance(value, int | float):
        return value
    return number(value, lang if lang in LANGS else DEFAULT_LANG)


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def data_label(entry: Mapping[str, Any] | object, lang: str, field: str = "name") -> str:
    """A label whose documented source is a data file (the names of `data/services.toml`
    and `data/categories.toml`, the figure catalogues' `definitions.toml`, `caravan.toml`'s
    specialties, the norm files' rules), which writes it in the three languages
    (`name_fr`, `name_ar`, `name_en`; `label_*`): the one in `lang`, French for a language
    none of the three. The catalogue checks read those files: every entry has the three,
    none empty (a label built in code is a catalogue message instead, `label.*`)."""
    name = f"{field}_{lang if lang in LANGS else 'fr'}"
    found = entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)
    return str(found or "")


# The data files that are the documented source of labels in three languages, what holds
# their entries, and the labelled fields (`data_label`): the catalogue test reads them all.
LABEL_FILES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("data/services.toml", "*", ("name",)),
    ("data/categories.toml", "*", ("name",)),
    ("data/definitions.toml", "figure", ("name", "definition")),
    ("caravans/definitions.toml", "figure", ("name", "definition")),
    ("caravans/caravan.toml", "specialties", ("label",)),
    ("caravans/caravan.toml", "programmes", ("label",)),
    ("caravans/caravan.toml", "screenings", ("label",)),
    ("registry/capacity.toml", "professions", ("name",)),
    ("registry/capacity.toml", "specialties", ("name",)),
    ("registry/capacity.toml", "bed_services", ("name",)),
    ("registry/capacity.toml", "equipment_kinds", ("name",)),
    ("registry/capacity.toml", "equipment_groups", ("name",)),
    ("data/norms/*.toml", "", ("name",)),  # the norm set itself
    ("data/norms/*.toml", "rule", ("label",)),
)


def has_key(key: str) -> bool:
    return key in catalogue(DEFAULT_LANG)


def negotiate(accept_language: str | None, default: str = DEFAULT_LANG) -> str:
    """The first of fr, ar, en that an `Accept-Language` header names, by its weights;
    `default` (English) when it names none (or there is none)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else default


def document_lang(asked: str | None, accept_language: str | None, default: str = "fr") -> str:
    """A document's language (a caravan's report, its calendar): `?lang=` when it is fr, ar
    or en, else the first of them that `Accept-Language` names, else French (the
    documents' language before they had others)."""
    if asked in LANGS:
        return str(asked)
    return negotiate(accept_language, default=default)


def cli_lang(asked: str | None = None) -> str:
    """The command line's language: `--lang`, else $QURB_LANG, else $LANG (`ar_MA.UTF-8`
    → ar), else English."""
    for value in (asked, os.environ.get("QURB_LANG"), os.environ.get("LANG")):
        primary = (value or "").split(".")[0].split("_")[0].split("-")[0].lower()
        if primary in LANGS:
            return primary
    return DEFAULT_LANG


def long_date(day: date, lang: str, pattern: str = "EEEE d MMMM y") -> str:
    """A day as a notice writes it, from CLDR: `lundi 11 janvier 2027`,
    `الاثنين 11 يناير 2027` (Moroccan month names), `Monday 11 January 2027`; another
    CLDR pattern (`d MMMM y`) for a table."""
    from babel.dates import format_date

    return str(format_date(day, pattern, locale=CLDR_LOCALES[lang]))


def number(value: float, lang: str) -> str:
    """A number grouped as CLDR writes it in the language: `12 345`, `12.345`, `12,345`."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=CLDR_LOCALES[lang]))


def problem(field: str, code: str, row: int | None = None, /, **values: Any) -> FieldError:
    """A problem with its code and values, its English reason from the catalogue
    (`reason.<code>`): each face words it again in its reader's language."""
    return FieldError(field, say_in("en")(f"reason.{code}", values), row, code, values)
