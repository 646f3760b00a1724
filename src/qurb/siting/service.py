"""Siting scenarios: where to add facilities of a level in a territory, saved and compared.

Demand: the communes of the territory (reference points standing for their 2024
population). Existing offer: every open public facility of the level in the whole country
(kept; a commune already within reach is covered). Candidates: by default the reference
points of the territory's communes that have no facility of that level, or a user's list
(lon, lat, label, optional cost_mad). Travel times from any `TravelTimeModel`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.access.service import summary_level
from qurb.algo.siting_problem import SitingError, SitingProblem, SitingResult
from qurb.algo.travel import Points, TravelTimeModel
from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError, NotFound
from qurb.kernel.i18n import problem
from qurb.kernel.rows import validate_rows
from qurb.platform.files import InputFileError, Number, OptionalNumber, OptionalText, read_records
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.siting._tables import ScenarioRow
from qurb.siting.model import Scenario
from qurb.territory.model import Territory, inside_morocco
from qurb.territory.service import TerritoryIndex, read_origins

Objective = Literal["coverage", "time"]


@dataclass(frozen=True)
class SitingRequest:
    territory: str
    level: str | None = "primary"
    categories: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    tier: str | None = None  # see FacilitySelector.from_options: secondary = general hospital
    add: int | None = None
    budget_amount_mad: float | None = None
    site_cost_amount_mad: float | None = None  # cost of one new site (budget mode)
    within_minutes: float = 60.0
    objective: Objective = "coverage"
    candidates_file: str | None = None
    method: Literal["auto", "exact", "heuristic"] = "auto"
    time_limit_s: float = 60.0
    seed: int = 0
    model: str = "commune-graph"

    def params(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}

    def selector(self) -> FacilitySelector:
        return FacilitySelector.from_options(
            (self.level,) if self.level else (), self.categories, self.services, self.tier
        )


@dataclass(frozen=True)
class Candidates:
    labels: list[str]
    communes: list[str | None]
    points: Points
    cost_amount_mad: np.ndarray | None


def default_candidates(
    session: Session, index: TerritoryIndex, territory: Territory, selector: FacilitySelector
) -> Candidates:
    """Reference points of the territory's communes with no open public facility that
    passes `selector` (on the commune graph a second one at the same reference point
    would change nothing)."""
    served = set(read_destinations(session, selector).communes)
    communes = [
        c
        for c in index.communes_within(territory)
        if c.code not in served and c.ref_lon is not None and c.ref_lat is not None
    ]
    return Candidates(
        [c.name_fr for c in communes],
        [c.code for c in communes],
        Points(
            np.array([c.ref_lon for c in communes], float),
            np.array([c.ref_lat for c in communes], float),
            tuple(c.code for c in communes),
            is_population=False,
        ),
        None,
    )


class CandidateRow(BaseModel):
    """One row of a user's candidate sites (column names in any case)."""

    lon: Number
    lat: Number
    label: OptionalText = None
    name: OptionalText = None
    cost_mad: OptionalNumber = Field(default=None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _lower_keys(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {str(k).strip().lower(): v for k, v in values.items() if k}
        return values


def read_candidates(path: Path, locate: Callable[[float, float], str | None]) -> Candidates:
    """A user's candidate sites: lon, lat, optional label and cost_mad; all rows or none."""
    communes: dict[int, str] = {}

    def where(number: int, row: CandidateRow) -> list[FieldError]:
        if not inside_morocco(row.lon, row.lat):
            return [problem("lon/lat", "outside_morocco_short", number, lon=row.lon, lat=row.lat)]
        commune = locate(row.lon, row.lat)
        if commune is None:
            return [problem("lon/lat", "in_no_commune", number)]
        communes[number] = commune
        return []

    rows = validate_rows(
        CandidateRow,
        ((r.number, r.values) for r in read_records(path)),
        str(path),
        check=where,
    )
    if not rows:
        raise InputFileError(code="no_candidate_site", values={"path": str(path)})
    labels = [str(r.value.label or r.value.name or f"row {r.number}") for r in rows]
    chosen = [communes[r.number] for r in rows]
    cost_array = np.array([np.nan if r.value.cost_mad is None else r.value.cost_mad for r in rows])
    return Candidates(
        labels,
        list(chosen),
        Points(
            np.array([r.value.lon for r in rows]),
            np.array([r.value.lat for r in rows]),
            tuple(chosen),
            tuple(labels),
            False,
        ),
        None if np.isnan(cost_array).all() else cost_array,
    )


def _costs(request: SitingRequest, candidates: Candidates) -> np.ndarray | None:
    if request.budget_amount_mad is None:
        return None
    if candidates.cost_amount_mad is not None:
        if np.isnan(candidates.cost_amount_mad).any():
            missing = int(np.isnan(candidates.cost_amount_mad).sum())
            raise SitingError(code="candidates_without_cost", values={"count": missing})
        return candidates.cost_amount_mad
    if request.site_cost_amount_mad is None:
        raise SitingError(code="budget_without_cost")
    if not (np.isfinite(request.site_cost_amount_mad) and request.site_cost_amount_mad >= 0):
        values = {"cost": request.site_cost_amount_mad}
        raise SitingError(code="negative_site_cost", values=values)
    return np.full(len(candidates.labels), float(request.site_cost_amount_mad))


def run_siting(
    session: Session,
    request: SitingRequest,
    model: TravelTimeModel,
    index: TerritoryIndex | None = None,
) -> Scenario:
    """Solve the request; the scenario (not yet saved)."""
    index = index or TerritoryIndex.from_session(session)
    territory = index.resolve(request.territory)
    if request.add is None and request.budget_amount_mad is None:
        raise SitingError(code="add_or_budget")
    if request.add is not None and request.budget_amount_mad is not None:
        raise SitingError(code="add_and_budget")
    if request.objective == "time" and request.add is None:
        raise SitingError(code="time_objective_without_add")
    origins = read_origins(index, territory)
    existing = read_destinations(session, request.selector())
    existing_nearest = model.compute_nearest(origins.points, existing.points)
    if request.candidates_file:
        from qurb.registry.service import commune_locator

        locator = commune_locator(session)

        def locate(lon: float, lat: float) -> str | None:
            hit = locator.locate(lon, lat, tolerance_km=1.0)
            return hit.code if hit else None

        candidates = read_candidates(Path(request.candidates_file), locate)
    else:
        candidates = default_candidates(session, index, territory, request.selector())
    if not candidates.labels or (request.add is not None and request.add > len(candidates.labels)):
        values = {
            "count": len(candidates.labels),
            "territory": territory.name_fr,
            "offer": request.selector().describe(),
        }
        raise SitingError(
            code="too_few_candidates" if request.add else "no_candidate_for_budget",
            values={**values, "add": request.add} if request.add else values,
        )
    matrix = model.compute_matrix(origins.points, candidates.points)
    problem = SitingProblem(
        demand_population=origins.population,
        candidate_minutes=matrix.minutes,
        existing_minutes=existing_nearest.minutes,
        candidate_cost_amount_mad=_costs(request, candidates),
    )
    # The solvers (HiGHS) are loaded for a run only: listing saved scenarios needs none.
    from qurb.algo.mclp import solve_mclp
    from qurb.algo.pmedian import solve_pmedian

    if request.objective == "coverage":
        result = solve_mclp(
            problem,
            request.within_minutes,
            add=request.add,
            budget_amount_mad=request.budget_amount_mad,
            method=request.method,
            time_limit_s=request.time_limit_s,
            seed=request.seed,
        )
    else:
        assert request.add is not None
        result = solve_pmedian(
            problem,
            add=request.add,
            method=request.method,
            time_limit_s=request.time_limit_s,
            seed=request.seed,
            within_minutes=request.within_minutes,
        )
    return _scenario(
        index, territory, request, model, origins, existing_nearest.minutes, candidates, result
    )


def _scenario(
    index: TerritoryIndex,
    territory: Territory,
    request: SitingRequest,
    model: TravelTimeModel,
    origins: Any,
    before_minutes: np.ndarray,
    candidates: Candidates,
    result: SitingResult,
) -> Scenario:
    within = request.within_minutes
    sites = [
        {
            "rank": rank,
            "label": candidates.labels[j],
            "commune": candidates.communes[j],
            "lon": float(candidates.points.lon[j]),
            "lat": float(candidates.points.lat[j]),
            "cost_mad": problem_cost(candidates, request, j),
        }
        for rank, j in enumerate(result.chosen, start=1)
    ]
    communes = []
    for i, c in enumerate(origins.communes):
        before, after = float(before_minutes[i]), float(result.assigned_minutes[i])
        communes.append(
            {
                "code": c.code,
                "name_fr": c.name_fr,
                "population": int(origins.population[i]),
                "minutes_before": _finite(before),
                "minutes_after": _finite(after),
                "covered_before": bool(before <= within),
                "covered_after": bool(after <= within),
                "newly_covered_population": round(float(result.newly_covered_population[i])),
            }
        )
    level = summary_level(territory)
    groups: dict[str, dict[str, Any]] = {}
    for row in communes:
        unit = index.ancestor_at(row["code"], level) or index.by_code[row["code"]]
        g = groups.setdefault(
            unit.code,
            {
                "code": unit.code,
                "name_fr": unit.name_fr,
                "population": 0,
                "covered_before": 0,
                "covered_after": 0,
            },
        )
        g["population"] += row["population"]
        g["covered_before"] += row["population"] if row["covered_before"] else 0
        g["covered_after"] += row["population"] if row["covered_after"] else 0
    for g in groups.values():
        g["covered_before_pct"] = _pct(g["covered_before"], g["population"])
        g["covered_after_pct"] = _pct(g["covered_after"], g["population"])
    total_population = int(origins.population.sum())
    document = {
        "territory": {
            "code": territory.code,
            "name_fr": territory.name_fr,
            "name_ar": territory.name_ar,
        },
        "params": request.params(),
        "model": model.name,
        "measure": model.measure.as_dict(),
        "solver": {
            "model": result.model.value,
            "method": result.method,
            "status": result.status.value,
            "objective": result.objective,
            "objective_before": result.objective_before,
            "bound": result.bound,
            "gap": result.gap,
            "seconds": round(result.seconds, 3),
            "time_limit_reached": result.time_limit_reached,
            "cost_mad": result.cost_amount_mad,
        },
        "summary": {
            "population": total_population,
            "covered_before": round(result.covered_before_population),
            "covered_after": round(result.covered_after_population),
            "covered_before_pct": _pct(result.covered_before_population, total_population),
            "covered_after_pct": _pct(result.covered_after_population, total_population),
            "newly_covered": round(
                result.covered_after_population - result.covered_before_population
            ),
            "candidates": len(candidates.labels),
        },
        "sites": sites,
        "communes": communes,
        "groups": list(groups.values()),
    }
    return Scenario.model_validate(document)


def problem_cost(candidates: Candidates, request: SitingRequest, j: int) -> float | None:
    if candidates.cost_amount_mad is not None and np.isfinite(candidates.cost_amount_mad[j]):
        return float(candidates.cost_amount_mad[j])
    return request.site_cost_amount_mad


def _finite(value: float) -> float | None:
    return round(value, 1) if np.isfinite(value) else None


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# ---------------------------------------------------------------------------- storage


@dataclass(frozen=True)
class SavedScenario:
    id: str
    name: str
    created_at: datetime
    created_by: str
    scenario: Scenario


@dataclass(frozen=True)
class ScenarioLine:
    """One saved scenario in a comparison: what it asked and what it achieved."""

    id: str
    name: str
    territory: str
    offer: str
    objective: str
    within_minutes: float
    sites: int
    covered_before_pct: float | None
    covered_after_pct: float | None
    newly_covered: int
    objective_value: float
    gap: float | None
    method: str
    chosen: str


def _saved(row: ScenarioRow) -> SavedScenario:
    return SavedScenario(
        row.id, row.name, row.created_at, row.created_by, Scenario.model_validate(row.result)
    )


def save_scenario(session: Session, actor: Actor, name: str, scenario: Scenario) -> SavedScenario:
    """Store the scenario under `name`, by `actor` (its name is what is kept)."""
    row = ScenarioRow(
        id=uuid.uuid4().hex[:12],
        name=name,
        kind="siting",
        territory_code=scenario.territory.code,
        params=scenario.params.model_dump(mode="json"),
        result=scenario.document(),
        created_at=clock.now(),
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    summary = scenario.summary
    audit.record(
        session,
        actor,
        AuditEvent(
            "scenario.create",
            "scenario",
            row.id,
            territory_code=scenario.territory.code,
            after={
                "name": name,
                "kind": row.kind,
                "params": row.params,
                "sites": [site.label for site in scenario.sites],
                "covered_before_pct": summary.covered_before_pct,
                "covered_after_pct": summary.covered_after_pct,
                "newly_covered": summary.newly_covered,
            },
        ),
    )
    return _saved(row)


def list_scenarios(session: Session, kind: str | None = None) -> list[SavedScenario]:
    query = select(ScenarioRow).order_by(ScenarioRow.created_at.desc())
    if kind:
        query = query.where(ScenarioRow.kind == kind)
    return [_saved(row) for row in session.scalars(query)]


class ScenarioNotFound(SitingError, NotFound):
    """No saved scenario has this id."""


def get_scenario(session: Session, scenario_id: str) -> SavedScenario:
    row = session.get(ScenarioRow, scenario_id)
    if row is None:
        raise ScenarioNotFound(
            f"no scenario {scenario_id!r}: see `qurb scenarios list`",
            code="no_scenario",
            values={"id": repr(scenario_id)},
        )
    return _saved(row)


def compare_scenarios(saved: Sequence[SavedScenario]) -> list[ScenarioLine]:
    """One line per scenario: what it asked and what it achieved, side by side."""
    out = []
    for one in saved:
        scenario = one.scenario
        params, summary, solver = scenario.params, scenario.summary, scenario.solver
        out.append(
            ScenarioLine(
                id=one.id,
                name=one.name,
                territory=scenario.territory.code,
                offer=FacilitySelector.from_options(
                    (params.level,) if params.level else (),
                    tuple(params.categories),
                    tuple(params.services),
                    params.tier,
                ).describe(),
                objective=params.objective,
                within_minutes=params.within_minutes,
                sites=len(scenario.sites),
                covered_before_pct=summary.covered_before_pct,
                covered_after_pct=summary.covered_after_pct,
                newly_covered=summary.newly_covered,
                objective_value=round(float(solver.objective), 1),
                gap=solver.gap,
                method=solver.method,
                chosen=", ".join(s.label for s in scenario.sites),
            )
        )
    return out
