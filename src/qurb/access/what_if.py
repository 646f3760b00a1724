"""What if these sites were added: coverage before and after, commune by commune. Heavy
work, run in a worker process by the server (`platform.heavy`)."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from qurb.access.schemas import CommuneChangeRead, WhatIf, WhatIfRead
from qurb.algo.accessibility import check_thresholds, compute_group_access
from qurb.algo.travel import Points
from qurb.kernel.errors import QurbError
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.registry.service import commune_locator
from qurb.territory.model import inside_morocco
from qurb.territory.service import TerritoryIndex, read_origins
from qurb.territory.travel import commune_graph_model


def compute_what_if(session: Session, body: WhatIf) -> WhatIfRead:
    """Coverage of the territory's population within `within_minutes` before and after
    adding the given sites to the existing offer of `level` (nothing is written)."""
    index = TerritoryIndex.from_session(session)
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
            values = {"label": repr(site.label), "lon": site.lon, "lat": site.lat}
            raise QurbError(code="site_in_no_commune", values=values)
        codes.append(hit.code)
    (within,) = check_thresholds([body.within_minutes])
    model = commune_graph_model(session)
    origins = read_origins(index, territory)
    existing = read_destinations(
        session, FacilitySelector.from_options((body.level,), (), (), body.tier)
    )
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
