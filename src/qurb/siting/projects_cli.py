"""`qurb plan …`: the regional plan's projects — list a territory's plan, show one
project with its history, add one, adopt a saved scenario, move a project's status (the
writes as the token's account, `projects.manage` over the project's territory)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.kernel.attribution import MODEL_SOURCES, Attribution
from qurb.kernel.i18n import cli_lang
from qurb.platform.cli import DbOption, FormatOption, TerritoryOption, open_session, out
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qurb.kernel.actor import Actor
    from qurb.siting.projects import Project

# The plan's rows: the registry's facilities, the census and the travel-time model.
PLAN_SOURCES = Attribution(MODEL_SOURCES)
COLUMNS = [
    "id",
    "kind",
    "title",
    "territory_code",
    "priority",
    "status",
    "status_on",
    "cost_amount_mad",
    "scenario_id",
    "opened_facility_id",
    "opened_equipment_id",
]

plan_app = typer.Typer(
    help="The regional plan's projects: list, show, add, adopt a scenario, move a status.",
    no_args_is_help=True,
)


def _rows(projects: list[Project]) -> list[dict[str, Any]]:
    return [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(p).items()}
        for p in projects
    ]


@plan_app.command("list")
def plan_list(
    territory: TerritoryOption = "MA", fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """A territory's plan: its projects by priority, totals by status, and what the opened
    ones changed in coverage."""
    from qurb.siting.plan_coverage import plan_view
    from qurb.territory.service import TerritoryIndex

    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        view = plan_view(session, index, territory, cli_lang())
    rows = _rows(view.projects)
    for row in rows:
        row.pop("events")
    geometry = [
        {"type": "Point", "coordinates": list(view.points[p.id])} if p.id in view.points else None
        for p in view.projects
    ]
    metadata = {"method": view.method, "coverage": [asdict(c) for c in view.coverage]}
    render(
        rows,
        COLUMNS,
        fmt,
        title=say("cli.plan.title", territory=view.territory.name_fr, count=len(rows)),
        geometry=geometry if fmt is OutputFormat.GEOJSON else None,
        metadata=metadata if fmt is not OutputFormat.TABLE else None,
        sources=PLAN_SOURCES,
    )
    if fmt is not OutputFormat.TABLE:
        return
    totals = [asdict(t) for t in view.totals]
    render(totals, list(totals[0]), fmt, title=say("cli.plan.totals"))
    if view.coverage:
        changes = [asdict(c) for c in view.coverage]
        columns = [
            "offer",
            "within_minutes",
            "projects",
            "covered_without_pct",
            "covered_with_pct",
            "newly_covered",
        ]
        render(changes, columns, fmt, title=say("cli.plan.coverage"))
    out.print(escape(view.method))


@plan_app.command("show")
def plan_show(
    project_id: Annotated[int, typer.Argument(help="Project id.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """One project and every move of its status."""
    from qurb.siting.projects import get_project

    with open_session(db) as session:
        project = get_project(session, project_id)
    [row] = _rows([project])
    events = row.pop("events")
    if fmt is not OutputFormat.TABLE:
        render([{**row, "events": events}], [*row, "events"], fmt, sources=PLAN_SOURCES)
        return
    render([row], list(row), fmt, title=say("cli.plan.project", id=project.id))
    render(events, ["status", "on", "actor", "note"], fmt, title=say("cli.plan.history"))


def _manager(session: Session, territory: str) -> Actor:
    """The token's account acting over `territory` with `projects.manage`."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.grant_service import target_in
    from qurb.identity.permissions import Permission
    from qurb.territory.service import TerritoryIndex

    guard = token_guard(session, Permission.PROJECTS_MANAGE)
    return guard.over(target_in(TerritoryIndex.from_session(session), territory))


def _said(project: Project, key: str) -> None:
    out.print(escape(say(key, id=project.id, title=project.title, status=project.status)))


@plan_app.command("add")
def plan_add(
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="new_facility, upgrade_category, new_equipment or new_service."
        ),
    ],
    title: Annotated[str, typer.Option("--title", help="What the project is, in a line.")],
    territory: Annotated[
        str, typer.Option("--territory", "-t", help="Its commune or province (HCP code).")
    ],
    lon: Annotated[float | None, typer.Option(help="A new facility's longitude.")] = None,
    lat: Annotated[float | None, typer.Option(help="A new facility's latitude.")] = None,
    category: Annotated[
        str | None,
        typer.Option(help="A new facility's category, or an upgrade's target category."),
    ] = None,
    level: Annotated[
        str | None, typer.Option(help="A new facility's level (instead of a category).")
    ] = None,
    facility: Annotated[
        str | None,
        typer.Option(help="The facility upgraded, equipped or given a service (registry id)."),
    ] = None,
    equipment_kind: Annotated[str | None, typer.Option(help="New equipment's kind.")] = None,
    service: Annotated[str | None, typer.Option(help="The new service.")] = None,
    cost: Annotated[
        float | None, typer.Option(help="Cost estimate in MAD (unknown when not given).")
    ] = None,
    priority: Annotated[int, typer.Option(help="1 (the highest) to 5.")] = 3,
    db: DbOption = None,
) -> None:
    """Propose a project (projects.manage over its territory: the token's account;
    audited)."""
    from qurb.siting.project_model import ProjectSubject
    from qurb.siting.projects import ProjectCreate, add_project

    subject = ProjectSubject(lon, lat, category, level, facility, equipment_kind, service)
    create = ProjectCreate(kind, title, territory, subject, cost, priority)
    with open_session(db, write=True) as session:
        project = add_project(session, _manager(session, territory), create)
    _said(project, "cli.plan.added")


@plan_app.command("adopt")
def plan_adopt(
    scenario_id: Annotated[str, typer.Argument(help="The saved scenario's id.")],
    priority: Annotated[int, typer.Option(help="Its projects' priority: 1 to 5.")] = 3,
    db: DbOption = None,
) -> None:
    """Adopt a saved siting scenario: one project per site, adopted (projects.manage over
    its territory: the token's account; audited)."""
    from qurb.siting.projects import adopt_scenario
    from qurb.siting.service import get_scenario

    with open_session(db, write=True) as session:
        territory = get_scenario(session, scenario_id).scenario.territory.code
        actor = _manager(session, territory)
        projects = adopt_scenario(session, actor, scenario_id, priority=priority)
    for project in projects:
        _said(project, "cli.plan.adopted")


@plan_app.command("move")
def plan_move(
    project_id: Annotated[int, typer.Argument(help="Project id.")],
    status: Annotated[
        str,
        typer.Argument(help="adopted, funded, under_construction, opened or dropped."),
    ],
    on: Annotated[
        str | None, typer.Option(help="The day of the move, YYYY-MM-DD (default: today).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note; a drop's reason.")] = None,
    facility: Annotated[
        str | None, typer.Option(help="Opened: the registry facility it became.")
    ] = None,
    equipment: Annotated[
        int | None, typer.Option(help="Opened: the equipment item it became.")
    ] = None,
    if_version: Annotated[
        int | None, typer.Option(help="Refuse if the project changed since this version.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Move a project's status forward, or drop it with a reason (projects.manage over
    its territory: the token's account; audited)."""
    from qurb.kernel.errors import InputError
    from qurb.kernel.i18n import problem
    from qurb.siting.projects import ProjectMove, get_project, move_project

    with open_session(db, write=True) as session:
        try:
            day = date.fromisoformat(on) if on else None
        except ValueError:
            raise InputError(errors=[problem("on", "project_bad_date", value=on)]) from None
        move = ProjectMove(status, day, note, facility, equipment)
        actor = _manager(session, get_project(session, project_id).territory_code)
        project = move_project(session, actor, project_id, move, if_version=if_version)
    _said(project, "cli.plan.moved")
