"""How large a campaign a server plans, checked before any work: units, days, communes and
sites (README, "Limits"). The command line plans any size, on its user's own machine.

The defaults cover every region of Morocco whole (Marrakech-Safi, the largest, has 251
communes) for four months with twenty units; a larger campaign is cut into several."""

from __future__ import annotations

from dataclasses import dataclass

from qurb.caravans.model import CampaignSpec, InvalidCampaign
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
    problems = []
    if len(spec.units) > caps.max_units:
        problems.append(
            f"units: {len(spec.units)} units, more than this server plans at once "
            f"({caps.max_units}, setting {MAX_UNITS_ENV}); split the campaign"
        )
    days = (spec.end - spec.start).days + 1
    if days > caps.max_days:
        problems.append(
            f"end: the campaign lasts {days} days, more than this server plans at once "
            f"({caps.max_days}, setting {MAX_DAYS_ENV}); plan it period by period"
        )
    communes = [
        c
        for c in index.communes_within(index.resolve(spec.territory))
        if spec.communes == "all" or c.kind == "rural"
    ]
    if len(communes) > caps.max_communes:
        problems.append(
            f"territory: {len(communes)} {spec.communes} communes to choose among, more than "
            f"this server plans at once ({caps.max_communes}, setting {MAX_COMMUNES_ENV}); "
            "plan region by region or province by province"
        )
    if len(spec.sites) > caps.max_sites:
        problems.append(
            f"sites: {len(spec.sites)} sites, more than this server plans at once "
            f"({caps.max_sites}, setting {MAX_SITES_ENV})"
        )
    if problems:
        raise InvalidCampaign(problems, "campaign")
