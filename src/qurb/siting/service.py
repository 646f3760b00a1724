"""Siting scenarios: where to add facilities of a level in a territory, saved and compared.

Demand: the communes of the territory (reference points standing for their 2024
population). Existing offer: every open public facility of the level in the whole country
(kept; a commune already within reach is covered). Candidates: by default the reference
points of the territory's communes that have no facility of that level, or a user's list
(lon, lat, label, optional cost_mad). Travel times from any `TravelTimeModel`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.access.what_if import group_coverage
from qurb.algo.siting_problem import (
    SitingError,
    SitingProblem,
    SitingResult,
    credit_to_nearest,
)
from qurb.algo.travel import TravelTimeModel
from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import NotFound
from qurb.kernel.shares import percent
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.siting._tables import ScenarioRow
from qurb.siting.candidates import (
    Candidates,
    check_candidates,
    default_candidates,
    read_candidates,
    session_locator,
)
from qurb.siting.model import Scenario
from qurb.territory.model import Territory
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
    # Candidate sites given inline (the web's): rows of lon, lat, label, cost_mad.
    candidates: tuple[Mapping[str, Any], ...] | None = None
    method: Literal["auto", "exact", "heuristic"] = "auto"
    time_limit_s: float = 60.0
    seed: int = 0
    model: str = "commune-graph"

    def params(self) -> dict[str, Any]:
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}
        if out["candidates"] is not None:
            out["candidates"] = [dict(row) for row in out["candidates"]]
        return out

    def selector(self) -> FacilitySelector:
        return FacilitySelector.from_options(
            (self.level,) if self.level else (), self.categories, self.services, self.tier
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


def check_request(request: SitingRequest) -> None:
    """What a request asks, checked before anything is read: sites to add or a budget
    (one of them), the time objective with sites to add, a known offer."""
    if request.add is None and request.budget_amount_mad is None:
        raise SitingError(code="add_or_budget")
    if request.add is not None and request.budget_amount_mad is not None:
        raise SitingError(code="add_and_budget")
    if request.objective == "time" and request.add is None:
        raise SitingError(code="time_objective_without_add")
    request.selector()  # an unknown category or service: refused here


def run_siting(
    session: Session,
    request: SitingRequest,
    model: TravelTimeModel,
    index: TerritoryIndex | None = None,
) -> Scenario:
    """Solve the request; the scenario (not yet saved)."""
    index = index or TerritoryIndex.from_session(session)
    territory = index.resolve(request.territory)
    check_request(request)
    origins = read_origins(index, territory)
    existing = read_destinations(session, request.selector())
    existing_nearest = model.compute_nearest(origins.points, existing.points)
    candidates = _candidates(session, index, territory, request)
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
    document = _scenario(
        index, territory, request, model, origins, existing_nearest.minutes, candidates, result
    )
    # Each chosen site's newly covered people: those nearer to it than to the others.
    chosen = matrix.minutes[:, list(result.chosen)]
    nearest = np.argmin(chosen, axis=1) if result.chosen else np.full(len(chosen), -1)
    credit = credit_to_nearest(result.newly_covered_population, nearest, len(result.chosen))
    for site, people in zip(document.sites, credit, strict=True):
        site.newly_covered = round(float(people))
    return document


def _candidates(
    session: Session, index: TerritoryIndex, territory: Territory, request: SitingRequest
) -> Candidates:
    if request.candidates is not None:
        rows = enumerate(request.candidates)
        return check_candidates(rows, "candidates", session_locator(session), inline=True)
    if request.candidates_file:
        return read_candidates(Path(request.candidates_file), session_locator(session))
    return default_candidates(session, index, territory, request.selector())


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
            "label_ar": candidates.label_ar(j),
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
                "name_ar": c.name_ar,
                "population": int(origins.population[i]),
                "minutes_before": _finite(before),
                "minutes_after": _finite(after),
                "covered_before": bool(before <= within),
                "covered_after": bool(after <= within),
                "newly_covered_population": round(float(result.newly_covered_population[i])),
            }
        )
    groups = [g.model_dump() for g in group_coverage(index, territory, communes)]
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
            "covered_before_pct": percent(result.covered_before_population, total_population),
            "covered_after_pct": percent(result.covered_after_population, total_population),
            "newly_covered": round(
                result.covered_after_population - result.covered_before_population
            ),
            "candidates": len(candidates.labels),
        },
        "sites": sites,
        "communes": communes,
        "groups": groups,
    }
    return Scenario.model_validate(document)


def problem_cost(candidates: Candidates, request: SitingRequest, j: int) -> float | None:
    if candidates.cost_amount_mad is not None and np.isfinite(candidates.cost_amount_mad[j]):
        return float(candidates.cost_amount_mad[j])
    return request.site_cost_amount_mad


def _finite(value: float) -> float | None:
    return round(value, 1) if np.isfinite(value) else None


# ---------------------------------------------------------------------------- storage


Visibility = Literal["partner", "public"]
VISIBILITIES: tuple[Visibility, ...] = ("partner", "public")


@dataclass(frozen=True)
class SavedScenario:
    id: str
    name: str
    created_at: datetime
    created_by: str
    scenario: Scenario
    kind: str = "siting"
    partner_id: str | None = None
    visibility: str = "partner"


@dataclass(frozen=True)
class ScenarioLine:
    """One saved scenario in a comparison: what it asked and what it achieved, who saved
    it and who may see it. `cost_mad`: the sum of its sites' costs (None when no site has
    one)."""

    id: str
    name: str
    kind: str
    visibility: str
    partner: str | None
    created_by: str
    created_at: str
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
    cost_mad: float | None


def _saved(row: ScenarioRow) -> SavedScenario:
    return SavedScenario(
        row.id,
        row.name,
        row.created_at,
        row.created_by,
        Scenario.model_validate(row.result),
        row.kind,
        row.partner_id,
        row.visibility,
    )


def save_scenario(
    session: Session,
    actor: Actor,
    name: str,
    scenario: Scenario,
    *,
    kind: str = "siting",
    visibility: Visibility = "partner",
) -> SavedScenario:
    """Store the scenario under `name`, by `actor` (its name is what is kept, its partner
    the scenario's), seen by that partner's accounts or by all (`visibility`)."""
    _check_visibility(visibility)
    row = ScenarioRow(
        id=uuid.uuid4().hex[:12],
        name=name,
        kind=kind,
        territory_code=scenario.territory.code,
        params=scenario.params.model_dump(mode="json"),
        result=scenario.document(),
        created_at=clock.now(),
        created_by=actor.name,
        partner_id=actor.partner,
        visibility=visibility,
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
                "visibility": visibility,
                "partner": row.partner_id,
                "params": row.params,
                "sites": [site.label for site in scenario.sites],
                "covered_before_pct": summary.covered_before_pct,
                "covered_after_pct": summary.covered_after_pct,
                "newly_covered": summary.newly_covered,
            },
        ),
    )
    return _saved(row)


def _check_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise SitingError(
            code="bad_visibility",
            values={"visibility": repr(visibility), "allowed": ", ".join(VISIBILITIES)},
        )


def update_scenario(
    session: Session,
    actor: Actor,
    scenario_id: str,
    *,
    name: str | None = None,
    visibility: str | None = None,
) -> SavedScenario:
    """Rename a saved scenario and/or say who may see it; audited `scenario.update` with
    what changed, before and after (nothing changed: nothing written)."""
    row = _row(session, scenario_id, lock=True)
    changes: dict[str, str] = {}
    if name is not None:
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX_CHARS:
            values = {"name": repr(name), "max": NAME_MAX_CHARS}
            raise SitingError(code="bad_scenario_name", values=values)
        if name != row.name:
            changes["name"] = name
    if visibility is not None:
        _check_visibility(visibility)
        if visibility != row.visibility:
            changes["visibility"] = visibility
    if changes:
        before = {key: getattr(row, key) for key in changes}
        for key, value in changes.items():
            setattr(row, key, value)
        session.flush()
        audit.record(
            session,
            actor,
            AuditEvent(
                "scenario.update",
                "scenario",
                row.id,
                territory_code=row.territory_code,
                before=before,
                after=dict(changes),
            ),
        )
    return _saved(row)


# A scenario's name: as the web's ShortName allows.
NAME_MAX_CHARS = 200


def list_scenarios(session: Session, kind: str | None = None) -> list[SavedScenario]:
    query = select(ScenarioRow).order_by(ScenarioRow.created_at.desc())
    if kind:
        query = query.where(ScenarioRow.kind == kind)
    return [_saved(row) for row in session.scalars(query)]


class ScenarioNotFound(SitingError, NotFound):
    """No saved scenario has this id."""


def _row(session: Session, scenario_id: str, *, lock: bool = False) -> ScenarioRow:
    query = select(ScenarioRow).where(ScenarioRow.id == scenario_id)
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        raise ScenarioNotFound(
            f"no scenario {scenario_id!r}: see `qurb scenarios list`",
            code="no_scenario",
            values={"id": repr(scenario_id)},
        )
    return row


def get_scenario(session: Session, scenario_id: str) -> SavedScenario:
    return _saved(_row(session, scenario_id))


def scenario_cost(scenario: Scenario) -> float | None:
    """The sum of the sites' costs (MAD), None when no site has one."""
    costs = [s.cost_mad for s in scenario.sites if s.cost_mad is not None]
    return float(sum(costs)) if costs else None


def compare_scenarios(saved: Sequence[SavedScenario], lang: str = "en") -> list[ScenarioLine]:
    """One line per scenario: what it asked and what it achieved, side by side."""
    out = []
    for one in saved:
        scenario = one.scenario
        params, summary, solver = scenario.params, scenario.summary, scenario.solver
        out.append(
            ScenarioLine(
                id=one.id,
                name=one.name,
                kind=one.kind,
                visibility=one.visibility,
                partner=one.partner_id,
                created_by=one.created_by,
                created_at=one.created_at.isoformat(),
                territory=scenario.territory.code,
                offer=FacilitySelector.from_options(
                    (params.level,) if params.level else (),
                    tuple(params.categories),
                    tuple(params.services),
                    params.tier,
                ).describe(lang),
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
                cost_mad=scenario_cost(scenario),
            )
        )
    return out
