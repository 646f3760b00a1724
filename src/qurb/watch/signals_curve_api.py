"""A signal's epidemic curve and the signals as GeoJSON points, read by reports.read over
the unit's territory, as the list of signals is (signals_api.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from qurb.identity.grant_service import target_in
from qurb.kernel.attribution import Attribution
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.geojson import Feature, FeatureCollection
from qurb.platform.http import GeoJSONResponse, SessionDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.api import IndexDep
from qurb.watch.signals import list_signals
from qurb.watch.signals_api import OutbreakSignalRead, ReadReports, SignalId
from qurb.watch.signals_curve import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    Curve,
    get_signal,
    signal_curve,
    signal_points,
)
from qurb.watch.signals_model import SignalStatus

router = APIRouter(prefix="/api/watch", tags=["reports"], responses=ERROR_RESPONSES)


class CurveWeekRead(BaseModel):
    week: str
    start: date
    observed: int | None
    expected: float | None
    upperbound: float | None
    alarm: bool | None


class CurveRead(BaseModel):
    signal: int
    dataset: str
    unit_code: str
    level: str
    unit_name_fr: str
    unit_name_ar: str
    element: str
    element_fr: str
    element_ar: str
    element_en: str
    method: str
    parameters: dict[str, Any]
    completeness_threshold: float
    weeks: list[CurveWeekRead]

    @classmethod
    def of(cls, c: Curve) -> CurveRead:
        values = dict(c.__dict__)
        values["weeks"] = [CurveWeekRead(**w.__dict__) for w in c.weeks]
        return cls(**values)


@router.get(
    "/signals.geojson",
    summary="The outbreak signals of a territory as points (GeoJSON): a facility at its "
    "location, a commune, province or region at its reference point or centroid; the "
    "signal's fields and its unit's names as properties",
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
)
def signals_geojson(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    territory: Annotated[str, Query(max_length=64, pattern=NO_NUL_PATTERN)],
    status: SignalStatus | None = None,
    week: Annotated[str | None, Query(max_length=16, pattern=NO_NUL_PATTERN)] = None,
) -> GeoJSONResponse:
    unit = index.resolve(territory)
    guard.over(target_in(index, unit.code))
    found = signal_points(session, list_signals(session, unit.code, status, week, index), index)
    features = [
        Feature.model_validate(
            {
                "type": "Feature",
                "id": s.id,
                "geometry": None if point is None else {"type": "Point", "coordinates": point},
                "properties": {
                    **OutbreakSignalRead.of(s).model_dump(mode="json"),
                    "unit_name_fr": found.names[s.unit_code][0],
                    "unit_name_ar": found.names[s.unit_code][1],
                },
            }
        )
        for s, point in found.points
    ]
    document = FeatureCollection(features=features).model_dump(mode="json")
    return GeoJSONResponse(Attribution.of(found.sources).annotate(document))


@router.get(
    "/signals/{signal_id}/curve",
    response_model=CurveRead,
    summary="A signal's epidemic curve: its unit's weekly counts of its data element over "
    "the weeks ending at its week (null where unknown for lack of reports), with the "
    "expected count, upper bound and alarm of its method",
)
def signal_curve_route(
    signal_id: SignalId,
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS)] = DEFAULT_WEEKS,
) -> CurveRead:
    signal = get_signal(session, signal_id)
    guard.over(target_in(index, signal.territory_code))
    return CurveRead.of(signal_curve(session, signal, weeks, index))
