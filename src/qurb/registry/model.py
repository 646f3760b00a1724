"""Health facilities: Ministry categories, their level, and the services they offer."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any

from qurb.data import read_categories


class Level(enum.StrEnum):
    """Level of care in the Moroccan pyramid (primary = ESSP, secondary, tertiary = CHU)."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"


class Sector(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    UNKNOWN = "unknown"


class Status(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Category:
    """A Ministry category (DR, CSR-1, ..., CHU) or a private kind (clinic, pharmacy...)."""

    code: str
    name_fr: str
    name_ar: str
    family: str  # ESSP | hospital | osm (OpenStreetMap points outside the Ministry lists)
    level: Level
    services: frozenset[str] = field(default_factory=frozenset)
    name_en: str = ""


@cache
def categories() -> dict[str, Category]:
    """Every known category, from `qurb/data/categories.toml`."""
    return {
        code: Category(
            code=code,
            name_fr=spec["name_fr"],
            name_ar=spec["name_ar"],
            family=spec["family"],
            level=Level(spec["level"]),
            services=frozenset(spec.get("services", [])),
            name_en=spec["name_en"],
        )
        for code, spec in read_categories().items()
    }


def unknown_category_message(code: str) -> str:
    return f"unknown category {code!r}; expected one of: {', '.join(categories())}"


def hospital_categories() -> set[str]:
    return {c.code for c in categories().values() if c.family == "hospital"}


@dataclass(frozen=True)
class Facility:
    """A facility as the registry's services return it: every field of its record."""

    id: str
    name: str
    name_ar: str | None
    category: str
    family: str
    level: str
    sector: str
    status: str
    province_code: str
    commune_code: str
    arrondissement_code: str | None
    lon: float
    lat: float
    location_source: str  # osm | user | commune_reference
    location_precision_m: float | None
    osm_id: str | None
    beds: int | None
    doctors: int | None
    # The services it offers (names of services.toml), sorted; None: recorded before
    # services were kept per facility, read as its category's defaults.
    services: tuple[str, ...] | None
    source: str
    source_row: int | None
    link_method: str | None
    link_score: float | None
    moh_delegation: str | None
    moh_commune: str | None
    updated_at: datetime
    # The record's version: 1 when added, one more at each change (the web's ETag; a
    # write that names an older one is refused, not applied over the newer).
    version: int = 1

    def values(self) -> dict[str, Any]:
        """Field name → value, in the record's order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class FacilityChange:
    """One change of the registry's history: who, when, why, the facility before and
    after (JSON-safe snapshots; None before a creation)."""

    id: int
    facility_id: str
    action: str  # create | update | recategorise | close | reopen
    changed_by: str
    changed_at: datetime
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def facility_snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """A facility as stored in the change history (JSON-safe)."""
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in row.items()
        if k not in ("updated_at", "version")
    }
