"""A campaign's bases against its territory: a unit sleeps and starts inside the territory
it serves. A facility base is placed by the commune the registry gives it, a point base by
the commune its coordinates fall in; either outside the campaign's territory is a problem
naming the base's field, checked before anything is planned. A campaign of a territory
smaller than a province (a cercle, a commune) may start from anywhere in its province:
the provincial hospital in the province's town is the usual base of a cercle's caravan.
Bases the registry does not know, closed ones and points in no commune are
`service.resolve_bases`' refusals."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.algo.locator import CommuneLocator
from qurb.caravans.model import CampaignSpec, Coded, InvalidCampaign, coded
from qurb.registry.lookups import facility_briefs
from qurb.territory.model import TerritoryLevel, inside_morocco
from qurb.territory.service import TerritoryIndex


def base_territory_problems(
    session: Session, spec: CampaignSpec, index: TerritoryIndex, locate: CommuneLocator
) -> list[Coded]:
    """One problem per base whose commune is not in the campaign's territory."""
    territory = index.resolve(spec.territory)
    smaller = territory.level.depth > TerritoryLevel.PROVINCE.depth
    scope = (
        index.ancestor_at(territory.code, TerritoryLevel.PROVINCE) if smaller else None
    ) or territory
    briefs = facility_briefs(session, [b.facility for b in spec.bases if b.facility])
    problems: list[Coded] = []
    for i, base in enumerate(spec.bases):
        if base.facility:
            brief = briefs.get(base.facility)
            commune = brief.commune_code if brief else None
            field = f"bases[{i}].facility"
        elif base.lon is not None and base.lat is not None and inside_morocco(base.lon, base.lat):
            hit = locate.locate(base.lon, base.lat, tolerance_km=1.0)
            commune = hit.code if hit else None
            field = f"bases[{i}]"
        else:
            continue
        if commune is None or index.is_within(commune, scope.code):
            continue
        place = index.resolve(commune)
        values = {
            "name": base.name,
            "commune": _names(place.name_fr, place.name_ar),
            "territory": _names(scope.name_fr, scope.name_ar),
        }
        if scope is territory:
            problems.append(coded(field, "base_outside_territory", **values))
        else:
            problems.append(coded(field, "base_outside_province", **values))
    return problems


def _names(fr: str, ar: str) -> dict[str, str]:
    """A territory's name in each language (HCP names it in French and Arabic)."""
    return {"fr": fr, "ar": ar, "en": fr}


def check_bases(
    session: Session,
    spec: CampaignSpec,
    index: TerritoryIndex,
    locate: CommuneLocator,
    source: str = "campaign",
) -> None:
    """InvalidCampaign naming every base outside the campaign's territory."""
    problems = base_territory_problems(session, spec, index, locate)
    if problems:
        raise InvalidCampaign(list(problems), source)
