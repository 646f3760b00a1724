"""What if these sites were added: coverage before and after, commune by commune and per
sub-territory. Sites are points placed on the map or communes picked (a commune's
reference point stands for the site). Heavy work, run in a worker process by the server
(`platform.heavy`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from qurb.access.schemas import CommuneChangeRead, GroupChangeRead, SiteRead, WhatIf, WhatIfRead
from qurb.access.service import summary_level
from qurb.algo.accessibility import check_thresholds, compute_group_access
from qurb.algo.siting_problem import credit_to_nearest
from qurb.algo.travel import Points
from qurb.kernel.errors import FieldError, InputError, QurbError
from qurb.kernel.i18n import problem
from qurb.kernel.shares import percent
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.registry.service import commune_locator
from qurb.territory.model import Territory, inside_morocco
from qurb.territory.service import TerritoryIndex, read_origins
from qurb.territory.travel import commune_graph_model


@dataclass(frozen=True)
class WhatIfRun:
    """The answer, with what a saved scenario keeps besides: every commune's minutes and
    coverage before and after, the territory and how long it took."""

    read: WhatIfRead
    territory: dict[str, Any]
    communes: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def _sites(
    session: Session, index: TerritoryIndex, territory: Territory, body: WhatIf
) -> list[SiteRead]:
    """The sites asked, placed in their communes: every bad one named (`sites[N]`,
    `communes[N]`), none kept."""
    locator = commune_locator(session)
    problems: list[FieldError] = []
    sites: list[SiteRead] = []
    for n, site in enumerate(body.sites):
        where = f"sites[{n}]"
        if not inside_morocco(site.lon, site.lat):
            problems.append(problem(where, "outside_morocco_short", lon=site.lon, lat=site.lat))
            continue
        hit = locator.locate(site.lon, site.lat, tolerance_km=1.0)
        if hit is None:
            problems.append(problem(where, "in_no_commune"))
            continue
        sites.append(SiteRead(label=site.label, lon=site.lon, lat=site.lat, commune=hit.code))
    within = {c.code: c for c in index.communes_within(territory)}
    for n, code in enumerate(body.communes):
        commune = within.get(code.strip())
        if commune is None or commune.ref_lon is None or commune.ref_lat is None:
            values = {"code": repr(code), "territory": territory.name_fr}
            problems.append(problem(f"communes[{n}]", "commune_not_in_territory", **values))
            continue
        sites.append(
            SiteRead(
                label=commune.name_fr,
                lon=commune.ref_lon,
                lat=commune.ref_lat,
                commune=commune.code,
            )
        )
    if problems:
        raise InputError(errors=problems, source="what-if")
    if not sites:
        raise QurbError(code="what_if_without_site")
    return sites


def run_what_if(session: Session, body: WhatIf) -> WhatIfRun:
    """Coverage of the territory's population within `within_minutes` before and after
    adding the sites to the existing offer (nothing is written)."""
    started = time.perf_counter()
    index = TerritoryIndex.from_session(session)
    territory = index.resolve(body.territory)
    selector = FacilitySelector.from_options(*body.offer())
    sites = _sites(session, index, territory, body)
    (within,) = check_thresholds([body.within_minutes])
    model = commune_graph_model(session)
    origins = read_origins(index, territory)
    existing = read_destinations(session, selector)
    before = model.compute_nearest(origins.points, existing.points).minutes
    added = Points(
        np.array([s.lon for s in sites]),
        np.array([s.lat for s in sites]),
        tuple(s.commune for s in sites),
        tuple(s.label for s in sites),
        is_population=False,
    )
    to_added = model.compute_nearest(origins.points, added)
    after = np.minimum(before, to_added.minutes)
    everyone = ["all"] * len(origins.communes)
    b = compute_group_access(everyone, origins.population, before, [within])[0]
    a = compute_group_access(everyone, origins.population, after, [within])[0]
    communes = [
        {
            "code": c.code,
            "name_fr": c.name_fr,
            "name_ar": c.name_ar,
            "population": int(origins.population[i]),
            "minutes_before": _finite(before[i]),
            "minutes_after": _finite(after[i]),
            "covered_before": bool(before[i] <= within),
            "covered_after": bool(after[i] <= within),
        }
        for i, c in enumerate(origins.communes)
    ]
    for row in communes:
        gained = row["covered_after"] and not row["covered_before"]
        row["newly_covered_population"] = row["population"] if gained else 0
    # Each site's newly covered people: those nearer to it than to the other sites.
    newly = np.where((after <= within) & ~(before <= within), origins.population, 0.0)
    credit = credit_to_nearest(newly, to_added.index, len(sites))
    sites = [
        s.model_copy(update={"newly_covered": round(float(n))})
        for s, n in zip(sites, credit, strict=True)
    ]
    changed = [
        CommuneChangeRead.model_validate({k: row[k] for k in CommuneChangeRead.model_fields})
        for i, row in enumerate(communes)
        if after[i] < before[i] - 1e-9
    ]
    read = WhatIfRead(
        territory=territory.code,
        within_minutes=within,
        population=int(b.population),
        covered_before=int(b.population - b.beyond[within]),
        covered_after=int(a.population - a.beyond[within]),
        newly_covered=int(b.beyond[within] - a.beyond[within]),
        communes_changed=changed,
        model=model.name,
        measure=model.measure,
        groups=group_coverage(index, territory, communes),
        sites=sites,
    )
    return WhatIfRun(
        read,
        {"code": territory.code, "name_fr": territory.name_fr, "name_ar": territory.name_ar},
        communes,
        time.perf_counter() - started,
    )


def group_coverage(
    index: TerritoryIndex, territory: Territory, communes: list[dict[str, Any]]
) -> list[GroupChangeRead]:
    """Population covered before and after per sub-territory (one level below the
    territory: `summary_level`), from commune rows with `covered_before/after`."""
    level = summary_level(territory)
    groups: dict[str, dict[str, Any]] = {}
    for row in communes:
        unit = index.ancestor_at(row["code"], level) or index.by_code[row["code"]]
        g = groups.setdefault(
            unit.code,
            {
                "code": unit.code,
                "name_fr": unit.name_fr,
                "name_ar": unit.name_ar,
                "population": 0,
                "covered_before": 0,
                "covered_after": 0,
            },
        )
        g["population"] += row["population"]
        g["covered_before"] += row["population"] if row["covered_before"] else 0
        g["covered_after"] += row["population"] if row["covered_after"] else 0
    return [
        GroupChangeRead(
            **g,
            covered_before_pct=percent(g["covered_before"], g["population"]),
            covered_after_pct=percent(g["covered_after"], g["population"]),
        )
        for g in groups.values()
    ]


def _finite(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None
