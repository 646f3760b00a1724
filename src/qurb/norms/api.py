"""One territory's census sheet, its needs and its norm gaps (under `/api/territories`, as
the tree)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from qurb.kernel.definitions import estimate_formulas
from qurb.norms.gaps import UnitSupply
from qurb.norms.model import NormError, NormSet
from qurb.norms.norm_sets import available_norm_sets
from qurb.norms.schemas import (
    GapLineRead,
    GapReportRead,
    NeedsRowRead,
    NeedsTable,
    NormSetBrief,
    TerritoryDetail,
)
from qurb.norms.service import (
    compute_needs_table,
    compute_territory_gaps,
    gap_line_words,
    needs_row,
    read_profiles,
    read_supply,
)
from qurb.platform.access import Public
from qurb.platform.cache import CachedBody
from qurb.platform.http import NameText, SessionDep, StateDep, TerritoryCodePath
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.registry.pages import registry_version
from qurb.territory.api import IndexDep, map_focus, unit_or_not_found
from qurb.territory.geography import compute_pyramid, read_census_lines
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.schemas import (
    CensusLineRead,
    PyramidBandRead,
    TerritoryRead,
)
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/territories", tags=["territories"], responses=ERROR_RESPONSES)


CENSUS_SOURCE = (
    "Source : Haut-Commissariat au Plan, Recensement Général de la Population et de "
    "l'Habitat 2024 et 2014."
)


@router.get(
    "/{code}",
    response_model=TerritoryDetail,
    summary="One territory: census figures, age pyramid, needs and public offer",
)
def territory_detail(
    _: Public, code: TerritoryCodePath, request: Request, session: SessionDep, state: StateDep
) -> Response:
    index = state.part(TerritoryIndex)
    unit = unit_or_not_found(index, code)
    version = registry_version(session)
    cached = state.results.get_or_compute(
        ("territory", code, version),
        lambda: CachedBody.from_bytes(_detail(session, index, unit).model_dump_json().encode()),
    )
    return cached.response(request, "no-cache")


def _detail(session: SessionDep, index: TerritoryIndex, unit: Territory) -> TerritoryDetail:
    lines = read_census_lines(session, unit.code)
    pyramid = compute_pyramid(lines)
    profile = read_profiles(session, [unit.code]).get(unit.code)
    supply = read_supply(session, index, unit, unit.level).get(unit.code, UnitSupply({}))
    return TerritoryDetail(
        territory=TerritoryRead.of(unit),
        ancestors=[TerritoryRead.of(a) for a in reversed(index.ancestors(unit.code))],
        children=len(index.children(unit.code)),
        census=[
            CensusLineRead(census=ln.census, area=ln.area, sex=ln.sex, figures=ln.figures)
            for ln in lines
        ],
        pyramid=None if pyramid is None else [PyramidBandRead(**vars(b)) for b in pyramid],
        needs=None
        if profile is None
        else NeedsRowRead.model_validate(needs_row(unit, profile, supply)),
        public_offer=dict(sorted(supply.facilities_by_category.items())),
        focus=map_focus(index, unit),
        source=CENSUS_SOURCE,
    )


@router.get("/{code}/needs", response_model=NeedsTable, summary="Needs and public supply per unit")
def territory_needs(
    _: Public,
    code: TerritoryCodePath,
    session: SessionDep,
    index: IndexDep,
    by: Annotated[
        TerritoryLevel | None, Query(description="level of the lines (default: communes)")
    ] = None,
) -> NeedsTable:
    unit = unit_or_not_found(index, code)
    territory, level, rows = compute_needs_table(session, unit.code, by, index)
    return NeedsTable(
        territory=TerritoryRead.of(territory),
        by=level.value,
        rows=[NeedsRowRead.model_validate(r) for r in rows],
        estimates=estimate_formulas(rows[0]) if rows else {},
    )


def norm_sets_by_id(ids: list[str]) -> list[NormSet]:
    """Norm sets by id (every one when none is named); the web never reads a path."""
    available = available_norm_sets()
    unknown = [i for i in ids if i not in available]
    if unknown:
        values = {"name": unknown, "available": list(available)}
        raise NormError(code="unknown_norm_set_id", values=values)
    return [available[i] for i in ids] or list(available.values())


@router.get("/{code}/gaps", response_model=GapReportRead, summary="Ranked norm gaps")
def territory_gaps(
    _: Public,
    code: TerritoryCodePath,
    session: SessionDep,
    index: IndexDep,
    norms: Annotated[
        list[NameText] | None, Query(description="norm set ids (repeatable; default: all)")
    ] = None,
    by: Annotated[
        TerritoryLevel | None,
        Query(description="level of the lines (default: communes; provinces for Morocco)"),
    ] = None,
    only_gaps: Annotated[bool, Query(description="only the lines with a gap")] = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> GapReportRead:
    unit = unit_or_not_found(index, code)
    sets = norm_sets_by_id(norms or [])
    report = compute_territory_gaps(session, unit.code, sets, by, index)
    shown_status = ("gap", "no_hospital")
    lines = (
        [g for g in report.lines if g.status.value in shown_status] if only_gaps else report.lines
    )
    return GapReportRead(
        territory=TerritoryRead.of(report.territory),
        by=report.by.value,
        norm_sets=[
            NormSetBrief(
                id=s.id,
                version=s.version,
                kind=s.kind.value,
                name_fr=s.name_fr,
                name_ar=s.name_ar,
                name_en=s.name_en,
                source=s.source,
            )
            for s in sets
        ],
        total_lines=len(lines),
        lines=[
            GapLineRead(
                **{
                    **vars(g),
                    "status": g.status.value,
                    "kind": g.kind.value,
                    "population": None if g.status.value == "population_unknown" else g.population,
                    **gap_line_words(g),
                }
            )
            for g in lines[:limit]
        ],
        skipped=report.skipped,
    )
