"""The activity indicators' routes: a data set's indicators for a period per commune,
province or region (read by reports.read within the grants, as completeness is), and one
indicator's trend, a series per period for the map's panel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.http import SessionDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.api import IndexDep
from qurb.territory.model import TerritoryLevel
from qurb.watch.datasets import configured_prevalence
from qurb.watch.figures import (
    dataset_indicators,
    indicator_trend,
    recent_periods,
    resolve_indicator,
)
from qurb.watch.figures_schemas import IndicatorFiguresRead, TrendPointRead, TrendRead

router = APIRouter(prefix="/api/watch", tags=["reports"], responses=ERROR_RESPONSES)

ReadReports = Annotated[Guard, needs(Permission.REPORTS_READ)]
Code = Annotated[str, Query(max_length=64, pattern=NO_NUL_PATTERN)]
PeriodQuery = Annotated[str, Query(max_length=16, pattern=NO_NUL_PATTERN)]


@router.get(
    "/indicators",
    response_model=list[IndicatorFiguresRead],
    summary="A data set's indicators for a period, per commune, province or region of a "
    "territory, each with the completeness of its reports and the caravans' line",
)
def indicators(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    territory: Code,
    dataset: Code,
    period: PeriodQuery,
    level: TerritoryLevel = TerritoryLevel.COMMUNE,
    indicator: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
) -> list[IndicatorFiguresRead]:
    unit = index.resolve(territory)
    guard.over(target_in(index, unit.code))
    found = dataset_indicators(
        session, unit.code, dataset, period, level, configured_prevalence(), index
    )
    return [IndicatorFiguresRead.of(f) for f in found if indicator in (None, f.indicator)]


@router.get(
    "/trend",
    response_model=TrendRead,
    summary="One indicator of a territory for the periods ending with the one given",
)
def trend(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    territory: Code,
    indicator: Code,
    period: Annotated[
        str | None,
        Query(max_length=16, pattern=NO_NUL_PATTERN, description="else the latest one over"),
    ] = None,
    periods: Annotated[int, Query(ge=1, le=260)] = 12,
    element: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
) -> TrendRead:
    unit = index.resolve(territory)
    guard.over(target_in(index, unit.code))
    if period is None:
        dataset = resolve_indicator(indicator, element)[1]
        period = recent_periods(dataset.period, clock.now().date(), 1)[0]
    points = indicator_trend(
        session, unit.code, indicator, period, periods, element, configured_prevalence(), index
    )
    counted = element or ""
    return TrendRead(
        territory=unit.code,
        indicator=indicator,
        element=counted,
        points=[TrendPointRead.of(p) for p in points],
    )
