"""The regional plan on the web: a territory's plan (its projects, totals by status and
what the opened ones changed in coverage), a project with its history, a project added,
a scenario adopted, a status moved.

Reading needs a signed-in account holding `scenarios.read` over the territory asked (the
plan is made of what the saved scenarios proposed, read by the same accounts); writing
needs `projects.manage` over the project's territory (adopting: over the scenario's
territory, and the account may see the scenario)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from qurb.identity.grant_service import target_in, territory_target
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.i18n import negotiate
from qurb.platform.access import Access
from qurb.platform.http import IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.siting.plan_coverage import plan_view
from qurb.siting.project_schemas import (
    AdoptBody,
    MoveBody,
    PlanRead,
    ProjectBody,
    ProjectRead,
)
from qurb.siting.projects import Project, add_project, adopt_scenario, get_project, move_project
from qurb.siting.scenario_access import check_visible
from qurb.siting.service import get_scenario
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/plan", tags=["plan"], responses=ERROR_RESPONSES)

# A project's id: a database integer (the largest both engines store).
ProjectId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReadPlan = Annotated[Guard, needs(Permission.SCENARIOS_READ)]
ManagePlan = Annotated[Guard, needs(Permission.PROJECTS_MANAGE)]


def _read(project: Project, index: TerritoryIndex, response: Response | None = None) -> ProjectRead:
    if response is not None:
        response.headers["ETag"] = version_etag(project.version)
    return ProjectRead.of(project, index)


@router.get("", response_model=PlanRead)
def plan(
    http: Request,
    session: SessionDep,
    index: IndexDep,
    guard: ReadPlan,
    territory: Annotated[str, Query(max_length=64, description="a region or province code")],
) -> PlanRead:
    """The plan of a territory (a region, a province or below): its projects by priority
    with their statuses, dates and costs; the totals by status; for the opened projects,
    the territory's coverage within the scenario's threshold with and without the
    facilities they became, computed by the access service, and `method` saying how."""
    guard.over(territory_target(index, territory))
    lang = negotiate(http.headers.get("accept-language"))
    return PlanRead.of(plan_view(session, index, territory, lang), index)


@router.get("/projects/{project_id}", response_model=ProjectRead)
def project(
    project_id: ProjectId, session: SessionDep, index: IndexDep, guard: ReadPlan, response: Response
) -> ProjectRead:
    """One project with every status move; its ETag is its version (If-Match to move it)."""
    found = get_project(session, project_id)
    guard.over(target_in(index, found.territory_code))
    return _read(found, index, response)


@router.post("/projects", response_model=ProjectRead, status_code=201)
def add(body: ProjectBody, state: StateDep, guard: ManagePlan, response: Response) -> ProjectRead:
    """Propose a project (`projects.manage` over its territory); every bad field named
    (422), nothing written then; audited `project.create`."""
    index = state.part(TerritoryIndex)
    actor = guard.over(territory_target(index, body.territory))
    with state.write() as session:
        return _read(add_project(session, actor, body.create(), index), index, response)


@router.post("/adopt", response_model=list[ProjectRead], status_code=201)
def adopt(body: AdoptBody, state: StateDep, guard: ManagePlan) -> list[ProjectRead]:
    """Adopt a saved siting scenario: one new-facility project per site, adopted today
    (`projects.manage` over the scenario's territory, and the account may see it); a
    scenario adopted already is a 409."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        saved = get_scenario(session, body.scenario)
        actor = guard.over(target_in(index, saved.scenario.territory.code))
        reader = Guard(guard.principal, Access(Permission.SCENARIOS_READ, signed_in=True))
        check_visible(reader, index, saved)
        projects = adopt_scenario(session, actor, saved.id, priority=body.priority, index=index)
        return [_read(p, index) for p in projects]


@router.post(
    "/projects/{project_id}/status",
    response_model=ProjectRead,
    responses=VERSIONED_WRITE_RESPONSES,
)
def move(
    project_id: ProjectId,
    body: MoveBody,
    state: StateDep,
    guard: ManagePlan,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectRead:
    """Move a project's status (If-Match: its version; `projects.manage` over its
    territory): forward only (409 `project_status_backwards`), dropped with a reason,
    opened naming the facility or equipment item it became (422 otherwise); audited."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        found = get_project(session, project_id)
        actor = guard.over(target_in(index, found.territory_code))
        version = wanted_versions(if_match)
        moved = move_project(
            session, actor, project_id, body.move(), if_version=version, index=index
        )
        return _read(moved, index, response)
