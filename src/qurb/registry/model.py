"""Health facilities: Ministry categories, their level, and the services they offer."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
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
        )
        for code, spec in read_categories().items()
    }


def unknown_category_message(code: str) -> str:
    return f"unknown category {code!r}; expected one of: {', '.join(categories())}"


def hospital_categories() -> set[str]:
    return {c.code for c in categories().values() if c.family == "hospital"}


def facility_snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """A facility as stored in the change history (JSON-safe)."""
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in row.items()
        if k not in ("updated_at",)
    }
