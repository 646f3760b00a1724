"""The regional plan's projects: added one by one or by adopting a saved siting scenario,
moved along their statuses (every move kept with its day, actor and note, and audited in
the same transaction), listed per territory.

A project's territory is a commune or a province. Its subject is checked against the
registry: a new facility's point lies in the territory, its category or level is known;
an upgrade's, new equipment's or new service's facility exists in the territory; the
category, service and equipment kind are known. Opening names what the project became:
a facility of the registry in the project's territory (for an upgrade or a new service,
the project's own facility), or an equipment item its facility holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, FieldError, NotFound, StaleVersion
from qurb.kernel.i18n import problem
from qurb.registry.facility_services import known_services
from qurb.registry.model import categories
from qurb.registry.service import commune_locator, get_facility
from qurb.siting._tables import ProjectEventRow, ProjectRow
from qurb.siting.equipment_link import check_equipment_item, known_equipment_kinds
from qurb.siting.project_model import (
    NOTE_MAX_CHARS,
    PlanError,
    PlanInputError,
    ProjectKind,
    ProjectStatus,
    ProjectSubject,
    check_move,
    check_project,
    project_kind,
    project_status,
)
from qurb.siting.service import get_scenario
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex

TERRITORY_LEVELS = (TerritoryLevel.COMMUNE, TerritoryLevel.PROVINCE)
DEFAULT_PRIORITY = 3


@dataclass(frozen=True)
class ProjectCreate:
    kind: str
    title: str
    territory: str
    subject: ProjectSubject = field(default_factory=ProjectSubject)
    cost_amount_mad: float | None = None
    priority: int = DEFAULT_PRIORITY


@dataclass(frozen=True)
class ProjectMove:
    """A status move: the status reached, on which day (today when not given), a note
    (a drop's reason), and once opened what the project became."""

    status: str
    on: date | None = None
    note: str | None = None
    facility_id: str | None = None
    equipment_id: int | None = None


@dataclass(frozen=True)
class ProjectEvent:
    status: str
    on: date
    at: datetime
    actor: str
    note: str | None


@dataclass(frozen=True)
class Project:
    id: int
    kind: str
    title: str
    territory_code: str
    lon: float | None
    lat: float | None
    category: str | None
    level: str | None
    facility_id: str | None
    equipment_kind: str | None
    service: str | None
    cost_amount_mad: float | None
    priority: int
    scenario_id: str | None
    site_rank: int | None
    partner_id: str | None
    status: str
    status_on: date
    drop_reason: str | None
    opened_facility_id: str | None
    opened_equipment_id: int | None
    created_at: datetime
    created_by: str
    version: int
    events: tuple[ProjectEvent, ...] = ()

    def snapshot(self) -> dict[str, Any]:
        """As the audit trail keeps it (JSON-safe, no history)."""
        out = asdict(self)
        out.pop("events")
        return {
            k: v.isoformat() if isinstance(v, date | datetime) else v
            for k, v in out.items()
            if k not in ("created_at", "version")
        }


class ProjectNotFound(PlanError, NotFound):
    """No project has this id."""


def _project(row: ProjectRow, events: Sequence[ProjectEventRow] = ()) -> Project:
    return Project(
        id=row.id,
        kind=row.kind,
        title=row.title,
        territory_code=row.territory_code,
        lon=row.lon,
        lat=row.lat,
        category=row.category,
        level=row.level,
        facility_id=row.facility_id,
        equipment_kind=row.equipment_kind,
        service=row.service,
        cost_amount_mad=row.cost_amount_mad,
        priority=row.priority,
        scenario_id=row.scenario_id,
        site_rank=row.site_rank,
        partner_id=row.partner_id,
        status=row.status,
        status_on=row.status_on,
        drop_reason=row.drop_reason,
        opened_facility_id=row.opened_facility_id,
        opened_equipment_id=row.opened_equipment_id,
        created_at=row.created_at,
        created_by=row.created_by,
        version=row.version,
        events=tuple(
            ProjectEvent(e.status, e.moved_on, e.at, e.actor, e.note)
            for e in sorted(events, key=lambda e: e.id)
        ),
    )


# ---------------------------------------------------------------------------- checks


def _facility_problem(
    session: Session, index: TerritoryIndex, name: str, facility_id: str, territory: str
) -> FieldError | None:
    try:
        facility = get_facility(session, facility_id)
    except NotFound:
        return problem(name, "project_facility_unknown", id=repr(facility_id))
    if not index.is_within(facility.commune_code, territory):
        values = {"id": repr(facility_id), "territory": territory}
        return problem(name, "project_facility_outside_territory", **values)
    return None


def _subject_problems(
    session: Session, index: TerritoryIndex, subject: ProjectSubject, territory: str
) -> list[FieldError]:
    problems: list[FieldError] = []
    if subject.category is not None and subject.category not in categories():
        problems.append(problem("category", "project_unknown_category", value=subject.category))
    levels = {c.level.value for c in categories().values()}
    if subject.level is not None and subject.level not in levels:
        problems.append(problem("level", "project_unknown_level", value=subject.level))
    if subject.service is not None and subject.service not in known_services():
        problems.append(problem("service", "project_unknown_service", value=subject.service))
    kinds = known_equipment_kinds()
    if subject.equipment_kind is not None and subject.equipment_kind not in kinds:
        values = {"value": subject.equipment_kind}
        problems.append(problem("equipment_kind", "project_unknown_equipment_kind", **values))
    if subject.facility_id is not None:
        found = _facility_problem(session, index, "facility_id", subject.facility_id, territory)
        problems.extend([found] if found else [])
    if subject.lon is not None and subject.lat is not None:
        hit = commune_locator(session).locate(subject.lon, subject.lat, tolerance_km=1.0)
        if hit is None or not index.is_within(hit.code, territory):
            where: dict[str, object] = {"lon": subject.lon, "lat": subject.lat}
            problems.append(
                problem("lon", "project_point_outside_territory", **where, territory=territory)
            )
    return problems


def _territory(index: TerritoryIndex, code: str) -> str:
    unit = index.by_code.get(code.strip())
    if unit is None or unit.level not in TERRITORY_LEVELS:
        raise PlanInputError(errors=[problem("territory", "project_territory", code=repr(code))])
    return unit.code


# ---------------------------------------------------------------------------- writes


def _audit(
    session: Session, actor: Actor, action: str, project: Project, before: Project | None = None
) -> None:
    audit.record(
        session,
        actor,
        AuditEvent(
            action,
            "project",
            str(project.id),
            territory_code=project.territory_code,
            before=before.snapshot() if before else None,
            after=project.snapshot(),
            reason=project.drop_reason if action == "project.drop" else None,
        ),
    )


def _insert(
    session: Session,
    actor: Actor,
    row: ProjectRow,
    status: ProjectStatus,
    on: date,
    note: str | None,
) -> Project:
    now = clock.now()
    row.status, row.status_on = status.value, on
    row.created_at, row.updated_at, row.created_by = now, now, actor.name
    row.partner_id = actor.partner
    session.add(row)
    session.flush()
    event = ProjectEventRow(
        project_id=row.id, status=status.value, moved_on=on, at=now, actor=actor.name, note=note
    )
    session.add(event)
    session.flush()
    project = _project(row, [event])
    _audit(session, actor, "project.create", project)
    return project


def add_project(
    session: Session, actor: Actor, create: ProjectCreate, index: TerritoryIndex | None = None
) -> Project:
    """A proposed project, every problem of its fields named (nothing written if any)."""
    index = index or TerritoryIndex.from_session(session)
    kind = project_kind(create.kind)
    territory = _territory(index, create.territory)
    subject = create.subject
    check_project(kind, create.title, subject, create.cost_amount_mad, create.priority)
    problems = _subject_problems(session, index, subject, territory)
    if problems:
        raise PlanInputError(errors=problems)
    row = ProjectRow(
        kind=kind.value,
        title=" ".join(create.title.split()),
        territory_code=territory,
        cost_amount_mad=create.cost_amount_mad,
        priority=create.priority,
        **{name: getattr(subject, name) for name in vars(subject)},
    )
    return _insert(session, actor, row, ProjectStatus.PROPOSED, clock.today(), None)


def adopt_scenario(
    session: Session,
    actor: Actor,
    scenario_id: str,
    *,
    priority: int = DEFAULT_PRIORITY,
    index: TerritoryIndex | None = None,
) -> list[Project]:
    """One new-facility project per site of a saved siting scenario, adopted today: its
    point, the commune it stands in (else the scenario's territory), the scenario's
    category (when it asked for one) or level, the site's cost (unknown when the run had
    none). A scenario adopted already is refused (409), as is one with no site."""
    index = index or TerritoryIndex.from_session(session)
    saved = get_scenario(session, scenario_id)
    taken = session.scalars(
        select(ProjectRow.id).where(ProjectRow.scenario_id == saved.id).limit(1)
    ).first()
    if taken is not None:
        raise Conflict(code="scenario_already_adopted", values={"id": repr(saved.id)})
    scenario = saved.scenario
    if saved.kind != "siting" or not scenario.sites:
        raise PlanError(code="scenario_without_sites", values={"id": repr(saved.id)})
    params = scenario.params
    category = params.categories[0] if len(params.categories) == 1 else None
    level = None if category else (params.level or None)
    # A scenario of services alone (maternities): its one service names the new facility.
    service = params.services[0] if not (category or level) and len(params.services) == 1 else None
    outside = [
        problem(
            f"sites[{site.rank}].commune",
            "project_site_outside_scenario",
            site=repr(site.label),
            commune=repr(site.commune),
            territory=repr(scenario.territory.code),
        )
        for site in scenario.sites
        if site.commune in index.by_code
        and not index.is_within(site.commune, scenario.territory.code)
    ]
    if outside:
        # A project is managed over its commune: one outside the scenario's territory is
        # outside the grant adoption was checked against; nothing of the scenario adopted.
        raise PlanInputError(errors=outside)
    adopted = []
    for site in scenario.sites:
        territory = site.commune or scenario.territory.code
        subject = ProjectSubject(
            lon=site.lon, lat=site.lat, category=category, level=level, service=service
        )
        check_project(ProjectKind.NEW_FACILITY, site.label, subject, site.cost_mad, priority)
        row = ProjectRow(
            kind=ProjectKind.NEW_FACILITY.value,
            title=site.label[:200],
            territory_code=_territory(index, territory) if site.commune else territory,
            cost_amount_mad=site.cost_mad,
            priority=priority,
            scenario_id=saved.id,
            site_rank=site.rank,
            **{name: getattr(subject, name) for name in vars(subject)},
        )
        note = f"scenario {saved.id}"
        adopted.append(_insert(session, actor, row, ProjectStatus.ADOPTED, clock.today(), note))
    return adopted


def _locked(session: Session, project_id: int) -> ProjectRow:
    row = session.get(ProjectRow, project_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise ProjectNotFound(code="no_project", values={"id": project_id})
    return row


def _result_problem(
    session: Session, index: TerritoryIndex, row: ProjectRow, move: ProjectMove
) -> FieldError | None:
    """What is wrong with what an opened project became (None: nothing)."""
    if move.equipment_id is not None:
        assert row.facility_id is not None
        found = check_equipment_item(
            session, move.equipment_id, row.facility_id, row.equipment_kind
        )
        return found or _taken(session, row, ProjectRow.opened_equipment_id, move.equipment_id)
    assert move.facility_id is not None
    found = _facility_problem(session, index, "facility_id", move.facility_id, row.territory_code)
    if found is None and row.facility_id is not None and move.facility_id != row.facility_id:
        values = {"id": repr(move.facility_id), "facility": repr(row.facility_id)}
        return problem("facility_id", "project_result_not_its_facility", **values)
    if found is None and get_facility(session, move.facility_id).status != "open":
        return problem("facility_id", "project_facility_closed", id=repr(move.facility_id))
    if found is None and row.kind == ProjectKind.NEW_FACILITY.value:
        # An upgrade or a new service opens in the project's own facility, which several
        # projects may share; a new facility is one project's alone.
        return _taken(session, row, ProjectRow.opened_facility_id, move.facility_id)
    return found


def _taken(session: Session, row: ProjectRow, column: Any, result: str | int) -> FieldError | None:
    """The problem when another project already opened as `result` (None: none did)."""
    other = session.scalar(
        select(ProjectRow.id).where(column == result, ProjectRow.id != row.id).limit(1)
    )
    if other is None:
        return None
    name = "equipment_id" if isinstance(result, int) else "facility_id"
    return problem(name, "project_result_taken", id=repr(result), project=other)


def move_project(
    session: Session,
    actor: Actor,
    project_id: int,
    move: ProjectMove,
    *,
    if_version: int | frozenset[int] | None = None,
    index: TerritoryIndex | None = None,
) -> Project:
    """Move a project's status forward (or drop it, with its reason); audited
    `project.move` (`project.drop`), the move kept in its history."""
    index = index or TerritoryIndex.from_session(session)
    row = _locked(session, project_id)
    wanted = frozenset([if_version]) if isinstance(if_version, int) else if_version
    if wanted is not None and row.version not in wanted:
        raise StaleVersion("project", str(project_id), max(wanted, default=None), row.version)
    target = project_status(move.status)
    on = move.on or clock.today()
    note = " ".join((move.note or "").split()) or None
    if note is not None and len(note) > NOTE_MAX_CHARS:
        raise PlanInputError(errors=[problem("note", "project_note_too_long", max=NOTE_MAX_CHARS)])
    check_move(
        ProjectKind(row.kind),
        ProjectStatus(row.status),
        target,
        on=on,
        today=clock.today(),
        reason=note,
        facility_id=move.facility_id,
        equipment_id=move.equipment_id,
    )
    if on < row.status_on:
        values = {"on": on.isoformat(), "last": row.status_on.isoformat()}
        raise PlanInputError(errors=[problem("on", "project_move_before_last", **values)])
    if target is ProjectStatus.OPENED:
        found = _result_problem(session, index, row, move)
        if found is not None:
            raise PlanInputError(errors=[found])
    before = _project(row)
    row.status, row.status_on, row.updated_at = target.value, on, clock.now()
    row.opened_facility_id = move.facility_id
    row.opened_equipment_id = move.equipment_id
    if target is ProjectStatus.DROPPED:
        row.drop_reason = note
    session.add(
        ProjectEventRow(
            project_id=row.id,
            status=target.value,
            moved_on=on,
            at=row.updated_at,
            actor=actor.name,
            note=note,
        )
    )
    session.flush()
    project = get_project(session, row.id)
    action = "project.drop" if target is ProjectStatus.DROPPED else "project.move"
    _audit(session, actor, action, project, before)
    return project


# ---------------------------------------------------------------------------- reads


def get_project(session: Session, project_id: int) -> Project:
    row = session.get(ProjectRow, project_id)
    if row is None:
        raise ProjectNotFound(code="no_project", values={"id": project_id})
    events = session.scalars(
        select(ProjectEventRow).where(ProjectEventRow.project_id == project_id)
    ).all()
    return _project(row, events)


def list_projects(session: Session, index: TerritoryIndex, territory: str) -> list[Project]:
    """The projects within `territory` (any level), by priority then id, with their
    histories."""
    unit = index.resolve(territory)
    rows = [
        row
        for row in session.scalars(select(ProjectRow).order_by(ProjectRow.priority, ProjectRow.id))
        if index.is_within(row.territory_code, unit.code)
    ]
    events: dict[int, list[ProjectEventRow]] = {}
    if rows:
        ids = [row.id for row in rows]
        for event in session.scalars(
            select(ProjectEventRow).where(ProjectEventRow.project_id.in_(ids))
        ):
            events.setdefault(event.project_id, []).append(event)
    return [_project(row, events.get(row.id, [])) for row in rows]
