"""Who may read an indicator: most are public (the census, the registry, travel times);
those drawn from the periodic reports need `reports.read` over the territory asked, as
the reports' own routes do, so that a case count per commune is never shown to anyone."""

from __future__ import annotations

from qurb.identity.grant_service import target_in
from qurb.identity.guard import check
from qurb.identity.principal import Principal
from qurb.indicators.service import Indicator
from qurb.platform.access import Access
from qurb.territory.service import TerritoryIndex


def check_reader(
    indicator: Indicator, principal: Principal, index: TerritoryIndex, territory: str
) -> None:
    """Nothing for a public indicator; else 401 to an anonymous reader, 403 to an account
    without the permission over `territory`."""
    if indicator.permission is None:
        return
    guard = check(principal, Access(indicator.permission, signed_in=True))
    guard.over(target_in(index, territory))


def may_list(indicator: Indicator, principal: Principal) -> bool:
    """Whether the map's menu lists the indicator to this reader: public ones to everyone,
    the others to an account holding their permission over some territory."""
    return indicator.permission is None or indicator.permission in principal.permissions
