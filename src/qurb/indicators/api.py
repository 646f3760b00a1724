"""Choropleth indicators: the registry's definitions and their values per territory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from qurb.indicators.schemas import (
    ClassesRead,
    ClassRangeRead,
    IndicatorChoiceRead,
    IndicatorParamRead,
    IndicatorRead,
    IndicatorValueRead,
    IndicatorValuesRead,
    NearestRead,
    TextRead,
)
from qurb.indicators.service import (
    Indicator,
    IndicatorQuery,
    IndicatorRegistry,
    NearestFacility,
    Text,
)
from qurb.kernel.errors import QurbError
from qurb.kernel.names import MAX_NAME_CHARS
from qurb.platform.access import Public
from qurb.platform.cache import CachedBody
from qurb.platform.http import CodePath, SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.registry.pages import registry_version
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex, TerritoryNotFound

router = APIRouter(prefix="/api/indicators", tags=["indicators"], responses=ERROR_RESPONSES)

MAP_LEVELS = (TerritoryLevel.REGION, TerritoryLevel.PROVINCE, TerritoryLevel.COMMUNE)


def _text(t: Text) -> TextRead:
    return TextRead(fr=t.fr, ar=t.ar, en=t.en)


def indicator_read(i: Indicator) -> IndicatorRead:
    label, unit = i.label_and_unit({})  # worded for the default parameters
    return IndicatorRead(
        id=i.id,
        label=_text(label),
        unit=_text(unit),
        source=i.source,
        higher_is_better=i.higher_is_better,
        decimals=i.decimals,
        uses_registry=i.uses_registry,
        params=[
            IndicatorParamRead(
                name=p.name,
                label=_text(p.label),
                default=p.default,
                choices=[IndicatorChoiceRead(value=v, label=_text(t)) for v, t in p.choices()],
            )
            for p in i.params
        ],
        measure=_text(i.measure) if i.measure else None,
        class_method=i.classes.value,
        class_edges=list(i.edges),
    )


def _nearest(n: NearestFacility | None) -> NearestRead | None:
    if n is None:
        return None
    return NearestRead(id=n.id, name=n.name, category=n.category, minutes=n.minutes, km=n.km)


@router.get("", response_model=list[IndicatorRead], summary="The indicators a map can show")
def list_indicators(_: Public, state: StateDep) -> list[IndicatorRead]:
    return [indicator_read(i) for i in state.part(IndicatorRegistry).all()]


@router.get(
    "/{indicator_id}",
    response_model=IndicatorValuesRead,
    summary="One value per territory of a level inside a parent (None: unknown, with a note)",
)
def indicator_values(
    _: Public,
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
    params = indicator.resolve_params(
        {
            p.name: request.query_params[p.name]
            for p in indicator.params
            if p.name in request.query_params
        }
    )
    version = registry_version(session) if indicator.uses_registry else 0
    key = ("indicator", indicator.id, level, parent, tuple(sorted(params.items())), version)

    def compute() -> CachedBody:
        units = state.part(TerritoryIndex).units_within(unit, level)
        result = indicator.compute(
            IndicatorQuery(session, state.part(TerritoryIndex), unit, level, units, params)
        )
        label, unit_text = indicator.label_and_unit(params, level)
        classes = indicator.classify(result.values.get(u.code) for u in units)
        body = IndicatorValuesRead(
            indicator=indicator.id,
            level=level.value,
            parent=parent,
            params=params,
            label=_text(label),
            unit=_text(unit_text),
            values=[
                IndicatorValueRead(
                    code=u.code,
                    name_fr=u.name_fr,
                    name_ar=u.name_ar,
                    value=result.values.get(u.code),
                    note=result.notes.get(u.code)
                    or (None if result.values.get(u.code) is not None else "unknown"),
                    class_index=classes.index_of(result.values.get(u.code)),
                    nearest=_nearest(result.nearest.get(u.code)),
                )
                for u in units
            ],
            classes=ClassesRead(
                method=classes.method.value,
                breaks=list(classes.breaks),
                ranges=[
                    ClassRangeRead(low=r.low, high=r.high, count=r.count) for r in classes.ranges
                ],
            ),
        )
        return CachedBody.from_bytes(body.model_dump_json().encode())

    cached = state.results.get_or_compute(key, compute)
    return cached.response(request, "no-cache")
