"""A campaign's bases against its territory: a unit sleeps and starts inside the territory
it serves. A facility base is placed by the commune the registry gives it, a point base by
the commune its coordinates fall in; either outside the campaign's territory is a problem
naming the base's field, checked before anything is planned. Bases the registry does not
know, closed ones and points in no commune are `service.resolve_bases`' refusals."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.algo.locator import CommuneLocator
from qurb.caravans.model import CampaignSpec, Coded, InvalidCampaign, coded
from qurb.registry.lookups import facility_briefs
from qurb.territory.model import inside_morocco
from qurb.territory.service import TerritoryIndex


def base_territory_problems(
    session: Session, spec: CampaignSpec, index: TerritoryIndex, locate: CommuneLocator
) -> list[Coded]:
    """One problem per base whose commune is not in the campaign's territory."""
    territory = index.resolve(spec.territory)
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
        if commune is None or index.is_within(commune, territory.code):
            continue
        place = index.resolve(commune)
        problems.append(
            coded(
                field,
                "base_outside_territory",
                name=base.name,
                commune=_names(place.name_fr, place.name_ar),
                territory=_names(territory.name_fr, territory.name_ar),
            )
        )
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
