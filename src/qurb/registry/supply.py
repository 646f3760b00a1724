"""What the registry offers in a territory, for the norms: open facilities counted per
commune, arrondissement and category (with their known beds and doctors), and each
facility's own services. Typed results, never table rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qurb.registry._tables import FacilityRow
from qurb.registry.facility_services import facility_services
from qurb.registry.offer import public_offer
from qurb.territory.service import Scope


@dataclass(frozen=True)
class SupplyCount:
    """Open facilities of one category in one commune (and arrondissement)."""

    commune_code: str
    arrondissement_code: str | None
    category: str
    facilities: int
    with_beds: int  # how many of them have their beds known
    beds: int  # the sum of the known beds
    with_doctors: int
    doctors: int


@dataclass(frozen=True)
class OfferCount:
    """Open facilities of one category with the same services in one commune."""

    commune_code: str
    arrondissement_code: str | None
    category: str
    services: frozenset[str]
    facilities: int


_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


def _scoped(query: _Query, scope: Scope, sector: str) -> _Query:
    query = query.where(FacilityRow.status == "open")
    if sector == "public":
        query = public_offer(query)
    elif sector != "all":
        query = query.where(FacilityRow.sector == sector)
    if scope.communes is not None:
        query = query.where(FacilityRow.commune_code.in_(scope.communes))
    if scope.arrondissements is not None:
        query = query.where(FacilityRow.arrondissement_code.in_(scope.arrondissements))
    return query


def count_open_facilities(
    session: Session, scope: Scope, sector: str = "public"
) -> list[SupplyCount]:
    """Open facilities of `scope` per commune, arrondissement and category; `sector`
    public (the public offer), all, or one sector."""
    query = select(
        FacilityRow.commune_code,
        FacilityRow.arrondissement_code,
        FacilityRow.category,
        func.count(),
        func.count(FacilityRow.beds),
        func.coalesce(func.sum(FacilityRow.beds), 0),
        func.count(FacilityRow.doctors),
        func.coalesce(func.sum(FacilityRow.doctors), 0),
    ).group_by(FacilityRow.commune_code, FacilityRow.arrondissement_code, FacilityRow.category)
    return [
        SupplyCount(
            commune,
            arrondissement,
            category,
            int(n),
            int(n_beds),
            int(beds or 0),
            int(n_doctors),
            int(doctors or 0),
        )
        for commune, arrondissement, category, n, n_beds, beds, n_doctors, doctors in (
            session.execute(_scoped(query, scope, sector))
        )
    ]


def count_open_offers(session: Session, scope: Scope, sector: str = "public") -> list[OfferCount]:
    """Open facilities of `scope` per commune, arrondissement, category and services (each
    facility's own; JSON cannot be grouped on in PostgreSQL: they are read one by one)."""
    query = select(
        FacilityRow.commune_code,
        FacilityRow.arrondissement_code,
        FacilityRow.category,
        FacilityRow.services,
    )
    counts: dict[tuple[str, str | None, str, frozenset[str]], int] = defaultdict(int)
    for commune, arrondissement, category, services in session.execute(
        _scoped(query, scope, sector)
    ):
        counts[(commune, arrondissement, category, facility_services(category, services))] += 1
    return [OfferCount(*key, n) for key, n in counts.items()]
