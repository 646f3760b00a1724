"""Choropleth indicators: the registry's definitions and their values per territory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from qurb.identity.dependencies import PrincipalDep
from qurb.indicators.readers import check_reader, may_list, reader_of
from qurb.indicators.schemas import (
    IndicatorChoiceRead,
    IndicatorParamRead,
    IndicatorRead,
    IndicatorValuesRead,
)
from qurb.indicators.service import Indicator, IndicatorRegistry
from qurb.indicators.values import text_read, values_body
from qurb.kernel.errors import QurbError
from qurb.kernel.names import MAX_NAME_CHARS
from qurb.platform.access import Public
from qurb.platform.http import CodePath, SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex, TerritoryNotFound

router = APIRouter(prefix="/api/indicators", tags=["indicators"], responses=ERROR_RESPONSES)

MAP_LEVELS = (TerritoryLevel.REGION, TerritoryLevel.PROVINCE, TerritoryLevel.COMMUNE)


def indicator_read(i: Indicator) -> IndicatorRead:
    label, unit = i.label_and_unit({})  # worded for the default parameters
    return IndicatorRead(
        id=i.id,
        label=text_read(label),
        unit=text_read(unit),
        source=i.source,
        higher_is_better=i.higher_is_better,
        decimals=i.decimals,
        uses_registry=i.uses_registry,
        params=[
            IndicatorParamRead(
                name=p.name,
                label=text_read(p.label),
                default=p.default,
                choices=[IndicatorChoiceRead(value=v, label=text_read(t)) for v, t in p.choices()],
            )
            for p in i.params
        ],
        measure=text_read(i.measure) if i.measure else None,
        class_method=i.classes.value,
        class_edges=list(i.edges),
    )


@router.get("", response_model=list[IndicatorRead], summary="The indicators a map can show")
def list_indicators(_: Public, principal: PrincipalDep, state: StateDep) -> list[IndicatorRead]:
    """Every indicator the reader may draw (those of the periodic reports to an account
    holding reports.read)."""
    return [
        indicator_read(i) for i in state.part(IndicatorRegistry).all() if may_list(i, principal)
    ]


@router.get(
    "/{indicator_id}",
    response_model=IndicatorValuesRead,
    summary="One value per territory of a level inside a parent (None: unknown, with a note)",
)
def indicator_values(
    _: Public,
    principal: PrincipalDep,
    indicator_id: CodePath,
    request: Request,
    session: SessionDep,
    state: StateDep,
    level: Annotated[TerritoryLevel, Query(description="region | province | commune")] = (
        TerritoryLevel.REGION
    ),
    parent: Annotated[
        str, Query(description="HCP code of the territory to cover", max_length=MAX_NAME_CHARS)
    ] = "MA",
) -> Response:
    indicator = state.part(IndicatorRegistry).get(indicator_id)
    if level not in MAP_LEVELS:
        raise QurbError(code="indicator_level", values={"level": str(level)})
    unit = state.part(TerritoryIndex).by_code.get(parent)
    if unit is None:
        raise TerritoryNotFound(code="no_territory", values={"code": repr(parent)})
    if unit.level.depth >= level.depth:
        values = {"code": parent, "parent": str(unit.level), "level": str(level)}
        raise QurbError(code="level_not_below", values=values)
    check_reader(indicator, principal, state.part(TerritoryIndex), parent)
    params = indicator.resolve_params(
        {
            p.name: request.query_params[p.name]
            for p in indicator.params
            if p.name in request.query_params
        }
    )
    reader = reader_of(indicator, principal)
    cached = values_body(session, state, indicator, level, parent, params, reader)
    # A figure behind a permission, or widened by the reader's grants, is never kept by a
    # shared cache.
    private = indicator.permission or reader.key
    return cached.response(request, "private, no-cache" if private else "no-cache")
