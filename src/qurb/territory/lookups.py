"""Territorial units as other features see them: names and populations by code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.territory._tables import TerritoryRow


@dataclass(frozen=True)
class UnitBrief:
    """A unit's names and its 2024 population (None when the census gives none)."""

    code: str
    name_fr: str
    name_ar: str
    population_2024: int | None


def unit_briefs(session: Session, codes: Iterable[str]) -> dict[str, UnitBrief]:
    """code → brief, for those of `codes` that exist."""
    wanted = set(codes)
    if not wanted:
        return {}
    rows = session.execute(
        select(
            TerritoryRow.code,
            TerritoryRow.name_fr,
            TerritoryRow.name_ar,
            TerritoryRow.population_2024,
        ).where(TerritoryRow.code.in_(wanted))
    )
    return {code: UnitBrief(code, fr, ar, pop) for code, fr, ar, pop in rows}
