"""How large a campaign a server plans, checked before any work: units, days, communes and
sites (README, "Limits"). The command line plans any size, on its user's own machine.

The defaults cover every region of Morocco whole (Marrakech-Safi, the largest, has 251
communes) for four months with twenty units; a larger campaign is cut into several."""

from __future__ import annotations

from dataclasses import dataclass

from qurb.caravans.model import CampaignSpec, InvalidCampaign, coded
from qurb.platform.settings import env_int
from qurb.territory.service import TerritoryIndex

MAX_UNITS_ENV = "QURB_MAX_CAMPAIGN_UNITS"
MAX_DAYS_ENV = "QURB_MAX_CAMPAIGN_DAYS"
MAX_COMMUNES_ENV = "QURB_MAX_CAMPAIGN_COMMUNES"
MAX_SITES_ENV = "QURB_MAX_CAMPAIGN_SITES"


@dataclass(frozen=True)
class CampaignCaps:
    max_units: int = 20
    max_days: int = 120  # calendar days from start to end, both included
    max_communes: int = 300  # communes the campaign chooses among (rural, or all)
    max_sites: int = 100

    @classmethod
    def from_env(cls) -> CampaignCaps:
        return cls(
            max_units=env_int(MAX_UNITS_ENV, cls.max_units),
            max_days=env_int(MAX_DAYS_ENV, cls.max_days),
            max_communes=env_int(MAX_COMMUNES_ENV, cls.max_communes),
            max_sites=env_int(MAX_SITES_ENV, cls.max_sites),
        )


def check_caps(spec: CampaignSpec, index: TerritoryIndex, caps: CampaignCaps) -> None:
    """InvalidCampaign naming each field over its cap (the territory must resolve)."""
    problems: list[str] = []
    if len(spec.units) > caps.max_units:
        values = {"count": len(spec.units), "limit": caps.max_units, "setting": MAX_UNITS_ENV}
        problems.append(coded("units", "too_many_units", **values))
    days = (spec.end - spec.start).days + 1
    if days > caps.max_days:
        values = {"days": days, "limit": caps.max_days, "setting": MAX_DAYS_ENV}
        problems.append(coded("end", "too_many_days", **values))
    communes = [
        c
        for c in index.communes_within(index.resolve(spec.territory))
        if spec.communes == "all" or c.kind == "rural"
    ]
    if len(communes) > caps.max_communes:
        values = {"count": len(communes), "limit": caps.max_communes, "setting": MAX_COMMUNES_ENV}
        if spec.communes == "rural":
            problems.append(coded("territory", "too_many_rural_communes", **values))
        else:
            problems.append(coded("territory", "too_many_communes", **values))
    if len(spec.sites) > caps.max_sites:
        values = {"count": len(spec.sites), "limit": caps.max_sites, "setting": MAX_SITES_ENV}
        problems.append(coded("sites", "too_many_sites", **values))
    if problems:
        raise InvalidCampaign(problems, "campaign")
