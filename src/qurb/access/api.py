"""Travel time to care on the bundled commune-graph model: access per commune, summaries,
referral from each ESSP, a what-if (new facilities placed on the map) and siting
scenarios (saved in local mode)."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query

from qurb.access.referral import compute_referrals
from qurb.access.schemas import (
    AccessRead,
    AccessSummaryRead,
    CommuneAccessRead,
    CommuneChangeRead,
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
from qurb.algo.accessibility import check_thresholds, compute_group_access
from qurb.algo.travel import Points
from qurb.platform.http import NameText, SessionDep, TerritoryPath
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.api import IndexDep
from qurb.territory.model import inside_morocco
from qurb.territory.service import read_origins
from qurb.territory.travel import commune_graph_model

router = APIRouter(prefix="/api", tags=["access"], responses=ERROR_RESPONSES)


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
def distance_for(code: TerritoryPath, session: SessionDep, index: IndexDep) -> DistanceRead:
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


@router.post("/access/what-if", response_model=WhatIfRead)
def what_if(body: WhatIf, session: SessionDep, index: IndexDep) -> WhatIfRead:
    """Coverage of the territory's population within `within_minutes` before and after
    adding the given sites to the existing offer of `level` (nothing is written)."""
    from qurb.kernel.errors import QurbError
    from qurb.registry.service import commune_locator

    territory = index.resolve(body.territory)
    locator = commune_locator(session)
    codes = []
    for site in body.sites:
        hit = (
            locator.locate(site.lon, site.lat, tolerance_km=1.0)
            if inside_morocco(site.lon, site.lat)
            else None
        )
        if hit is None:
            raise QurbError(
                f"site {site.label!r} at ({site.lon}, {site.lat}) is in no Moroccan "
                "commune: place it inside Morocco"
            )
        codes.append(hit.code)
    (within,) = check_thresholds([body.within_minutes])
    model = commune_graph_model(session)
    origins = read_origins(index, territory)
    existing = read_destinations(session, _selector(body.level, None, None, body.tier))
    before = model.compute_nearest(origins.points, existing.points).minutes
    added = Points(
        np.array([s.lon for s in body.sites]),
        np.array([s.lat for s in body.sites]),
        tuple(codes),
        tuple(s.label for s in body.sites),
        is_population=False,
    )
    after = np.minimum(before, model.compute_nearest(origins.points, added).minutes)
    groups = [c.code for c in origins.communes]
    b = compute_group_access(["all"] * len(groups), origins.population, before, [within])[0]
    a = compute_group_access(["all"] * len(groups), origins.population, after, [within])[0]
    changed = [
        CommuneChangeRead(
            code=c.code,
            name_fr=c.name_fr,
            name_ar=c.name_ar,
            population=int(origins.population[i]),
            minutes_before=_finite(before[i]),
            minutes_after=_finite(after[i]),
        )
        for i, c in enumerate(origins.communes)
        if after[i] < before[i] - 1e-9
    ]
    return WhatIfRead(
        territory=territory.code,
        within_minutes=within,
        population=int(b.population),
        covered_before=int(b.population - b.beyond[within]),
        covered_after=int(a.population - a.beyond[within]),
        newly_covered=int(b.beyond[within] - a.beyond[within]),
        communes_changed=changed,
        model=model.name,
        measure=model.measure,
    )


def _finite(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None
