"""What the plan's opened projects changed in coverage, and the plan's totals.

Method: the opened projects that became a facility (a new facility, an upgrade of
category, a new service) are grouped by the offer they add and the time within which a
commune counts as covered: the scenario's (its offer and threshold) for a project adopted
from one; otherwise the project's own category, level or service within
DEFAULT_WITHIN_MINUTES (the siting's default). For each group, the access service
(`access.service.compute_access`) computes the population of the territory's communes
within that time of the offer twice with the same travel-time model: with the registry
as it stands, and without the facilities those projects became (for an upgrade or a new
service: the facility not counted in that offer). The difference is what they changed.
New equipment changes no facility's offer: it is counted, not measured."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from qurb.access.service import compute_access
from qurb.algo.travel import TravelTimeModel
from qurb.kernel.i18n import say_in
from qurb.kernel.shares import percent
from qurb.registry.points import Destinations, FacilitySelector, read_destinations
from qurb.registry.service import get_facility
from qurb.siting.project_model import STATUSES, ProjectKind, ProjectStatus
from qurb.siting.projects import Project, list_projects
from qurb.siting.service import get_scenario
from qurb.territory.model import Territory
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model

DEFAULT_WITHIN_MINUTES = 60.0


@dataclass(frozen=True)
class StatusTotal:
    status: str
    projects: int
    cost_amount_mad: float | None  # the sum of the known costs (None: none known)
    cost_unknown: int  # projects of this status whose cost is unknown


@dataclass(frozen=True)
class CoverageChange:
    """One offer's coverage in the territory with and without the opened projects'
    facilities."""

    offer: str  # in words, in the reader's language
    levels: tuple[str, ...]
    categories: tuple[str, ...]
    services: tuple[str, ...]
    tier: str | None
    within_minutes: float
    projects: tuple[int, ...]
    facilities: tuple[str, ...]
    population: int
    covered_without: int
    covered_with: int
    covered_without_pct: float | None
    covered_with_pct: float | None
    newly_covered: int
    model: str


def status_totals(projects: Sequence[Project]) -> list[StatusTotal]:
    """Projects and known cost per status, in the statuses' order (every status shown)."""
    out = []
    for status in STATUSES:
        these = [p for p in projects if p.status == status]
        known = [p.cost_amount_mad for p in these if p.cost_amount_mad is not None]
        out.append(
            StatusTotal(
                status,
                len(these),
                float(sum(known)) if known else None,
                len(these) - len(known),
            )
        )
    return out


def _offer(session: Session, project: Project) -> tuple[FacilitySelector, float] | None:
    """The offer an opened project added and its threshold (None: it adds no facility)."""
    if project.opened_facility_id is None:
        return None
    if project.scenario_id is not None:
        params = get_scenario(session, project.scenario_id).scenario.params
        selector = FacilitySelector.from_options(
            (params.level,) if params.level else (),
            tuple(params.categories),
            tuple(params.services),
            params.tier,
        )
        return selector, float(params.within_minutes)
    kind = ProjectKind(project.kind)
    if kind is ProjectKind.UPGRADE_CATEGORY or (
        kind is ProjectKind.NEW_FACILITY and project.category
    ):
        assert project.category is not None
        selector = FacilitySelector.from_options((), (project.category,))
    elif kind is ProjectKind.NEW_FACILITY and project.level:
        selector = FacilitySelector.from_options((project.level,))
    else:
        assert project.service is not None
        selector = FacilitySelector.from_options((), (), (project.service,))
    return selector, DEFAULT_WITHIN_MINUTES


def _without(destinations: Destinations, ids: frozenset[str]) -> Destinations:
    keep = [i for i, one in enumerate(destinations.ids) if one not in ids]
    return Destinations(
        ids=[destinations.ids[i] for i in keep],
        names=[destinations.names[i] for i in keep],
        categories=[destinations.categories[i] for i in keep],
        communes=[destinations.communes[i] for i in keep],
        beds=destinations.beds[keep],
        points=destinations.points.take(keep),
    )


def _given(destinations: Destinations) -> Callable[[FacilitySelector], Destinations]:
    """A destination reader answering `destinations` (read once, for both counts)."""
    return lambda _selector: destinations


def coverage_changes(
    session: Session,
    index: TerritoryIndex,
    territory: Territory,
    projects: Sequence[Project],
    model: TravelTimeModel,
    lang: str = "en",
) -> list[CoverageChange]:
    """Per offer, the territory's coverage with and without the facilities its opened
    projects became (see the module's method)."""
    groups: dict[tuple[FacilitySelector, float], list[Project]] = {}
    for project in projects:
        if project.status != ProjectStatus.OPENED:
            continue
        offer = _offer(session, project)
        if offer is not None:
            groups.setdefault(offer, []).append(project)
    out = []
    for (selector, within), opened in groups.items():
        ids = frozenset(p.opened_facility_id for p in opened if p.opened_facility_id)
        every = read_destinations(session, selector)
        reports = [
            compute_access(session, territory, selector, model, (within,), index, read=_given(d))
            for d in (every, _without(every, ids))
        ]
        with_, without = (r.total for r in reports)
        covered_with = int(with_.population - with_.beyond[within])
        covered_without = int(without.population - without.beyond[within])
        out.append(
            CoverageChange(
                offer=selector.describe(lang),
                levels=selector.levels,
                categories=selector.categories,
                services=selector.services,
                tier=selector.tier,
                within_minutes=within,
                projects=tuple(p.id for p in opened),
                facilities=tuple(sorted(ids)),
                population=int(with_.population),
                covered_without=covered_without,
                covered_with=covered_with,
                covered_without_pct=percent(covered_without, with_.population),
                covered_with_pct=percent(covered_with, with_.population),
                newly_covered=covered_with - covered_without,
                model=reports[0].model,
            )
        )
    return out


@dataclass(frozen=True)
class PlanView:
    """A territory's plan: its projects, totals by status, what the opened ones changed
    in coverage, how that was computed (`method`) and from what (`sources`), worded in
    the reader's language."""

    territory: Territory
    projects: list[Project]
    totals: list[StatusTotal]
    coverage: list[CoverageChange]
    method: str
    sources: list[str]
    # Where each project stands on the map: its own point, else its facility's.
    points: dict[int, tuple[float, float]]


def project_points(session: Session, projects: Sequence[Project]) -> dict[int, tuple[float, float]]:
    """Each project's point on the map: a new facility's own, else its facility's (the
    one it became once opened, else the one it is about)."""
    out = {}
    for project in projects:
        facility_id = project.opened_facility_id or project.facility_id
        if project.lon is not None and project.lat is not None:
            out[project.id] = (project.lon, project.lat)
        elif facility_id is not None:
            facility = get_facility(session, facility_id)
            out[project.id] = (facility.lon, facility.lat)
    return out


def plan_view(
    session: Session,
    index: TerritoryIndex,
    territory: str,
    lang: str = "en",
    model: TravelTimeModel | None = None,
) -> PlanView:
    """The plan of `territory` (any level): the projects within it, by priority. The
    travel-time model is the commune graph's (the access service's default) unless given."""
    unit = index.resolve(territory)
    projects = list_projects(session, index, unit.code)
    model = model or commune_graph_model(session)
    say = say_in(lang)
    return PlanView(
        unit,
        projects,
        status_totals(projects),
        coverage_changes(session, index, unit, projects, model, lang),
        say("plan.method", {"minutes": DEFAULT_WITHIN_MINUTES}),
        [
            say("plan.source.registry", {}),
            say("plan.source.census", {}),
            say("plan.source.model", {"model": model.name}),
        ],
        project_points(session, projects),
    )
