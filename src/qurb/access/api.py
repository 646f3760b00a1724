"""Travel time to care on the bundled commune-graph model: access per commune, summaries,
referral from each ESSP (public: cached figures), and a what-if (new facilities placed
on the map; heavy: `plan.run` over the territory)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from qurb.access.referral import compute_referrals
from qurb.access.schemas import (
    AccessRead,
    AccessSummaryRead,
    CommuneAccessRead,
    DistanceRead,
    DistanceSummaryRead,
    Level,
    ReferralRead,
    ReferralsRead,
    Tier,
    WhatIf,
    WhatIfRead,
    Words,
    rows_as,
)
from qurb.access.service import (
    ESSP_SELECTOR,
    WHOLE_COMMUNE_NOTE,
    compute_access,
    compute_distance_access,
    distance_group_rows,
    group_rows,
)
from qurb.access.what_if import compute_what_if
from qurb.identity.grant_service import territory_target
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.platform.access import Public
from qurb.platform.http import HeavyDep, NameText, SessionDep, TerritoryPath
from qurb.platform.schemas import ERROR_RESPONSES, HEAVY_RESPONSES
from qurb.registry.points import FacilitySelector
from qurb.territory.api import IndexDep
from qurb.territory.travel import commune_graph_model

router = APIRouter(prefix="/api", tags=["access"], responses=ERROR_RESPONSES)

RunPlan = Annotated[Guard, needs(Permission.PLAN_RUN)]


def _selector(
    level: Level | None,
    category: list[str] | None,
    service: list[str] | None = None,
    tier: Tier | None = None,
) -> FacilitySelector:
    return FacilitySelector.from_options(
        (level,) if level else (), category or (), service or (), tier
    )


@router.get("/access/{code}", response_model=AccessRead)
def access_for(
    code: TerritoryPath,
    session: SessionDep,
    index: IndexDep,
    _: Public,
    level: Level | None = None,
    category: Annotated[list[NameText] | None, Query()] = None,
    service: Annotated[list[NameText] | None, Query()] = None,
    tier: Tier | None = None,
    thresholds: Annotated[list[float] | None, Query()] = None,
) -> AccessRead:
    """Nearest facility and minutes for every commune of the territory; population beyond
    each threshold (default 30, 60, 120 min) per sub-territory and in total. `level=
    secondary` alone is a general hospital (HPr, HP, HR, the CHU's general units); `tier`
    asks for specialty hospitals, maternities, or any hospital of the level."""
    territory = index.resolve(code)
    model = commune_graph_model(session)
    report = compute_access(
        session,
        territory,
        _selector(level, category, service, tier),
        model,
        thresholds or [30, 60, 120],
        index,
    )
    return AccessRead(
        territory=territory.code,
        offer=report.selector.describe(),
        model=report.model,
        measure=model.measure,
        thresholds_minutes=list(report.thresholds_minutes),
        summary=rows_as(AccessSummaryRead, group_rows(report)),
        communes=rows_as(CommuneAccessRead, report.rows),
    )


@router.get("/access/{code}/referral", response_model=ReferralsRead)
def referral_for(
    code: TerritoryPath,
    session: SessionDep,
    index: IndexDep,
    _: Public,
    threshold: Annotated[float, Query(gt=0)] = 60.0,
) -> ReferralsRead:
    """From each ESSP of the territory: minutes and km to the nearest HPr, HP, HR and
    general CHU unit (an oncology centre or a children's hospital is no referral hospital)."""
    territory = index.resolve(code)
    model = commune_graph_model(session)
    rows = compute_referrals(session, territory, model, threshold, index=index)
    return ReferralsRead(
        territory=territory.code,
        threshold_minutes=threshold,
        model=model.name,
        measure=model.measure,
        essp=rows_as(ReferralRead, rows),
    )


@router.get("/access/{code}/distance", response_model=DistanceRead)
def distance_for(
    code: TerritoryPath, session: SessionDep, index: IndexDep, _: Public
) -> DistanceRead:
    """The Ministry's distance indicator: population within 5 km, 5–10 km and beyond 10 km
    of the nearest ESSP by the model's km (legs inside the communes included), per
    sub-territory and in total (`summary`, the total last), and per commune. A whole
    commune falls in the band of its distance (`note`)."""
    territory = index.resolve(code)
    model = commune_graph_model(session)
    report = compute_distance_access(session, territory, model, ESSP_SELECTOR, index=index)
    return DistanceRead(
        territory=territory.code,
        offer="ESSP",
        model=report.model,
        measure=report.measure,
        bands_km=list(report.bands_km),
        note=Words(**WHOLE_COMMUNE_NOTE),
        summary=rows_as(DistanceSummaryRead, distance_group_rows(report)),
        communes=rows_as(CommuneAccessRead, report.rows),
    )


@router.post("/access/what-if", response_model=WhatIfRead, responses=HEAVY_RESPONSES)
async def what_if(
    body: WhatIf, http: Request, heavy: HeavyDep, index: IndexDep, guard: RunPlan
) -> WhatIfRead:
    """Coverage of the territory's population within `within_minutes` before and after
    adding the given sites to the existing offer of `level` (nothing is written). Runs in
    a worker under the server's deadline; nobody runs one without `plan.run` over the
    territory (401, 403), a busy server answers 503 with Retry-After."""
    guard.over(territory_target(index, body.territory))
    return await heavy.run(http, compute_what_if, body)
