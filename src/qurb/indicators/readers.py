"""Who may read an indicator: most are public (the census, the registry, travel times);
those drawn from the periodic reports need `reports.read` over the territory asked, as
the reports' own routes do, so that a case count per commune is never shown to anyone.
The conventions' money per inhabitant is for anyone, drawn from the conventions the
reader may see: the published ones, and those its `conventions.read` grants reach."""

from __future__ import annotations

from qurb.identity.grant_service import target_in
from qurb.identity.guard import check
from qurb.identity.principal import Principal
from qurb.identity.scopes import Target
from qurb.indicators.service import ANYONE, Indicator, Reader
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


def reader_of(indicator: Indicator, principal: Principal) -> Reader:
    """What the reader's grants show of an indicator that depends on them (`widened_by`);
    anyone's view for the others, and for a reader without such a grant."""
    wanted = indicator.widened_by
    if wanted is None:
        return ANYONE
    scopes = frozenset(g.scope for g in principal.grants if g.live and wanted in g.permissions)
    if not scopes:
        return ANYONE

    def allows(target: Target) -> bool:
        return wanted in principal.permissions_over(target)

    return Reader(allows, scopes)
