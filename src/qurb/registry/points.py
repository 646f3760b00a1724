"""Facilities as points for travel-time analyses: which open public facilities count as
destinations (by level, category, services, hospital tier), and their coordinates.
Typed results (`Destinations`, `FacilityPoint`), never table rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.algo.accessibility import AccessError
from qurb.algo.travel import Points
from qurb.kernel.i18n import has_key, translate
from qurb.registry._tables import FacilityRow
from qurb.registry.facility_services import (
    HospitalTier,
    facility_services,
    hospital_tier,
    known_services,
)
from qurb.registry.model import Level, categories
from qurb.registry.offer import public_offer
from qurb.territory.service import Scope

# `--tier any`: every hospital of the level asked, general or not (the reading before
# hospitals were told apart).
ANY_TIER = "any"


TIERS = tuple(t.value for t in HospitalTier)


@dataclass(frozen=True)
class FacilitySelector:
    """Which facilities count as destinations (empty = any); open public offer only.

    `tier` keeps the hospitals of one tier (general, specialty, maternity), read from each
    facility's own services like `services`. Use `from_options` for what a user asks:
    there "hospital" (`level = secondary`) means a general hospital.
    """

    levels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    tier: str | None = None

    def __post_init__(self) -> None:
        known = categories()
        unknown = [c for c in self.categories if c not in known]
        if unknown:
            values = {"value": repr(unknown[0]), "examples": list(known)[:6]}
            raise AccessError(code="unknown_facility_category", values=values)
        bad = [s for s in self.services if s not in known_services()]
        if bad:
            values = {"value": repr(bad[0]), "services": sorted(known_services())}
            raise AccessError(code="unknown_service", values=values)
        levels = {c.level.value for c in known.values()}
        bad = [v for v in self.levels if v not in levels]
        if bad:
            values = {"value": repr(bad[0]), "levels": sorted(levels)}
            raise AccessError(code="unknown_level", values=values)
        if self.tier is not None and self.tier not in TIERS:
            values = {"value": repr(self.tier), "tiers": [*TIERS, ANY_TIER]}
            raise AccessError(code="unknown_tier", values=values)

    @classmethod
    def from_options(
        cls,
        levels: Sequence[str] = (),
        categories: Sequence[str] = (),
        services: Sequence[str] = (),
        tier: str | None = None,
    ) -> FacilitySelector:
        """A user's filter: `secondary` alone (a hospital) is a general hospital (HPr, HP,
        HR and the CHU's general units); `tier` picks another tier, `any` every hospital
        of the level as its category says."""
        levels, chosen = tuple(levels), tuple(categories)
        if tier == ANY_TIER:
            return cls(levels, chosen, tuple(services))
        if levels == (Level.SECONDARY.value,) and not chosen:
            # "Hospital": a tier spans levels (the CHU's units are tertiary).
            return cls((), (), tuple(services), tier or HospitalTier.GENERAL.value)
        return cls(levels, chosen, tuple(services), tier)

    def allowed_categories(self) -> list[str]:
        """Categories that may hold a match (each facility's services decide)."""
        chosen = []
        for code, category in categories().items():
            if category.family == "osm":
                continue
            if self.tier and category.family != "hospital":
                continue
            if self.levels and category.level.value not in self.levels:
                continue
            if self.categories and code not in self.categories:
                continue
            chosen.append(code)
        return chosen

    def matches(self, family: str, services: frozenset[str]) -> bool:
        """Does a facility with these services pass the service and tier conditions?"""
        if self.services and not set(self.services) <= services:
            return False
        if self.tier is None:
            return True
        tier = hospital_tier(family, services)
        return tier is not None and tier.value == self.tier

    def describe(self, lang: str = "en") -> str:
        """The offer chosen, in words (`label.offer.*`): English in exports and the API's
        metadata, the reader's language in a table's title."""
        parts = []
        if self.tier:
            # A tier the catalogues name in full (`label.offer.tier.<tier>`), else its code.
            named = f"label.offer.tier.{self.tier}"
            key, values = (
                (named, {}) if has_key(named) else ("label.offer.tier", {"tier": self.tier})
            )
            parts.append(translate(lang, key, values))
        if self.levels:
            parts.append(translate(lang, "label.offer.level", {"levels": "/".join(self.levels)}))
        if self.categories:
            values = {"categories": "/".join(self.categories)}
            parts.append(translate(lang, "label.offer.category", values))
        if self.services:
            values = {"services": "+".join(self.services)}
            parts.append(translate(lang, "label.offer.service", values))
        separator = translate(lang, "list.separator")
        return separator.join(parts) or translate(lang, "label.offer.every")


@dataclass(frozen=True)
class Destinations:
    ids: list[str]
    names: list[str]
    categories: list[str]
    communes: list[str]
    beds: np.ndarray  # nan = unknown
    points: Points
    doctors: np.ndarray | None = None  # nan = unknown; None: not read (all unknown)

    def __len__(self) -> int:
        return len(self.ids)

    def capacity(self, measure: str) -> np.ndarray:
        """Each facility's beds or doctors (`measure`), nan where unknown."""
        if measure == "beds":
            return self.beds
        if measure == "doctors":
            return self.doctors if self.doctors is not None else np.full(len(self), np.nan)
        raise ValueError(measure)


def read_destinations(
    session: Session, selector: FacilitySelector, is_population: bool = False
) -> Destinations:
    allowed = selector.allowed_categories()
    if not allowed:
        raise AccessError(code="no_category_matches", values={"offer": selector.describe()})
    candidates = session.execute(
        public_offer(
            select(
                FacilityRow.id,
                FacilityRow.name,
                FacilityRow.category,
                FacilityRow.family,
                FacilityRow.services,
                FacilityRow.commune_code,
                FacilityRow.lon,
                FacilityRow.lat,
                FacilityRow.beds,
                FacilityRow.doctors,
            ).where(FacilityRow.status == "open", FacilityRow.category.in_(allowed))
        ).order_by(FacilityRow.id)
    ).all()
    rows = [
        r
        for r in candidates
        if selector.matches(r.family, facility_services(r.category, r.services))
    ]
    points = Points(
        np.array([r.lon for r in rows], float),
        np.array([r.lat for r in rows], float),
        tuple(r.commune_code for r in rows),
        tuple(r.id for r in rows),
        is_population,
    )
    return Destinations(
        ids=[r.id for r in rows],
        names=[r.name for r in rows],
        categories=[r.category for r in rows],
        communes=[r.commune_code for r in rows],
        beds=np.array([np.nan if r.beds is None else float(r.beds) for r in rows]),
        points=points,
        doctors=np.array([np.nan if r.doctors is None else float(r.doctors) for r in rows]),
    )


@dataclass(frozen=True)
class FacilityPoint:
    """An open public facility where it stands."""

    id: str
    name: str
    category: str
    commune_code: str
    lon: float
    lat: float


def read_open_points(session: Session, scope: Scope, family: str) -> list[FacilityPoint]:
    """The open public facilities of one family (ESSP, hospital) in `scope`, by commune
    then id."""
    query = public_offer(
        select(
            FacilityRow.id,
            FacilityRow.name,
            FacilityRow.category,
            FacilityRow.commune_code,
            FacilityRow.lon,
            FacilityRow.lat,
        ).where(FacilityRow.status == "open", FacilityRow.family == family)
    )
    if scope.communes is not None:
        query = query.where(FacilityRow.commune_code.in_(scope.communes))
    if scope.arrondissements is not None:
        query = query.where(FacilityRow.arrondissement_code.in_(scope.arrondissements))
    rows = session.execute(query.order_by(FacilityRow.commune_code, FacilityRow.id))
    return [FacilityPoint(*row) for row in rows]


def facility_points(session: Session, ids: Sequence[str]) -> dict[str, tuple[float, float]]:
    """id → (lon, lat) of the named facilities, in one query."""
    rows = session.execute(
        select(FacilityRow.id, FacilityRow.lon, FacilityRow.lat).where(FacilityRow.id.in_(ids))
    )
    return {fid: (lon, lat) for fid, lon, lat in rows}
