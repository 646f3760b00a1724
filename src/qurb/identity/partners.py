"""Partners: the organisations that sign conventions (the ministry, a DRS, a délégation,
the GST, a CHU, a hospital, councils, communes, associations, faculties, an order). Pure:
their kinds, the rules a partner obeys, the shape of what is written; no I/O.

A partner covers one territory of the HCP tree. Some kinds say which level it is: a
regional council, a DRS and the GST (one per region, loi 08-22) cover a region; a
provincial council a province or a prefecture; a délégation a province, a prefecture or
one of Casablanca's préfectures d'arrondissements (each has its own délégation); a
commune and its communal council a commune; the ministry the country. The other kinds
(CHU, hospital, association, faculty, professional order, other) may cover any unit.

A health body (DRS, délégation, GST, CHU, hospital) may name the registry facility it
is; no other kind names one. Whether the facility exists is asked of the registry through
a `FacilityLookup` the caller hands over: identity sits below the registry."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from qurb.kernel.values import (
    TERRITORY_CODE_PATTERN,
    Identifier,
    Name,
    ShortName,
)
from qurb.territory.model import TerritoryLevel

# Does a facility with this registry id exist? (filled by the composition root from the
# registry's lookups; tests give a set's `__contains__`).
FacilityLookup = Callable[[str], bool]

# A partner id: a slug of lowercase ASCII letters, digits and single dashes, at most 80
# characters, e.g. "chu-hassan-ii-fes".
PARTNER_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
PARTNER_ID_LENGTH = 80
MAX_CONTACTS = 10  # contact persons of one partner
EMAIL_LENGTH = 254  # RFC 5321's longest path
PHONE_LENGTH = 32
# Loose on purpose: one @, something on each side, a dot in the domain, no space.
EMAIL_PATTERN = r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"
# Digits with the usual separators and an optional leading +: "+212 5 35 61 12 34".
PHONE_PATTERN = r"^\+?[0-9][0-9 ().\-/]*[0-9]$"


class PartnerKind(enum.StrEnum):
    MINISTRY = "ministry"
    DRS = "drs"  # direction régionale de la santé
    DELEGATION = "delegation"  # délégation provinciale / préfectorale
    GST = "gst"  # groupement sanitaire territorial
    CHU = "chu"
    HOSPITAL = "hospital"
    REGIONAL_COUNCIL = "regional_council"
    PROVINCIAL_COUNCIL = "provincial_council"
    COMMUNAL_COUNCIL = "communal_council"
    COMMUNE = "commune"
    ASSOCIATION = "association"
    FACULTY = "faculty"
    PROFESSIONAL_ORDER = "professional_order"
    OTHER = "other"


# The kinds that may name the registry facility they are.
HEALTH_BODIES = frozenset(
    {
        PartnerKind.DRS,
        PartnerKind.DELEGATION,
        PartnerKind.GST,
        PartnerKind.CHU,
        PartnerKind.HOSPITAL,
    }
)

# Territory kinds (HCP's) of the province level.
PROVINCE, PREFECTURE, PREFECTURE_OF_ARRONDISSEMENTS = (
    "province",
    "prefecture",
    "prefecture_of_arrondissements",
)


@dataclass(frozen=True)
class Coverage:
    """What a kind of partner may cover: a level, and at that level the HCP kinds allowed
    (empty: any)."""

    level: TerritoryLevel
    kinds: frozenset[str] = frozenset()
    words: str = ""  # what it is called in messages: "region", "province or prefecture"


COVERAGE: dict[PartnerKind, Coverage] = {
    PartnerKind.MINISTRY: Coverage(TerritoryLevel.COUNTRY, words="country"),
    PartnerKind.DRS: Coverage(TerritoryLevel.REGION, words="region"),
    PartnerKind.GST: Coverage(TerritoryLevel.REGION, words="region"),
    PartnerKind.REGIONAL_COUNCIL: Coverage(TerritoryLevel.REGION, words="region"),
    PartnerKind.PROVINCIAL_COUNCIL: Coverage(
        TerritoryLevel.PROVINCE, frozenset({PROVINCE, PREFECTURE}), "province or prefecture"
    ),
    PartnerKind.DELEGATION: Coverage(
        TerritoryLevel.PROVINCE,
        frozenset({PROVINCE, PREFECTURE, PREFECTURE_OF_ARRONDISSEMENTS}),
        "province, prefecture or préfecture d'arrondissements",
    ),
    PartnerKind.COMMUNE: Coverage(TerritoryLevel.COMMUNE, words="commune"),
    PartnerKind.COMMUNAL_COUNCIL: Coverage(TerritoryLevel.COMMUNE, words="commune"),
}


def coverage_problem(
    kind: PartnerKind, level: TerritoryLevel, territory_kind: str
) -> dict[str, str] | None:
    """None if a partner of `kind` may cover a unit of this level and HCP kind; else the
    values of the refusal (`reason.partner_territory_level`)."""
    rule = COVERAGE.get(kind)
    if rule is None:
        return None
    if level is rule.level and (not rule.kinds or territory_kind in rule.kinds):
        return None
    shown = territory_kind if territory_kind and territory_kind != str(level) else ""
    return {
        "kind": kind.value,
        "expected": rule.words,
        "level": f"{level} ({shown})" if shown else str(level),
    }


def names_a_facility(kind: PartnerKind) -> bool:
    return kind in HEALTH_BODIES


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=EMAIL_LENGTH, pattern=EMAIL_PATTERN),
]
Phone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=4, max_length=PHONE_LENGTH, pattern=PHONE_PATTERN
    ),
]
PartnerId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=PARTNER_ID_LENGTH,
        pattern=PARTNER_ID_PATTERN,
    ),
]
TerritoryCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=TERRITORY_CODE_PATTERN)
]


# An IATI organisation identifier: the registration agency's prefix, a hyphen, the
# organisation's number in that register ("XM-DAC-41114", "MA-RC-12345"); the standard
# forbids spaces and the characters / & | ? in identifiers.
IATI_REF_PATTERN = r"^[A-Za-z0-9]{2,}-[^\s/&|?]+$"
IatiRef = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100, pattern=IATI_REF_PATTERN)
]


class ContactIn(BaseModel):
    """A contact person: a name; a function, an email and a phone if known."""

    model_config = ConfigDict(extra="forbid")

    name: ShortName
    function: ShortName | None = None
    email: Email | None = None
    phone: Phone | None = None


class PartnerCreate(BaseModel):
    """A new partner as written by a person, an import or the API."""

    model_config = ConfigDict(extra="forbid")

    id: PartnerId
    kind: PartnerKind
    name_fr: Name
    name_ar: Name
    name_en: Name | None = None
    territory_code: TerritoryCode
    facility_id: Identifier | None = None
    iati_ref: IatiRef | None = None
    contacts: list[ContactIn] = Field(default_factory=list, max_length=MAX_CONTACTS)
    active: bool = True


class PartnerUpdate(BaseModel):
    """The fields to change, and those only (`model_dump(exclude_unset=True)`); None clears
    an optional field (name_en, facility_id, iati_ref). `contacts`, when given, replaces
    the list."""

    model_config = ConfigDict(extra="forbid")

    kind: PartnerKind | None = None
    name_fr: Name | None = None
    name_ar: Name | None = None
    name_en: Name | None = None
    territory_code: TerritoryCode | None = None
    facility_id: Identifier | None = None
    iati_ref: IatiRef | None = None
    contacts: list[ContactIn] | None = Field(default=None, max_length=MAX_CONTACTS)


REQUIRED_FIELDS = ("kind", "name_fr", "name_ar", "territory_code")


@dataclass(frozen=True)
class Contact:
    name: str
    function: str | None = None
    email: str | None = None
    phone: str | None = None

    def values(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Partner:
    """A partner as the services return it."""

    id: str
    kind: PartnerKind
    name_fr: str
    name_ar: str
    name_en: str | None
    territory_code: str
    facility_id: str | None
    contacts: tuple[Contact, ...]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int = 1  # one more at each change of the record
    iati_ref: str | None = None  # its IATI organisation identifier, when it has one

    def snapshot(self) -> dict[str, Any]:
        """The partner as the audit trail and the exports keep it (JSON values; no
        timestamps: the audit entry has its own time)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "name_fr": self.name_fr,
            "name_ar": self.name_ar,
            "name_en": self.name_en,
            "territory_code": self.territory_code,
            "facility_id": self.facility_id,
            "iati_ref": self.iati_ref,
            "active": self.active,
            "contacts": [c.values() for c in self.contacts],
        }
