"""Territories: the tree, and search by French or Arabic name or HCP code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from qurb.kernel.names import MAX_NAME_CHARS
from qurb.platform.access import Public
from qurb.platform.http import StateDep, TerritoryCodePath
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.schemas import (
    MapFocus,
    TerritoryFound,
    TerritoryList,
    TerritoryRead,
)
from qurb.territory.service import PREFECTURE_OF_ARRONDISSEMENTS, TerritoryIndex, TerritoryNotFound


async def get_index(state: StateDep) -> TerritoryIndex:
    return state.part(TerritoryIndex)


IndexDep = Annotated[TerritoryIndex, Depends(get_index)]

router = APIRouter(prefix="/api/territories", tags=["territories"], responses=ERROR_RESPONSES)


def unit_or_not_found(index: TerritoryIndex, code: str) -> Territory:
    """The unit with this exact HCP code, else TerritoryNotFound (a 404) naming close codes."""
    unit = index.by_code.get(code)
    if unit is None:
        close = index.suggest(code)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        values = {"code": repr(code), "close": ", ".join(close)}
        raise TerritoryNotFound(
            f"no territory coded {code!r}{hint}",
            code="no_territory_close" if close else "no_territory",
            values=values,
        )
    return unit


@router.get("", response_model=TerritoryList, summary="Children of a territory, or a search")
def list_territories(
    _: Public,
    index: IndexDep,
    parent: Annotated[
        str, Query(description="HCP code whose children to list", max_length=MAX_NAME_CHARS)
    ] = "MA",
    q: Annotated[
        str | None,
        Query(
            description="search: French or Arabic name (accents optional), usual name "
            "(Fez, Marrakesh), a name with a typo, or code",
            max_length=MAX_NAME_CHARS,
        ),
    ] = None,
    level: Annotated[TerritoryLevel | None, Query(description="only units of this level")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> TerritoryList:
    if q is not None and q.strip():
        levels = [level] if level else ()
        hits = index.find(q, levels, limit)
        try:  # the unit `resolve` would pick (an exact or usual name, or code) comes first
            best = index.resolve_match(q, levels)
            code = best.territory.code
            hits = [best, *[h for h in hits if h.territory.code != code]][:limit]
        except TerritoryNotFound:
            pass
        return TerritoryList(query=q, items=[TerritoryFound.found(h) for h in hits])
    unit = unit_or_not_found(index, parent)
    units = index.units_within(unit, level) if level else index.children(unit.code)
    return TerritoryList(parent=TerritoryRead.of(unit), items=[TerritoryRead.of(t) for t in units])


@router.get("/{code}/children", response_model=TerritoryList, summary="Children of a territory")
def territory_children(_: Public, code: TerritoryCodePath, index: IndexDep) -> TerritoryList:
    unit = unit_or_not_found(index, code)
    return TerritoryList(
        parent=TerritoryRead.of(unit), items=[TerritoryRead.of(t) for t in index.children(code)]
    )


def map_focus(index: TerritoryIndex, unit: Territory) -> MapFocus:
    """What the map draws for a unit: regions for the country, a region's provinces, the
    communes of the province that holds anything smaller."""
    region = index.ancestor_at(unit.code, TerritoryLevel.REGION)
    province = index.ancestor_at(unit.code, TerritoryLevel.PROVINCE)
    if unit.kind == PREFECTURE_OF_ARRONDISSEMENTS:
        province = index.by_code.get(unit.parent_code or "")
    if unit.level is TerritoryLevel.COUNTRY:
        return MapFocus(region=None, province=None, layer="regions", parent="MA")
    if unit.level is TerritoryLevel.REGION:
        return MapFocus(region=unit.code, province=None, layer="provinces", parent=unit.code)
    return MapFocus(
        region=region.code if region else None,
        province=province.code if province else None,
        layer="communes",
        parent=province.code if province else (region.code if region else "MA"),
    )
